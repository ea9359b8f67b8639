"""Sending a story out of the app: to a browser, to the clipboard, to an export file.

Each says honestly what happened: whether a browser took the URL, that a terminal may ignore
the copy, where the export went or why it failed.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import work

from tracker.db.summaries import StorySummary
from tracker.text import display
from tracker.tui import loading
from tracker.tui.screens.reading import ReadingScreen

if TYPE_CHECKING:  # the exporters load when x is pressed, not with the app; the database
    from tracker.db.engine import Database  # with the first read (`tracker tui STORY`)
    from tracker.tui.screens.export import ExportRequest


class SharingScreen(ReadingScreen):
    """The story screen's o, y and x."""

    story_id: int
    story: StorySummary | None
    open_database: "Callable[[], Database]"
    """Opens the database once, in whichever thread reads first (TrackerApp.database)."""

    @property
    def db(self) -> "Database":
        return self.open_database()

    def action_open_url(self) -> None:
        if self.story is not None:
            self.open_in_browser(self.story.url)

    @work(thread=True, group="browser", exit_on_error=False)
    def open_in_browser(self, url: str) -> None:
        """webbrowser says whether a browser took the URL; Textual's open_url does not."""
        import webbrowser

        if webbrowser.open(url):
            self.app.call_from_thread(self.notify, f"Opened {display.safe(url)}", markup=False)
        else:
            self.app.call_from_thread(
                self.notify, "No web browser could be opened here (set BROWSER to choose one)."
                f" The URL: {display.safe(url)}", severity="warning", markup=False, timeout=10)

    def action_copy_url(self) -> None:
        """The copy goes through the terminal (OSC 52), which never says whether it took it."""
        if self.story is not None:
            self.app.copy_to_clipboard(self.story.url)
            self.notify(f"Sent {display.safe(self.story.url)} to the clipboard through the "
                        "terminal; terminals without OSC 52 (or tmux without set-clipboard) "
                        "ignore it", markup=False, timeout=8)

    def action_export(self) -> None:
        from tracker.tui.screens.export import ExportScreen  # the exporters load when needed

        self.app.push_screen(ExportScreen(), self._export_chosen)

    def _export_chosen(self, request: "ExportRequest | None") -> None:
        if request is not None:
            self.export(request)

    @work(thread=True, group="export", exit_on_error=False)
    def export(self, request: "ExportRequest") -> None:
        from tracker.tui.screens.export import export_story

        try:
            path = export_story(self.db, self.story_id, request)
        except loading.READ_ERRORS as error:
            self.app.call_from_thread(self.notify, loading.describe(error), severity="error",
                                      markup=False)
            return
        self.app.call_from_thread(self.notify, f"Wrote {display.safe(str(path))}", markup=False)
