"""Start-up: a command loads only what it needs (issues 13 and 17).

`tracker --version` and a cron job's `tracker snapshot` with nothing due run many times a day;
each heavy library they import costs tens of milliseconds before anything happens. Each test runs
the real entry point in a fresh interpreter and lists which heavy modules it loaded. The entry
point (tracker.launch) answers those two and the TUI's first screen before typer and SQLAlchemy
load, and hands everything else to tracker.cli: the tests below run the same command lines
through both and compare what they print and how they exit.
"""

import fcntl
import json
import os
import re
import select
import sqlite3
import struct
import subprocess
import sys
import termios
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.widgets import DataTable

from tests.cli_support import commands
from tracker import cli
from tracker.db.engine import Database, open_database
from tracker.db.models import StoryStatus
from tracker.db.quick import open_quick
from tracker.sources.tracking import set_status, track_stories
from tracker.tui.app import TrackerApp
from tracker.tui.screens.story_list import PAGE_SIZE
from tracker.tui.widgets.diff_pane import DiffPane
from tracker.tui.widgets.timeline import Timeline

HEAVY = ("sqlalchemy", "typer", "httpx", "rich", "trafilatura", "lxml", "textual", "jinja2",
         "feedparser", "alembic", "spellchecker", "tracker.sources.snapshot",
         "tracker.store.write", "tracker.text.analysis", "tracker.search")
PROBE = """
import json, sys
heavy = json.loads(sys.argv[2])
sys.argv = ["tracker", *json.loads(sys.argv[1])]
from tracker.launch import main
try:
    main()
except SystemExit:
    pass
print(json.dumps([name for name in heavy if name in sys.modules]))
"""
ENTRY_POINTS = {"launch": "tracker.launch", "cli": "tracker.cli"}
"""The console script's entry point, and the full command line it hands other commands to."""
STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC ", re.MULTILINE)


def environment(data_dir: Path, **settings: str) -> dict[str, str]:
    return {"TRACKER_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin", "TZ": "UTC", **settings}


def loaded(args: list[str], env_dir: Path) -> tuple[list[str], str]:
    """The heavy modules that `tracker ARGS` loaded, and what it printed before them."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args), json.dumps(HEAVY)],
        capture_output=True, text=True, timeout=120, check=True, env=environment(env_dir),
    )
    *printed, modules = done.stdout.splitlines()
    return json.loads(modules), "\n".join(printed)


def through(entry: str, args: list[str], data_dir: Path, **settings: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of `tracker ARGS` run from an entry point, the time of
    day in a summary line masked."""
    code = f"import sys; sys.argv[0] = 'tracker'; from {ENTRY_POINTS[entry]} import main; main()"
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          timeout=120, env=environment(data_dir, **settings))
    return done.returncode, STAMP.sub("TIME ", done.stdout), done.stderr


def both_ways(args: list[str], data_dir: Path, **settings: str) -> tuple[int, str, str]:
    """What `tracker ARGS` does, which must be the same through the entry point and through
    the full command line."""
    quick = through("launch", args, data_dir, **settings)
    assert quick == through("cli", args, data_dir, **settings)
    return quick


def paused_story(url: str) -> None:
    db = open_database(url)
    [tracked] = track_stories(db, ["https://example.org/news/1"], datetime.now(UTC))
    set_status(db, tracked.story_id, StoryStatus.PAUSED, datetime.now(UTC))
    db.close()


def test_version_loads_no_heavy_module(tmp_path: Path) -> None:
    modules, printed = loaded(["--version"], tmp_path)
    assert printed.startswith("tracker ")
    assert modules == []


