"""The story view: a timeline of versions beside what changed in the selected one.

Database reads run in thread workers that post messages; the handlers only touch widgets. A
step cancels the previous step's worker, and a result for anything but the current request is
dropped, so holding a key down never shows a stale diff.
"""

from dataclasses import dataclass, replace
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual.worker import get_current_worker

from tracker.db import queries
from tracker.db.engine import Database
from tracker.history import seen
from tracker.text import display
from tracker.tui import panes, texts
from tracker.tui.loading import READ_ERRORS, REFRESH_SECONDS, describe
from tracker.tui.screens.export import ExportRequest, ExportScreen, export_story
from tracker.tui.texts import Mode, PaneContent
from tracker.tui.widgets.diff_pane import DiffPane
from tracker.tui.widgets.timeline import Timeline


class StoryScreen(Screen[None]):
    """One story: step through its versions and read what changed in each."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left,h,[", "older", "Older", key_display="←",
                tooltip="Show the version before this one"),
        Binding("right,l,]", "newer", "Newer", key_display="→",
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
        Binding("u", "unfold", "Unfold", show=False,
                tooltip="Show or fold the unchanged paragraphs of a diff"),
        Binding("o", "open_url", "Open URL", show=False,
                tooltip="Open the story's page in a web browser"),
        Binding("y", "copy_url", "Copy URL", show=False,
                tooltip="Copy the story's URL to the clipboard"),
        Binding("pagedown,space", "scroll_diff(1)", "Page down", show=False, priority=True,
                tooltip="Scroll the diff pane down a page"),
        Binding("pageup", "scroll_diff(-1)", "Page up", show=False, priority=True,
                tooltip="Scroll the diff pane up a page"),
        Binding("x", "export", "Export", show=False,
                tooltip="Export this story's history (HTML, Markdown, JSON, patch)"),
        Binding("escape,backspace", "back", "Back", key_display="Esc",
                tooltip="Back to the story list"),
    ]

    @dataclass
    class Loaded(Message):
        """The story and its versions' metadata (no texts) arrived."""

        story: queries.StorySummary
        versions: list[queries.VersionSummary]

    @dataclass
    class Prepared(Message):
        """The pane content for `request` is ready."""

        request: panes.PaneRequest
        content: PaneContent
        failed: bool = False
        """The content is an error message: shown, but not cached, so a retry reads again."""

    @dataclass
    class Failed(Message):
        """A read failed; `error` is one line for the person."""

        error: str

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]  # noqa: RUF012 (Textual's type)
    """Side by side hides the timeline on narrow terminals (see app.tcss)."""

    def __init__(self, db: Database, story_id: int, version: int | None = None) -> None:
        """Open `story_id` on `version`, or on its newest version."""
        super().__init__()
        self.db = db
        self.story_id = story_id
        self.first_shown = version
        self.story: queries.StorySummary | None = None
        self.versions: list[queries.VersionSummary] = []
        self.mode = Mode.INLINE
        self.base: int | None = None
        self.folded = True
        self.request: panes.PaneRequest | None = None
        self.cache = panes.PaneCache()
        self.seen_up_to = 0

    def compose(self) -> ComposeResult:
        yield Static(id="story-title")
        with Horizontal(id="story-body"):
            yield Timeline(id="timeline")
            yield DiffPane(id="diff")
        yield Static(id="story-status")
        yield Footer(compact=True, show_command_palette=False)  # Ctrl+P is in the help

    def on_mount(self) -> None:
        self.query_one(Timeline).loading = True
        self.load_story()
        self.set_interval(REFRESH_SECONDS, self.watch_versions)

    def watch_versions(self) -> None:
        """Poll for versions that a snapshot stored while the story is open."""
        if self.versions:
            self.count_versions(len(self.versions))

    @work(thread=True, exclusive=True, group="poll", exit_on_error=False)
    def count_versions(self, known: int) -> None:
        try:
            story = queries.find_story(self.db, self.story_id)
        except READ_ERRORS:
            return  # a failed poll is retried at the next tick; real reads report errors
        if story.version_count != known:
            self.app.call_from_thread(self.load_story)

    @work(thread=True, exclusive=True, group="story", exit_on_error=False)
    def load_story(self) -> None:
        try:
            story = queries.find_story(self.db, self.story_id)
            self.post_message(self.Loaded(story, queries.list_versions(self.db, story.id)))
        except READ_ERRORS as error:
            self.post_message(self.Failed(describe(error)))

    @on(Loaded)
    def _show_story(self, message: Loaded) -> None:
        self.story, self.versions = message.story, message.versions
        title = Text(display.safe(message.story.title), "bold")
        title.append(f"  {display.safe(message.story.url)}", "dim")
        self.query_one("#story-title", Static).update(title)
        timeline = self.query_one(Timeline)
        timeline.loading = False
        if not self.versions:
            self.query_one(DiffPane).show(texts.message("This story has no versions."))
            return
        added = len(message.versions) - timeline.option_count
        timeline.show_versions(message.versions, {self.base} if self.base else set())
        numbers = [version.number for version in self.versions]
        if self.first_shown in numbers:
            timeline.highlighted = numbers.index(self.first_shown)
            self.first_shown = None
        if timeline.option_count and added > 0 and added != len(message.versions):
            self.notify(f"{added} new version{'s' * (added > 1)} of this story")
        timeline.focus()

    @on(Failed)
    def _show_failure(self, message: Failed) -> None:
        self.query_one(Timeline).loading = False
        self.query_one(DiffPane).show(PaneContent.of(Text(message.error, "bold red")))

    @on(Timeline.OptionHighlighted)
    def _version_selected(self) -> None:
        self.refresh_pane()

    def refresh_pane(self) -> None:
        """Show what the selection, the mode and the mark ask for, from the cache or a worker."""
        number = self.query_one(Timeline).selected_number()
        if number is None:
            return
        request = panes.PaneRequest(
            self.story_id, number, self.mode, self.base, self.folded, len(self.versions) == 1
        )
        self.request = request
        self._show_status()
        cached = self.cache.get(request)
        if cached is not None:
            self._display(request, cached)
        else:
            self.prepare(request)

    @work(thread=True, exclusive=True, group="pane", exit_on_error=False)
    def prepare(self, request: panes.PaneRequest) -> None:
        try:
            prepared = self.Prepared(request, panes.build(self.db, request))
        except READ_ERRORS as error:
            prepared = self.Prepared(request, PaneContent.of(Text(describe(error), "bold red")),
                                     failed=True)
        if not get_current_worker().is_cancelled:
            self.post_message(prepared)

    @work(thread=True, exclusive=True, group="prefetch", exit_on_error=False)
    def prefetch(self, request: panes.PaneRequest) -> None:
        """Prepare the versions either side of the one shown, so a step finds them ready."""
        for number in (request.number - 1, request.number + 1):
            neighbour = replace(request, number=number)
            if get_current_worker().is_cancelled:
                return
            if not 1 <= number <= len(self.versions) or neighbour in self.cache:
                continue
            try:
                content = panes.build(self.db, neighbour)
            except READ_ERRORS:
                return  # the step itself will read again and report the error
            self.post_message(self.Prepared(neighbour, content))

    @on(Prepared)
    def _prepared(self, message: Prepared) -> None:
        if not message.failed:
            self.cache.put(message.request, message.content)
        if message.request == self.request:
            self._display(message.request, message.content)

    def _display(self, request: panes.PaneRequest, content: PaneContent) -> None:
        self.query_one(DiffPane).show(content)
        if request.mode is not Mode.BLAME:  # blame reads the whole history: only on demand
            self.prefetch(request)
        if request.number == len(self.versions) and request.number > self.seen_up_to:
            self.seen_up_to = request.number
            self.record_seen(request.number)

    @work(thread=True, group="seen", exit_on_error=False)
    def record_seen(self, number: int) -> None:
        """The newest version was shown: the story list stops counting it as new."""
        try:
            seen.mark_seen(self.db, self.story_id, number)
        except READ_ERRORS as error:
            self.app.call_from_thread(self.notify, describe(error), severity="warning",
                                      markup=False)

    def _show_status(self) -> None:
        assert self.request is not None
        status = Text(f"{self.request.mode}", "bold")
        pair = self.request.pair
        if self.base is not None:
            status.append(f"  ·  marked v{self.base}", "yellow")
        if pair and self.request.mode in (Mode.INLINE, Mode.SIDE):
            status.append(f"  ·  v{pair[0]} → v{pair[1]}")
        status.append(f"  ·  {len(self.versions)} versions  ·  m marks to compare  ·  ? help",
                      "dim")
        self.query_one("#story-status", Static).update(status, layout=False)

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
        if self.versions:
            self.query_one(Timeline).highlighted = max(0, min(index, len(self.versions) - 1))

    def action_mode(self, mode: str) -> None:
        self.mode = Mode(mode)
        self.set_class(self.mode is Mode.SIDE, "-side")
        self.refresh_pane()

    def action_scroll_diff(self, pages: int) -> None:
        pane = self.query_one(DiffPane)
        if pages > 0:
            pane.scroll_page_down(animate=False)
        else:
            pane.scroll_page_up(animate=False)

    def action_unfold(self) -> None:
        self.folded = not self.folded
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

    def action_open_url(self) -> None:
        if self.story is not None:
            self.app.open_url(self.story.url)
            self.notify(f"Opening {display.safe(self.story.url)}", markup=False)

    def action_copy_url(self) -> None:
        if self.story is not None:
            self.app.copy_to_clipboard(self.story.url)
            self.notify(f"Copied {display.safe(self.story.url)}", markup=False)

    def action_export(self) -> None:
        self.app.push_screen(ExportScreen(), self._export_chosen)

    def _export_chosen(self, request: ExportRequest | None) -> None:
        if request is not None:
            self.export(request)

    @work(thread=True, group="export", exit_on_error=False)
    def export(self, request: ExportRequest) -> None:
        try:
            path = export_story(self.db, self.story_id, request)
        except READ_ERRORS as error:
            self.app.call_from_thread(self.notify, describe(error), severity="error",
                                      markup=False)
            return
        self.app.call_from_thread(self.notify, f"Wrote {display.safe(str(path))}", markup=False)

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:  # the default screen, the story list, this screen
            self.app.pop_screen()
