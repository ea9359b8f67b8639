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

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tracker.db.queries import VersionSummary
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


class Timeline(OptionList):
    """The versions of one story; moving the highlight selects the version to show.

    The keys that move the highlight are the story screen's, which moves it and shows the
    version in one frame; and a move repaints only the two rows it changed, not the list.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "screen.newer", "Newer", show=False,
                tooltip="The version after this one (in the list of versions)"),
        Binding("up,k", "screen.older", "Older", show=False,
                tooltip="The version before this one (in the list of versions)"),
        Binding("home", "screen.first", "", show=False),  # in the help as the screen's
        Binding("end", "screen.last", "", show=False),
    ]

    highlighted: reactive[int | None] = reactive(None, repaint=False)

    def watch_highlighted(self, old: int | None, new: int | None) -> None:  # type: ignore[override]
        """One option is one line (rows never wrap), so the rows to repaint are the indexes."""
        for index in {old, new} - {None}:
            assert index is not None
            self.refresh_line(index)
        super().watch_highlighted(new)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.columns = Columns(2, 2)

    def show_versions(self, versions: list[VersionSummary], marked: set[int]) -> None:
        """Fill the list, keeping the highlight where it was when the versions only grew."""
        largest = max((v.words_added + v.words_removed for v in versions[1:]), default=0)
        self.columns = Columns.of(versions)
        keep = self.highlighted
        self.set_options(
            Option(timeline_row(v, largest, self.columns, v.number in marked), id=str(v.number))
            for v in versions
        )
        self.highlighted = keep if keep is not None else len(versions) - 1

    def selected_number(self) -> int | None:
        """The version number under the highlight."""
        option = self.highlighted_option
        return int(option.id) if option is not None and option.id else None
