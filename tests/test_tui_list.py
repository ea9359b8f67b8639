"""The story list driven through the pilot: filter, sort, open, counts of new versions, refresh."""

from datetime import UTC, datetime

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Static
from textual.widgets._footer import FooterKey

from tests.tui_support import SIZE, add_story, settle, table_rows
from tracker.db.engine import Database
from tracker.store.write import Article, Candidate, Observation, store_candidate
from tracker.tui.app import TrackerApp
from tracker.tui.screens import story_list
from tracker.tui.screens.story import StoryScreen
from tracker.tui.screens.story_list import StoryListScreen

# Each test drives the real app for a few seconds: `pytest -m 'not slow'` skips them.
pytestmark = pytest.mark.slow

WIDE = (130, 30)


def status(pilot: Pilot[None]) -> str:
    return str(pilot.app.screen.query_one("#list-status", Static).content)


def titles(pilot: Pilot[None]) -> list[str]:
    return [row[1] for row in table_rows(pilot)]


def header_x(pilot: Pilot[None], key: str) -> int:
    """The x offset of a column's header in the story table, to click on it."""
    table = pilot.app.screen.query_one(DataTable)
    x = 0
    for column in table.columns.values():
        if column.key.value == key:
            return x + 1
        x += column.get_render_width(table)
    raise KeyError(key)


def three_stories(db: Database) -> None:
    add_story(db, "https://alpha.example.com/a", ["One.", "One. Two.", "One. Two. Three."],
              title="Alpha quake toll rises")
    add_story(db, "https://beta.example.org/b", ["Beta text."], title="Beta election called",
              hour=10)
    add_story(db, "https://gamma.example.net/c", ["G.", "G. H."], title="Gamma storm nears",
              hour=8)


async def test_the_list_shows_every_story_with_its_counts(sample_db: Database) -> None:
    async with TrackerApp(sample_db).run_test(size=WIDE) as pilot:
        await settle(pilot)
        assert isinstance(pilot.app.screen, StoryListScreen)
        [row] = table_rows(pilot)
        new, title, site, versions, changed, checked, state, significance = row
        assert (new, site, versions, state) == ("8", "news.example.com", "8", "active")
        assert significance.isdigit()  # the largest change's significance, rounded
        assert title.startswith("Iran launches more than a dozen missiles")
        assert changed == checked == "2020-01-08"
        assert status(pilot) == "1 story  ·  sorted by last change ↓"


async def test_narrow_terminals_keep_the_titles_readable(sample_db: Database) -> None:
    async with TrackerApp(sample_db).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        [row] = table_rows(pilot)
        assert len(row) == 5  # last check and status left out
        assert row[1].startswith("Iran launches")


async def test_filter_narrows_as_you_type(db: Database) -> None:
    three_stories(db)
    async with TrackerApp(db).run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert len(table_rows(pilot)) == 3
        await pilot.press("slash", "b", "e")
        await settle(pilot)
        assert titles(pilot) == ["Beta election called"]
        assert status(pilot).startswith("1 story matching “be”")
        await pilot.press("backspace", "backspace", *"example.net")  # the site matches too
        await settle(pilot)
        assert titles(pilot) == ["Gamma storm nears"]
        await pilot.press(*"zzz")
        await settle(pilot)
        assert titles(pilot) == []
        assert status(pilot).startswith("0 stories matching")
        await pilot.press("escape")
        await settle(pilot)
        assert len(table_rows(pilot)) == 3


async def test_sort_by_column_and_reverse(db: Database) -> None:
    three_stories(db)
    async with TrackerApp(db).run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert [r[3] for r in table_rows(pilot)] == ["1", "3", "2"]  # newest change first
        await pilot.press("s")  # last change -> title, A to Z first
        await settle(pilot)
        assert "sorted by title ↑" in status(pilot)
        assert titles(pilot) == ["Alpha quake toll rises", "Beta election called",
                                 "Gamma storm nears"]
        await pilot.press("r")
        await settle(pilot)
        assert titles(pilot)[0] == "Gamma storm nears"
        await pilot.click("#stories", offset=(header_x(pilot, "versions"), 0))
        await settle(pilot)
        assert [r[3] for r in table_rows(pilot)] == ["3", "2", "1"]


async def test_enter_opens_the_story_and_back_shows_it_seen(db: Database) -> None:
    three_stories(db)
    async with TrackerApp(db).run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert [r[0] for r in table_rows(pilot)] == ["1", "3", "2"]
        await pilot.press("down", "down", "enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, StoryScreen)
        assert pilot.app.screen.story is not None
        assert pilot.app.screen.story.title == "Gamma storm nears"
        await pilot.press("escape")
        await settle(pilot)
        assert [r[0] for r in table_rows(pilot)] == ["1", "3", ""]


async def test_the_list_refreshes_when_versions_arrive(db: Database) -> None:
    three_stories(db)
    async with TrackerApp(db).run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, StoryListScreen)
        screen.watch_database()  # what the timer does every few seconds
        await settle(pilot)
        store_candidate(db, Candidate("https://beta.example.org/b",
                                      Article("Beta text, updated.", title="Beta election called"),
                                      Observation(datetime(2026, 3, 2, tzinfo=UTC))))
        screen.watch_database()
        await settle(pilot)
        top = table_rows(pilot)[0]
        assert (top[1], top[0], top[3]) == ("Beta election called", "2", "2")
        assert len(table_rows(pilot)) == 3


async def test_an_empty_database_says_how_to_add_a_story(db: Database) -> None:
    async with TrackerApp(db).run_test(size=SIZE) as pilot:
        await settle(pilot)
        message = pilot.app.screen.query_one("#list-message", Static)
        assert message.display and not pilot.app.screen.query_one(DataTable).display
        assert str(message.content) == story_list.EMPTY_DATABASE
        empty = story_list.EMPTY_DATABASE
        assert "tracker demo" in empty and "tracker import" in empty


async def test_an_unreadable_database_is_reported(sample_db: Database) -> None:
    from sqlalchemy import text

    with sample_db.engine.begin() as connection:
        connection.execute(text("DROP TABLE seen_marks"))
    async with TrackerApp(sample_db).run_test(size=SIZE) as pilot:
        await settle(pilot)
        message = str(pilot.app.screen.query_one("#list-message", Static).content)
        assert message.startswith("cannot read the database: no such table: seen_marks")


async def test_the_footer_is_rebuilt_only_when_its_keys_change(sample_db: Database) -> None:
    """The list's footer keeps its keys through a bindings update that changes none of them
    (Textual's Footer rebuilds them every time), and shows the new ones when they change."""
    async with TrackerApp(sample_db).run_test(size=SIZE) as pilot:
        await settle(pilot)
        pilot.app.screen.refresh_bindings()  # focus has settled: the keys of the table's focus
        await settle(pilot)
        keys = list(pilot.app.screen.query(FooterKey))
        assert [key.key_display for key in keys] == ["/", "s", "r", "?", "f", "q", "^p"]
        pilot.app.screen.refresh_bindings()
        await settle(pilot)
        assert list(pilot.app.screen.query(FooterKey)) == keys
        await pilot.press("slash")
        await settle(pilot)
        shown = [key.key_display for key in pilot.app.screen.query(FooterKey)]
        assert "F1" in shown and "?" not in shown
