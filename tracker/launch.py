"""The `tracker` command's entry point: the command lines run most often, answered before the
command line's libraries load.

`tracker --version`, a cron job's `tracker snapshot` with nothing due, `tracker tui` and
`tracker tui ID` are answered here when they can be: typer with pydantic (~0.2 s) and
SQLAlchemy (~0.5-0.9 s) would take longer to import than the aims of issues 13 and 17 allow
for the whole command. Any other command line, and these whenever the quick read cannot answer
for sure (tracker.db.quick: PostgreSQL, a database to create or upgrade, a damaged one,
something due, a story id it does not find), goes to tracker.cli unchanged, so output, errors
and exit codes are the command line's own.
"""

import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from tracker import __version__, config

if TYPE_CHECKING:
    from tracker.db.engine import Database

# Each command imports what it reads with: `tracker --version` needs nothing but the version.

_OWN_SETTINGS = {config.DATA_DIR_ENV, config.DATABASE_URL_ENV}
"""The TRACKER_* variables read here; any other (the schedule's limits, the busy timeout) is
checked by the full command, which refuses a bad value even when nothing is due."""
_QUICK_FLAGS = {"snapshot": {"--quiet", "--all"}, "tui": set()}
"""The options each quick command takes besides `--db`; any other sends it to tracker.cli."""
_LONGEST_ID = 18
"""Digits of the longest story id looked up here (a longer one may not fit SQLite's integer)."""


def main() -> None:
    """Console-script entry point; `python -m tracker` too."""
    if not _answered(sys.argv[1:]):
        from tracker.cli import main as full

        full()


@dataclass
class _CommandLine:
    """A command line the entry point may answer: `[--db URL] COMMAND [--db URL] [FLAGS]`."""

    command: str
    url: str | None = None
    """The last --db, as in tracker.cli."""
    flags: set[str] = field(default_factory=set)
    story: int | None = None
    """`tracker tui ID`."""


def _answered(args: Sequence[str]) -> bool:
    if list(args) == ["--version"]:
        print(f"tracker {__version__}")
        return True
    line = _parse(args)
    if line is None or _other_settings():
        return False
    if line.command == "snapshot":
        return _snapshot(line.url, quiet="--quiet" in line.flags, every="--all" in line.flags)
    return _tui(line.url, line.story)


def _parse(args: Sequence[str]) -> _CommandLine | None:
    """The command line, or None for one that is not the entry point's to answer."""
    line, url, words = None, None, iter(args)
    for word in words:
        if word == "--db":
            url = next(words, None)
            if url is None:
                return None
        elif word.startswith("--db="):
            url = word.removeprefix("--db=")
        elif line is None:
            if word not in _QUICK_FLAGS:
                return None
            line = _CommandLine(word)
        elif word in _QUICK_FLAGS[line.command]:
            line.flags.add(word)
        elif line.command == "tui" and line.story is None and _is_id(word):
            line.story = int(word)
        else:
            return None
    if line is not None:
        line.url = url
    return line


def _is_id(word: str) -> bool:
    return word.isascii() and word.isdigit() and len(word) <= _LONGEST_ID


def _other_settings() -> bool:
    return any(name.startswith("TRACKER_") and value and name not in _OWN_SETTINGS
               for name, value in os.environ.items())


def _given_url(url: str | None) -> str | None:
    """The database named on the command line or in the environment, as typer hands it on."""
    return url or os.environ.get(config.DATABASE_URL_ENV) or None


def _snapshot(url: str | None, *, quiet: bool, every: bool) -> bool:
    """`tracker snapshot` when nothing is due: the summary line, exit 0."""
    from tracker.db.quick import open_quick
    from tracker.sources.report import SnapshotReport, summary_line

    now = datetime.now(UTC)
    with open_quick(config.database_url(_given_url(url))) as reader:
        if reader is None or reader.anything_due(now, every=every):
            return False
    if not quiet:
        print(summary_line(SnapshotReport(), now))
    return True


def _tui(url: str | None, story_id: int | None) -> bool:
    """`tracker tui`: the story list's first page read now, the database opened behind it.
    `tracker tui ID` of a story that exists: the story screen, without the command line, its
    versions and newest diff read now too (an id that names no story is left to tracker.cli,
    which says so)."""
    from tracker.db.quick import open_quick
    from tracker.tui.app import TrackerApp
    from tracker.tui.screens.story_list import PAGE_SIZE

    with open_quick(config.database_url(_given_url(url))) as reader:
        if reader is None:
            return False
        if story_id is None:
            first, opening = reader.first_page(PAGE_SIZE), None
        else:
            first, opening = None, reader.story_opening(story_id)
            if opening is None:
                return False
    TrackerApp(_opener(_given_url(url)), story_id=story_id, first=first, opening=opening).run()
    return True


def _opener(url: str | None) -> Callable[[], "Database"]:
    """What `tracker tui` would have opened: tracker.cli's State.db for this URL."""

    def open_it() -> "Database":
        from tracker.db.engine import open_database

        return open_database(url, create=url is None)

    return open_it
