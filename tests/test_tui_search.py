"""The TUI's search screen through Textual's pilot: type, submit, read results, open one."""

from textual.widgets import OptionList, Static

from tests.tui_support import SIZE, selected, settle
from tracker.db.engine import Database
from tracker.tui.app import TrackerApp
from tracker.tui.screens.search import SearchScreen
from tracker.tui.screens.story import StoryScreen


def results(pilot) -> list[str]:  # type: ignore[no-untyped-def]
    options = pilot.app.screen.query_one(OptionList)
    return [str(options.get_option_at_index(i).prompt.plain) for i in range(options.option_count)]


async def test_search_shows_highlighted_matches_and_opens_the_version(sample_db: Database) -> None:
    async with TrackerApp(sample_db).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+f")
        assert isinstance(pilot.app.screen, SearchScreen)
        await pilot.press(*"baner", "enter")
        await settle(pilot)
        found = results(pilot)
        assert found[0].startswith("v6 → v7  removed  [attribution,minor]")
        assert any(line.startswith("v3-v6  text") for line in found)
        status = pilot.app.screen.query_one("#search-status", Static)
        assert "results in all text" in str(status.render())
        options = pilot.app.screen.query_one(OptionList)
        snippet = options.get_option_at_index(0).prompt
        assert [snippet.plain[s.start:s.end] for s in snippet.spans if "reverse" in str(s.style)]\
            == ["baner"]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, StoryScreen)
        assert selected(pilot) == 7


async def test_search_can_narrow_to_added_text(sample_db: Database) -> None:
    async with TrackerApp(sample_db).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+f", *"banner", "enter")
        await settle(pilot)
        assert len(results(pilot)) == 2
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert [line.split("  ")[:2] for line in results(pilot)] == [["v6 → v7", "added"]]
        await pilot.press("escape")
        assert not isinstance(pilot.app.screen, SearchScreen)
