"""The story view: a timeline of versions beside the diff of the selected one.

Database reads run in thread workers that post messages; the handlers only touch widgets. A
step cancels the previous step's worker, and a result that arrives for a version no longer
selected is dropped, so holding a key down never shows a stale diff.
"""

from dataclasses import dataclass
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

from tracker import render
from tracker.db import queries
from tracker.db.engine import Database
from tracker.errors import TrackerError
from tracker.tui import texts
from tracker.tui.widgets.diff_pane import DiffPane
from tracker.tui.widgets.timeline import Timeline


class StoryScreen(Screen[None]):
    """One story: step through its versions and read what changed in each."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left,h,[", "older", "Older", key_display="←"),
        Binding("right,l,]", "newer", "Newer", key_display="→"),
        Binding("home,g", "first", "First", key_display="Home"),
        Binding("end,G", "last", "Last", key_display="End"),
    ]

    @dataclass
    class Loaded(Message):
        """The story and its versions' metadata (no texts) arrived."""

        story: queries.StorySummary
        versions: list[queries.VersionSummary]

    @dataclass
    class Shown(Message):
        """The text for version `number` is ready to show."""

        number: int
        text: Text

    @dataclass
    class Failed(Message):
        """A read failed; `error` is one line for the person."""

        error: str

    def __init__(self, db: Database, story_id: int | None) -> None:
        super().__init__()
        self.db = db
        self.story_id = story_id
        self.versions: list[queries.VersionSummary] = []

    def compose(self) -> ComposeResult:
        yield Static(id="story-title")
        with Horizontal(id="story-body"):
            yield Timeline(id="timeline")
            yield DiffPane(id="diff")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(Timeline).loading = True
        self.load_story()

    @work(thread=True, exclusive=True, group="story", exit_on_error=False)
    def load_story(self) -> None:
        try:
            story = self._story()
            if story is None:
                self.post_message(self.Failed(texts.EMPTY_DATABASE))
                return
            self.post_message(self.Loaded(story, queries.list_versions(self.db, story.id)))
        except TrackerError as error:
            self.post_message(self.Failed(str(error)))

    def _story(self) -> queries.StorySummary | None:
        """The story asked for, or the most recently changed one when none was."""
        if self.story_id is not None:
            return queries.find_story(self.db, self.story_id)
        newest = queries.list_stories(self.db, limit=1)
        return newest[0] if newest else None

    @on(Loaded)
    def _show_story(self, message: Loaded) -> None:
        self.story_id = message.story.id
        self.versions = message.versions
        title = Text(render.safe(message.story.title), "bold")
        title.append(f"  {render.safe(message.story.url)}", "dim")
        self.query_one("#story-title", Static).update(title)
        timeline = self.query_one(Timeline)
        timeline.loading = False
        timeline.show_versions(message.versions, set())
        timeline.focus()

    @on(Failed)
    def _show_failure(self, message: Failed) -> None:
        self.query_one(Timeline).loading = False
        self.query_one(DiffPane).show(Text(message.error))

    @on(Timeline.OptionHighlighted)
    def _version_selected(self) -> None:
        number = self.query_one(Timeline).selected_number()
        if number is not None:
            self.load_version(number)

    @work(thread=True, exclusive=True, group="version", exit_on_error=False)
    def load_version(self, number: int) -> None:
        assert self.story_id is not None
        try:
            text = self._version_text(self.story_id, number)
        except TrackerError as error:
            text = Text(str(error))
        if not get_current_worker().is_cancelled:
            self.post_message(self.Shown(number, text))

    def _version_text(self, story_id: int, number: int) -> Text:
        if number == 1:
            detail = queries.get_version(self.db, story_id, 1)
            return texts.first_version(detail, only=len(self.versions) == 1)
        return texts.inline_diff(queries.get_diff(self.db, story_id, number - 1, number))

    @on(Shown)
    def _show_version(self, message: Shown) -> None:
        if message.number == self.query_one(Timeline).selected_number():
            self.query_one(DiffPane).show(message.text)

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
