"""The timeline: one line per version, oldest at the top, the highlighted line is the one shown.

Rows never wrap: every column is as wide as its widest value in this story, and the list is
given exactly the width of its rows (plus its scrollbar), so a 300-version story with 5-digit
word counts lines up as well as the eight-version sample. Bars compare the changes with each
other; version 1 is not a change but the first text, so it is drawn as "first", not as a bar
that would dwarf every edit after it.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.events import Click
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tracker.db.summaries import VersionSummary
from tracker.text.display import format_time

BAR_WIDTH = 6
BAR_CHAR = "▮"
TIME_WIDTH = 11
"""Month, day and time: the year is in the diff pane's header."""
CHROME = 2
"""Columns the list adds around its rows: its scrollbar and the border beside the pane."""


@dataclass(frozen=True)
class Columns:
    """Widths of the number and word-count columns, from the widest value in the story."""

    number: int
    words: int

    @classmethod
    def of(cls, versions: Sequence[VersionSummary]) -> "Columns":
        changes = versions[1:]
        widest = max((max(v.words_added, v.words_removed) for v in changes), default=0)
        return cls(number=len(f"v{len(versions)}"), words=len(str(widest)) + 1)

    @property
    def width(self) -> int:
        """Mark, number, time, added, removed, bar, flags (" H ↩v12" at most): the row width."""
        return 1 + self.number + 1 + TIME_WIDTH + 1 + 2 * (self.words + 1) + BAR_WIDTH + 4 \
            + self.number


def change_bar(version: VersionSummary, largest: int) -> Text:
    """A bar whose length is the size of the change into `version`, relative to the largest one.

    Any change at all gets at least one block, so a one-word fix is not mistaken for no change.
    """
    size = version.words_added + version.words_removed
    cells = 0 if size == 0 else max(1, round(BAR_WIDTH * size / max(largest, 1)))
    added = round(cells * version.words_added / size) if size else 0
    bar = Text(BAR_CHAR * added, "green")
    bar.append(BAR_CHAR * (cells - added), "red")
    bar.append(" " * (BAR_WIDTH - cells))
    return bar


def header_row(columns: Columns) -> Text:
    """The column labels above the rows."""
    words = columns.words
    label = f" {'ver':<{columns.number}} {'seen':<{TIME_WIDTH}} {'+':>{words}} {'-':>{words}} "
    return Text(label + "change", "bold", no_wrap=True, overflow="crop")


def timeline_row(
    version: VersionSummary, largest: int, columns: Columns, mark: bool = False
) -> Text:
    """One version as a fixed-width line: number, time, +/- words, bar and flags."""
    row = Text(no_wrap=True, overflow="crop")
    row.append("*" if mark else " ", "bold yellow")
    row.append(f"{'v' + str(version.number):<{columns.number}} ", "bold")
    row.append(f"{format_time(version.observed_at)[5:]} ")
    if version.number == 1:
        row.append(f"{'first':>{2 * columns.words + 1}} ", "dim")
    else:
        row.append(f"{'+' + str(version.words_added):>{columns.words}} ", "green")
        row.append(f"{'-' + str(version.words_removed):>{columns.words}} ", "red")
        row.append_text(change_bar(version, largest))
    if version.headline_changed:
        row.append(" H", "bold magenta")
    if version.reverts_to:
        row.append(f" ↩v{version.reverts_to}", "yellow")
    return row


class Timeline(ScrollView, can_focus=True):
    """The versions of one story; moving the highlight selects the version to show.

    One row per version, never wrapped, painted only while in view: an OptionList measured
    every one of a 300-version story's rows before showing any. The keys that move the
    highlight are the story screen's, which moves it and shows the version in one frame; a
    move repaints only the two rows it changed.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"timeline--cursor"}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "screen.newer", "Newer", show=False,
                tooltip="The version after this one (in the list of versions)"),
        Binding("up,k", "screen.older", "Older", show=False,
                tooltip="The version before this one (in the list of versions)"),
        Binding("home", "screen.first", "", show=False),  # in the help as the screen's
        Binding("end", "screen.last", "", show=False),
    ]

    highlighted: reactive[int | None] = reactive(None, repaint=False)

    @dataclass
    class Highlighted(Message):
        """The highlight moved to row `index` (by a click, or by the screen)."""

        index: int

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.columns = Columns(2, 2)
        self.rows: list[Text] = []
        self.numbers: list[int] = []
        self._strips: dict[int, Strip] = {}
        self._styles = (Style(), Style())

    @property
    def option_count(self) -> int:
        return len(self.rows)

    def show_versions(self, versions: list[VersionSummary], marked: set[int]) -> None:
        """Fill the list, keeping the highlight where it was when the versions only grew."""
        largest = max((v.words_added + v.words_removed for v in versions[1:]), default=0)
        self.columns = Columns.of(versions)
        self.rows = [timeline_row(v, largest, self.columns, v.number in marked)
                     for v in versions]
        self.numbers = [v.number for v in versions]
        self._strips.clear()
        self.virtual_size = Size(self.columns.width, len(self.rows))
        keep = self.highlighted
        self.highlighted = keep if keep is not None else len(versions) - 1
        self.refresh()
        self.call_after_refresh(self.scroll_to_highlight)  # once it has its size

    def scroll_to_highlight(self) -> None:
        """Bring the highlighted row into view."""
        if self.highlighted is not None:
            self.scroll_to_region(Region(0, self.highlighted, 1, 1), animate=False,
                                  immediate=True)

    def on_resize(self) -> None:
        self.scroll_to_highlight()

    def validate_highlighted(self, highlighted: int | None) -> int | None:
        if highlighted is None or not self.rows:
            return None
        return max(0, min(highlighted, len(self.rows) - 1))

    def watch_highlighted(self, old: int | None, new: int | None) -> None:
        for index in {old, new} - {None}:
            assert index is not None
            self.refresh_line(index)
        if new is not None:
            self.scroll_to_highlight()
            self.post_message(self.Highlighted(new))

    def selected_number(self) -> int | None:
        """The version number under the highlight."""
        index = self.highlighted
        return self.numbers[index] if index is not None else None

    def on_click(self, event: Click) -> None:
        self.highlighted = self.scroll_offset.y + event.y

    def render_lines(self, crop: Region) -> list[Strip]:
        """Work out the row and cursor styles once a frame (they walk the CSS)."""
        self._styles = (self.rich_style, self.get_component_rich_style("timeline--cursor"))
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        base, cursor = self._styles
        width = self.scrollable_content_region.width
        if index >= len(self.rows):
            return Strip.blank(width, base)
        strip = self._strips.get(index)
        if strip is None:
            strip = self._strips[index] = Strip(self.rows[index].render(self.app.console))
        style = base + cursor if index == self.highlighted else base
        return strip.crop_extend(0, width, style).apply_style(style)
