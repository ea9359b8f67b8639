"""The story view driven through Textual's pilot: keys pressed, what is shown asserted."""

import io
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console
from sqlalchemy import text
from textual.widgets import Input, Static
from textual.widgets._footer import FooterKey

from tests.tui_support import SIZE, add_story, selected, settle, shown, styled
from tracker.db import queries
from tracker.db.engine import Database
from tracker.history import compare, seen
from tracker.store.write import Article, Candidate, Observation, store_candidate
from tracker.terminal.render import DELETE_STYLE, INSERT_STYLE
from tracker.tui import panes, texts
from tracker.tui.app import TrackerApp
from tracker.tui.screens.export import ExportScreen
from tracker.tui.screens.help import HelpScreen
from tracker.tui.screens.story import StoryScreen
from tracker.tui.screens.story_list import StoryListScreen
from tracker.tui.widgets.timeline import Timeline

# Each test drives the real app for a few seconds: `pytest -m 'not slow'` skips them.
pytestmark = pytest.mark.slow


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
        assert shown(pilot).startswith(
            "v3 -> v4  2020-01-07 23:48 -> 2020-01-08 00:17  +132 -3 words")
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
        await settle(pilot)
        assert selected(pilot) == 1
        await pilot.press("end")
        await settle(pilot)
        assert selected(pilot) == 8


async def test_unchanged_paragraphs_fold_and_unfold(sample_db: Database) -> None:
    async with TrackerApp(sample_db, story_id=1).run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "unchanged paragraphs" in shown(pilot)
        await pilot.press("u")
        await settle(pilot)
        assert "unchanged paragraphs" not in shown(pilot)
        assert "This is a breaking story and will be updated." in shown(pilot)


async def test_side_by_side_shows_old_and_new_paragraphs_in_one_row(sample_db: Database) -> None:
    async with TrackerApp(sample_db, story_id=1).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("left", "left", "left", "left", "s")
        await settle(pilot)
        rows = shown(pilot).splitlines()
        assert rows[0].startswith("v3 -> v4")
        first = next(row for row in rows if row.startswith("Iran launched"))
        old, new = first.split(" | ")
        assert "at least 10 missiles" in old and "dozen" not in old
        assert "more than a dozen missiles" in new and "at least" not in new


async def test_side_by_side_hides_the_timeline_when_narrow(sample_db: Database) -> None:
    async with TrackerApp(sample_db, story_id=1).run_test(size=(110, 30)) as pilot:
        await settle(pilot)
        assert pilot.app.screen.query_one("#timeline-box").display
        await pilot.press("s")
        await settle(pilot)
        assert not pilot.app.screen.query_one("#timeline-box").display
        await pilot.press("left")  # keys still step while the timeline is hidden
        await settle(pilot)
        assert shown(pilot).startswith("v6 -> v7")
        await pilot.press("d")
        await settle(pilot)
        assert pilot.app.screen.query_one("#timeline-box").display


async def test_full_text_mode_shows_the_version_as_it_read(sample_db: Database) -> None:
    async with TrackerApp(sample_db, story_id=1).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("t", "home")
        await settle(pilot)
        expected = queries.get_version(sample_db, 1, 1).text.split("\n")
        assert shown(pilot).startswith("v1  2020-01-07 23:05  54 words")
        assert shown(pilot).split("\n\n")[-len(expected):] == expected


async def test_blame_colours_paragraphs_by_the_version_they_date_from(
    sample_db: Database,
) -> None:
    async with TrackerApp(sample_db, story_id=1).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        lines = shown(pilot).splitlines()
        assert "v1   This is a breaking story and will be updated." in lines
        assert any(line.startswith("v8   House speaker Nancy Pelosi") for line in lines)
        assert any(line.startswith("v4   Iran launched more than a dozen") for line in lines)


