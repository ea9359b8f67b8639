"""The help screen: every key of the screen it was opened from, and the app-wide ones."""

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.keys import format_key
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from tracker.terminal import render

KEY_NAMES = {
    "escape": "Esc", "enter": "Enter", "backspace": "Backspace", "tab": "Tab",
    "space": "Space", "pageup": "PgUp", "pagedown": "PgDn", "home": "Home", "end": "End",
    "up": "↑", "down": "↓", "left": "←", "right": "→",
}
"""Keys as people write them; the rest are the characters they type ("?", "/", "[")."""
INTRO = (
    "tracker keeps every version of a story. Pick a story, step through its versions, and read "
    "what changed in each. Ctrl+P opens the command palette, which offers every action below."
)


def key_name(key: str) -> str:
    """One key as people write it: "?", "Esc", "Ctrl+P", "F1", "G"."""
    *modifiers, name = key.split("+")
    shown = KEY_NAMES.get(name) or (name.upper() if name[:1] == "f" and name[1:].isdigit()
                                    else format_key(name))
    if modifiers and len(shown) == 1:
        shown = shown.upper()
    return "+".join([*(modifier.capitalize() for modifier in modifiers), shown])


def legend() -> Table:
    """What the colours and symbols of the story screen mean."""
    table = Table(title="Colours and symbols", title_justify="left", title_style="bold",
                  box=None, show_header=False, padding=(0, 2, 0, 0))
    table.add_column(no_wrap=True)
    table.add_column()
    rows = [
        (Text("added", render.INSERT_STYLE), "words a version added (green, underlined)"),
        (Text("removed", render.DELETE_STYLE), "words it removed (red, struck through)"),
        (Text("{+added+} [-removed-]"), "the same with markers (c; on without colour)"),
        (Text("match", render.MATCH_STYLE), "words found with / or by the search"),
        (Text("... 3 unchanged paragraphs ...", render.SKIP_STYLE), "folded text (u unfolds)"),
        (Text("▮▮▮", "green").append("▮▮", "red"), "timeline: size of the change, added and "
         "removed, against the story's largest"),
        (Text("first"), "timeline: version 1, the text as first seen"),
        (Text("H", "bold magenta"), "timeline: the headline changed"),
        (Text("↩v3", "yellow"), "timeline: the text went back to version 3's"),
        (Text("*", "bold yellow"), "timeline: the version marked with m"),
    ]
    for sample, meaning in rows:
        table.add_row(sample, meaning)
    return table


def key_table(title: str, bindings: list[BindingType]) -> Table:
    """One section of the help: the keys and what each does, from the bindings themselves."""
    table = Table(title=title, title_justify="left", title_style="bold", box=None,
                  show_header=False, padding=(0, 2, 0, 0))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for binding in bindings:
        if isinstance(binding, Binding) and binding.description:
            keys = ", ".join(key_name(key) for key in binding.key.split(","))
            table.add_row(keys, binding.tooltip or binding.description)
    return table


class HelpScreen(ModalScreen[None]):
    """Lists the keys; built from the screens' BINDINGS, so it cannot fall out of date."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close", key_display="Esc"),
    ]

    def __init__(self, under: Screen[object], app_bindings: list[BindingType]) -> None:
        super().__init__()
        self.under = under
        self.app_bindings = app_bindings

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(Text(INTRO), id="help-intro")
            yield Static(key_table("This screen", self.screen_bindings()))
            yield Static(key_table("Everywhere", self.app_bindings))
            if self.under.query("DiffPane"):
                yield Static(legend())

    def screen_bindings(self) -> list[BindingType]:
        """The screen's keys, then those of our widget that has focus (the list's j and k)."""
        bindings = list(self.under.BINDINGS)
        focused = type(self.under.focused) if self.under.focused else None
        if focused is not None and focused.__module__.startswith("tracker."):
            bindings += focused.BINDINGS
        return bindings

    def on_mount(self) -> None:
        self.query_one("#help").border_title = "Keys"
