"""The Textual app: it holds the database and delegates everything else to its screens."""

from collections.abc import Iterable
from functools import partial
from typing import ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Input

from tracker.db.engine import Database
from tracker.tui.screens.help import HelpScreen
from tracker.tui.screens.story import StoryScreen
from tracker.tui.screens.story_list import StoryListScreen

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

    def __init__(self, db: Database, story_id: int | None = None) -> None:
        super().__init__()
        self.db = db
        self.story_id = story_id

    def on_mount(self) -> None:
        """The story list, or the story asked for alone: its first frame does not wait for
        the list to be built underneath (Esc brings the list then)."""
        if self.story_id is None:
            self.push_screen(StoryListScreen(self.db))
        else:
            self.push_screen(StoryScreen(self.db, self.story_id))

    def action_back_to_list(self) -> None:
        """Esc on a story opened directly: the list takes its place."""
        self.switch_screen(StoryListScreen(self.db))

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
