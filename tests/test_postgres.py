"""Every feature on PostgreSQL, as a user reaches it: the same commands print the same thing
on PostgreSQL as on SQLite, live tracking works there, and the TUI opens a story from it.

The other test modules run their domain tests on both databases (`any_db`); this one covers
the layers above, the CLI and the TUI, with `--db postgresql+psycopg://...`.
"""

import json
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from tests.conftest import SAMPLE_URL
from tests.newssite import NewsSite
from tests.tui_support import SIZE, selected, settle, shown
from tracker.cli import app
from tracker.db.engine import Database, open_database
from tracker.sources.importer import seeds_dir
from tracker.tui.app import TrackerApp

READING = [
    ["stories"], ["stories", "--json"], ["log", "1"], ["log", SAMPLE_URL, "--json"],
    ["diff", "1", "--no-color"], ["diff", "1", "2", "6", "--no-color"], ["show", "1", "3"],
    ["checks", "1"], ["export", "1", "--format", "md"],
    ["export", "1", "--format", "patch"], ["export", "1", "--format", "json"],
]
"""Commands whose output depends only on the stored story: it must not depend on the database."""
SEARCHES = [
    ["missiles"], ["dozen", "--added"], ["dozen", "--tag", "number"], ["said", "--tag", "quote"],
    ["missiles", "--tag", "attribution"], ["10", "--removed"], ['"al-Asad airbase"'],
    ["the", "--limit", "3"], ["Pelosi OR Soleimani"], ["missile* -Pelosi"], ['"more than a dozen"'],
]
SAMPLE_FOLDER = "iran-missiles-2020-01-07"
FAST = ("--per-host", "8", "--delay", "0")


def tracker(url: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["--db", url, *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def pg_sample(pg_url: str) -> Iterator[Database]:
    """The sample story imported into PostgreSQL by `tracker import`."""
    code, stdout, stderr = tracker(pg_url, "import", str(seeds_dir() / SAMPLE_FOLDER))
    assert code == 0 and "8 new versions" in stdout, stderr
    database = open_database(pg_url)
    yield database
    database.close()


def test_reading_commands_print_the_same_on_both_databases(
    sample_db: Database, pg_sample: Database
) -> None:
    for args in READING:
        on_sqlite, on_postgres = tracker(sample_db.url, *args), tracker(pg_sample.url, *args)
        assert on_sqlite[0] == 0, on_sqlite[2]
        assert on_postgres == on_sqlite, f"tracker {' '.join(args)} differs"


def test_the_html_export_and_the_atom_feed_on_postgres(pg_sample: Database) -> None:
    code, page, _ = tracker(pg_sample.url, "export", "1", "--format", "html")
    assert code == 0 and page.startswith("<!DOCTYPE html>") and "more than a dozen" in page
    code, feed, _ = tracker(pg_sample.url, "export", "1", "--format", "atom")
    assert code == 0 and feed.startswith("<?xml") and feed.count("<entry>") == 8


def test_search_finds_the_same_changes_on_both_databases(
    sample_db: Database, pg_sample: Database
) -> None:
    """The same hits in the same order, with the same snippets: PostgreSQL's are cut by FTS5
    too (tracker.search.tokens)."""
    for args in SEARCHES:
        found = [json.loads(tracker(db.url, "search", *args, "--json")[1])
                 for db in (sample_db, pg_sample)]
        assert found[0], f"search {' '.join(args)} found nothing"
        assert found[1] == found[0], f"search {' '.join(args)} differs"


def test_live_tracking_on_postgres(site: NewsSite, pg_url: str) -> None:
    urls = [site.add(f"/s/{n}", f"Story {n}") for n in range(3)]
    code, stdout, _ = tracker(pg_url, "add", *urls)
    assert code == 0 and stdout.count(": tracking") == 3
    code, stdout, _ = tracker(pg_url, "snapshot", *FAST)
    assert code == 0 and "checked 3: 3 changed, 0 unchanged, 0 failed" in stdout
    site.edit("/s/1", "witness said", "witness insisted")
    code, stdout, _ = tracker(pg_url, "snapshot", "--all", *FAST)
    assert "checked 3: 1 changed, 2 unchanged, 0 failed" in stdout
    code, stdout, _ = tracker(pg_url, "diff", urls[1], "--no-color")
    assert code == 0 and "insisted" in stdout
    code, stdout, _ = tracker(pg_url, "search", "insisted", "--added")
    assert code == 0 and "Story 1" in stdout
    tracker(pg_url, "pause", urls[0])
    code, stdout, _ = tracker(pg_url, "status")
    assert code == 0 and "1 paused" in stdout and "2 active" in stdout


async def test_the_tui_steps_through_a_story_on_postgres(pg_sample: Database) -> None:
    async with TrackerApp(pg_sample, story_id=1).run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert selected(pilot) == 8
        assert shown(pilot).startswith("v7 -> v8")
        await pilot.press("left")
        await settle(pilot)
        assert selected(pilot) == 7
        assert shown(pilot).startswith("v6 -> v7")
