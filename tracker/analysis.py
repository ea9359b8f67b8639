"""Change intelligence: what an edit did to a story, sentence by sentence, and how much it matters.

Following the NewsEdits taxonomy, the sentences of two versions are aligned and each is classed
as unchanged, added, deleted, edited, moved, split or merged. Each edit is then tagged with the
kinds of fact it changes (see Tag) from the rules in tracker.facts, and scored, so a timeline can
be sorted by substantive change: a changed figure or a new quote outranks a new paragraph of
background, which outranks a fixed typo.

The analysis is computed once, when a diff is stored (tracker.store), and kept as JSON.
"""

import difflib
import itertools
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from tracker import diffing, facts
from tracker.sentences import Sentence, split_text
from tracker.serialize import to_data

#: Two sentences are one edited sentence when their words are at least this similar
#: (difflib ratio over lower-cased words): "at least 10 missiles" -> "more than a dozen
#: missiles" in a 35-word lede scores ~0.9, an unrelated sentence of the same story ~0.1-0.3.
EDIT_SIMILARITY = 0.5
#: A sentence elsewhere in the text is the same sentence, moved, from this similarity.
MOVE_SIMILARITY = 0.8
#: One sentence became two (split) or two became one (merged) when the joined pair is at least
#: this similar and clearly better than either sentence alone.
SPLIT_SIMILARITY = 0.8
SPLIT_MARGIN = 0.15
#: A changed word within this character similarity of the old one is a typo fix ("baner" ->
#: "banner" is 0.91); "Iran" -> "Iraq" (0.75) is not, and neither is any change of digits.
TYPO_SIMILARITY = 0.8
#: Pairs of sentences to compare before giving up on fuzzy matching in one changed region: a
#: rewrite of two 200-sentence texts is reported as deletions and additions, not searched.
MAX_PAIRS = 40_000

_WORD = re.compile(r"[\w'\u2019.-]*\w")
_NON_WORD = re.compile(r"[\W_]+")


class EditKind(StrEnum):
    UNCHANGED = "unchanged"
    ADDED = "added"
    DELETED = "deleted"
    EDITED = "edited"
    MOVED = "moved"
    SPLIT = "split"
    MERGED = "merged"


class Tag(StrEnum):
    """Kinds of fact change, the vocabulary of `tracker search --tag` and the timeline."""

    NUMBER = "number"
    QUOTE = "quote"
    ATTRIBUTION = "attribution"
    HEADLINE = "headline"
    LEDE = "lede"
    BYLINE = "byline"
    MINOR = "minor"


#: What each tag adds to an edit's significance; a minor edit scores MINOR_SCORE in total.
TAG_WEIGHTS = {
    Tag.NUMBER: 3.0,
    Tag.QUOTE: 2.0,
    Tag.ATTRIBUTION: 1.0,
    Tag.HEADLINE: 4.0,
    Tag.LEDE: 1.5,
    Tag.BYLINE: 1.0,
}
KIND_WEIGHTS = {
    EditKind.ADDED: 1.0,
    EditKind.DELETED: 1.0,
    EditKind.EDITED: 0.5,
    EditKind.MOVED: 0.3,
    EditKind.SPLIT: 0.3,
    EditKind.MERGED: 0.3,
}
MINOR_SCORE = 0.05
#: The diff's score is 100 * (1 - exp(-sum / SCALE)): about 10 for one typical added
#: sentence, 50 for a changed figure in the lede plus a little more, near 100 for a rewrite.
SCALE = 10.0


@dataclass(frozen=True)
class Fact:
    """One changed fact: a figure, a quote, a source, the headline or the byline."""

    tag: Tag
    change: str
    """"changed", "added" or "removed"."""
    old: str | None = None
    new: str | None = None
    who: str | None = None
    """For quotes: who the sentence attributes the quote to, when it says."""


@dataclass(frozen=True)
class Edit:
    """One aligned group of sentences that differ between the versions."""

    kind: EditKind
    old: tuple[int, ...]
    """Indexes of the old version's sentences (see tracker.sentences.split_text)."""
    new: tuple[int, ...]
    old_text: str
    new_text: str
    similarity: float
    ops: diffing.Ops
    """Word diff from old_text to new_text (edited, moved, split, merged); empty otherwise."""
    tags: tuple[Tag, ...] = ()
    facts: tuple[Fact, ...] = ()
    significance: float = 0.0


@dataclass(frozen=True)
class Analysis:
    """The analysis of one diff, stored with it."""

    edits: tuple[Edit, ...]
    unchanged: int
    """Sentences kept as they were (not listed in edits, to keep the stored JSON small)."""
    tags: tuple[Tag, ...]
    facts: tuple[Fact, ...]
    """Every fact change of the diff, headline and byline first."""
    significance: float
    """0-100, see SCALE."""


