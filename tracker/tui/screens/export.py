"""The export dialog: pick a folder and a format; the story screen writes the file in a worker."""

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from tracker.db.engine import Database
from tracker.export import Format, render_story
from tracker.export.history import load_history, slug
from tracker.export.output import prepare_folder, write_atomic

FORMATS = {
    Format.HTML: "HTML report (one page, works offline)",
    Format.MARKDOWN: "Markdown",
    Format.JSON: "JSON (for scripts)",
    Format.PATCH: "Patch series (for git and patch)",
}
"""The per-story formats; Atom is a feed of many stories, exported from the CLI."""


@dataclass(frozen=True)
class ExportRequest:
    folder: Path
    fmt: Format


def export_story(db: Database, story_id: int, request: ExportRequest) -> Path:
    """Write one story's history into `request.folder`; returns the file written."""
    history = load_history(db, story_id)
    path = prepare_folder(request.folder) / f"{slug(history)}{request.fmt.suffix}"
    write_atomic(path, render_story(history, request.fmt))
    return path


class ExportScreen(ModalScreen[ExportRequest | None]):
    """Asks where and in which format; Enter on a format exports, Esc cancels."""

    AUTO_FOCUS = "#formats"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", key_display="Esc", tooltip="Export nothing"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="export"):
            yield Label("Folder")
            yield Input(str(Path.cwd()), id="folder")
            yield Label("Format (Enter exports)")
            yield OptionList(*(Option(label, id=str(fmt)) for fmt, label in FORMATS.items()),
                             id="formats")

    def on_mount(self) -> None:
        self.query_one("#export").border_title = "Export this story"

    @on(OptionList.OptionSelected, "#formats")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        folder = Path(self.query_one("#folder", Input).value.strip() or ".").expanduser()
        self.dismiss(ExportRequest(folder, Format(str(event.option.id))))

    @on(Input.Submitted, "#folder")
    def _to_formats(self) -> None:
        self.query_one("#formats", OptionList).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)
