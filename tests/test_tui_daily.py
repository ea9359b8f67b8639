"""The TUI as a daily tool (issue 13): each test is one thing that got in a reader's way.

Driven through Textual's pilot on real SQLite files, as the other TUI tests are.
"""

import io
import webbrowser
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console
from sqlalchemy import text
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static
from textual.widgets._footer import FooterKey

from tests.test_tui_list import three_stories, titles
from tests.tui_support import SIZE, add_story, settle, shown, styled
from tracker.db.engine import Database
from tracker.store.write import Article, Candidate, Observation, store_candidate
from tracker.terminal.render import MATCH_STYLE
from tracker.tui.app import TrackerApp
from tracker.tui.screens.help import HelpScreen
from tracker.tui.screens.story import StoryScreen
from tracker.tui.screens.story_list import StoryListScreen
from tracker.tui.widgets.diff_pane import DiffPane
from tracker.tui.widgets.timeline import Timeline

pytestmark = pytest.mark.slow


def story_list(pilot: Pilot[None]) -> StoryListScreen:
    screen = pilot.app.screen
    assert isinstance(screen, StoryListScreen)
    return screen


def story(pilot: Pilot[None]) -> StoryScreen:
    screen = pilot.app.screen
    assert isinstance(screen, StoryScreen)
    return screen


def highlighted_title(pilot: Pilot[None]) -> str:
    screen = story_list(pilot)
    return screen.stories[screen.query_one(DataTable).cursor_row].title or ""


def status(pilot: Pilot[None]) -> str:
    return str(pilot.app.screen.query_one("#story-status", Static).content)


def notes(pilot: Pilot[None]) -> list[str]:
    return [note.message for note in pilot.app._notifications]


# 1. The story list keeps your place


async def test_the_list_keeps_the_highlighted_story(db: Database) -> None:
    three_stories(db)
    async with TrackerApp(db).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down", "down")
        assert highlighted_title(pilot) == "Gamma storm nears"
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("escape")  # back: still on the story just read
        await settle(pilot)
        assert highlighted_title(pilot) == "Gamma storm nears"
        store_candidate(db, Candidate("https://beta.example.org/b",  # moves Beta to the top
                                      Article("Beta text, updated.", title="Beta election called"),
                                      Observation(datetime(2026, 3, 2, tzinfo=UTC))))
        story_list(pilot).watch_database()
        await settle(pilot)
        assert titles(pilot)[0] == "Beta election called"
        assert highlighted_title(pilot) == "Gamma storm nears"
        await pilot.press("s")  # by title
        await settle(pilot)
        assert highlighted_title(pilot) == "Gamma storm nears"
        await pilot.press("slash", *"storm", "enter")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert len(titles(pilot)) == 3
        assert highlighted_title(pilot) == "Gamma storm nears"


# 2. The timeline on long stories


async def test_the_timeline_scales_to_the_changes_and_never_wraps(db: Database) -> None:
    long_text = "\n".join(f"Paragraph {n} " + "word " * 60 for n in range(40))  # 2,500 words
    edits = [(long_text, "Title"), (long_text + "\nOne more.", "Title"),
             (long_text + "\nOne more, and a few more words.", "A new title")]
    for minute, (body, title) in enumerate(edits):
        story_id = store_candidate(db, Candidate(
            "https://example.org/long", Article(body, title=title),
            Observation(datetime(2026, 3, 1, 9, minute, tzinfo=UTC)))).story_id
    async with TrackerApp(db, story_id=story_id).run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        timeline = story(pilot).query_one(Timeline)
        rows = [row.plain for row in timeline.rows]
        width = timeline.scrollable_content_region.width
        assert all(len(row) <= width for row in rows), (rows, width)
        assert "first" in rows[0] and "▮" not in rows[0]
        assert rows[1].count("▮") < rows[2].count("▮") or "▮" in rows[1]
        assert rows[2].rstrip().endswith("H")
        head = str(story(pilot).query_one("#timeline-head", Static).content)
        assert head.split() == ["ver", "seen", "+", "-", "change"]
        assert timeline.virtual_size.height == 3  # one line per version: nothing wrapped


# 3. Search results open with Enter, Enter, at the words found