@dataclass(frozen=True)
class Side:
    """One version as the analysis sees it."""

    text: str
    title: str | None = None
    byline: str | None = None


def analyse(old: Side, new: Side) -> Analysis:
    """Align, tag and score the change from `old` to `new`."""
    old_sentences, new_sentences = split_text(old.text), split_text(new.text)
    pairs, unchanged = align(old_sentences, new_sentences)
    edits = tuple(_tag(edit, old_sentences, new_sentences) for edit in pairs)
    top = _headline_and_byline(old, new)
    all_facts = (*top, *(fact for edit in edits for fact in edit.facts))
    tags = _tags_in_order([fact.tag for fact in top] + [t for e in edits for t in e.tags])
    raw = sum(edit.significance for edit in edits) + sum(TAG_WEIGHTS[f.tag] for f in top)
    return Analysis(edits, unchanged, tags, all_facts, round(100 * (1 - math.exp(-raw / SCALE)), 1))


def align(old: Sequence[Sentence], new: Sequence[Sentence]) -> tuple[list[Edit], int]:
    """Sentence alignment: the changed groups, in the new version's order, and how many
    sentences are unchanged. Exact runs first (difflib over whole sentences), then within each
    changed region splits, merges and edits, then moves across regions."""
    old_keys, new_keys = [_key(s.text) for s in old], [_key(s.text) for s in new]
    matcher = difflib.SequenceMatcher(None, old_keys, new_keys, autojunk=False)
    edits: list[Edit] = []
    left_old: set[int] = set()
    left_new: set[int] = set()
    unchanged = 0
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            unchanged += i2 - i1
            continue
        region = _Region(old, new, list(range(i1, i2)), list(range(j1, j2)))
        edits += region.match()
        left_old.update(region.old_left)
        left_new.update(region.new_left)
    edits += _moves(old, new, left_old, left_new)
    edits += [_single(EditKind.DELETED, (i,), (), old[i].text, "") for i in sorted(left_old)]
    edits += [_single(EditKind.ADDED, (), (j,), "", new[j].text) for j in sorted(left_new)]
    return sorted(edits, key=_position), unchanged


class _Region:
    """One run of old sentences replaced by a run of new ones, matched greedily."""

    def __init__(
        self,
        old: Sequence[Sentence],
        new: Sequence[Sentence],
        old_ids: list[int],
        new_ids: list[int],
    ) -> None:
        self.old, self.new = old, new
        self.old_left, self.new_left = set(old_ids), set(new_ids)
        self.old_ids, self.new_ids = old_ids, new_ids

    def match(self) -> list[Edit]:
        if not self.old_ids or not self.new_ids:
            return []
        if len(self.old_ids) * len(self.new_ids) > MAX_PAIRS:
            return []
        return self._splits() + self._edits()

    def _splits(self) -> list[Edit]:
        found = []
        for one, many, kind in (
            (self.old_ids, self.new_ids, EditKind.SPLIT),
            (self.new_ids, self.old_ids, EditKind.MERGED),
        ):
            for i in one:
                found += self._split_of(i, many, kind)
        return found

    def _split_of(self, i: int, many: list[int], kind: EditKind) -> list[Edit]:
        ones, others = (self.old, self.new) if kind == EditKind.SPLIT else (self.new, self.old)
        for a, b in itertools.pairwise(many):
            joined = f"{others[a].text} {others[b].text}"
            score = similarity(ones[i].text, joined)
            singles = max(similarity(ones[i].text, others[x].text) for x in (a, b))
            if (
                score >= SPLIT_SIMILARITY
                and score >= singles + SPLIT_MARGIN
                and self._free(kind, i, (a, b))
            ):
                self._take(kind, i, (a, b))
                if kind == EditKind.SPLIT:
                    return [_paired(kind, (i,), (a, b), ones[i].text, joined, score)]
                return [_paired(kind, (a, b), (i,), joined, ones[i].text, score)]
        return []

    def _free(self, kind: EditKind, i: int, pair: tuple[int, int]) -> bool:
        one, many = (
            (self.old_left, self.new_left)
            if kind == EditKind.SPLIT
            else (self.new_left, self.old_left)
        )
        return i in one and all(x in many for x in pair)

    def _take(self, kind: EditKind, i: int, pair: tuple[int, int]) -> None:
        one, many = (
            (self.old_left, self.new_left)
            if kind == EditKind.SPLIT
            else (self.new_left, self.old_left)
        )
        one.discard(i)
        many.difference_update(pair)

    def _edits(self) -> list[Edit]:
        scored = sorted(
            (
                (similarity(self.old[i].text, self.new[j].text), i, j)
                for i in self.old_left
                for j in self.new_left
            ),
            reverse=True,
        )
        found = []
        for score, i, j in scored:
            if score < EDIT_SIMILARITY:
                break
            if i in self.old_left and j in self.new_left:
                self.old_left.discard(i)
                self.new_left.discard(j)
                found.append(
                    _paired(EditKind.EDITED, (i,), (j,), self.old[i].text, self.new[j].text, score)
                )
        return found


