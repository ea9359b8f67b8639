"""The Textual app: it holds the database and delegates everything else to its screens."""

from textual.app import App

from tracker.db.engine import Database
from tracker.tui.screens.story import StoryScreen


class TrackerApp(App[None]):
    """Step through how breaking stories changed."""

    CSS_PATH = "app.tcss"
    TITLE = "tracker"

    def __init__(self, db: Database, story_id: int | None = None) -> None:
        super().__init__()
        self.db = db
        self.story_id = story_id

    def on_mount(self) -> None:
        self.push_screen(StoryScreen(self.db, self.story_id))
