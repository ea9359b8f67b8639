"""The pane that shows a diff or a version's text: lines laid out in a worker, painted in view.

It paints only the lines on screen from a `Laid` prepared off the UI thread (tracker.tui.panes),
so showing a 40 KB diff costs the same as showing a short one.
"""

from dataclasses import dataclass
from typing import ClassVar

from rich.style import Style
from textual.binding import Binding, BindingType
from textual.events import Resize
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tracker.tui.panes import Laid
from tracker.tui.texts import PaneContent


class DiffPane(ScrollView, can_focus=True, inherit_bindings=False):
    """A scrolling view of one prepared content; keeps it so tests can read what it shows.

    It takes focus only when the timeline is hidden, so Up and Down scroll it then; Left and
    Right, Home and End always belong to the story screen (versions), never to scrolling
    sideways, which wrapped lines never need.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "scroll_up", "Scroll up", show=False,
                tooltip="Scroll the text up a line (when the versions are hidden)"),
        Binding("down,j", "scroll_down", "Scroll down", show=False,
                tooltip="Scroll the text down a line (when the versions are hidden)"),
    ]

    @dataclass
    class Resized(Message):
        """The pane's width changed: its lines must be laid out again."""

        width: int

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.laid = Laid(PaneContent("", ""), [], 0)
        self._base = Style()

    @property
    def content(self) -> PaneContent:
        return self.laid.content

    @property
    def text_width(self) -> int:
        """The width lines are wrapped to: the pane less its padding and scrollbar."""
        return self.scrollable_content_region.width

    def show(self, laid: Laid, line: int = 0) -> None:
        """Show `laid`, scrolled so that `line` is at the top."""
        self.laid = laid
        self._resize_content(Size(laid.width, len(laid.lines)))
        self.scroll_to(y=line, animate=False, immediate=True)
        self.refresh()

    def _resize_content(self, size: Size) -> None:
        """Give the pane a new virtual size, without a layout of the screen when it can.

        Setting `virtual_size` lays out the whole screen and repaints every widget on it
        (the timeline, its scrollbar, the footer), which was most of a step's frame. The
        pane's own size never depends on its content, so only the scrollbar needs to know,
        unless it appears or disappears: then the compositor must place it, by a layout.
        Textual updates a scrolled widget's size this same way when it reflows without a
        layout (`Widget._size_updated`).
        """
        height = self.scrollable_content_region.height
        if not height or (size.height > height) != self.show_vertical_scrollbar:
            self.virtual_size = size
            return
        self.set_reactive(DiffPane.virtual_size, size)
        self._scroll_update(size)

    def render_lines(self, crop: Region) -> list[Strip]:
        """The base style is the same for every line of a frame: worked out once per frame
        (it walks the CSS of every ancestor), not once per line."""
        self._base = self.rich_style
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        if index >= len(self.laid.lines):
            return Strip.blank(width, self._base)
        return self.laid.lines[index].extend_cell_length(width).apply_style(self._base)

    def on_resize(self, event: Resize) -> None:
        if self.text_width != self.laid.width and self.text_width > 0:
            self.post_message(self.Resized(self.text_width))

    @property
    def plain(self) -> str:
        """What the pane shows, without styles."""
        return self.content.plain