def _moves(
    old: Sequence[Sentence], new: Sequence[Sentence], left_old: set[int], left_new: set[int]
) -> list[Edit]:
    """Sentences that left one place and reappear (perhaps retouched) in another."""
    if len(left_old) * len(left_new) > MAX_PAIRS:
        return []
    scored = sorted(
        ((similarity(old[i].text, new[j].text), i, j) for i in left_old for j in left_new),
        reverse=True,
    )
    found = []
    for score, i, j in scored:
        if score < MOVE_SIMILARITY:
            break
        if i in left_old and j in left_new:
            left_old.discard(i)
            left_new.discard(j)
            found.append(_paired(EditKind.MOVED, (i,), (j,), old[i].text, new[j].text, score))
    return found


def similarity(a: str, b: str) -> float:
    """Word-level similarity of two sentences, 0-1 (difflib's ratio over lower-cased words)."""
    wa, wb = _words(a), _words(b)
    if not wa and not wb:
        return 1.0
    matcher = difflib.SequenceMatcher(None, wa, wb, autojunk=False)
    if matcher.real_quick_ratio() < EDIT_SIMILARITY or matcher.quick_ratio() < EDIT_SIMILARITY:
        return matcher.quick_ratio()
    return matcher.ratio()


def is_minor(ops: diffing.Ops) -> bool:
    """True when every change in a word diff is punctuation, spacing, letter case or a typo fix."""
    changes = _change_pairs(ops)
    return bool(changes) and all(_minor_change(old, new) for old, new in changes)


def to_json(analysis: Analysis) -> str:
    return json.dumps(to_data(analysis), ensure_ascii=False, separators=(",", ":"))


def from_json(text: str) -> Analysis:
    data = json.loads(text)
    return Analysis(
        edits=tuple(_edit_from(item) for item in data["edits"]),
        unchanged=data["unchanged"],
        tags=tuple(Tag(tag) for tag in data["tags"]),
        facts=tuple(_fact_from(item) for item in data["facts"]),
        significance=data["significance"],
    )


def added_text(ops: diffing.Ops) -> str:
    """The inserted runs of a diff, one per line: what `tracker search --added` looks in."""
    return _runs(ops, diffing.INSERT)


def removed_text(ops: diffing.Ops) -> str:
    return _runs(ops, diffing.DELETE)


def _runs(ops: diffing.Ops, kind: int) -> str:
    return "\n".join(" ".join(text.split()) for op, text in ops if op == kind and text.strip())


def _key(text: str) -> str:
    return " ".join(text.split())


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def _position(edit: Edit) -> tuple[int, int]:
    return (edit.new[0] if edit.new else edit.old[0], 0 if edit.new else 1)


def _single(
    kind: EditKind, old: tuple[int, ...], new: tuple[int, ...], old_text: str, new_text: str
) -> Edit:
    return Edit(kind, old, new, old_text, new_text, 0.0, [])


def _paired(
    kind: EditKind,
    old: tuple[int, ...],
    new: tuple[int, ...],
    old_text: str,
    new_text: str,
    score: float,
) -> Edit:
    ops = diffing.diff_texts(old_text, new_text) if old_text != new_text else []
    return Edit(kind, old, new, old_text, new_text, round(score, 3), ops)


def _tag(edit: Edit, old: Sequence[Sentence], new: Sequence[Sentence]) -> Edit:
    """Fact changes and significance of one edit."""
    if edit.ops and is_minor(edit.ops):
        return replace(edit, tags=(Tag.MINOR,), significance=MINOR_SCORE)
    found = [
        *_number_facts(edit),
        *_quote_facts(edit, _speaker(old, edit.old), _speaker(new, edit.new)),
        *_source_facts(edit),
    ]
    in_lede = any(old[i].paragraph == 0 for i in edit.old) or any(
        new[j].paragraph == 0 for j in edit.new
    )
    tags = _tags_in_order([f.tag for f in found] + ([Tag.LEDE] if in_lede else []))
    score = KIND_WEIGHTS[edit.kind] + (1 - edit.similarity if edit.ops else 0.0)
    score += sum(TAG_WEIGHTS[tag] for tag in tags)
    return replace(edit, tags=tags, facts=tuple(found), significance=round(score, 3))


