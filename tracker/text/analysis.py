"""Change intelligence: what an edit did to a story, sentence by sentence, and how much it matters.

The sentences of two versions are aligned (tracker.text.alignment) into added, deleted, edited,
moved, split and merged sentences. The facts of each rewritten place are compared
(tracker.text.changes), each edit is tagged with the kinds of fact it changes (see Tag), and
scored, so a timeline can be sorted by substantive change: a changed figure, a negation or a new
quote outranks a new paragraph of background, which outranks a figure written another way or a
fixed typo. The headline is analysed as one more sentence, against the previous headline.

Two tags say how the newsroom declared the edit: `correction` when a correction or editor's
note appeared or changed, `silent` when the text changed in substance (more than minor fixes
and figures written another way) while the page's declared modification time stayed as it was.
Both sides must declare a time for an edit to be silent: an imported text declares none.

The analysis is computed once, when a diff is stored (tracker.store), and kept as JSON;
`analyse_diff` is what the write path, `tracker reindex` and migration 0003 all store.
"""

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from tracker.text import diffing, facts, figures, typos
from tracker.text.alignment import Edit, EditKind, Fact, Tag, align, similarity
from tracker.text.changes import Part, edit_facts, group_facts
from tracker.text.corrections import correction_notes
from tracker.text.sentences import Sentence, split_text
from tracker.text.serialize import to_data
from tracker.text.typos import is_minor

__all__ = [
    "Analysed",
    "Analysis",
    "Edit",
    "EditKind",
    "Fact",
    "Revision",
    "Side",
    "Tag",
    "added_text",
    "analyse",
    "analyse_diff",
    "from_json",
    "is_minor",
    "ordered_tags",
    "removed_text",
    "revise",
    "to_json",
]

