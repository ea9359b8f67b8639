"""The story list's table: its columns for a terminal's width, a story's cells, and the keys
people expect of a list."""

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from tracker.db.summaries import StorySummary
from tracker.text.control import safe

COLUMNS: list[tuple[str, str, int]] = [  # key, label, width (0: what is left, for the title)
    ("new", "New", 3), ("title", "Title", 0), ("site", "Site", -1),
    ("versions", "Ver", 4), ("changed", "Changed", 11), ("checked", "Checked", 11),
    ("status", "Status", 7), ("significance", "Sig", 5),
]
NARROW_COLUMNS = ("checked", "status", "significance")
"""Left out below WIDE_SCREEN columns, so the titles stay readable in an 80-column terminal."""
WIDE_SCREEN = 110
MIN_TITLE_WIDTH = 16
SITE_WIDTHS = (14, 30)
"""The site column's narrowest and widest: wide terminals give it a share of the spare room."""


class StoryTable(DataTable[object]):
    """Rows of stories; j/k, g/G and Home/End move the cursor as in less, vi and mutt.

    DataTable's own Home and End scroll sideways, which a list whose columns always fit never
    needs, so here they go to the first and last story; the last one asks the screen, which
    may have to load the pages before it first.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "cursor_down", "Down", show=False, tooltip="The next story"),
        Binding("up,k", "cursor_up", "Up", show=False, tooltip="The previous story"),
        Binding("home,g", "scroll_top", "First", show=False, tooltip="The first story"),
        Binding("end,G", "screen.last_story", "Last", show=False,
                tooltip="The last story (loading the rest of the list)"),
    ]


def columns_for(width: int) -> list[tuple[str, str, int]]:
    """The columns that fit `width` cells, as (key, label, width); the title takes the width
    the others leave, sharing a quarter of it with the site on wide terminals."""
    wide = width >= WIDE_SCREEN
    columns = [column for column in COLUMNS if wide or column[0] not in NARROW_COLUMNS]
    fixed = sum(size + 2 for _, _, size in columns if size > 0) + 2 + 2  # padding, scrollbar
    spare = width - fixed - 2 - SITE_WIDTHS[0]
    site = min(SITE_WIDTHS[1], max(SITE_WIDTHS[0], SITE_WIDTHS[0] + (spare - 60) // 3))
    title = max(MIN_TITLE_WIDTH, width - fixed - 2 - site)
    sizes = {0: title, -1: site}
    return [(key, label, sizes.get(size, size)) for key, label, size in columns]


def story_cells(story: StorySummary, new: int, keys: Iterable[str]) -> list[Text]:
    """The cells of `story`'s row for the columns `keys`; `new` versions not seen yet. Titles,
    sites and statuses come from the web: stripped of control characters, never markup."""
    cells = {
        "new": Text(str(new) if new else "", "bold yellow", justify="right"),
        "title": Text(safe(story.title) or safe(story.url), no_wrap=True),
        "site": Text(safe(story.site), "dim", no_wrap=True, overflow="ellipsis"),
        "versions": Text(str(story.version_count), justify="right"),
        "changed": Text(short_time(story.last_changed_at)),
        "checked": Text(short_time(story.last_checked_at)),
        "status": Text(safe(story.status)),
        "significance": Text("-" if story.top_significance is None
                             else f"{story.top_significance:.0f}", justify="right"),
    }
    return [cells[key] for key in keys]


def short_time(moment: datetime | None, now: datetime | None = None) -> str:
    """Eleven characters at most: month, day and time this year, the full date before that."""
    if moment is None:
        return "-"
    local = moment.astimezone()
    if local.year == (now or datetime.now(UTC)).astimezone().year:
        return local.strftime("%m-%d %H:%M")
    return local.strftime("%Y-%m-%d")