def _number_facts(edit: Edit) -> list[Fact]:
    """Figures that changed inside an edited sentence; a new sentence's figures are new
    information, not a changed figure, and so are not tagged."""
    if edit.kind in (EditKind.ADDED, EditKind.DELETED):
        return []
    before, after = facts.quantities(edit.old_text), facts.quantities(edit.new_text)
    gone, came = list((before - after).elements()), list((after - before).elements())
    if not gone and not came:
        return []
    change = "changed" if gone and came else ("removed" if gone else "added")
    return [Fact(Tag.NUMBER, change, ", ".join(gone) or None, ", ".join(came) or None)]


def _quote_facts(edit: Edit, old_who: str | None, new_who: str | None) -> list[Fact]:
    before, after = facts.quotes(edit.old_text), facts.quotes(edit.new_text)
    gone = [q for q in before if q not in after]
    came = [q for q in after if q not in before]
    if gone and came and edit.kind != EditKind.ADDED and edit.kind != EditKind.DELETED:
        return [Fact(Tag.QUOTE, "changed", " / ".join(gone), " / ".join(came), new_who)]
    return [Fact(Tag.QUOTE, "removed", q, None, old_who) for q in gone] + [
        Fact(Tag.QUOTE, "added", None, q, new_who) for q in came
    ]


def _source_facts(edit: Edit) -> list[Fact]:
    before, after = facts.sources(edit.old_text), facts.sources(edit.new_text)
    low_before, low_after = {s.lower() for s in before}, {s.lower() for s in after}
    gone = [s for s in before if s.lower() not in low_after]
    came = [s for s in after if s.lower() not in low_before]
    if gone and came:
        return [Fact(Tag.ATTRIBUTION, "changed", ", ".join(gone), ", ".join(came))]
    return [Fact(Tag.ATTRIBUTION, "removed", s) for s in gone] + [
        Fact(Tag.ATTRIBUTION, "added", None, s) for s in came
    ]


def _speaker(sentences: Sequence[Sentence], ids: tuple[int, ...]) -> str | None:
    """Who a quote in these sentences is attributed to: named in them, or in one of the two
    sentences before (a quote often runs on after "Hoffman said in a statement."), or in the
    next sentence of the same paragraph ("... he said.")."""
    if not ids:
        return None
    paragraph = sentences[ids[-1]].paragraph
    after = ids[-1] + 1
    nearby = [*ids, ids[0] - 1, ids[0] - 2]
    if after < len(sentences) and sentences[after].paragraph == paragraph:
        nearby.append(after)
    for index in nearby:
        if 0 <= index < len(sentences):
            named = facts.sources(sentences[index].text)
            if named:
                return named[-1]
    return None


def _headline_and_byline(old: Side, new: Side) -> list[Fact]:
    found = []
    if (old.title or "") != (new.title or ""):
        found.append(Fact(Tag.HEADLINE, "changed", old.title, new.title))
    if (old.byline or "") != (new.byline or ""):
        found.append(Fact(Tag.BYLINE, "changed", old.byline, new.byline))
    return found


def _tags_in_order(tags: Iterable[Tag]) -> tuple[Tag, ...]:
    present = set(tags)
    return tuple(tag for tag in Tag if tag in present)


def _change_pairs(ops: diffing.Ops) -> list[tuple[str, str]]:
    """Each run of changes as (deleted, inserted) text."""
    pairs: list[tuple[str, str]] = []
    pending = ["", ""]
    for op, text in [*ops, (diffing.EQUAL, "")]:
        if op == diffing.EQUAL:
            if pending != ["", ""]:
                pairs.append((pending[0], pending[1]))
            pending = ["", ""]
        else:
            pending[0 if op == diffing.DELETE else 1] += text
    return pairs


def _minor_change(old: str, new: str) -> bool:
    old_bare, new_bare = _NON_WORD.sub("", old).lower(), _NON_WORD.sub("", new).lower()
    if old_bare == new_bare:
        return True  # punctuation, spacing or letter case only
    if any(c.isdigit() for c in old + new) or len(old.split()) != 1 or len(new.split()) != 1:
        return False
    ratio = difflib.SequenceMatcher(None, old_bare, new_bare).ratio()
    return ratio >= TYPO_SIMILARITY and min(len(old_bare), len(new_bare)) >= 3


def _edit_from(item: dict[str, Any]) -> Edit:
    return Edit(
        kind=EditKind(item["kind"]),
        old=tuple(item["old"]),
        new=tuple(item["new"]),
        old_text=item["old_text"],
        new_text=item["new_text"],
        similarity=item["similarity"],
        ops=[(op, text) for op, text in item["ops"]],
        tags=tuple(Tag(t) for t in item["tags"]),
        facts=tuple(_fact_from(f) for f in item["facts"]),
        significance=item["significance"],
    )


def _fact_from(item: dict[str, Any]) -> Fact:
    return Fact(Tag(item["tag"]), item["change"], item["old"], item["new"], item["who"])
