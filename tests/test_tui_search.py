"""The search screen through the pilot: results as you type, and a hit opens its version."""

import pytest
from textual.pilot import Pilot
from textual.widgets import OptionList, Static

from tests.tui_support import SIZE, settle, shown
from tracker.db.engine import Database
from tracker.search import Field
from tracker.tui.app import TrackerApp
from tracker.tui.screens.search import SearchScreen
from tracker.tui.screens.story import StoryScreen

# Each test drives the real app for a few seconds: `pytest -m 'not slow'` skips them.
pytestmark = pytest.mark.slow


def status(pilot: Pilot[None]) -> str:
    return str(pilot.app.screen.query_one("#search-status", Static).content)


async def test_a_removed_phrase_opens_the_version_that_removed_it(sample_db: Database) -> None:
    async with TrackerApp(sample_db).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f")
        assert isinstance(pilot.app.screen, SearchScreen)
        await pilot.press(*'"at least 10"')
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, SearchScreen)
        removed = [hit for hit in screen.hits if hit.field == Field.REMOVED]
        assert [(hit.from_version, hit.to_version) for hit in removed] == [(3, 4)]
        assert status(pilot).endswith("newest first")
        await pilot.press("down")
        results = screen.query_one("#hits", OptionList)
        assert results.has_focus
        results.highlighted = screen.hits.index(removed[0])
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, StoryScreen)
        assert shown(pilot).startswith("v3 -> v4")
        await pilot.press("escape")
        assert isinstance(pilot.app.screen, SearchScreen)
        await pilot.press("escape")
        assert not isinstance(pilot.app.screen, SearchScreen)


async def test_no_matches_and_nothing_to_search_for(sample_db: Database) -> None:
    async with TrackerApp(sample_db).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f", *"zebra")
        await settle(pilot)
        assert status(pilot) == "No matches."
        await pilot.press(*["backspace"] * 5, *"--")
        await settle(pilot)
        assert status(pilot).startswith("nothing to search for")


async def test_ctrl_t_narrows_to_removed_then_added_text(sample_db: Database) -> None:
    async with TrackerApp(sample_db).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f", *"missiles")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, SearchScreen)
        assert {hit.field for hit in screen.hits} == set(Field)
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert {hit.field for hit in screen.hits} == {Field.ADDED}
        assert " in added text" in status(pilot)
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert {hit.field for hit in screen.hits} == {Field.REMOVED}
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert {hit.field for hit in screen.hits} == set(Field)
