"""The story list's table: DataTable with the keys people expect of a list."""

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import DataTable


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
