"""Change intelligence: what an edit did to a story, sentence by sentence, and how much it matters.

The sentences of two versions are aligned (tracker.alignment) into added, deleted, edited,
moved, split and merged sentences. Each edit is then tagged with the
kinds of fact it changes (see Tag) from the rules in tracker.facts, and scored, so a timeline can
be sorted by substantive change: a changed figure or a new quote outranks a new paragraph of
background, which outranks a fixed typo.

The analysis is computed once, when a diff is stored (tracker.store), and kept as JSON;
`analyse_diff` is what the write path, `tracker reindex` and migration 0003 all store.
"""

import difflib
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from tracker.text import diffing, facts
from tracker.text.alignment import Edit, EditKind, Fact, Tag, align
from tracker.text.sentences import Sentence, split_text
from tracker.text.serialize import to_data

__all__ = [
    "Analysed",
    "Analysis",
    "Edit",
    "EditKind",
    "Fact",
    "Side",
    "Tag",
    "added_text",
    "analyse",
    "analyse_diff",
    "from_json",
    "is_minor",
    "ordered_tags",
    "removed_text",
    "to_json",
]

#: A changed word within this character similarity of the old one is a typo fix ("baner" ->
#: "banner" is 0.91); "Iran" -> "Iraq" (0.75) is not, and neither is any change of digits.
TYPO_SIMILARITY = 0.8
_NON_WORD = re.compile(r"[\W_]+")


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
#: The tags of a new sentence count this much of their weight: a new quote is news, but a
#: changed figure or quote in a sentence readers already saw is the edit that matters most.
ADDED_TAG_FACTOR = 0.5
#: The diff's score is 100 * (1 - exp(-sum / SCALE)): about 10 for one typical added
#: sentence, 50 for a changed figure in the lede plus a little more, near 100 for a rewrite.
SCALE = 10.0


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
    complete: bool = True
    """False when alignment ran out of time (see tracker.alignment.TIMEOUT): some edited or
    moved sentences may then be shown as deleted and added."""


@dataclass(frozen=True)
class Side:
    """One version as the analysis sees it."""

    text: str
    title: str | None = None
    byline: str | None = None


def analyse(old: Side, new: Side) -> Analysis:
    """Align, tag and score the change from `old` to `new`."""
    old_sentences, new_sentences = split_text(old.text), split_text(new.text)
    aligned = align(old_sentences, new_sentences)
    edits = tuple(_tag(edit, old_sentences, new_sentences) for edit in aligned.edits)
    top = _headline_and_byline(old, new)
    all_facts = (*top, *(fact for edit in edits for fact in edit.facts))
    tags = _tags_in_order([fact.tag for fact in top] + [t for e in edits for t in e.tags])
    raw = sum(edit.significance for edit in edits) + sum(TAG_WEIGHTS[f.tag] for f in top)
    score = round(100 * (1 - math.exp(-raw / SCALE)), 1)
    return Analysis(edits, aligned.unchanged, tags, all_facts, score, aligned.complete)


@dataclass(frozen=True)
class Analysed:
    """What a diff row stores of its change: the analysis and the searchable text."""

    result: Analysis
    added: str
    """The inserted runs, the headline's first: what `tracker search --added` looks in."""
    removed: str


def analyse_diff(old: Side, new: Side, ops: diffing.Ops, title_ops: diffing.Ops) -> Analysed:
    """Analyse the change from `old` to `new`, whose word diffs of the text and the headline
    are `ops` and `title_ops` (computed by the write path, or read back from a stored diff)."""
    added = "\n".join(filter(None, (added_text(title_ops), added_text(ops))))
    removed = "\n".join(filter(None, (removed_text(title_ops), removed_text(ops))))
    return Analysed(analyse(old, new), added, removed)


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
        complete=data.get("complete", True),
    )


def added_text(ops: diffing.Ops) -> str:
    """The inserted runs of a diff, one per line: what `tracker search --added` looks in."""
    return _runs(ops, diffing.INSERT)


def removed_text(ops: diffing.Ops) -> str:
    return _runs(ops, diffing.DELETE)


def _runs(ops: diffing.Ops, kind: int) -> str:
    return "\n".join(" ".join(text.split()) for op, text in ops if op == kind and text.strip())


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
    factor = ADDED_TAG_FACTOR if edit.kind == EditKind.ADDED else 1.0
    score += factor * sum(TAG_WEIGHTS[tag] for tag in tags)
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


def ordered_tags(names: Iterable[str]) -> tuple[str, ...]:
    """Stored tag names in the order of Tag (figures first, minor last), for display."""
    present = set(names)
    return tuple(tag.value for tag in Tag if tag.value in present)


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
