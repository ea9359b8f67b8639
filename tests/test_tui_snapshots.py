"""Snapshot tests of the main screens at fixed sizes, in the dark and the light theme.

Update after an intended change with `pytest tests/test_tui_snapshots.py --snapshot-update`,
then look at the SVGs in tests/__snapshots__/ before committing them.
"""

from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.tui_support import settle
from tracker.db.engine import Database
from tracker.tui.app import TrackerApp

# Each test drives the real app for a few seconds: `pytest -m 'not slow'` skips them.
pytestmark = pytest.mark.slow

SnapCompare = Callable[..., bool]


def after(*keys: str, theme: str | None = None) -> Callable[[Pilot[Any]], Any]:
    """A run_before that waits for the workers, presses `keys`, and waits again."""

    async def run(pilot: Pilot[Any]) -> None:
        if theme:
            pilot.app.theme = theme
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return run


def test_story_list_80x24(snap_compare: SnapCompare, sample_db: Database) -> None:
    assert snap_compare(TrackerApp(sample_db), terminal_size=(80, 24), run_before=after())


def test_empty_database(snap_compare: SnapCompare, db: Database) -> None:
    assert snap_compare(TrackerApp(db), terminal_size=(80, 24), run_before=after())


def test_story_inline_diff_80x24(snap_compare: SnapCompare, sample_db: Database) -> None:
    app = TrackerApp(sample_db, story_id=1)
    assert snap_compare(app, terminal_size=(80, 24), run_before=after("left", "left", "left",
                                                                        "left"))


def test_story_inline_diff_light_theme(snap_compare: SnapCompare, sample_db: Database) -> None:
    app = TrackerApp(sample_db, story_id=1)
    run = after("left", "left", "left", "left", theme="textual-light")
    assert snap_compare(app, terminal_size=(80, 24), run_before=run)


def test_story_side_by_side_120x36(snap_compare: SnapCompare, sample_db: Database) -> None:
    app = TrackerApp(sample_db, story_id=1)
    assert snap_compare(app, terminal_size=(120, 36), run_before=after("left", "s"))


def test_story_blame_100x30(snap_compare: SnapCompare, sample_db: Database) -> None:
    app = TrackerApp(sample_db, story_id=1)
    assert snap_compare(app, terminal_size=(100, 30), run_before=after("b"))


def test_story_without_colour_80x24(
    snap_compare: SnapCompare, sample_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """NO_COLOR: [- -]{+ +} markers, old and new apart in the header, the timeline collapsed."""
    monkeypatch.setenv("NO_COLOR", "1")
    app = TrackerApp(sample_db, story_id=1)
    assert snap_compare(app, terminal_size=(80, 24), run_before=after("left", "left", "left"))


def test_story_list_without_colour_80x24(
    snap_compare: SnapCompare, sample_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    assert snap_compare(TrackerApp(sample_db), terminal_size=(80, 24), run_before=after())


def test_story_timeline_120x36(snap_compare: SnapCompare, sample_db: Database) -> None:
    """The timeline beside the diff: labelled columns, v1 as "first", bars, the H flag."""
    app = TrackerApp(sample_db, story_id=1)
    assert snap_compare(app, terminal_size=(120, 36), run_before=after("left", "left", "left"))


def test_help_screen(snap_compare: SnapCompare, sample_db: Database) -> None:
    app = TrackerApp(sample_db, story_id=1)
    assert snap_compare(app, terminal_size=(80, 24), run_before=after("question_mark"))
