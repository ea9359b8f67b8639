"""The story view: a timeline of versions beside what changed in the selected one.

Database reads and the layout of the pane run in thread workers that post messages; the
handlers only touch widgets. A step cancels the previous step's worker, and a result for
anything but the current request is dropped, so holding a key down never shows a stale diff.
"""

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.events import Resize
from textual.message import Message
from textual.widgets import Input, Static
from textual.worker import get_current_worker

from tracker.db.quick import StoryOpening
from tracker.db.summaries import StorySummary, VersionSummary
from tracker.text import display
from tracker.tui import heap, loading, panes, status, texts
from tracker.tui.screens.reading import READING_BINDINGS
from tracker.tui.screens.sharing import SharingScreen
from tracker.tui.texts import Look, Mode
from tracker.tui.widgets.diff_pane import DiffPane
from tracker.tui.widgets.keys_footer import KeysFooter
from tracker.tui.widgets.timeline import CHROME, Columns, Timeline, header_row

if TYPE_CHECKING:  # opened by the first read that needs it (see `opening`)
    from tracker.db.engine import Database

TIMELINE_MIN_WIDTH = 100
"""Below this many columns the timeline starts collapsed, leaving the width to the text."""
SIDE_MIN_WIDTH = 120
"""Side by side needs this much room to show the timeline as well."""
PREFETCH_AHEAD = 3
"""Versions prepared ahead in the direction the reader is stepping (one the other way)."""


