"""Start-up: a command loads only what it needs (issue 17).

`tracker --version` and a cron job's `tracker snapshot` with nothing due run many times a day;
each heavy library they import costs tens of milliseconds before anything happens. Each test runs
the real entry point in a fresh interpreter and lists which heavy modules it loaded.
"""

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.cli_support import commands
from tracker import cli
from tracker.db.engine import open_database
from tracker.db.models import StoryStatus
from tracker.sources.tracking import set_status, track_stories

HEAVY = ("sqlalchemy", "httpx", "rich", "trafilatura", "lxml", "textual", "jinja2", "feedparser",
         "alembic", "spellchecker", "tracker.sources.snapshot", "tracker.store.write",
         "tracker.text.analysis", "tracker.search")
PROBE = """
import json, sys
heavy = json.loads(sys.argv[2])
sys.argv = ["tracker", *json.loads(sys.argv[1])]
from tracker.cli import main
try:
    main()
except SystemExit:
    pass
print(json.dumps([name for name in heavy if name in sys.modules]))
"""


def loaded(args: list[str], env_dir: Path) -> tuple[list[str], str]:
    """The heavy modules that `tracker ARGS` loaded, and what it printed before them."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args), json.dumps(HEAVY)],
        capture_output=True, text=True, timeout=120, check=True,
        env={"TRACKER_DATA_DIR": str(env_dir), "PATH": "/usr/bin:/bin", "TZ": "UTC"},
    )
    *printed, modules = done.stdout.splitlines()
    return json.loads(modules), "\n".join(printed)


def test_version_loads_no_heavy_module(tmp_path: Path) -> None:
    modules, printed = loaded(["--version"], tmp_path)
    assert printed.startswith("tracker ")
    assert modules == []


def test_snapshot_with_nothing_due_loads_only_the_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    db = open_database(url)
    [tracked] = track_stories(db, ["https://example.org/news/1"], datetime.now(UTC))
    set_status(db, tracked.story_id, StoryStatus.PAUSED, datetime.now(UTC))
    db.close()
    modules, printed = loaded(["--db", url, "snapshot"], tmp_path)
    assert "checked 0: 0 changed, 0 unchanged, 0 failed" in printed
    assert modules == ["sqlalchemy"]


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