#: What each tag adds to an edit's significance; a minor edit scores MINOR_SCORE in total.
TAG_WEIGHTS = {
    Tag.NUMBER: 3.0,
    Tag.QUOTE: 2.0,
    Tag.ATTRIBUTION: 1.5,
    Tag.NEGATION: 3.0,
    Tag.HEADLINE: 0.0,
    Tag.LEDE: 1.5,
    Tag.BYLINE: 0.5,
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
#: An edit that only writes the same figures another way ("3" -> "three") scores this.
RESTATED_SCORE = 0.1
#: What a one-word change of meaning adds ("fired" -> "hired", "Tuesday" -> "Thursday").
MEANING_WEIGHT = 2.0
#: The headline is scored as an edited sentence, counted this many times: many readers see
#: only the headline, so a changed figure there outranks the same change in the body.
HEADLINE_FACTOR = 2.0
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
    updated_at: datetime | None = None
    """When the page declared it was last modified (tracker.sources.timestamps), if it did."""


def analyse(old: Side, new: Side) -> Analysis:
    """Align, tag and score the change from `old` to `new`."""
    old_sentences, new_sentences = split_text(old.text), split_text(new.text)
    aligned = align(old_sentences, new_sentences)
    found, new_only = edit_facts(aligned, old_sentences, new_sentences)
    edits = tuple(
        _tag(edit, found.get(n, []), n in new_only, old_sentences, new_sentences)
        for n, edit in enumerate(aligned.edits)
    )
    top, top_tags, top_score = _headline_and_byline(old, new)
    all_facts = (*top, *(fact for edit in edits for fact in edit.facts))
    declared = _declared_tags(old, new, _substantive(edits, top_score))
    tags = _tags_in_order([*top_tags, *(t for e in edits for t in e.tags), *declared])
    raw = sum(edit.significance for edit in edits) + top_score
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


@dataclass(frozen=True)
class Revision:
    """A diff row's computed columns: the word diffs of the text and the headline as deltas,
    their counts and the analysis. A pure function of the two sides, so a snapshot run computes
    it in its extraction processes, beside the extraction, and its one writer only stores it."""

    new: Side
    """The side it was computed for: the write path uses it only for this very side."""
    delta: str
    title_delta: str
    stats: diffing.DiffStats
    analysis: str
    """The analysis as `to_json` stores it."""
    significance: float
    tags: tuple[Tag, ...]
    added: str
    removed: str


def revise(old: Side, new: Side) -> Revision:
    """Diff, analyse and serialise the change from `old` to `new` (see Revision)."""
    ops = diffing.diff_texts(old.text, new.text)
    title_ops = diffing.diff_title(old.title, new.title)
    found = analyse_diff(old, new, ops, title_ops)
    return Revision(new, diffing.to_delta(ops), diffing.to_delta(title_ops),
                    diffing.diff_stats(ops), to_json(found.result), found.result.significance,
                    found.result.tags, found.added, found.removed)


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


def _tag(
    edit: Edit, found: list[Fact], new_only: bool, old: Sequence[Sentence],
    new: Sequence[Sentence],
) -> Edit:
    """Tags and significance of one edit, given its fact changes. A minor edit is one whose
    every change is a fix (tracker.text.typos) and that changes no fact."""
    if edit.ops and not found and is_minor(edit.ops):
        return replace(edit, tags=(Tag.MINOR,), significance=MINOR_SCORE)
    if edit.ops and not found and figures.restated(edit.old_text, edit.new_text):
        return replace(edit, significance=RESTATED_SCORE)
    in_lede = any(old[i].paragraph == 0 for i in edit.old) or any(
        new[j].paragraph == 0 for j in edit.new
    )
    tags = _tags_in_order([f.tag for f in found] + ([Tag.LEDE] if in_lede else []))
    factor = ADDED_TAG_FACTOR if new_only else 1.0
    score = _sentence_score(edit.kind, edit.similarity if edit.ops else 1.0, edit.ops)
    score += factor * sum(TAG_WEIGHTS[tag] for tag in tags)
    return replace(edit, tags=tags, facts=tuple(found), significance=round(score, 3))


def _sentence_score(kind: EditKind, similar: float, ops: diffing.Ops) -> float:
    """What an edit weighs before its tags: its kind, how much of it changed, and how many
    small changes of words changed their meaning."""
    return KIND_WEIGHTS[kind] + (1 - similar) + MEANING_WEIGHT * typos.meaning_swaps(ops)


def _headline_and_byline(old: Side, new: Side) -> tuple[list[Fact], list[Tag], float]:
    """The headline and byline changes: facts, tags and what they add to the score."""
    found: list[Fact] = []
    tags: list[Tag] = []
    score = 0.0
    if (old.title or "") != (new.title or ""):
        found, tags, score = _headline(old.title or "", new.title or "")
    if (old.byline or "") != (new.byline or ""):
        found.append(Fact(Tag.BYLINE, "changed", old.byline, new.byline))
        tags.append(Tag.BYLINE)
        score += TAG_WEIGHTS[Tag.BYLINE]
    return found, tags, score


def _headline(old: str, new: str) -> tuple[list[Fact], list[Tag], float]:
    """A changed headline analysed as one more sentence: its figures, quotes, sources and
    negations compared with the old headline's, and scored by what changed in it."""
    head = Fact(Tag.HEADLINE, "changed", old or None, new or None)

    def who(_: int, new_side: bool) -> str | None:
        named = facts.sources(new if new_side else old)
        return named[-1] if named else None

    parts = [Part(0, old)] if old else [], [Part(0, new)] if new else []
    found = [fact for _, fact in group_facts(*parts, who)]
    ops = diffing.diff_texts(old, new)
    if old and new and not found and is_minor(ops):
        return [head], [Tag.HEADLINE, Tag.MINOR], HEADLINE_FACTOR * MINOR_SCORE
    if not found and figures.restated(old, new):
        return [head], [Tag.HEADLINE], HEADLINE_FACTOR * RESTATED_SCORE
    tags = [Tag.HEADLINE, *_tags_in_order(f.tag for f in found)]
    score = _sentence_score(EditKind.EDITED, similarity(old, new), ops)
    score += sum(TAG_WEIGHTS[tag] for tag in tags)
    return [head, *found], tags, HEADLINE_FACTOR * score


def _substantive(edits: Iterable[Edit], top_score: float) -> bool:
    """True when some edit is more than a fix or a figure written another way: those score
    MINOR_SCORE or RESTATED_SCORE, every other edit more."""
    return (top_score > HEADLINE_FACTOR * RESTATED_SCORE
            or any(edit.significance > RESTATED_SCORE for edit in edits))


def _declared_tags(old: Side, new: Side, substantive: bool) -> list[Tag]:
    """`correction` and `silent`, as the module docstring defines them."""
    tags = []
    notes = correction_notes(new.text)
    if notes and notes != correction_notes(old.text):
        tags.append(Tag.CORRECTION)
    if substantive and old.updated_at is not None and old.updated_at == new.updated_at:
        tags.append(Tag.SILENT)
    return tags


def ordered_tags(names: Iterable[str]) -> tuple[str, ...]:
    """Stored tag names in the order of Tag (figures first, minor last), for display."""
    present = set(names)
    return tuple(tag.value for tag in Tag if tag.value in present)


def _tags_in_order(tags: Iterable[Tag]) -> tuple[Tag, ...]:
    present = set(tags)
    return tuple(tag for tag in Tag if tag in present)


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
