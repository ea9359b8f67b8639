"""Reading a long pane: scroll it, jump between changes, find words in it.

The story screen builds on this; it is apart so that the version stepping and the reading of
one text stay small enough to follow. Everything here works on the laid-out lines the pane
shows (tracker.tui.panes.Laid), which know where the changes and the matches are.
"""

from dataclasses import replace

from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Input

from tracker.text import display
from tracker.tui import panes, texts
from tracker.tui.texts import Look
from tracker.tui.widgets.diff_pane import DiffPane

CONTEXT_LINES = 2
"""Lines kept above a change or a match that a key jumped to."""

READING_BINDINGS: list[BindingType] = [
    Binding("right_square_bracket", "next_change(1)", "Next change", key_display="]",
            show=False, tooltip="Scroll to the next change in this pane"),
    Binding("left_square_bracket", "next_change(-1)", "Previous change", key_display="[",
            show=False, tooltip="Scroll to the previous change in this pane"),
    Binding("slash", "find", "Find", key_display="/", show=False,
            tooltip="Find words in this pane (then n and N)"),
    Binding("n", "next_match(1)", "Next match", show=False,
            tooltip="Scroll to the next line with a match"),
    Binding("N", "next_match(-1)", "Previous match", show=False,
            tooltip="Scroll to the previous line with a match"),
    Binding("pagedown", "scroll_diff(1)", "Page down", key_display="PgDn", show=False,
            priority=True, tooltip="Scroll the diff pane down a page"),
    Binding("space", "scroll_diff(1)", "Page down", key_display="Space", show=False,
            tooltip="Scroll the diff pane down a page"),
    Binding("pageup", "scroll_diff(-1)", "Page up", key_display="PgUp", show=False,
            priority=True, tooltip="Scroll the diff pane up a page"),
]


class ReadingScreen(Screen[None]):
    """A screen with a DiffPane and a hidden `#find` Input; see the module docstring."""

    look: Look
    jump_to_match: bool
    """Scroll to the first match when the next content arrives (a search opened it)."""
    match_index = 0

    def show_status(self) -> None:
        """Subclasses say what the pane shows in their status line."""

    def refresh_pane(self) -> None:
        """Subclasses prepare the pane again for a changed look."""

    def show_laid(self, laid: panes.Laid) -> None:
        """Show prepared lines: at the first match when a search or `/` asked for it."""
        pane = self.query_one(DiffPane)
        line = 0
        if pane.laid.partial and pane.laid.content is laid.content:  # the rest of it came
            line = round(pane.scroll_y)
        if self.jump_to_match and laid.matches:
            self.jump_to_match, self.match_index = False, 0
            line = max(0, laid.matches[0] - CONTEXT_LINES)
        pane.show(laid, line)
        self.show_status()

    def show_message(self, text: Text) -> None:
        """A message in the pane (an error, an empty story), laid out here: it is short."""
        pane = self.query_one(DiffPane)
        pane.show(panes.lay_out(texts.PaneContent.of(text), pane.text_width or 80))

    def find_status(self) -> Text:
        """What `/` found, for the status line."""
        if not self.look.find:
            return Text()
        matches = self.query_one(DiffPane).laid.matches
        words = " ".join(self.look.find)
        where = (f"{self.match_index + 1}/{len(matches)}" if matches else "not in this pane")
        return Text(f"  ·  “{display.safe(words)}” {where}", "bold")

    def action_scroll_diff(self, pages: int) -> None:
        pane = self.query_one(DiffPane)
        if pages > 0:
            pane.scroll_page_down(animate=False)
        else:
            pane.scroll_page_up(animate=False)

    def action_next_change(self, direction: int) -> None:
        """Scroll to the next (1) or previous (-1) run of changed lines."""
        pane = self.query_one(DiffPane)
        top = round(pane.scroll_y) + CONTEXT_LINES
        ahead = [y for y in pane.laid.changes if (y > top if direction > 0 else y < top)]
        if not ahead:
            self.notify("No more changes " + ("below." if direction > 0 else "above."),
                        timeout=2)
            return
        target = ahead[0] if direction > 0 else ahead[-1]
        pane.scroll_to(y=max(0, target - CONTEXT_LINES), animate=False)

    def action_find(self) -> None:
        find = self.query_one("#find", Input)
        find.display = True
        find.value = " ".join(self.look.find)
        find.focus()

    @on(Input.Submitted, "#find")
    def _find_submitted(self, event: Input.Submitted) -> None:
        words = event.value.strip()
        self.look = replace(self.look, find=(words,) if words else ())
        self.jump_to_match = bool(words)
        self.close_find()
        self.refresh_pane()

    def close_find(self) -> bool:
        """Hide the find box if it is open; False when it was not."""
        find = self.query_one("#find", Input)
        if not find.display:
            return False
        find.display = False
        self.place_timeline()
        return True

    def place_timeline(self) -> None:
        """Subclasses put the focus back where the arrows work."""

    def action_next_match(self, direction: int) -> None:
        """Scroll to the next (1) or previous (-1) line with a match, round the end."""
        matches = self.query_one(DiffPane).laid.matches
        if not matches:
            self.notify("Nothing found: / finds words in this pane.", timeout=2)
            return
        self.match_index = (self.match_index + direction) % len(matches)
        line = matches[self.match_index]
        self.query_one(DiffPane).scroll_to(y=max(0, line - CONTEXT_LINES), animate=False)
        self.show_status()