class StoryScreen(SharingScreen):
    """One story: step through its versions and read what changed in each."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left,h", "older", "Older", key_display="←",
                tooltip="Show the version before this one"),
        Binding("right,l", "newer", "Newer", key_display="→",
                tooltip="Show the version after this one"),
        Binding("home,g", "first", "First", key_display="Home", show=False,
                tooltip="Jump to version 1"),
        Binding("end,G", "last", "Last", key_display="End", show=False,
                tooltip="Jump to the newest version"),
        Binding("m", "mark", "Mark", show=False,
                tooltip="Mark this version; then select another to compare"),
        Binding("d", "mode('inline')", "Diff", tooltip="Inline word diff"),
        Binding("s", "mode('side by side')", "Side", tooltip="Old and new side by side"),
        Binding("t", "mode('full text')", "Text", tooltip="The full text of this version"),
        Binding("b", "mode('blame')", "Blame",
                tooltip="Colour each paragraph by the version it dates from"),
        Binding("v", "toggle_timeline", "Versions", show=False,
                tooltip="Show or hide the list of versions (hidden below 100 columns)"),
        Binding("u", "unfold", "Unfold", show=False,
                tooltip="Show or fold the unchanged paragraphs and the facts past three"),
        Binding("c", "toggle_markers", "Markers", show=False,
                tooltip="Mark changes as [-removed-] {+added+} (on without colour)"),
        *READING_BINDINGS,
        Binding("o", "open_url", "Open URL", show=False,
                tooltip="Open the story's page in a web browser"),
        Binding("y", "copy_url", "Copy URL", show=False,
                tooltip="Copy the story's URL to the clipboard (OSC 52)"),
        Binding("x", "export", "Export", show=False,
                tooltip="Export this story's history (HTML, Markdown, JSON, patch)"),
        Binding("escape,backspace", "back", "Back", key_display="Esc",
                tooltip="Back to the story list (or close the find box)"),
    ]

    @dataclass
    class Loaded(Message):
        """The story and its versions' metadata (no texts) arrived."""

        story: StorySummary
        versions: list[VersionSummary]

    @dataclass
    class Prepared(Message):
        """The pane content for `request` is ready."""

        request: panes.PaneRequest
        laid: panes.Laid
        failed: bool = False
        """The content is an error message: shown, but not cached, so a retry reads again."""

    @dataclass
    class Failed(Message):
        """A read failed; `error` is one line for the person."""

        error: str

    def __init__(self, db: "Database | Callable[[], Database]", story_id: int,
                 version: int | None = None, find: tuple[str, ...] = (),
                 opening: StoryOpening | None = None) -> None:
        """Open `story_id` on `version` (or its newest), highlighting the words in `find`.

        `db` may be a function that opens the database; then `opening` is what the start-up
        read (tracker.db.quick) found of the story, shown before the database is opened."""
        super().__init__()
        self.open_database = db if callable(db) else lambda: db
        self.opening = opening
        self.story_id = story_id
        self.first_shown = version
        self.story: StorySummary | None = None
        self.versions: list[VersionSummary] = []
        self.mode = Mode.INLINE
        self.base: int | None = None
        self.look = Look(markers=bool(os.environ.get("NO_COLOR")), find=find)
        self.jump_to_match = bool(find)
        self.timeline_choice: bool | None = None
        """Shown or hidden with `v`; None: as the width decides."""
        self.request: panes.PaneRequest | None = None
        self.cache = panes.PaneCache()
        self.seen_up_to = 0
        self.direction = -1
        """The way the last step went: prefetching reads ahead that way."""
        self.building: panes.PaneRequest | None = None
        """What the read-ahead worker is preparing now (set in that worker)."""

    def compose(self) -> ComposeResult:
        yield Static(id="story-title")
        with Horizontal(id="story-body"):
            with Vertical(id="timeline-box"):
                yield Static(id="timeline-head")
                yield Timeline(id="timeline")
            yield DiffPane(id="diff")
        yield Input(placeholder="Find in this pane; Enter finds, Esc closes", id="find")
        yield Static(id="story-status")
        yield KeysFooter(compact=True, show_command_palette=False)  # Ctrl+P is in the help

    def on_mount(self) -> None:
        self.look = replace(self.look, markers=self.look.markers or self.app.no_color)
        self.set_interval(loading.REFRESH_SECONDS, self.watch_versions)
        if self.opening is not None:  # shown at once; the database opens behind it
            self._show_story(self.Loaded(self.opening.story, self.opening.versions))
            return
        self.query_one(Timeline).loading = True
        self.load_story()

    def watch_versions(self) -> None:
        """Poll for versions that a snapshot stored while the story is open."""
        if self.versions:
            self.count_versions(len(self.versions))

    @work(thread=True, exclusive=True, group="poll", exit_on_error=False)
    def count_versions(self, known: int) -> None:
        from tracker.db import queries

        try:
            story = queries.find_story(self.db, self.story_id)
        except loading.READ_ERRORS:
            return  # a failed poll is retried at the next tick; real reads report errors
        if story.version_count != known:
            self.app.call_from_thread(self.load_story)

    @work(thread=True, exclusive=True, group="story", exit_on_error=False)
    def load_story(self) -> None:
        from tracker.db import queries

        try:
            story = queries.find_story(self.db, self.story_id)
            self.post_message(self.Loaded(story, queries.list_versions(self.db, story.id)))
        except loading.READ_ERRORS as error:
            self.post_message(self.Failed(loading.describe(error)))

    @on(Loaded)
    def _show_story(self, message: Loaded) -> None:
        self.story, self.versions = message.story, message.versions
        title = Text(display.safe(message.story.title), "bold", no_wrap=True,
                     overflow="ellipsis")
        title.append(f"  {display.safe(message.story.url)}", "dim")
        self.query_one("#story-title", Static).update(title)
        timeline = self.query_one(Timeline)
        timeline.loading = False
        if not self.versions:
            self.show_message(Text("This story has no versions."))
            return
        added = len(message.versions) - timeline.option_count
        columns = Columns.of(message.versions)  # sized first, so the rows are measured once
        self.query_one("#timeline-box").styles.width = columns.width + CHROME
        self.query_one("#timeline-head", Static).update(header_row(columns))
        timeline.show_versions(message.versions, {self.base} if self.base else set())
        numbers = [version.number for version in self.versions]
        if self.first_shown in numbers:
            timeline.highlighted = numbers.index(self.first_shown)
            self.first_shown = None
        if timeline.option_count and added > 0 and added != len(message.versions):
            self.notify(f"{added} new version{'s' * (added > 1)} of this story")
        self.place_timeline()

    @on(Failed)
    def _show_failure(self, message: Failed) -> None:
        self.query_one(Timeline).loading = False
        self.show_message(Text(message.error, "bold red"))

    def on_resize(self, event: Resize) -> None:
        self.place_timeline()

    def timeline_shown(self) -> bool:
        """`v` decides when it was pressed; otherwise the width (and side by side) does."""
        if self.timeline_choice is not None:
            return self.timeline_choice
        wide_enough = SIDE_MIN_WIDTH if self.mode is Mode.SIDE else TIMELINE_MIN_WIDTH
        return self.size.width >= wide_enough

    def place_timeline(self) -> None:
        """Show or hide the timeline, and give focus to what the arrows should move: the
        timeline when it is shown, the text otherwise (so Up and Down always do something)."""
        shown = self.timeline_shown()
        self.query_one("#timeline-box").display = shown
        if not self.query_one("#find", Input).display:
            (self.query_one(Timeline) if shown else self.query_one(DiffPane)).focus()

    @on(Timeline.Highlighted)
    def _version_selected(self) -> None:
        """A click, or a highlight set while loading; keys go through `_go`, which has shown
        the version already."""
        number = self.query_one(Timeline).selected_number()
        if self.request is None or number != self.request.number:
            self.refresh_pane()

    @on(DiffPane.Resized)
    def _pane_resized(self) -> None:
        self.refresh_pane()

    def refresh_pane(self) -> None:
        """Show what the selection, the mode and the mark ask for, from the cache or a worker."""
        number = self.query_one(Timeline).selected_number()
        if number is None:
            return
        width = self.query_one(DiffPane).text_width or panes.FALLBACK_WIDTH
        request = panes.PaneRequest(self.story_id, number, self.mode, self.base, self.look,
                                    len(self.versions) == 1, width)
        self.request = request
        self.show_status()
        cached = self.cache.get(request)
        if cached is not None:
            self._display(request, cached)
        else:  # reading ahead of where the reader no longer is only slows this read
            self.workers.cancel_group(self, "prefetch")
            if self.building != request:  # else it is being read already: its result shows
                self.prepare(request)

    @work(thread=True, exclusive=True, group="pane", exit_on_error=False)
    def prepare(self, request: panes.PaneRequest) -> None:
        """Prepare what a key asked for; a long text's first lines are posted ahead of it."""
        prepared = self._prepared_or_error(request, early=self._post_if_current)
        self._post_if_current(prepared)

    def _post_if_current(self, prepared: Prepared) -> None:
        if not get_current_worker().is_cancelled:
            self.post_message(prepared)

    def _prepared_or_error(self, request: panes.PaneRequest,
                           early: Callable[[Prepared], None] | None = None) -> Prepared:
        """The pane for `request`, or a message saying why there is none (in a worker).
        `early` gets the first lines of a long text before the rest is laid out."""
        try:
            content = self._content(request)
            start = None if early is None else panes.lay_out_start(content, request.width)
            if early is not None and start is not None:
                early(self.Prepared(request, start))
            return self.Prepared(request, panes.lay_out(content, request.width))
        except loading.READ_ERRORS as error:
            line = loading.describe(error)
        except Exception as error:  # a bug must not leave the last text on screen
            line = (f"could not show v{request.number}: {type(error).__name__}: {error} "
                    "(a bug in tracker: please report it)")
        laid = panes.lay_out(texts.PaneContent.of(Text(line, "bold red")), request.width)
        return self.Prepared(request, laid, failed=True)

    def _content(self, request: panes.PaneRequest) -> texts.PaneContent:
        """From the start-up read when it holds what `request` shows, else read."""
        found = None if self.opening is None else panes.from_opening(self.opening, request)
        return found if found is not None else panes.build(self.db, request)

    @work(thread=True, exclusive=True, group="prefetch", exit_on_error=False)
    def prefetch(self, request: panes.PaneRequest, direction: int) -> None:
        """Prepare the versions either side of the one shown, and a few more the way the
        reader is going, so that steps (even with a key held down) find them ready."""
        ahead = [request.number + direction * step for step in range(1, PREFETCH_AHEAD + 1)]
        for number in [ahead[0], request.number - direction, *ahead[1:]]:
            neighbour = replace(request, number=number)
            if get_current_worker().is_cancelled:
                return
            if not 1 <= number <= len(self.versions) or neighbour in self.cache:
                continue
            self.building = neighbour
            try:
                self.post_message(self._prepared_or_error(neighbour))
            finally:
                self.building = None

    @on(Prepared)
    def _prepared(self, message: Prepared) -> None:
        if not message.failed and not message.laid.partial:
            self.cache.put(message.request, message.laid)
        if message.request == self.request:
            self._display(message.request, message.laid)

    def _display(self, request: panes.PaneRequest, laid: panes.Laid) -> None:
        """Show `laid`; then, once it is painted, what may wait: reading ahead, and noting
        the newest version as seen (the first read to open the database, when it is not)."""
        self.show_laid(laid)
        if laid.partial:  # the rest follows from the same worker
            return
        self.call_after_refresh(heap.freeze_long_lived)  # once the story is painted
        if request.mode is not Mode.BLAME:  # blame reads the whole history: only on demand
            self.call_after_refresh(self.prefetch, request, self.direction)
        if request.number == len(self.versions) and request.number > self.seen_up_to:
            self.seen_up_to = request.number
            self.call_after_refresh(self.record_seen, request.number)

    @work(thread=True, group="seen", exit_on_error=False)
    def record_seen(self, number: int) -> None:
        """The newest version was shown: the story list stops counting it as new."""
        from tracker.history import seen

        try:
            seen.mark_seen(self.db, self.story_id, number)
        except loading.READ_ERRORS as error:
            self.app.call_from_thread(self.notify, loading.describe(error), severity="warning",
                                      markup=False)

    def show_status(self) -> None:
        if self.request is not None:
            line = status.status_line(self.request, len(self.versions), self.base,
                                      self.find_status())
            self.query_one("#story-status", Static).update(line, layout=False)

    def action_older(self) -> None:
        self._step(-1)

    def action_newer(self) -> None:
        self._step(+1)

    def action_first(self) -> None:
        self._go(0)

    def action_last(self) -> None:
        self._go(len(self.versions) - 1)

    def _step(self, delta: int) -> None:
        index = self.query_one(Timeline).highlighted
        if index is not None:
            self._go(index + delta)

    def _go(self, index: int) -> None:
        """Highlight version `index + 1` and show it, in one frame when it is ready."""
        if not self.versions:
            return
        timeline = self.query_one(Timeline)
        index = max(0, min(index, len(self.versions) - 1))
        if index != timeline.highlighted:
            self.direction = 1 if index > (timeline.highlighted or 0) else -1
        with self.app.batch_update():
            timeline.highlighted = index
            self.refresh_pane()

    def action_mode(self, mode: str) -> None:
        self.mode = Mode(mode)
        self.place_timeline()
        self.refresh_pane()

    def action_toggle_timeline(self) -> None:
        self.timeline_choice = not self.timeline_shown()
        self.place_timeline()

    def action_unfold(self) -> None:
        self.look = replace(self.look, folded=not self.look.folded)
        self.refresh_pane()

    def action_toggle_markers(self) -> None:
        self.look = replace(self.look, markers=not self.look.markers)
        self.refresh_pane()

    def action_mark(self) -> None:
        """Mark the selected version (or clear the mark on it) as one side of a comparison."""
        number = self.query_one(Timeline).selected_number()
        if number is None:
            return
        self.base = None if self.base == number else number
        self.query_one(Timeline).show_versions(self.versions, {self.base} if self.base else set())
        if self.base is not None:
            self.notify(f"Marked v{self.base}: select another version to compare with it.")
        self.refresh_pane()

    async def action_back(self) -> None:
        if self.close_find():
            return
        if len(self.app.screen_stack) > 2:  # the default screen, the story list, this screen
            self.app.pop_screen()
        else:  # opened directly (tracker tui STORY): the list was never built
            await self.app.run_action("back_to_list")