async def test_enter_enter_opens_the_first_result_at_its_words(sample_db: Database) -> None:
    async with TrackerApp(sample_db).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f", *'"Rep. Dan Kildee"')
        await settle(pilot)
        await pilot.press("enter", "enter")
        await settle(pilot)
        screen = story(pilot)
        assert shown(pilot).startswith("v7 -> v8")
        assert "Rep. Dan Kildee" in styled(pilot, MATCH_STYLE)
        pane = screen.query_one(DiffPane)
        assert pane.laid.matches
        first = pane.laid.matches[0]
        assert pane.scroll_y <= first < pane.scroll_y + pane.size.height


# 4. Without colour the diff is readable


async def test_markers_are_on_without_colour_and_toggled_by_c(
    sample_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    async with TrackerApp(sample_db, story_id=1).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("left", "left", "left", "left")
        await settle(pilot)
        assert "[-at least 10-]{+more than a dozen+}" in shown(pilot)
        assert "Updated: [-2020-01-07 23:46-] -> {+2020-01-08 00:15+}" in shown(pilot)
        assert "{+added+} [-removed-]" in status(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert "at least 10more than a dozen" in shown(pilot)
        assert "[-" not in shown(pilot)


async def test_old_and_new_headlines_do_not_run_together(sample_db: Database) -> None:
    async with TrackerApp(sample_db, story_id=1).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("left", "left", "left")  # v4 -> v5 rewrote the headline
        await settle(pilot)
        assert "in Iraq Iran launches" in shown(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert "in Iraq-] {+Iran launches" in shown(pilot)


# 5. 80x24


async def test_at_80x24_the_text_gets_the_width_and_the_first_screen(
    sample_db: Database,
) -> None:
    async with TrackerApp(sample_db, story_id=1).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = story(pilot)
        assert not screen.query_one("#timeline-box").display
        await pilot.press("left", "left", "left", "left")
        await settle(pilot)
        pane = screen.query_one(DiffPane)
        first_screen = [strip.text for strip in pane.laid.lines[:pane.size.height]]
        assert any(line.startswith("Iran launched") for line in first_screen)
        assert "v3 → v4 of 8" in status(pilot)
        await pilot.press("v")
        await settle(pilot)
        assert screen.query_one("#timeline-box").display
        assert screen.query_one(Timeline).has_focus
        await pilot.press("v")
        assert not screen.query_one("#timeline-box").display


# 6. Focus after a mode switch


async def test_up_and_down_work_after_side_by_side_on_a_narrow_terminal(
    sample_db: Database,
) -> None:
    async with TrackerApp(sample_db, story_id=1).run_test(size=(110, 24)) as pilot:
        await settle(pilot)
        await pilot.press("home", "right", "right", "right", "u", "s")
        await settle(pilot)
        pane = story(pilot).query_one(DiffPane)
        assert pane.has_focus and pane.max_scroll_y > 0
        await pilot.press("down", "down")
        assert pane.scroll_y == 2
        await pilot.press("d")
        await settle(pilot)
        assert story(pilot).query_one(Timeline).has_focus
        await pilot.press("up")
        await settle(pilot)
        assert shown(pilot).startswith("v2 -> v3")


# 7. Keys people expect


async def test_list_keys_j_k_g_and_end(db: Database) -> None:
    three_stories(db)
    async with TrackerApp(db).run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = story_list(pilot).query_one(DataTable)
        await pilot.press("j", "j")
        assert table.cursor_row == 2
        await pilot.press("k")
        assert table.cursor_row == 1
        await pilot.press("g")
        assert table.cursor_row == 0
        await pilot.press("G")
        assert table.cursor_row == 2
        await pilot.press("home")
        assert table.cursor_row == 0
        await pilot.press("end")
        assert table.cursor_row == 2


async def test_next_and_previous_change_in_a_long_diff(sample_db: Database) -> None:
    async with TrackerApp(sample_db, story_id=1).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("u")  # every paragraph: the changes are far apart
        await settle(pilot)
        pane = story(pilot).query_one(DiffPane)
        ahead = [y for y in pane.laid.changes if y > 2]
        assert len(ahead) >= 2 and pane.max_scroll_y > 0
        await pilot.press("right_square_bracket")
        assert pane.scroll_y == min(ahead[0] - 2, pane.max_scroll_y)
        await pilot.press("right_square_bracket")
        assert pane.scroll_y == min(ahead[1] - 2, pane.max_scroll_y)
        await pilot.press("left_square_bracket")
        assert pane.scroll_y == ahead[0] - 2


async def test_find_in_the_pane_with_n_and_capital_n(sample_db: Database) -> None:
    async with TrackerApp(sample_db, story_id=1).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("t", "slash", *"iran", "enter")
        await settle(pilot)
        pane = story(pilot).query_one(DiffPane)
        matches = pane.laid.matches
        assert len(matches) > 3
        assert f"“iran” 1/{len(matches)}" in status(pilot)
        assert {word.lower() for word in styled(pilot, MATCH_STYLE)} == {"iran"}
        await pilot.press("n", "n")
        assert f"3/{len(matches)}" in status(pilot)
        assert pane.scroll_y == min(matches[2] - 2, pane.max_scroll_y)
        await pilot.press("N")
        assert f"2/{len(matches)}" in status(pilot)
        await pilot.press("slash")
        assert story(pilot).query_one("#find", Input).has_focus
        await pilot.press("escape")  # closes the box, stays on the story
        assert isinstance(pilot.app.screen, StoryScreen)
        assert not story(pilot).query_one("#find", Input).display


async def test_help_names_keys_as_written_and_explains_the_colours(
    sample_db: Database,
) -> None:
    async with TrackerApp(sample_db, story_id=1).run_test(size=(100, 60)) as pilot:
        await settle(pilot)
        assert "added" in status(pilot) and "removed" in status(pilot)  # the one-line key
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(pilot.app.screen, HelpScreen)
        console = Console(width=100, record=True, file=io.StringIO())
        for static in pilot.app.screen.query(Static):
            console.print(static.content)
        text = console.export_text()
        assert "question_mark" not in text and "escape" not in text
        for key, meaning in (("?", "List every key"), ("Esc", "Back to the story list"),
                             ("]", "next change"), ("Ctrl+P", "Search the actions")):
            assert any(line.lstrip().startswith(key) and meaning in line
                       for line in text.splitlines()), key
        assert "Colours and symbols" in text
        assert "the headline changed" in text and "first" in text


# 8. Honest messages


async def test_open_says_when_no_browser_could_be_opened(
    sample_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BROWSER", "false %s")  # a browser command that fails
    monkeypatch.setattr(webbrowser, "_tryorder", None)  # read BROWSER again (it is cached)
    monkeypatch.setattr(webbrowser, "_browsers", {})
    async with TrackerApp(sample_db, story_id=1).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        assert any(note.startswith("No web browser could be opened") for note in notes(pilot))


async def test_copy_says_the_terminal_may_not_have_taken_it(sample_db: Database) -> None:
    async with TrackerApp(sample_db, story_id=1).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("y")
        [note] = notes(pilot)
        assert "OSC 52" in note and "ignore" in note


async def test_an_unexpected_read_error_replaces_the_text(sample_db: Database) -> None:
    with sample_db.engine.begin() as connection:  # a stored diff that cannot be decoded
        connection.execute(text("UPDATE diffs SET delta = '=5\t+x\t-zz' WHERE id = 3"))
    async with TrackerApp(sample_db, story_id=1).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("left", "left", "left", "left")
        await settle(pilot)
        assert shown(pilot).startswith("could not show v4: ValueError")
        assert "v3 → v4" in status(pilot)


# 9. Small things


async def test_one_version_site_width_and_footer_while_typing(
    db: Database, tmp_path: Path
) -> None:
    site = "a-long-site-name.example.org"
    story_id = add_story(db, f"https://{site}/one", ["Only paragraph."])
    async with TrackerApp(db).run_test(size=(200, 30)) as pilot:
        await settle(pilot)
        row = story_list(pilot).query_one(DataTable).get_row_at(0)
        assert site in [str(getattr(cell, "plain", cell)) for cell in row]
        widths = {str(key.value): column.width
                  for key, column in story_list(pilot).query_one(DataTable).columns.items()}
        assert widths["site"] >= len(site)
        keys = [key.key_display for key in pilot.app.screen.query(FooterKey)]
        assert "?" in keys and "F1" not in keys
        await pilot.press("slash")
        await settle(pilot)
        keys = [key.key_display for key in pilot.app.screen.query(FooterKey)]
        assert "?" not in keys and "q" not in keys and "F1" in keys
        await pilot.press("escape", "enter")
        await settle(pilot)
        assert story(pilot).story_id == story_id
        assert "1 versions" not in status(pilot) and "v1 of 1" in status(pilot)
