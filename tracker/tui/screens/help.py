"""The help screen: every key of the screen it was opened from, and the app-wide ones."""

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

INTRO = (
    "tracker keeps every version of a story. Pick a story, step through its versions, and read "
    "what changed in each. Ctrl+P opens the command palette, which offers every action below."
)


def key_table(title: str, bindings: list[BindingType]) -> Table:
    """One section of the help: the keys and what each does, from the bindings themselves."""
    table = Table(title=title, title_justify="left", title_style="bold", box=None,
                  show_header=False, padding=(0, 2, 0, 0))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for binding in bindings:
        if isinstance(binding, Binding) and binding.description:
            keys = ", ".join(binding.key.split(","))
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
            yield Static(key_table("This screen", list(self.under.BINDINGS)))
            yield Static(key_table("Everywhere", self.app_bindings))

    def on_mount(self) -> None:
        self.query_one("#help").border_title = "Keys"
