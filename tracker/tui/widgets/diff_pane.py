"""The pane that shows a diff or a version's text, scrolled back to the top on every change."""

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from tracker.tui.texts import PaneContent


class DiffPane(VerticalScroll, can_focus=False):
    """A scrolling view of one prepared content; keeps it so tests can read what it shows.

    It never takes focus: the arrow keys step through versions, and the story screen scrolls
    this pane with Page Up/Down and Space.
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.content = PaneContent("", "")

    def compose(self) -> ComposeResult:
        yield Static(id="diff-body", expand=True)

    def show(self, content: PaneContent) -> None:
        self.content = content
        self.query_one("#diff-body", Static).update(content.renderable)
        self.scroll_home(animate=False)

    @property
    def plain(self) -> str:
        """What the pane shows, without styles."""
        return self.content.plain