async def test_marking_a_version_compares_any_pair(sample_db: Database) -> None:
    expected = compare.get_diff(sample_db, 1, 2, 7).stats
    async with TrackerApp(sample_db, story_id=1).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("home", "right", "m")
        await settle(pilot)
        await pilot.press("end", "left")
        await settle(pilot)
        assert shown(pilot).startswith("v2 -> v7")
        assert f"+{expected.words_added} -{expected.words_removed} words" in shown(pilot)
        await pilot.press("s")  # the mark holds across modes
        await settle(pilot)
        assert shown(pilot).startswith("v2 -> v7")
        await pilot.press("home", "right", "m")  # unmark: back to neighbour diffs
        await settle(pilot)
        assert shown(pilot).startswith("v1 -> v2")


async def test_a_one_version_story_says_so(db: Database) -> None:
    story_id = add_story(db, "https://example.org/one", ["Only paragraph."])
    async with TrackerApp(db, story_id=story_id).run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert texts.ONE_VERSION in shown(pilot)
        assert "Only paragraph." in shown(pilot)


async def test_web_text_cannot_drive_the_terminal(db: Database) -> None:
    story_id = add_story(db, "https://example.org/evil",
                         ["Calm text.", "Calm text.\nNew \x1b[2J\x1b]0;pwned\x07 text."],
                         title="Title \x1b[31mred")
    async with TrackerApp(db, story_id=story_id).run_test(size=SIZE) as pilot:
        await settle(pilot)
        for mode in "dstb":
            await pilot.press(mode)
            await settle(pilot)
            assert "New" in shown(pilot)
            assert "\x1b" not in shown(pilot) and "\x07" not in shown(pilot)


async def test_showing_the_newest_version_marks_the_story_seen(sample_db: Database) -> None:
    async with TrackerApp(sample_db).run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert seen.new_version_counts(sample_db, [1]) == {1: 8}
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, StoryScreen)
        assert seen.new_version_counts(sample_db, [1]) == {1: 0}
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(pilot.app.screen, StoryListScreen)


async def test_an_unreadable_database_is_reported_in_the_pane(sample_db: Database) -> None:
    with sample_db.engine.begin() as connection:
        connection.execute(text("DROP TABLE diffs"))
    async with TrackerApp(sample_db, story_id=1).run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert shown(pilot).startswith("cannot read the database: no such table: diffs")


