"""The story list: every story, newest change first, narrowed as you type, paged as you scroll.

Sorting and filtering happen in the database, so only a page of rows is ever loaded; scrolling
near the end of what is loaded fetches the next page. Every load carries a generation number and
a result from an older generation (a filter typed over) is dropped.
"""

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.events import Resize
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from tracker.db import queries
from tracker.db.engine import Database
from tracker.db.queries import StoryOrder, StorySummary
from tracker.history import seen
from tracker.text import display
from tracker.tui import texts
from tracker.tui.loading import READ_ERRORS, REFRESH_SECONDS, describe
from tracker.tui.screens.story import StoryScreen

PAGE_SIZE = 100
PREFETCH = 20  # rows before the end of what is loaded at which the next page is fetched
ORDER_LABELS = {  # in the order `s` steps through them
    StoryOrder.CHANGED: "last change", StoryOrder.TITLE: "title", StoryOrder.SITE: "site",
    StoryOrder.VERSIONS: "versions", StoryOrder.CHECKED: "last check",
    StoryOrder.STATUS: "status", StoryOrder.SIGNIFICANCE: "significance",
}
COLUMNS: list[tuple[str, str, int]] = [  # key, label, width (0: what is left, for the title)
    ("new", "New", 3), ("title", "Title", 0), ("site", "Site", 14),
    ("versions", "Ver", 4), ("changed", "Changed", 11), ("checked", "Checked", 11),
    ("status", "Status", 7), ("significance", "Sig", 5),
]
NARROW_COLUMNS = ("checked", "status", "significance")
"""Left out below WIDE_SCREEN columns, so the titles stay readable in an 80-column terminal."""
WIDE_SCREEN = 110
MIN_TITLE_WIDTH = 16


@dataclass(frozen=True)
class ListRequest:
    """What the list shows: which stories and in what order."""

    contains: str = ""
    order: StoryOrder = StoryOrder.CHANGED
    descending: bool = True


