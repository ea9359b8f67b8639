"""The story list: every story, newest change first, narrowed as you type, paged as you scroll.

Sorting and filtering happen in the database, so only a page of rows is ever loaded; scrolling
near the end of what is loaded fetches the next page. Every load carries a generation number and
a result from an older generation (a filter typed over) is dropped.

The highlighted story is remembered by its id, not its row: coming back from a story, a refresh
that moved it up the list, a new sort or a filter keep it highlighted while it is listed, so
Enter never opens a story the reader did not choose.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.events import Resize
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static
from textual.widgets.data_table import RowDoesNotExist

from tracker.db.quick import StoryPage
from tracker.db.summaries import StoryOrder, StorySummary
from tracker.text.control import safe
from tracker.tui import loading
from tracker.tui.widgets.keys_footer import KeysFooter
from tracker.tui.widgets.story_table import StoryTable, columns_for, story_cells

if TYPE_CHECKING:
    from tracker.db.engine import Database

# The first screen is painted before SQLAlchemy is imported (tracker.db.quick): the queries, the
# story screen and the read errors are imported by the workers and actions that use them.

PAGE_SIZE = 100
PREFETCH = 20  # rows before the end of what is loaded at which the next page is fetched
ORDER_LABELS = {  # in the order `s` steps through them
    StoryOrder.CHANGED: "last change", StoryOrder.TITLE: "title", StoryOrder.SITE: "site",
    StoryOrder.VERSIONS: "versions", StoryOrder.CHECKED: "last check",
    StoryOrder.STATUS: "status", StoryOrder.SIGNIFICANCE: "significance",
}
ASCENDING_FIRST = {StoryOrder.TITLE, StoryOrder.SITE, StoryOrder.STATUS}
"""Orders that start A-Z; the others start with the newest, largest or most significant."""
EMPTY_DATABASE = (
    "There are no stories in this database yet.\n\n"
    "Run `tracker demo` to load the sample story, or `tracker import PATH` to add your own "
    "(a story folder in the seeds format, or text/HTML files as successive versions)."
)


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
        quick: bool = False
        """Read by tracker.db.quick before the database was opened: open it once painted."""

    @dataclass
    class Failed(Message):
        error: str

    def __init__(self, database: Callable[[], "Database"], first: StoryPage | None = None) -> None:
        """`database` opens the database on first use (TrackerApp.database); `first`, read
        before it was opened, is shown at once instead of the first read."""
        super().__init__()
        self._database = database
        self.first = first
        self.request = ListRequest()
        self.generation = 0
        self.stories: list[StorySummary] = []
        self.new_counts: dict[int, int] = {}
        self.total = 0
        self.fetching = False
        self.fingerprint: tuple[object, ...] | None = None
        self.keep_id: int | None = None
        """The story to highlight once the rows being loaded arrive."""
        self.to_end = False
        """End was pressed: highlight the last story once every page is loaded."""

    def compose(self) -> ComposeResult:
        yield Input(placeholder="Type to filter by title, URL or site", id="filter")
        yield StoryTable(id="stories", cursor_type="row", zebra_stripes=True)
        yield Static(id="list-message")
        yield Static(id="list-status")
        yield KeysFooter()

    def on_mount(self) -> None:
        # The quick read's page is at hand: covering the table only to uncover it costs a layout.
        self.query_one(DataTable).loading = self.first is None
        self.set_interval(loading.REFRESH_SECONDS, self.watch_database)

    def on_screen_resume(self) -> None:
        """Load when shown: first (not while `tracker tui STORY` opens the story on top, whose
        first screen must not wait for the list), and back from a story, whose count of new
        versions has changed."""
        if self.is_current:
            self.reload(keep=len(self.stories))

    @property
    def db(self) -> "Database":
        return self._database()

    def reload(self, keep: int = PAGE_SIZE) -> None:
        """Load the list again from the top, as many rows as `keep` (at least one page),
        keeping the highlighted story highlighted."""
        self.keep_id = self.highlighted_id() if self.keep_id is None else self.keep_id
        self.generation += 1
        self.fetching = True
        if self.first is not None:  # the quick read's page is the first load, once
            first, self.first = self.first, None
            # After the first refresh: the table's first Resize clears DataTable's render
            # caches, so rows drawn before it would be drawn twice (~0.3 s of cells under load).
            self.call_after_refresh(self.post_message, self.Page(
                self.generation, 0, first.stories, first.new_counts, first.total, quick=True))
            return
        self.fetch(self.generation, self.request, 0, max(keep, PAGE_SIZE), with_total=True)

    @work(thread=True, exclusive=True, group="list", exit_on_error=False)
    def fetch(
        self, generation: int, request: ListRequest, offset: int, limit: int, with_total: bool
    ) -> None:
        from tracker.db import queries
        from tracker.history import seen

        try:
            stories = queries.list_stories(
                self.db, contains=request.contains, order=request.order,
                descending=request.descending, offset=offset, limit=limit,
            )
            counts = seen.new_version_counts(self.db, [story.id for story in stories])
            total = (queries.count_stories(self.db, contains=request.contains)
                     if with_total else None)
        except loading.READ_ERRORS as error:
            self.post_message(self.Failed(loading.describe(error)))
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
        self._add_rows(page.stories)
        self._show_status()
        self._place_cursor()
        if page.quick:
            self.call_after_refresh(self.open_database)

    @work(thread=True, exclusive=True, group="open", exit_on_error=False)
    def open_database(self) -> None:
        """Open the database (importing SQLAlchemy) behind the first frame, so the first key
        that needs it does not wait; a failure is left to the next read, which shows it."""
        try:
            self._database()
        except loading.READ_ERRORS:
            return

    def _place_cursor(self) -> None:
        """Put the cursor back on the story it was on (or at the end, after End)."""
        table = self.query_one(DataTable)
        if self.to_end and len(self.stories) >= self.total:
            self.to_end = False
            table.move_cursor(row=max(len(self.stories) - 1, 0), animate=False)
        elif self.keep_id is not None:
            try:
                row = table.get_row_index(str(self.keep_id))
            except RowDoesNotExist:
                row = 0  # filtered out, or beyond the rows loaded
            self.keep_id = None
            table.move_cursor(row=row, animate=False)

    def highlighted_id(self) -> int | None:
        """The id of the story under the cursor, if any."""
        row = self.query_one(DataTable).cursor_row
        return self.stories[row].id if 0 <= row < len(self.stories) else None

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
        return columns_for(self.size.width)

    def _build_columns(self) -> None:
        """The columns for the current width and order, with the loaded rows in them."""
        table = self.query_one(DataTable)
        table.clear(columns=True)
        arrow = " ↓" if self.request.descending else " ↑"
        for key, label, width in self._columns():
            sorted_by = key == self.request.order.value  # the column keys are the order names
            table.add_column(label + arrow * sorted_by, key=key, width=width)
        self._add_rows(self.stories)

    def _add_rows(self, stories: list[StorySummary]) -> None:
        """Rows keyed by story id, so the cursor can find a story again after a reload."""
        table = self.query_one(DataTable)
        for story in stories:
            table.add_row(*self._cells(story), key=str(story.id))

    def on_resize(self, event: Resize) -> None:
        table = self.query_one(DataTable)
        if table.columns and [c[2] for c in self._columns()] != [
                c.width for c in table.columns.values()]:
            self.keep_id = self.highlighted_id()
            self._build_columns()
            self._place_cursor()

    def _cells(self, story: StorySummary) -> list[Text]:
        keys = [str(key.value) for key in self.query_one(DataTable).columns]
        return story_cells(story, self.new_counts.get(story.id, 0), keys)

    def _show_status(self) -> None:
        status = self.query_one("#list-status", Static)
        empty = self.total == 0 and not self.request.contains
        self._show_message(Text(EMPTY_DATABASE) if empty else None)
        if empty:
            status.update("No stories yet.", layout=False)
            return
        arrow = "↓" if self.request.descending else "↑"
        shown = f"{self.total} stor{'y' if self.total == 1 else 'ies'}"
        if self.request.contains:
            shown += f" matching “{safe(self.request.contains)}”"
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
                                     not self.request.descending if same
                                     else order not in ASCENDING_FIRST))

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._change(ListRequest(event.value, self.request.order, self.request.descending))

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        self.query_one(DataTable).focus()

    def _change(self, request: ListRequest) -> None:
        self.request = request
        self.reload()

    def action_last_story(self) -> None:
        """End and G: the last story of the list, loading the rows before it if need be."""
        table = self.query_one(DataTable)
        if len(self.stories) >= self.total:
            table.move_cursor(row=max(len(self.stories) - 1, 0), animate=False)
        elif not self.fetching:
            self.fetching = self.to_end = True
            self.fetch(self.generation, self.request, len(self.stories),
                       self.total - len(self.stories), with_total=False)

    def action_open_story(self) -> None:
        from tracker.tui.screens.story import StoryScreen

        table = self.query_one(DataTable)
        if self.stories and 0 <= table.cursor_row < len(self.stories):
            self.app.push_screen(StoryScreen(self._database, self.stories[table.cursor_row].id))

    def action_focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_clear_filter(self) -> None:
        self.query_one("#filter", Input).value = ""
        self.query_one(DataTable).focus()

    def action_next_order(self) -> None:
        orders = list(ORDER_LABELS)
        following = orders[(orders.index(self.request.order) + 1) % len(orders)]
        self._change(ListRequest(self.request.contains, following,
                                 following not in ASCENDING_FIRST))

    def action_reverse_order(self) -> None:
        request = self.request
        self._change(ListRequest(request.contains, request.order, not request.descending))

    def watch_database(self) -> None:
        """Poll for stories or versions added by another process (a snapshot, an import)."""
        if not self.fetching and self.is_current:
            self.read_fingerprint()

    @work(thread=True, exclusive=True, group="poll", exit_on_error=False)
    def read_fingerprint(self) -> None:
        from tracker.db import queries

        try:
            newest = queries.list_stories(self.db, limit=1)
            latest = (newest[0].last_changed_at, newest[0].version_count) if newest else ()
            fingerprint = (queries.count_stories(self.db), *latest)
        except loading.READ_ERRORS:
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
