"""The pane that shows a diff or a version's text, scrolled back to the top on every change."""

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static


class DiffPane(VerticalScroll):
    """A scrolling view of one prepared `Text`; keeps that text so tests can read what it shows."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.text = Text()

    def compose(self) -> ComposeResult:
        yield Static(id="diff-body", expand=True)

    def show(self, text: Text) -> None:
        self.text = text
        self.query_one("#diff-body", Static).update(text)
        self.scroll_home(animate=False)

    @property
    def plain(self) -> str:
        """What the pane shows, without styles."""
        return self.text.plain
