"""The Textual app: it holds the database and delegates everything else to its screens.

Started from the quick read (tracker.db.quick, `tracker tui` on the SQLite default), the app
gets the story list's first page (or, for `tracker tui STORY`, the story's opening) and a
function that opens the database: the first frame is painted from what was read, and the
database, with SQLAlchemy, is opened in a worker after it (or by the first action that needs
it, whichever comes first).
"""

import threading
from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Input

from tracker.db.quick import StoryOpening, StoryPage
from tracker.tui.screens.story_list import StoryListScreen

if TYPE_CHECKING:  # the screens that read more than the first page load with the database
    from tracker.db.engine import Database

TYPED_ACTIONS = {"help", "search", "quit"}
"""App actions on printable keys, which a focused text box takes as text instead."""


class TrackerApp(App[None]):
    """Step through how breaking stories changed."""

    CSS_PATH = "app.tcss"
    TITLE = "tracker"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help", key_display="?",
                tooltip="List every key, and the colours and symbols"),
        Binding("f1", "help_while_typing", "Help", key_display="F1",
                tooltip="The same while a text box has the keys"),
        Binding("f", "search", "Search", tooltip="Search what changes added or removed"),
        Binding("q", "quit", "Quit", tooltip="Leave tracker"),
        Binding("ctrl+p", "command_palette", "Commands", show=False,
                tooltip="Search the actions of this screen, the theme and more"),
    ]

    def __init__(self, db: "Database | Callable[[], Database]", story_id: int | None = None,
                 first: StoryPage | None = None, opening: StoryOpening | None = None) -> None:
        """`db` is the database, or a function that opens it (then `first` is the story
        list's first page, or `opening` what story `story_id` shows first, read without it)."""
        super().__init__()
        self._database: Database | None = None if callable(db) else db
        self._open = db if callable(db) else None
        self._opening = threading.Lock()
        self.story_id = story_id
        self.first = first
        self.opening = opening

    @property
    def db(self) -> "Database":
        return self.database()

    def database(self) -> "Database":
        """The database, opened by whichever thread needs it first, once."""
        with self._opening:
            if self._database is None:
                assert self._open is not None, "given either a database or a way to open it"
                self._database = self._open()
            return self._database

    def on_mount(self) -> None:
        """The story list, or the story asked for alone: its first frame does not wait for
        the list to be built underneath (Esc brings the list then)."""
        if self.story_id is None:
            self.push_screen(StoryListScreen(self.database, self.first))
        else:
            from tracker.tui.screens.story import StoryScreen

            self.push_screen(StoryScreen(self.database, self.story_id, opening=self.opening))

    def action_back_to_list(self) -> None:
        """Esc on a story opened directly: the list takes its place."""
        self.switch_screen(StoryListScreen(self.database))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """While a text box has focus, ?, f and q type themselves: the footer offers F1."""
        typing = isinstance(self.focused, Input)
        if action in TYPED_ACTIONS:
            return not typing
        if action == "help_while_typing":
            return typing
        return True

    def action_help_while_typing(self) -> None:
        self.action_help()

    def action_help(self) -> None:
        from tracker.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen, list(self.BINDINGS)))

    def action_search(self) -> None:
        from tracker.tui.screens.search import SearchScreen  # search loads on first use

        if not isinstance(self.screen, SearchScreen):
            self.push_screen(SearchScreen(self.db))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """The palette offers the current screen's actions next to Textual's own commands."""
        for binding in screen.BINDINGS:
            if isinstance(binding, Binding) and binding.description:
                run = partial(screen.run_action, binding.action)
                yield SystemCommand(binding.description, binding.tooltip or "", run)
        yield from super().get_system_commands(screen)