async def test_copy_and_open_the_story_url(
    sample_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.py"
    browser.write_text(f"import sys; open({str(opened)!r}, 'w').write(sys.argv[1])")
    monkeypatch.setenv("BROWSER", f"python3 {browser} %s")
    story = queries.find_story(sample_db, 1)
    async with TrackerApp(sample_db, story_id=1).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("y")
        assert pilot.app.clipboard == story.url
        await pilot.press("o")
        await settle(pilot)
    assert opened.read_text() == story.url


async def test_help_lists_every_key_of_the_screen(sample_db: Database) -> None:
    async with TrackerApp(sample_db, story_id=1).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(pilot.app.screen, HelpScreen)
        console = Console(width=200, record=True, file=io.StringIO())
        for static in pilot.app.screen.query(Static):
            console.print(static.content)
        help_text = console.export_text()
        for binding in StoryScreen.BINDINGS:
            assert binding.tooltip in help_text  # type: ignore[union-attr]
        await pilot.press("escape")
        assert isinstance(pilot.app.screen, StoryScreen)


async def test_command_palette_runs_the_screen_actions(sample_db: Database) -> None:
    async with TrackerApp(sample_db, story_id=1).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Blame")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert shown(pilot).startswith("v8  ")
        assert "Each paragraph is coloured" in shown(pilot)


async def test_versions_stored_while_the_story_is_open_appear(sample_db: Database) -> None:
    async with TrackerApp(sample_db, story_id=1).run_test(size=SIZE) as pilot:
        await settle(pilot)
        latest = queries.get_version(sample_db, 1, -1)
        store_candidate(sample_db, Candidate(
            queries.find_story(sample_db, 1).url,
            Article(latest.text + "\nA late paragraph.", title=latest.info.title),
            Observation(datetime(2020, 1, 8, 5, 0, tzinfo=UTC))))
        screen = pilot.app.screen
        assert isinstance(screen, StoryScreen)
        screen.watch_versions()  # what the timer does every few seconds
        await settle(pilot)
        assert screen.query_one(Timeline).option_count == 9
        assert selected(pilot) == 8  # the reader is not moved
        await pilot.press("end")
        await settle(pilot)
        assert shown(pilot).startswith("v8 -> v9")


async def test_export_the_story_from_the_ui(sample_db: Database, tmp_path: Path) -> None:
    async with TrackerApp(sample_db, story_id=1).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("x")
        dialog = pilot.app.screen
        assert isinstance(dialog, ExportScreen)
        dialog.query_one("#folder", Input).value = str(tmp_path / "out")
        await pilot.press("down", "enter")  # the second format: Markdown
        await settle(pilot)
        assert isinstance(pilot.app.screen, StoryScreen)
    [written] = (tmp_path / "out").iterdir()
    assert written.name.startswith("1-iran-launches") and written.suffix == ".md"
    assert "at least 10" in written.read_text()


async def test_a_failed_export_is_reported(sample_db: Database, tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("a file, not a folder")
    async with TrackerApp(sample_db, story_id=1).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("x")
        pilot.app.screen.query_one("#folder", Input).value = str(tmp_path / "taken")
        await pilot.press("enter", "enter")  # to the formats, then HTML
        await settle(pilot)
        [note] = pilot.app._notifications
        assert note.severity == "error" and "is a file" in note.message


async def test_the_neighbours_of_the_shown_version_are_prepared_ahead(
    sample_db: Database,
) -> None:
    async with TrackerApp(sample_db, story_id=1).run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, StoryScreen) and screen.request is not None
        older = replace(screen.request, number=7)
        assert older in screen.cache  # before any key is pressed
        await pilot.press("left")
        await pilot.pause()  # no wait for workers: the cache answers at once
        assert shown(pilot).startswith("v6 -> v7")


async def test_escape_from_a_story_opened_directly_shows_the_list(sample_db: Database) -> None:
    async with TrackerApp(sample_db, story_id=1).run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert len(pilot.app.screen_stack) == 2  # the list is built only when asked for
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(pilot.app.screen, StoryListScreen)
        assert pilot.app.screen.stories[0].id == 1


def test_side_by_side_keeps_each_side_in_its_column(db: Database) -> None:
    """Each line holds the old side in the left half and the new in the right; a word longer
    than a column is folded onto the next lines whole, never cut off; styles are kept."""
    link = "https://example.com/" + "a-very-long-path-segment/" * 4
    story = add_story(db, "https://site.example/long", [
        "A short first paragraph.\nThe minister spoke.",
        f"A short first paragraph.\nThe minister spoke at length, see {link} for more."])
    laid = panes.lay_out(texts.side_by_side(compare.get_diff(db, story, 1, 2)), 60)
    lines = [line.text.ljust(60) for line in laid.lines]
    start = next(index for index, line in enumerate(lines) if line.startswith("The minister"))
    end = next(index for index in range(start, len(lines)) if not lines[index].strip())
    rows = lines[start:end]
    assert "".join(row[:28] for row in rows).split() == ["The", "minister", "spoke."]
    assert all(row[28:30] == "  " for row in rows)
    right = "".join(row[30:] for row in rows).replace(" ", "")
    assert link in right and "atlength" in right
    inserted = "".join(segment.text for line in laid.lines[start:end] for segment in line
                       if segment.style is not None and segment.style.underline)
    assert link in inserted


async def test_the_story_footer_keeps_its_keys_through_steps(sample_db: Database) -> None:
    """Stepping changes no key, so the footer's keys are not rebuilt (Textual's Footer
    rebuilt them at every bindings update); the find box's keys replace them."""
    async with TrackerApp(sample_db, story_id=1).run_test(size=SIZE) as pilot:
        await settle(pilot)
        pilot.app.screen.refresh_bindings()
        await settle(pilot)
        keys = list(pilot.app.screen.query(FooterKey))
        assert [key.key_display for key in keys][:2] == ["←", "→"]
        await pilot.press("left", "right")
        await settle(pilot)
        pilot.app.screen.refresh_bindings()
        await settle(pilot)
        assert list(pilot.app.screen.query(FooterKey)) == keys
        await pilot.press("slash")
        await settle(pilot)
        shown = [key.key_display for key in pilot.app.screen.query(FooterKey)]
        assert "F1" in shown and "?" not in shown
