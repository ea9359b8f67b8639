"""Helpers for driving the TUI through Textual's pilot: wait for workers, read what is shown."""

from datetime import UTC, datetime, timedelta

from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import DataTable
from textual.worker import WorkerCancelled

from tracker.db.engine import Database
from tracker.store.write import Article, Candidate, Observation, store_candidate
from tracker.tui.widgets.diff_pane import DiffPane
from tracker.tui.widgets.timeline import Timeline

SIZE = (100, 30)


async def settle(pilot: Pilot[None]) -> None:
    """Wait for the workers and the messages they post, twice over for chained loads.

    A step cancels the pane worker it replaces; waiting on that one is retried."""
    for _ in range(3):
        while True:
            try:
                await pilot.app.workers.wait_for_complete()
                break
            except WorkerCancelled:
                continue
        await pilot.pause()


def shown(pilot: Pilot[None]) -> str:
    """The plain text of the story screen's diff pane."""
    return pilot.app.screen.query_one(DiffPane).plain


def styled(pilot: Pilot[None], style: str) -> list[str]:
    """The pieces of the shown text drawn in `style` (e.g. the inserted words)."""
    text = pilot.app.screen.query_one(DiffPane).content.renderable
    assert isinstance(text, Text)
    return [text.plain[span.start:span.end] for span in text.spans if span.style == style]


def selected(pilot: Pilot[None]) -> int | None:
    return pilot.app.screen.query_one(Timeline).selected_number()


def table_rows(pilot: Pilot[None]) -> list[list[str]]:
    """The story list's loaded rows as plain strings."""
    table = pilot.app.screen.query_one(DataTable)
    return [[str(getattr(cell, "plain", cell)) for cell in table.get_row_at(index)]
            for index in range(table.row_count)]


def add_story(
    db: Database, url: str, texts: list[str], title: str = "A story", hour: int = 9
) -> int:
    """Store `texts` as successive versions of the story at `url`, a minute apart from `hour`."""
    start = datetime(2026, 3, 1, hour, 0, tzinfo=UTC)
    story_id = 0
    for index, text in enumerate(texts):
        result = store_candidate(
            db, Candidate(url, Article(text, title=title),
                          Observation(start + timedelta(minutes=index)))
        )
        story_id = result.story_id
    return story_id
