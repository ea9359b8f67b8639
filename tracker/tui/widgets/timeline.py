"""The timeline: one line per version, oldest at the top, the highlighted line is the one shown."""

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tracker.db.queries import VersionSummary
from tracker.text.display import format_time

BAR_WIDTH = 6
BAR_CHAR = "▮"


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


def timeline_row(version: VersionSummary, largest: int, mark: bool = False) -> Text:
    """One version as a fixed-width line: number, time, +/- words, bar and flags."""
    row = Text()
    row.append("*" if mark else " ", "bold yellow")
    row.append(f"v{version.number:<3} ", "bold")
    row.append(f"{format_time(version.observed_at)[5:]} ")  # the year is in the header
    row.append(f"+{version.words_added:<4} ", "green")
    row.append(f"-{version.words_removed:<4} ", "red")
    row.append_text(change_bar(version, largest))
    if version.headline_changed:
        row.append(" H", "bold magenta")
    if version.reverts_to:
        row.append(f" ↩v{version.reverts_to}", "yellow")
    return row


class Timeline(OptionList):
    """The versions of one story; moving the highlight selects the version to show."""

    def show_versions(self, versions: list[VersionSummary], marked: set[int]) -> None:
        """Fill the list, keeping the highlight where it was when the versions only grew."""
        largest = max((v.words_added + v.words_removed for v in versions[1:]), default=0)
        keep = self.highlighted
        self.set_options(
            Option(timeline_row(v, largest, v.number in marked), id=str(v.number))
            for v in versions
        )
        self.highlighted = keep if keep is not None else len(versions) - 1

    def selected_number(self) -> int | None:
        """The version number under the highlight."""
        option = self.highlighted_option
        return int(option.id) if option is not None and option.id else None
