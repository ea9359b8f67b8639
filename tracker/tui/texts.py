"""What the TUI's diff pane shows in each mode, built in workers so the UI thread only lays it out.

Everything here goes through `tracker.terminal.render` or `tracker.text.display.safe`, which
strip terminal control sequences from web text; nothing in this module puts a story's text on
screen any other way.
"""

import re
from dataclasses import dataclass
from enum import StrEnum

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.segment import Segment
from rich.text import Text

from tracker.db.summaries import VersionDetail, VersionSummary
from tracker.history.blame import BlamedParagraph, split_paragraphs
from tracker.history.diffview import DiffView
from tracker.terminal import render
from tracker.text import display
from tracker.text.diffing import DELETE, INSERT

ONE_VERSION = (
    "This story has one version so far. Changes appear here once tracker stores a second one."
)
CONTEXT_PARAGRAPHS = 2
"""Unchanged paragraphs kept around each change in the folded inline diff."""
BLAME_COLOURS = ("#5f87d7", "#d7875f", "#5faf5f", "#af5faf", "#d75f5f", "#00afaf", "#af8700",
                 "#8787af")
"""Mid-tone colours that read on dark and light backgrounds alike."""


@dataclass(frozen=True)
class Look:
    """How a pane shows changes: markers or colour alone, unchanged paragraphs folded or not,
    and words to highlight (found with `/`, or the matches of the search that opened it)."""

    markers: bool = False
    folded: bool = True
    find: tuple[str, ...] = ()


class Mode(StrEnum):
    """The diff pane's modes."""

    INLINE = "inline"
    SIDE = "side by side"
    FULL = "full text"
    BLAME = "blame"


@dataclass(frozen=True)
class PaneContent:
    """A prepared renderable, with its plain text so tests and searches can read what it says."""

    renderable: RenderableType
    plain: str

    @classmethod
    def of(cls, text: Text) -> "PaneContent":
        return cls(text, text.plain)


def inline_diff(view: DiffView, look: Look = Look()) -> PaneContent:
    """The word diff, unchanged paragraphs folded around the changes unless `folded` is off."""
    style = render.DiffStyle(context=CONTEXT_PARAGRAPHS if look.folded else None,
                             markers=look.markers, compact=look.folded)
    return PaneContent.of(highlight(render.diff_view(view, style), look.find))


def highlight(text: Text, find: tuple[str, ...]) -> Text:
    """`text` with every occurrence of the words in `find` in reverse video, whatever its case
    and however the words are spaced; reverse reads without colour too."""
    for words in find:
        pattern = r"\s+".join(re.escape(word) for word in words.split())
        if pattern:
            text.highlight_regex(re.compile(pattern, re.IGNORECASE), render.MATCH_STYLE)
    return text


def side_by_side(view: DiffView, look: Look = Look()) -> PaneContent:
    """Old on the left, new on the right, one row per paragraph so the sides line up.

    Both sides are columns of one renderable in one scrolling pane, so they always scroll
    together. Unchanged paragraphs fold as in the inline diff.
    """
    rows = [(Text(f"v{view.old.number}", "bold"), Text(f"v{view.new.number}", "bold"))]
    plain = []
    context = CONTEXT_PARAGRAPHS if look.folded else None
    for item in display.with_context(display.paragraphs(view.ops), context):
        if isinstance(item, int):
            skipped = Text(f"  ... {item} unchanged paragraph{'s' if item > 1 else ''} ...",
                           render.SKIP_STYLE)
            rows += [(skipped, skipped), (Text(), Text())]
            plain.append(skipped.plain)
            continue
        left = render.ops_text([(op, piece) for op, piece in item if op != INSERT],
                               markers=look.markers)
        right = render.ops_text([(op, piece) for op, piece in item if op != DELETE],
                                markers=look.markers)
        rows += [(highlight(left, look.find), highlight(right, look.find)), (Text(), Text())]
        plain.append(f"{left.plain} | {right.plain}")
    header = render.diff_header(view, render.DiffStyle(markers=look.markers, compact=look.folded))
    return PaneContent(Group(highlight(header, look.find), TwoColumns(rows)),
                       "\n".join([header.plain, *plain]))


@dataclass(frozen=True)
class TwoColumns:
    """Rows of two texts side by side, each row as tall as its longer side, the columns
    splitting the width evenly with a gap between them.

    Laid out here rather than by rich's Table, whose every cell went through the whole
    rendering pipeline: for a long story that was most of a switch to side by side.
    """

    rows: list[tuple[Text, Text]]
    gap: int = 2

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        left_width = max(1, -(-options.max_width // 2) - self.gap)
        right_width = max(1, options.max_width - left_width - self.gap)
        gap, new_line = Segment(" " * self.gap), Segment.line()
        for left, right in self.rows:
            lefts, rights = _wrapped(left, console, left_width), _wrapped(right, console,
                                                                          right_width)
            for index in range(max(len(lefts), len(rights))):
                yield from _line(lefts, index, left_width)
                yield gap
                yield from _line(rights, index, right_width)
                yield new_line


def _wrapped(text: Text, console: Console, width: int) -> list[list[Segment]]:
    """`text` wrapped to `width` cells, each line padded to it, as segments."""
    lines = text.wrap(console, width, justify="left", overflow="fold")
    for line in lines:
        if line.style and not line.spans:  # `render` reads the base style only beside spans
            line.stylize(line.style)
    return [list(line.render(console)) for line in lines]


def _line(lines: list[list[Segment]], index: int, width: int) -> list[Segment]:
    """Line `index` of a column, or blanks below the end of a shorter side."""
    return lines[index] if index < len(lines) else [Segment(" " * width)]


def full_text(detail: VersionDetail, only: bool = False, look: Look = Look()) -> PaneContent:
    """One version as it read: its header, then its paragraphs."""
    text = version_header(detail.info)
    if only:
        text.append(ONE_VERSION + "\n\n", "italic")
    text.append(display.safe("\n\n".join(split_paragraphs(detail.text))))
    return PaneContent.of(highlight(text, look.find))


def blame_text(
    info: VersionSummary, blamed: list[BlamedParagraph], look: Look = Look()
) -> PaneContent:
    """Each paragraph in the colour of the version it dates from, that version in the margin."""
    text = version_header(info)
    text.append("Each paragraph is coloured by the version since which it reads so: ", "italic")
    for number in sorted({paragraph.version for paragraph in blamed}):
        text.append(f" v{number} ", f"bold {blame_colour(number)}")
    text.append("\n\n")
    for paragraph in blamed:
        colour = blame_colour(paragraph.version)
        text.append(f"v{paragraph.version:<3} ", f"bold {colour}")
        text.append(display.safe(paragraph.text), colour)
        text.append("\n\n")
    text.rstrip()
    return PaneContent.of(highlight(text, look.find))


def blame_colour(number: int) -> str:
    return BLAME_COLOURS[(number - 1) % len(BLAME_COLOURS)]


def version_header(info: VersionSummary) -> Text:
    """Number, time, size and headline of one version, for panes that show a single version."""
    header = Text()
    header.append(f"v{info.number}", "bold")
    header.append(f"  {display.format_time(info.observed_at)}  {info.word_count} words\n")
    header.append("Headline: ", "bold").append(display.safe(info.title) + "\n")
    if info.byline:
        header.append("Byline: ", "bold").append(display.safe(info.byline) + "\n")
    header.append("\n")
    return header
