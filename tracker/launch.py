"""The `tracker` command's entry point: the command lines run most often, answered before the
command line's libraries load.

`tracker --version`, a cron job's `tracker snapshot` with nothing due and `tracker tui` are
answered here when they can be: typer with pydantic (~0.2 s) and SQLAlchemy (~0.5-0.9 s) would
take longer to import than the aims of issues 13 and 17 allow for the whole command. Any other
command line, and these whenever the quick read cannot answer for sure (tracker.db.quick:
PostgreSQL, a database to create or upgrade, a damaged one, something due), goes to
tracker.cli unchanged, so output, errors and exit codes are the command line's own.
"""

import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from tracker import __version__, config
from tracker.db.quick import open_quick
from tracker.sources.report import SnapshotReport, summary_line

if TYPE_CHECKING:
    from tracker.db.engine import Database

_OWN_SETTINGS = {config.DATA_DIR_ENV, config.DATABASE_URL_ENV}
"""The TRACKER_* variables read here; any other (the schedule's limits, the busy timeout) is
checked by the full command, which refuses a bad value even when nothing is due."""
_QUICK_FLAGS = {"snapshot": {"--quiet", "--all"}, "tui": set()}
"""The options each quick command takes besides `--db`; any other sends it to tracker.cli."""


def main() -> None:
    """Console-script entry point; `python -m tracker` too."""
    if not _answered(sys.argv[1:]):
        from tracker.cli import main as full

        full()


def _answered(args: Sequence[str]) -> bool:
    if list(args) == ["--version"]:
        print(f"tracker {__version__}")
        return True
    parsed = _parse(args)
    if parsed is None or _other_settings():
        return False
    url, command, flags = parsed
    if command == "snapshot":
        return _snapshot(url, quiet="--quiet" in flags, every="--all" in flags)
    return _tui(url)


def _parse(args: Sequence[str]) -> tuple[str | None, str, set[str]] | None:
    """(--db, command, its flags) of `[--db URL] COMMAND [--db URL] [FLAGS]`, the last --db
    winning as in tracker.cli; None for any other command line."""
    url, command, flags, words = None, None, set(), iter(args)
    for word in words:
        if word == "--db":
            url = next(words, None)
            if url is None:
                return None
        elif word.startswith("--db="):
            url = word.removeprefix("--db=")
        elif command is None and word in _QUICK_FLAGS:
            command = word
        elif command is not None and word in _QUICK_FLAGS[command]:
            flags.add(word)
        else:
            return None
    return None if command is None else (url, command, flags)


def _other_settings() -> bool:
    return any(name.startswith("TRACKER_") and value and name not in _OWN_SETTINGS
               for name, value in os.environ.items())


def _given_url(url: str | None) -> str | None:
    """The database named on the command line or in the environment, as typer hands it on."""
    return url or os.environ.get(config.DATABASE_URL_ENV) or None


def _snapshot(url: str | None, *, quiet: bool, every: bool) -> bool:
    """`tracker snapshot` when nothing is due: the summary line, exit 0."""
    now = datetime.now(UTC)
    with open_quick(config.database_url(_given_url(url))) as reader:
        if reader is None or reader.anything_due(now, every=every):
            return False
    if not quiet:
        print(summary_line(SnapshotReport(), now))
    return True


def _tui(url: str | None) -> bool:
    """`tracker tui`: the story list's first page read now, the database opened behind it."""
    from tracker.tui.app import TrackerApp
    from tracker.tui.screens.story_list import PAGE_SIZE

    with open_quick(config.database_url(_given_url(url))) as reader:
        if reader is None:
            return False
        first = reader.first_page(PAGE_SIZE)
    TrackerApp(_opener(_given_url(url)), first=first).run()
    return True


def _opener(url: str | None) -> Callable[[], "Database"]:
    """What `tracker tui` would have opened: tracker.cli's State.db for this URL."""

    def open_it() -> "Database":
        from tracker.db.engine import open_database

        return open_database(url, create=url is None)

    return open_it
