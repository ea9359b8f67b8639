"""Stepping through versions keeps the diff pane whole: what made steps cheaper must not show.

A step no longer lays out the screen when only the pane's content changes (tracker.tui.widgets.
diff_pane); these tests check that the pane's scrolling, scrollbar and lines follow every
version anyway, whether its scrollbar comes, goes or stays.
"""

import pytest
from textual.pilot import Pilot

from tests.tui_support import SIZE, add_story, settle, shown
from tracker.db.engine import Database
from tracker.tui.app import TrackerApp
from tracker.tui.widgets.diff_pane import DiffPane

pytestmark = pytest.mark.slow
PARAGRAPHS = [f"Paragraph {index} says the council met in the city hall at noon."
              for index in range(40)]


def versions() -> list[str]:
    """v2 changes every paragraph, v3 half of them (both longer than the pane), v4 one word
    (short enough to fit)."""
    every = [paragraph.replace("says", "said") for paragraph in PARAGRAPHS]
    half = [paragraph.replace("city", "town") if index < 20 else paragraph
            for index, paragraph in enumerate(every)]
    one = [*half[:-1], half[-1].replace("noon", "one")]
    return ["\n\n".join(text) for text in (PARAGRAPHS, every, half, one)]


def check_pane(pilot: Pilot[None]) -> None:
    """The pane scrolls over exactly the lines of what it shows, and says so in its bar."""
    pane = pilot.app.screen.query_one(DiffPane)
    lines, height = len(pane.laid.lines), pane.scrollable_content_region.height
    assert pane.virtual_size.height == lines
    assert pane.max_scroll_y == max(0, lines - height)
    assert pane.scroll_y == 0  # a new version starts at its top
    assert pane.show_vertical_scrollbar == (lines > height)
    if lines > height:
        assert pane.vertical_scrollbar.window_virtual_size == lines
        assert pane.vertical_scrollbar.window_size == height


async def test_the_pane_follows_each_version_whether_its_scrollbar_comes_goes_or_stays(
    db: Database,
) -> None:
    story_id = add_story(db, "https://example.com/council", versions())
    async with TrackerApp(db, story_id=story_id).run_test(size=SIZE) as pilot:
        await settle(pilot)
        pane = pilot.app.screen.query_one(DiffPane)
        assert shown(pilot).startswith("v3 -> v4")
        check_pane(pilot)
        assert not pane.show_vertical_scrollbar
        heights = []
        for newer in (3, 2):  # the scrollbar comes, then stays for a longer diff
            await pilot.press("left")
            await settle(pilot)
            assert shown(pilot).startswith(f"v{newer - 1} -> v{newer}")
            check_pane(pilot)
            heights.append(len(pane.laid.lines))
        assert pane.show_vertical_scrollbar and heights[0] < heights[1]
        pane.scroll_end(animate=False, immediate=True)
        await pilot.pause()
        assert pane.scroll_y == pane.max_scroll_y > 0
        last = pane.laid.lines[-1].text.strip()
        assert last and pane.render_line(pane.scrollable_content_region.height - 1).text \
            .strip() == last  # the bottom row paints the diff's last line
        for newer in (3, 4):  # back: the bar stays for a shorter diff, then goes
            await pilot.press("right")
            await settle(pilot)
            assert shown(pilot).startswith(f"v{newer - 1} -> v{newer}")
            check_pane(pilot)
        assert not pane.show_vertical_scrollbar
