"""Turning stored diffs and versions into rich `Text`, for the CLI and the TUI alike.

Every string from the web passes through `strip_control` here, at the last moment before display,
so nothing a page contains can drive the terminal even if it reached the database some other way.
Deletions are struck through and insertions underlined as well as coloured, so a diff stays
readable in monochrome; `markers=True` adds git-style [-...-]{+...+} markers for plain output.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from rich.text import Text

from tracker.db.queries import DiffView, VersionSummary
from tracker.search import Snippet
from tracker.text.analysis import Analysis, EditKind, Fact, Tag
from tracker.text.diffing import DELETE, EQUAL, INSERT, Ops
from tracker.text.normalise import strip_control

INSERT_STYLE = "bold green underline"
DELETE_STYLE = "red strike"
SKIP_STYLE = "dim"
FACT_WIDTH = 70
MATCH_STYLE = "bold reverse"
Paragraph = list[tuple[int, str]]


@dataclass(frozen=True)
class DiffStyle:
    """How to show a diff: paragraphs of context around changes (None: all), and markers."""

    context: int | None = None
    markers: bool = False


def safe(text: str | None) -> str:
    """Untrusted text made safe to print: no control characters or escape sequences."""
    return strip_control(text or "", keep_newlines=True)


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


def ops_text(ops: Ops, *, markers: bool = False) -> Text:
    """One run of diff segments as styled text (a headline, a byline, a paragraph)."""
    text = Text()
    for op, piece in ops:
        piece = safe(piece)
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
        header.append_text(ops_text(view.title_ops, markers=style.markers))
        header.append("\n")
    else:
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
        header.append_text(facts_text(view.analysis))
    return header


def facts_text(found: Analysis) -> Text:
    """The fact changes of a diff, one per line, under its significance and sentence counts;
    headline and byline are left out (the diff header shows them in full)."""
    text = Text()
    counts = kind_counts(found)
    text.append(f"Significance {found.significance:g}", "bold")
    text.append(f"  {counts}\n" if counts else "\n", SKIP_STYLE)
    lines = [(f"{f.tag.value} {f.change}: ", fact_words(f)) for f in found.facts
             if f.tag not in (Tag.HEADLINE, Tag.BYLINE)]
    for label, words in dict.fromkeys(lines):
        text.append("  " + label, "bold").append(safe(words) + "\n")
    minor = sum(Tag.MINOR in edit.tags for edit in found.edits)
    if minor:
        text.append(f"  minor: {minor} typo, punctuation or spacing fix"
                    f"{'es' if minor > 1 else ''}\n", SKIP_STYLE)
    return text


def snippet_text(snippet: Snippet, *, markers: bool = False) -> Text:
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


def tags_label(tags: tuple[str, ...]) -> str:
    """Tags as a short comma-separated list for tables ("number,quote")."""
    return ",".join(tags)


def fact_words(fact: Fact) -> str:
    """A fact change in a few words: “old” -> “new” (who), cut to FACT_WIDTH each side."""
    if fact.change == "changed":
        words = f"“{_cut(fact.old)}” -> “{_cut(fact.new)}”"
    else:
        words = f"“{_cut(fact.new if fact.change == 'added' else fact.old)}”"
    return f"{words} ({fact.who})" if fact.who else words


def _cut(words: str | None, limit: int = FACT_WIDTH) -> str:
    words = words or ""
    return words if len(words) <= limit else words[: limit - 1].rstrip() + "…"


def kind_counts(found: Analysis) -> str:
    """"2 added, 1 edited sentences" style summary of the alignment."""
    counts: dict[EditKind, int] = {}
    for edit in found.edits:
        counts[edit.kind] = counts.get(edit.kind, 0) + max(len(edit.new), len(edit.old), 1)
    parts = [f"{n} {kind.value}" for kind, n in counts.items()]
    return (", ".join(parts) + " sentences") if parts else ""


def diff_view(view: DiffView, style: DiffStyle = DiffStyle()) -> Text:
    """Header and body together: what `tracker diff` prints."""
    text = diff_header(view, style)
    text.append("\n")
    if not view.stats.changed:
        text.append("The text did not change.", SKIP_STYLE)
    text.append_text(diff_body(view.ops, style))
    return text


def version_label(version: VersionSummary) -> str:
    """A one-line description of a version for lists and timelines."""
    change = "first version" if version.number == 1 else (
        f"+{version.words_added} -{version.words_removed} words"
    )
    flags = " headline" * version.headline_changed + (
        f" reverts to v{version.reverts_to}" if version.reverts_to else "")
    other = [tag for tag in version.tags if tag != Tag.HEADLINE]
    flags += f" [{tags_label(tuple(other))}]" if other else ""
    return f"v{version.number}  {format_time(version.observed_at)}  {change}{flags}"


def format_time(moment: datetime | None) -> str:
    """Local time to the minute: what a person reading a timeline wants."""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment else "-"


def _change_text(old: str | None, new: str | None, markers: bool) -> Text:
    ops: Ops = [(DELETE, old or ""), (EQUAL, " "), (INSERT, new or "")]
    return ops_text([(op, piece) for op, piece in ops if piece], markers=markers)


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
