"""The TUI on a large database: 5,000 stories, and one story of 300 versions of about 40 KB.

The database is built once per session through the real write path (about 15 s); the tests
check that the list pages instead of loading every story and that stepping through the long
story shows the right diff at each step. Speed is not asserted here (machines vary):
bench/bench_tui.py measures it.
"""

from collections.abc import Iterator

import pytest
from rich.text import Text
from textual.widgets import DataTable, Static

from bench import largedb
from tests.tui_support import settle, shown, table_rows
from tracker.db.engine import Database, open_database
from tracker.tui import panes, texts
from tracker.tui.app import TrackerApp
from tracker.tui.screens.story import StoryScreen
from tracker.tui.screens.story_list import PAGE_SIZE
from tracker.tui.widgets.diff_pane import DiffPane
from tracker.tui.widgets.timeline import Timeline

pytestmark = pytest.mark.slow
SIZE = (120, 36)


@pytest.fixture(scope="session")
def large(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Database, largedb.LargeDb]]:
    """Built once for the session: the per-test fixtures cannot reach a session fixture."""
    folder = tmp_path_factory.mktemp("large")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TRACKER_DATA_DIR", str(folder))
        db = open_database(f"sqlite:///{folder / 'large.db'}")
        info = largedb.build(db)
    yield db, info
    db.close()


async def test_the_list_pages_through_thousands_of_stories(
    large: tuple[Database, largedb.LargeDb],
) -> None:
    db, info = large
    async with TrackerApp(db).run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert len(table_rows(pilot)) == PAGE_SIZE
        assert str(pilot.app.screen.query_one("#list-status", Static).content).startswith(
            f"{info.stories} stories")
        assert table_rows(pilot)[0][1].startswith("Live: ")  # newest change first
        await pilot.press("ctrl+end")  # to the last loaded row: the next page comes in
        await settle(pilot)
        assert len(table_rows(pilot)) == 2 * PAGE_SIZE
        await pilot.press("slash", *"story-4321")
        await settle(pilot)
        rows = table_rows(pilot)
        assert len(rows) == 1
        assert pilot.app.screen.query_one(DataTable).row_count == 1


async def test_stepping_through_a_long_story(
    large: tuple[Database, largedb.LargeDb],
) -> None:
    db, info = large
    async with TrackerApp(db, story_id=info.big_story_id).run_test(size=SIZE) as pilot:
        await settle(pilot)
        timeline = pilot.app.screen.query_one(Timeline)
        assert timeline.option_count == info.big_versions
        top = timeline.scroll_offset.y  # the newest version's row is in view, not row 1
        assert top <= info.big_versions - 1 < top + timeline.size.height
        assert shown(pilot).startswith(f"v{info.big_versions - 1} -> v{info.big_versions}")
        for step in range(1, 6):
            await pilot.press("left")
            await settle(pilot)
            newer = info.big_versions - step
            assert shown(pilot).startswith(f"v{newer - 1} -> v{newer}")
        await pilot.press("end", "b")
        await settle(pilot)
        assert "Each paragraph is coloured" in shown(pilot)


async def test_a_long_text_shows_its_start_first_and_keeps_the_place(
    large: tuple[Database, largedb.LargeDb],
) -> None:
    """A long text's first lines are laid out alone and shown first; they are the whole's
    first lines, so when the whole comes the reader stays where they had scrolled to."""
    db, info = large
    async with TrackerApp(db, story_id=info.big_story_id).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        pane = pilot.app.screen.query_one(DiffPane)
        whole = pane.laid
        start = panes.lay_out_start(whole.content, whole.width)
        assert start is not None and start.partial and not whole.partial
        assert 60 < len(start.lines) < len(whole.lines) / 3
        assert [line.text for line in start.lines] == [
            line.text for line in whole.lines[:len(start.lines)]]
        screen = pilot.app.screen
        assert isinstance(screen, StoryScreen)
        screen.show_laid(start)
        pane.scroll_to(y=40, animate=False, immediate=True)
        screen.show_laid(whole)
        await pilot.pause()
        assert pane.scroll_y == 40 and pane.virtual_size.height == len(whole.lines)
        screen.show_laid(whole)  # anything else starts at the top
        assert pane.scroll_y == 0
    short = panes.lay_out(texts.PaneContent.of(Text("one line\n" * 10)), 80)
    assert panes.lay_out_start(short.content, 80) is None