class StoryListScreen(Screen[None]):
    """All stories; Enter opens one."""

    AUTO_FOCUS = "#stories"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_story", "Open", tooltip="Open the highlighted story"),
        Binding("slash", "focus_filter", "Filter", key_display="/",
                tooltip="Type to narrow the list by title, URL or site"),
        Binding("s", "next_order", "Sort", tooltip="Sort by the next column"),
        Binding("r", "reverse_order", "Reverse", tooltip="Reverse the sort order"),
        Binding("escape", "clear_filter", "Clear filter", show=False),
    ]

    @dataclass
    class Page(Message):
        """A page of stories, with their counts of new versions, for one generation of the list."""

        generation: int
        offset: int
        stories: list[StorySummary]
        new_counts: dict[int, int]
        total: int | None

    @dataclass
    class Failed(Message):
        error: str

    def __init__(self, db: Database) -> None:
        super().__init__()
        self.db = db
        self.request = ListRequest()
        self.generation = 0
        self.stories: list[StorySummary] = []
        self.new_counts: dict[int, int] = {}
        self.total = 0
        self.fetching = False
        self.fingerprint: tuple[object, ...] | None = None

    def compose(self) -> ComposeResult:
        yield Input(placeholder="Type to filter by title, URL or site", id="filter")
        yield DataTable(id="stories", cursor_type="row", zebra_stripes=True)
        yield Static(id="list-message")
        yield Static(id="list-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).loading = True
        self.reload()
        self.set_interval(REFRESH_SECONDS, self.watch_database)

    def on_screen_resume(self) -> None:
        """Back from a story: its count of new versions has changed."""
        if self.stories:
            self.reload(keep=len(self.stories))

    def reload(self, keep: int = PAGE_SIZE) -> None:
        """Load the list again from the top, as many rows as `keep` (at least one page)."""
        self.generation += 1
        self.fetching = True
        self.fetch(self.generation, self.request, 0, max(keep, PAGE_SIZE), with_total=True)

    @work(thread=True, exclusive=True, group="list", exit_on_error=False)
    def fetch(
        self, generation: int, request: ListRequest, offset: int, limit: int, with_total: bool
    ) -> None:
        try:
            stories = queries.list_stories(
                self.db, contains=request.contains, order=request.order,
                descending=request.descending, offset=offset, limit=limit,
            )
            counts = seen.new_version_counts(self.db, [story.id for story in stories])
            total = (queries.count_stories(self.db, contains=request.contains)
                     if with_total else None)
        except READ_ERRORS as error:
            self.post_message(self.Failed(describe(error)))
            return
        self.post_message(self.Page(generation, offset, stories, counts, total))

    @on(Page)
    def _add_page(self, page: Page) -> None:
        if page.generation != self.generation:
            return
        self.fetching = False
        table = self.query_one(DataTable)
        table.loading = False
        if page.offset == 0:
            self.stories, self.new_counts = [], {}
            self.total = page.total or 0
            self._build_columns()
        self.stories.extend(page.stories)
        self.new_counts.update(page.new_counts)
        table.add_rows(self._cells(story) for story in page.stories)
        self._show_status()

    @on(Failed)
    def _show_failure(self, message: Failed) -> None:
        self.fetching = False
        self.query_one(DataTable).loading = False
        self._show_message(Text(message.error, "bold red"))
        self.query_one("#list-status", Static).update("The stories could not be read.")

    def _show_message(self, text: Text | None) -> None:
        """A message in place of the table (empty database, failed read), or the table again."""
        message = self.query_one("#list-message", Static)
        message.update(text or "")
        message.display = text is not None
        self.query_one(DataTable).display = text is None
        # Nothing to filter then; and a focused filter box would swallow q and the other keys.
        self.query_one("#filter", Input).disabled = text is not None

    def _columns(self) -> list[tuple[str, str, int]]:
        """The columns that fit, the title taking the width the others leave."""
        wide = self.size.width >= WIDE_SCREEN
        columns = [column for column in COLUMNS if wide or column[0] not in NARROW_COLUMNS]
        fixed = sum(width + 2 for _, _, width in columns if width) + 2 + 2  # padding, scrollbar
        title = max(MIN_TITLE_WIDTH, self.size.width - fixed)
        return [(key, label, width or title) for key, label, width in columns]

    def _build_columns(self) -> None:
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        arrow = " ↓" if self.request.descending else " ↑"
        for key, label, width in self._columns():
            sorted_by = key == self.request.order.value  # the column keys are the order names
            table.add_column(label + arrow * sorted_by, key=key, width=width)
        table.add_rows(self._cells(story) for story in self.stories)
        table.move_cursor(row=min(row, max(len(self.stories) - 1, 0)), animate=False)

    def on_resize(self, event: Resize) -> None:
        table = self.query_one(DataTable)
        if table.columns and [c[2] for c in self._columns()] != [
                c.width for c in table.columns.values()]:
            self._build_columns()

    def _cells(self, story: StorySummary) -> list[Text]:
        new = self.new_counts.get(story.id, 0)
        cells = {
            "new": Text(str(new) if new else "", "bold yellow", justify="right"),
            "title": Text(display.safe(story.title) or display.safe(story.url), no_wrap=True),
            "site": Text(display.safe(story.site), "dim", no_wrap=True),
            "versions": Text(str(story.version_count), justify="right"),
            "changed": Text(texts.short_time(story.last_changed_at)),
            "checked": Text(texts.short_time(story.last_checked_at)),
            "status": Text(display.safe(story.status)),
            "significance": Text("-" if story.top_significance is None
                                 else f"{story.top_significance:.0f}", justify="right"),
        }
        return [cells[str(key.value)] for key in self.query_one(DataTable).columns]

    def _show_status(self) -> None:
        status = self.query_one("#list-status", Static)
        empty = self.total == 0 and not self.request.contains
        self._show_message(Text(texts.EMPTY_DATABASE) if empty else None)
        if empty:
            status.update("No stories yet.", layout=False)
            return
        arrow = "↓" if self.request.descending else "↑"
        shown = f"{self.total} stor{'y' if self.total == 1 else 'ies'}"
        if self.request.contains:
            shown += f" matching “{display.safe(self.request.contains)}”"
        status.update(Text(f"{shown}  ·  sorted by {ORDER_LABELS[self.request.order]} {arrow}"),
                      layout=False)

    @on(DataTable.RowHighlighted)
    def _maybe_fetch_more(self, event: DataTable.RowHighlighted) -> None:
        loaded = len(self.stories)
        if not self.fetching and loaded < self.total and event.cursor_row >= loaded - PREFETCH:
            self.fetching = True
            self.fetch(self.generation, self.request, loaded, PAGE_SIZE, with_total=False)

    @on(DataTable.RowSelected)
    def _row_selected(self) -> None:
        self.action_open_story()

    @on(DataTable.HeaderSelected)
    def _header_selected(self, event: DataTable.HeaderSelected) -> None:
        order = _order_for_column(str(event.column_key.value))
        if order is not None:
            same = order == self.request.order
            self._change(ListRequest(self.request.contains, order,
                                     not self.request.descending if same else True))

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._change(ListRequest(event.value, self.request.order, self.request.descending))

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        self.query_one(DataTable).focus()

    def _change(self, request: ListRequest) -> None:
        self.request = request
        self.reload()

    def action_open_story(self) -> None:
        table = self.query_one(DataTable)
        if self.stories and 0 <= table.cursor_row < len(self.stories):
            self.app.push_screen(StoryScreen(self.db, self.stories[table.cursor_row].id))

    def action_focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_clear_filter(self) -> None:
        self.query_one("#filter", Input).value = ""
        self.query_one(DataTable).focus()

    def action_next_order(self) -> None:
        orders = list(ORDER_LABELS)
        following = orders[(orders.index(self.request.order) + 1) % len(orders)]
        self._change(ListRequest(self.request.contains, following, True))

    def action_reverse_order(self) -> None:
        request = self.request
        self._change(ListRequest(request.contains, request.order, not request.descending))

    def watch_database(self) -> None:
        """Poll for stories or versions added by another process (a snapshot, an import)."""
        if not self.fetching:
            self.read_fingerprint()

    @work(thread=True, exclusive=True, group="poll", exit_on_error=False)
    def read_fingerprint(self) -> None:
        try:
            newest = queries.list_stories(self.db, limit=1)
            latest = (newest[0].last_changed_at, newest[0].version_count) if newest else ()
            fingerprint = (queries.count_stories(self.db), *latest)
        except READ_ERRORS:
            return  # a failed poll is retried at the next tick; real reads report errors
        self.app.call_from_thread(self._compare_fingerprint, fingerprint)

    def _compare_fingerprint(self, fingerprint: tuple[object, ...]) -> None:
        if self.fingerprint is not None and fingerprint != self.fingerprint:
            self.reload(keep=len(self.stories))
        self.fingerprint = fingerprint


def _order_for_column(key: str) -> StoryOrder | None:
    """Clicking a column header sorts by it (the column keys are the order names); the count
    of new versions is not a sort key."""
    try:
        return StoryOrder(key)
    except ValueError:
        return None