def test_snapshot_with_nothing_due_loads_no_heavy_module(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    paused_story(url)
    modules, printed = loaded(["--db", url, "snapshot"], tmp_path)
    assert "checked 0: 0 changed, 0 unchanged, 0 failed" in printed
    assert modules == []


def test_snapshot_with_nothing_due_both_ways(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    paused_story(url)
    summary = "TIME checked 0: 0 changed, 0 unchanged, 0 failed\n"
    assert both_ways(["--db", url, "snapshot"], tmp_path) == (0, summary, "")
    assert both_ways(["snapshot", "--all", "--db", url], tmp_path) == (0, summary, "")
    assert both_ways(["--db", url, "snapshot", "--quiet"], tmp_path) == (0, "", "")
    assert both_ways(["--version"], tmp_path) == (0, "tracker 0.1.0\n", "")


def test_a_bad_setting_is_refused_both_ways(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    paused_story(url)
    code, _, error = both_ways(["--db", url, "snapshot"], tmp_path, TRACKER_MIN_INTERVAL="soon")
    assert code == 2 and "TRACKER_MIN_INTERVAL" in error


def test_the_default_database_is_created_both_ways(tmp_path: Path) -> None:
    """No database yet: the entry point leaves it to the full command, which creates it."""
    for entry in ENTRY_POINTS:
        data = tmp_path / entry
        assert through(entry, ["snapshot"], data) == (
            0, "TIME checked 0: 0 changed, 0 unchanged, 0 failed\n", "")
        with open_quick(f"sqlite:///{data / 'tracker.db'}") as reader:
            assert reader is not None


def test_a_newer_or_damaged_database_fails_alike(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    paused_story(url)
    with sqlite3.connect(tmp_path / "tracker.db") as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999_newer'")
    code, output, error = both_ways(["--db", url, "snapshot"], tmp_path)
    assert (code, output) == (4, "") and "newer tracker" in error
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    code, output, error = both_ways(["--db", str(damaged), "snapshot"], tmp_path)
    assert (code, output) == (4, "") and error.startswith("tracker: error:")


def test_something_due_takes_the_full_run(tmp_path: Path, site) -> None:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    db = open_database(url)
    track_stories(db, [site.add("/due", "A story that is due")], datetime.now(UTC))
    db.close()
    modules, printed = loaded(["--db", url, "snapshot"], tmp_path)
    assert "checked 1: 1 changed" in printed and "sqlalchemy" in modules


async def test_the_first_screen_shows_rows_before_the_database_opens(
        sample_db: Database, db_url: str) -> None:
    """What `tracker tui` does (tracker.launch): the first page from the quick read, the
    database opened after it is shown. The opener notes what it found when it was called."""
    found: dict[str, object] = {}
    with open_quick(db_url) as reader:
        assert reader is not None
        first = reader.first_page(PAGE_SIZE)

    def opener() -> Database:
        found["rows"] = app.screen.query_one(DataTable).row_count
        return sample_db

    app = TrackerApp(opener, first=first)
    async with app.run_test() as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert found == {"rows": 1}
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        assert app.screen.__class__.__name__ == "StoryScreen"


async def test_a_story_opened_directly_shows_before_the_database_opens(
        sample_db: Database, db_url: str) -> None:
    """What `tracker tui ID` does: the story's versions and newest diff from the quick read,
    the database opened once they are shown; steps then read it as before."""
    found: dict[str, object] = {}
    with open_quick(db_url) as reader:
        assert reader is not None
        opening = reader.story_opening(1)

    def opener() -> Database:
        screen = app.screen
        found["shown"] = (screen.query_one(DiffPane).plain.startswith("v7 -> v8"),
                          screen.query_one(Timeline).option_count)
        return sample_db

    app = TrackerApp(opener, story_id=1, opening=opening)
    async with app.run_test() as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert found == {"shown": (True, 8)}
        await pilot.press("left")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.query_one(DiffPane).plain.startswith("v6 -> v7")


@pytest.mark.parametrize(("modules", "unwanted"), [
    ("tracker.launch, tracker.tui.app",
     ("sqlalchemy", "typer", "tracker.db.queries", "tracker.text.normalise",
      "tracker.text.diffing")),
    ("tracker.tui.screens.story",
     ("sqlalchemy", "typer", "tracker.db.queries", "tracker.search", "tracker.text.normalise")),
])
def test_the_tui_modules_load_without_sqlalchemy(
        tmp_path: Path, modules: str, unwanted: tuple[str, ...]) -> None:
    """The app and its first screens import neither SQLAlchemy nor the read queries, nor the
    normaliser's patterns; the list not even the differ (making titles safe needs none)."""
    probe = f"import sys, {modules}; print([m for m in {unwanted!r} if m in sys.modules])"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=120, check=True, env=environment(tmp_path))
    assert done.stdout.strip() == "[]"


def test_every_command_is_found_in_its_module() -> None:
    """The table `main` reads to load one command's module names every command rightly."""
    for name, command in commands():
        module = command.callback.__module__
        assert module == f"tracker.cli.{cli._MODULE_OF[name.split()[0]]}", name


@pytest.mark.parametrize(("args", "modules"), [
    (["--version"], ()),
    (["--db", "x.db", "snapshot", "--all"], ("snapshot",)),
    (["--db", "snapshot", "log", "1"], ("browse",)),
    (["--help"], cli.COMMAND_MODULES),
    ([], cli.COMMAND_MODULES),
    (["no-such-command"], cli.COMMAND_MODULES),
])
def test_modules_for_a_command_line(args: list[str], modules: tuple[str, ...]) -> None:
    assert cli.modules_for(args) == modules


def shown_in_a_terminal(args: list[str], want: bytes, data_dir: Path) -> int:
    """Run `tracker ARGS` in a pseudo-terminal until `want` is drawn, then quit with q; its
    exit code."""
    main, child = os.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 120, 0, 0))
    process = subprocess.Popen(
        [sys.executable, "-m", "tracker", *args], stdin=child, stdout=child, stderr=child,
        env=environment(data_dir, TERM="xterm"), start_new_session=True,
        preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0))
    os.close(child)
    seen, deadline = b"", time.monotonic() + 60
    try:
        while want not in seen and time.monotonic() < deadline:
            if select.select([main], [], [], 0.5)[0]:
                seen += os.read(main, 1 << 16)
        assert want in seen, seen[-500:]
        os.write(main, b"q")
        while process.poll() is None and time.monotonic() < deadline:
            if select.select([main], [], [], 0.1)[0]:
                try:
                    os.read(main, 1 << 16)
                except OSError:  # the terminal's other end closed: the app has quit
                    break
        return process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
        os.close(main)


def test_the_tui_through_the_entry_point(sample_db: Database, db_url: str,
                                         tmp_path: Path) -> None:
    """`tracker tui` and `tracker tui ID` from the entry point show the list and the story
    and quit cleanly; an id that names no story is refused before the TUI starts, as the
    full command line refuses it."""
    assert shown_in_a_terminal(["--db", db_url, "tui"], b"1 story", tmp_path) == 0
    assert shown_in_a_terminal(["--db", db_url, "tui", "1"], b"v7 -> v8", tmp_path) == 0
    code, output, error = both_ways(["--db", db_url, "tui", "999"], tmp_path)
    assert (code, output) == (3, "") and "no story '999'" in error
