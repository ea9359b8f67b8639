"""Turning stored diffs and versions into rich `Text`, for the CLI and the TUI alike.

Every string from the web passes through `tracker.text.display.safe` here, at the last moment
before display, so nothing a page contains can drive the terminal even if it reached the
database some other way. The plain helpers live in that module, so the exports share them
without loading rich.
Deletions are struck through and insertions underlined as well as coloured, so a diff stays
readable in monochrome; `markers=True` adds git-style [-...-]{+...+} markers for plain output.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text

from tracker.history.diffview import DiffView
from tracker.text.analysis import Analysis, Tag
from tracker.text.diffing import DELETE, EQUAL, INSERT, Ops
from tracker.text.display import (
    fact_words,
    format_time,
    kind_counts,
    paragraphs,
    safe,
    with_context,
)

if TYPE_CHECKING:  # tracker.search loads SQLAlchemy; a story's first screen does not
    from tracker.search.model import Snippet

INSERT_STYLE = "bold green underline"
DELETE_STYLE = "red strike"
SKIP_STYLE = "dim"
MATCH_STYLE = "bold reverse"


FACT_LINES = 3
"""Fact changes listed in a compact header; the rest are counted."""


@dataclass(frozen=True)
class DiffStyle:
    """How to show a diff: paragraphs of context around changes (None: all), and markers."""

    context: int | None = None
    markers: bool = False
    compact: bool = False
    """For a screen, not a report: no unchanged headline, and at most FACT_LINES facts."""


def ops_text(ops: Ops, *, markers: bool = False, separate: bool = False) -> Text:
    """One run of diff segments as styled text (a headline, a byline, a paragraph).

    `separate` puts a space between removed words and the words added right after them, so
    a rewritten headline does not read "...in IraqIran launches..." where colour is missing.
    """
    text = Text()
    for index, (op, piece) in enumerate(ops):
        piece = safe(piece)
        if separate and op == INSERT and index and ops[index - 1][0] == DELETE:
            text.append(" ")
        if op == INSERT:
            text.append("{+" + piece + "+}" if markers else piece, INSERT_STYLE)
        elif op == DELETE:
            text.append("[-" + piece + "-]" if markers else piece, DELETE_STYLE)
        else:
            text.append(piece)
    return text


def diff_body(ops: Ops, style: DiffStyle = DiffStyle()) -> Text:
    """The body diff, paragraph by paragraph, with unchanged stretches folded to a marker."""
    body = Text()
    for item in with_context(paragraphs(ops), style.context):
        if isinstance(item, int):
            body.append(f"  ... {item} unchanged paragraph{'s' if item > 1 else ''} ...\n\n",
                        SKIP_STYLE)
        else:
            body.append_text(ops_text(item, markers=style.markers))
            body.append("\n\n")
    body.rstrip()
    return body


def diff_header(view: DiffView, style: DiffStyle = DiffStyle()) -> Text:
    """Versions, times and counts, then headline, byline and date changes, shown above the body."""
    header = Text()
    header.append(f"v{view.old.number} -> v{view.new.number}", "bold")
    header.append(f"  {format_time(view.old.observed_at)} -> {format_time(view.new.observed_at)}")
    header.append(f"  +{view.stats.words_added} ", "green")
    header.append(f"-{view.stats.words_removed} words\n", "red")
    if view.headline_changed:
        header.append("Headline: ", "bold")
        header.append_text(ops_text(view.title_ops, markers=style.markers, separate=True))
        header.append("\n")
    elif not style.compact:
        header.append("Headline: ", "bold").append(safe(view.new.title) + "\n")
    if view.byline_changed:
        header.append("Byline: ", "bold")
        header.append_text(_change_text(view.old.byline, view.new.byline, style.markers))
        header.append("\n")
    for label, old, new in (("Published", view.old.published_at, view.new.published_at),
                            ("Updated", view.old.updated_at, view.new.updated_at)):
        if old != new:
            header.append(f"{label}: ", "bold")
            header.append_text(_change_text(format_time(old), format_time(new), style.markers))
            header.append("\n")
    if view.analysis is not None:
        header.append_text(facts_text(view.analysis, FACT_LINES if style.compact else None))
    return header


DECLARED = {
    Tag.SILENT: "the text changed, but the page's declared update time did not",
    Tag.CORRECTION: "a correction or editor's note appeared or changed",
}
"""How the newsroom declared the edit (tracker.text.analysis), said under the fact changes."""


def facts_text(found: Analysis, most: int | None = None) -> Text:
    """The fact changes of a diff, one per line (`most` of them, the rest counted), under its
    significance and sentence counts; headline and byline are left out (the diff header shows
    them in full)."""
    text = Text()
    counts = kind_counts(found)
    text.append(f"Significance {found.significance:g}", "bold")
    text.append(f"  {counts}\n" if counts else "\n", SKIP_STYLE)
    lines = list(dict.fromkeys((f"{f.tag.value} {f.change}: ", fact_words(f))
                               for f in found.facts if f.tag not in (Tag.HEADLINE, Tag.BYLINE)))
    for label, words in lines[:most]:
        text.append("  " + label, "bold").append(safe(words) + "\n")
    if most is not None and len(lines) > most:
        more = len(lines) - most
        text.append(f"  ... {more} more fact change{'s' * (more > 1)}\n", SKIP_STYLE)
    for tag, words in DECLARED.items():
        if tag in found.tags:
            text.append(f"  {tag}: ", "bold yellow").append(words + "\n")
    minor = sum(Tag.MINOR in edit.tags for edit in found.edits)
    if minor:
        text.append(f"  minor: {minor} typo, punctuation or spacing fix"
                    f"{'es' if minor > 1 else ''}\n", SKIP_STYLE)
    return text


def snippet_text(snippet: "Snippet", *, markers: bool = False) -> Text:
    """A search snippet with its matches highlighted (and in [[...]] for plain output)."""
    text = Text()
    at = 0
    for start, end in snippet.marks:
        text.append(safe(snippet.text[at:start]))
        match = safe(snippet.text[start:end])
        text.append(f"[[{match}]]" if markers else match, MATCH_STYLE)
        at = end
    text.append(safe(snippet.text[at:]))
    return text


def diff_view(view: DiffView, style: DiffStyle = DiffStyle()) -> Text:
    """Header and body together: what `tracker diff` prints."""
    text = diff_header(view, style)
    text.append("\n")
    if not view.stats.changed:
        text.append("The text did not change.", SKIP_STYLE)
    text.append_text(diff_body(view.ops, style))
    return text


def _change_text(old: str | None, new: str | None, markers: bool) -> Text:
    """Old and new value with an arrow between, so they never run together without colour."""
    ops: Ops = [(DELETE, old or ""), (EQUAL, " -> "), (INSERT, new or "")]
    return ops_text([(op, piece) for op, piece in ops if piece], markers=markers)
