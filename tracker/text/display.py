"""Plain-text display helpers shared by every reader: the terminal, the TUI and the exports.

Web text is made safe here (`safe`, defined in tracker.text.control), diffs are cut into
paragraphs and folded around changes, and fact changes and alignments are put into a few
words. Nothing here styles text: the rich rendering in `tracker.terminal.render` builds on
these, and the exports use them without loading rich at all.
"""

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING

# `safe` lives beside strip_control (tracker.text.control); readers call it as display.safe.
from tracker.text.control import safe as safe
from tracker.text.diffing import EQUAL, Ops

if TYPE_CHECKING:  # types only: `safe` is on every command's path, the analysis on few
    from tracker.text.analysis import Analysis, EditKind, Fact

FACT_WIDTH = 70
Paragraph = list[tuple[int, str]]


def paragraphs(ops: Ops) -> list[Paragraph]:
    """Split an edit script at newlines, so each paragraph can be shown or skipped on its own."""
    result: list[Paragraph] = [[]]
    for op, text in ops:
        pieces = text.split("\n")
        for index, piece in enumerate(pieces):
            if index:
                result.append([])
            if piece:
                result[-1].append((op, piece))
    return [paragraph for paragraph in result if paragraph]


def is_changed(paragraph: Paragraph) -> bool:
    return any(op != EQUAL for op, _ in paragraph)


def with_context(items: list[Paragraph], context: int | None) -> Iterator[Paragraph | int]:
    """Yield the paragraphs to show; an int stands for that many folded unchanged ones."""
    if context is None:
        yield from items
        return
    changed = [index for index, item in enumerate(items) if is_changed(item)]
    keep = {i for c in changed for i in range(c - context, c + context + 1)}
    skipped = 0
    for index, item in enumerate(items):
        if index in keep:
            if skipped:
                yield skipped
            skipped = 0
            yield item
        else:
            skipped += 1
    if skipped and changed:
        yield skipped


def tags_label(tags: tuple[str, ...]) -> str:
    """Tags as a short comma-separated list for tables ("number,quote")."""
    return ",".join(tags)


def fact_words(fact: "Fact") -> str:
    """A fact change in a few words: “old” -> “new” (who), cut to FACT_WIDTH each side."""
    if fact.change == "changed":
        words = f"“{_cut(fact.old)}” -> “{_cut(fact.new)}”"
    else:
        words = f"“{_cut(fact.new if fact.change == 'added' else fact.old)}”"
    return f"{words} ({fact.who})" if fact.who else words


def _cut(words: str | None, limit: int = FACT_WIDTH) -> str:
    words = words or ""
    return words if len(words) <= limit else words[: limit - 1].rstrip() + "…"


def kind_counts(found: "Analysis") -> str:
    """"2 added, 1 edited sentences" style summary of the alignment."""
    counts: dict[EditKind, int] = {}
    for edit in found.edits:
        counts[edit.kind] = counts.get(edit.kind, 0) + max(len(edit.new), len(edit.old), 1)
    parts = [f"{n} {kind.value}" for kind, n in counts.items()]
    return (", ".join(parts) + " sentences") if parts else ""


def format_time(moment: datetime | None) -> str:
    """Local time to the minute: what a person reading a timeline wants."""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment else "-"
