"""Sentence alignment of two versions, and the data model of the edits it finds.

Following the NewsEdits taxonomy, each sentence of the old and the new version is unchanged,
added, deleted, edited (with a similarity and a word diff), moved, split or merged. Exact runs
are matched first (difflib over whole sentences), then, inside each changed region, splits,
merges and edits by word similarity, then moves across regions. tracker.analysis tags and scores
the edits found here.
"""

import difflib
import functools
import itertools
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from tracker.text import diffing
from tracker.text.sentences import Sentence

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
#: Pairs of sentences to compare before giving up on fuzzy matching in one changed region: a
#: rewrite of two 200-sentence texts is reported as deletions and additions, not searched.
MAX_PAIRS = 40_000
#: Seconds the fuzzy matching of one diff may take (it runs in the write path); what is left
#: unmatched when it runs out is reported as deleted and added, and the alignment as incomplete.
#: A full rewrite of a 50-sentence article takes ~0.1 s, an ordinary update a few milliseconds.
TIMEOUT = 0.5

_WORD = re.compile(r"[\w'\u2019.-]*\w")


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
    NEGATION = "negation"
    HEADLINE = "headline"
    LEDE = "lede"
    BYLINE = "byline"
    CORRECTION = "correction"
    """A correction or editor's note appeared or changed (tracker.text.corrections)."""
    SILENT = "silent"
    """The text changed in substance while the page's declared update time stayed the same."""
    MINOR = "minor"


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
class Alignment:
    edits: list[Edit]
    """The changed groups, in the new version's order."""
    unchanged: int
    complete: bool
    """False when TIMEOUT cut the fuzzy matching short."""
    regions: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...] = ()
    """Each run of old sentences replaced by a run of new ones (old indexes, new indexes):
    the edits of one region rewrite one place of the story, so their facts compare together."""


class _Budget:
    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds

    def spent(self) -> bool:
        return time.monotonic() > self.deadline


def align(
    old: Sequence[Sentence], new: Sequence[Sentence], *, timeout: float = TIMEOUT
) -> Alignment:
    """Sentence alignment: the changed groups, in the new version's order, and how many
    sentences are unchanged. Exact runs first (difflib over whole sentences), then within each
    changed region splits, merges and edits, then moves across regions."""
    old_keys, new_keys = [_key(s.text) for s in old], [_key(s.text) for s in new]
    matcher = difflib.SequenceMatcher(None, old_keys, new_keys, autojunk=False)
    budget = _Budget(timeout)
    edits: list[Edit] = []
    left_old: set[int] = set()
    left_new: set[int] = set()
    unchanged = 0
    regions = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            unchanged += i2 - i1
            continue
        regions.append((tuple(range(i1, i2)), tuple(range(j1, j2))))
        region = _Region(old, new, list(range(i1, i2)), list(range(j1, j2)), budget)
        edits += region.match()
        left_old.update(region.old_left)
        left_new.update(region.new_left)
    edits += _moves(old, new, left_old, left_new, budget)
    edits += [_single(EditKind.DELETED, (i,), (), old[i].text, "") for i in sorted(left_old)]
    edits += [_single(EditKind.ADDED, (), (j,), "", new[j].text) for j in sorted(left_new)]
    return Alignment(sorted(edits, key=_position), unchanged, not budget.spent(), tuple(regions))


class _Region:
    """One run of old sentences replaced by a run of new ones, matched greedily."""

    def __init__(
        self,
        old: Sequence[Sentence],
        new: Sequence[Sentence],
        old_ids: list[int],
        new_ids: list[int],
        budget: _Budget,
    ) -> None:
        self.old, self.new, self.budget = old, new, budget
        self.old_left, self.new_left = set(old_ids), set(new_ids)
        self.old_ids, self.new_ids = old_ids, new_ids

    def match(self) -> list[Edit]:
        if not self.old_ids or not self.new_ids:
            return []
        if len(self.old_ids) * len(self.new_ids) > MAX_PAIRS:
            return []
        return self._splits() + self._edits()

    def _splits(self) -> list[Edit]:
        found: list[Edit] = []
        for one, many, kind in (
            (self.old_ids, self.new_ids, EditKind.SPLIT),
            (self.new_ids, self.old_ids, EditKind.MERGED),
        ):
            for i in one:
                if self.budget.spent():
                    return found
                found += self._split_of(i, many, kind)
        return found

    def _split_of(self, i: int, many: list[int], kind: EditKind) -> list[Edit]:
        ones, others = (self.old, self.new) if kind == EditKind.SPLIT else (self.new, self.old)
        size = len(_words(ones[i].text))
        for a, b in itertools.pairwise(many):
            parts = len(_words(others[a].text)) + len(_words(others[b].text))
            if not 0.75 * size <= parts <= 1.33 * size:
                continue  # too different in length to be the same words regrouped
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
        scored = sorted(_scores(self.old, self.new, self.old_left, self.new_left, self.budget),
                        reverse=True)
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
    old: Sequence[Sentence], new: Sequence[Sentence], left_old: set[int], left_new: set[int],
    budget: _Budget,
) -> list[Edit]:
    """Sentences that left one place and reappear (perhaps retouched) in another."""
    if len(left_old) * len(left_new) > MAX_PAIRS:
        return []
    scored = sorted(_scores(old, new, left_old, left_new, budget), reverse=True)
    found = []
    for score, i, j in scored:
        if score < MOVE_SIMILARITY:
            break
        if i in left_old and j in left_new:
            left_old.discard(i)
            left_new.discard(j)
            found.append(_paired(EditKind.MOVED, (i,), (j,), old[i].text, new[j].text, score))
    return found


def _scores(
    old: Sequence[Sentence], new: Sequence[Sentence], old_ids: set[int], new_ids: set[int],
    budget: _Budget,
) -> list[tuple[float, int, int]]:
    """Similarity of every pair, until the budget runs out."""
    scores = []
    for i in old_ids:
        if budget.spent():
            break
        scores += [(similarity(old[i].text, new[j].text), i, j) for j in new_ids]
    return scores


def similarity(a: str, b: str) -> float:
    """Word-level similarity of two sentences, 0-1 (difflib's ratio over lower-cased words)."""
    wa, wb = _words(a), _words(b)
    if not wa and not wb:
        return 1.0
    matcher = difflib.SequenceMatcher(None, wa, wb, autojunk=False)
    if matcher.real_quick_ratio() < EDIT_SIMILARITY or matcher.quick_ratio() < EDIT_SIMILARITY:
        return matcher.quick_ratio()
    return matcher.ratio()


def _key(text: str) -> str:
    return " ".join(text.split())


@functools.lru_cache(maxsize=4096)
def _words(text: str) -> tuple[str, ...]:
    """Lower-cased words of a sentence; cached, since alignment compares each many times."""
    return tuple(w.lower() for w in _WORD.findall(text))


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
