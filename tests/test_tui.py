"""The TUI driven through Textual's pilot: keys pressed, what is shown asserted."""

from textual.pilot import Pilot

from tracker.db.engine import Database
from tracker.render import DELETE_STYLE, INSERT_STYLE
from tracker.tui.app import TrackerApp
from tracker.tui.widgets.diff_pane import DiffPane
from tracker.tui.widgets.timeline import Timeline

SIZE = (100, 30)


async def settle(pilot: Pilot[None]) -> None:
    """Wait for the workers and the messages they posted, instead of sleeping."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def shown(pilot: Pilot[None]) -> str:
    return pilot.app.screen.query_one(DiffPane).plain


def styled(pilot: Pilot[None], style: str) -> list[str]:
    """The pieces of the shown text drawn in `style` (e.g. the inserted words)."""
    text = pilot.app.screen.query_one(DiffPane).text
    return [text.plain[span.start:span.end] for span in text.spans if span.style == style]


def selected(pilot: Pilot[None]) -> int | None:
    return pilot.app.screen.query_one(Timeline).selected_number()


async def test_story_opens_on_newest_version(sample_db: Database) -> None:
    async with TrackerApp(sample_db, story_id=1).run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert selected(pilot) == 8
        assert shown(pilot).startswith("v7 -> v8")
        assert "+56 -0 words" in shown(pilot)


async def test_keys_step_to_older_and_newer_versions(sample_db: Database) -> None:
    async with TrackerApp(sample_db, story_id=1).run_test(size=SIZE) as pilot:
        await settle(pilot)
        for _ in range(4):
            await pilot.press("left")
        await settle(pilot)
        assert selected(pilot) == 4
        text = shown(pilot)
        assert text.startswith("v3 -> v4  2020-01-07 23:48 -> 2020-01-08 00:17  +132 -3 words")
        assert "at least 10" in styled(pilot, DELETE_STYLE)
        assert "more than a dozen" in styled(pilot, INSERT_STYLE)
        await pilot.press("right")
        await settle(pilot)
        assert selected(pilot) == 5
        headline = shown(pilot).splitlines()[1]
        assert headline.startswith("Headline: Iran fires missiles at US forces in Iraq")
        assert "Iran fires missiles at US forces in Iraq" in styled(pilot, DELETE_STYLE)
        assert "Iran launches more than a dozen missiles" in styled(pilot, INSERT_STYLE)[0]


async def test_first_and_last(sample_db: Database) -> None:
    async with TrackerApp(sample_db, story_id=1).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("home")
        await settle(pilot)
        assert selected(pilot) == 1
        assert shown(pilot).startswith("v1  2020-01-07 23:05  54 words")
        await pilot.press("left")  # already the oldest: stays
        await pilot.press("end")
        await settle(pilot)
        assert selected(pilot) == 8


async def test_without_story_opens_newest_story(sample_db: Database) -> None:
    async with TrackerApp(sample_db).run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert selected(pilot) == 8


async def test_empty_database_says_how_to_add_a_story(db: Database) -> None:
    async with TrackerApp(db).run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "tracker demo" in shown(pilot)
        assert "tracker import" in shown(pilot)
