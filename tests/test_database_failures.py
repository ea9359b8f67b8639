"""A database that fails (full, locked for longer than the busy timeout, damaged, not there) is
one line on stderr and exit 4, with nothing lost: the failed write is rolled back and the
stories a snapshot had claimed are given back."""

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import Engine, event, select
from typer.testing import CliRunner
from werkzeug import Request, Response

from tests.hostile import PARAGRAPHS, article, one_line, tracker
from tracker.cli import app
from tracker.db.engine import open_database
from tracker.db.models import Story
from tracker.errors import ExitCode

FAST = ("--per-host", "8", "--delay", "0", "--quiet")


def stories(db_url: str) -> list[Story]:
    db = open_database(db_url)
    with db.reading() as session:
        rows = list(session.scalars(select(Story)).all())
    db.close()
    return rows


def versions(db_url: str, story: int = 1) -> int:
    result = tracker(db_url, "log", str(story), "--json")
    assert result.exit_code == 0, result.stderr
    return result.stdout.count('"number"')


@pytest.fixture
def tracked(web_server: HTTPServer, db_url: str) -> Iterator[str]:
    """A database tracking one story of the loopback server, with its first version stored."""
    web_server.clear()
    web_server.expect_request("/a").respond_with_data(article(), content_type="text/html")
    assert tracker(db_url, "add", web_server.url_for("/a")).exit_code == 0
    assert tracker(db_url, "snapshot", "--all", *FAST).exit_code == 0
    assert versions(db_url) == 1
    yield web_server.url_for("/a")
    web_server.clear()


def serve_long_edit(server: HTTPServer) -> None:
    """The story grows to a long article: storing it needs new database pages."""
    server.clear()
    long = [f"{paragraph} Update {n}." for n in range(200) for paragraph in PARAGRAPHS[:1]]
    server.expect_request("/a").respond_with_data(article(long), content_type="text/html")


@pytest.fixture
def full_disk() -> Iterator[None]:
    """Every new SQLite connection may not grow its file: SQLite's own "database or disk is
    full" (SQLITE_FULL), exactly what a full disk gives, without filling a disk."""

    def no_growth(dbapi_connection: Any, _record: Any) -> None:
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages}")

    event.listen(Engine, "connect", no_growth)
    yield
    event.remove(Engine, "connect", no_growth)


def test_a_full_disk_during_a_snapshot_is_one_line_and_gives_back_the_claims(
    tracked: str, web_server: HTTPServer, db_url: str, full_disk: None
) -> None:
    serve_long_edit(web_server)
    result = tracker(db_url, "snapshot", "--all", *FAST)
    assert result.exit_code == ExitCode.DATABASE
    line = one_line(result)
    assert "database or disk is full" in line and "given back" in line
    [story] = stories(db_url)
    assert story.claimed_by is None and story.failure_count == 0
    assert versions(db_url) == 1


@pytest.fixture
def locked(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[sqlite3.Connection]:
    """Another process holds the write lock; tracker waits 0.2 s for it, not 30."""
    monkeypatch.setenv("TRACKER_BUSY_TIMEOUT", "0.2s")
    holder = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    yield holder
    holder.rollback()
    holder.close()


@pytest.mark.parametrize("args", [["snapshot", "--all"], ["add", "https://news.example.com/b"],
                                  ["pause", "1"]])
def test_a_database_locked_for_longer_than_the_busy_timeout_is_one_line(
    tracked: str, db_url: str, locked: sqlite3.Connection, args: list[str]
) -> None:
    result = tracker(db_url, *args)
    assert result.exit_code == ExitCode.DATABASE
    assert "the database is locked" in one_line(result)
    assert "TRACKER_BUSY_TIMEOUT" in result.stderr


def test_reading_works_while_another_process_writes(
    tracked: str, db_url: str, locked: sqlite3.Connection
) -> None:
    assert tracker(db_url, "stories").exit_code == 0


def test_a_lock_taken_during_a_snapshot_leaves_the_story_to_its_lease(
    tracked: str, web_server: HTTPServer, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page is served while another process takes the write lock and keeps it: the store
    and the release both fail, and the line says when the story will be checked again."""
    monkeypatch.setenv("TRACKER_BUSY_TIMEOUT", "0.2s")
    holder = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None,
                             check_same_thread=False)

    def lock_then_answer(_request: Request) -> Response:
        holder.execute("BEGIN IMMEDIATE")
        return Response(article([p.replace("Tuesday", "Monday") for p in PARAGRAPHS]),
                        content_type="text/html")

    web_server.clear()
    web_server.expect_request("/a").respond_with_handler(lock_then_answer)
    result = tracker(db_url, "snapshot", "--all", *FAST)
    holder.rollback()
    holder.close()
    assert result.exit_code == ExitCode.DATABASE
    assert "when its lease runs out (15 minutes)" in one_line(result)
    [story] = stories(db_url)
    assert story.failure_count == 0 and versions(db_url) == 1


def damage(path: Path) -> None:
    """Overwrite every other page after the first (the schema stays readable) with noise."""
    checkpoint = sqlite3.connect(path)
    checkpoint.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = checkpoint.execute("PRAGMA page_size").fetchone()[0]
    checkpoint.close()
    data = bytearray(path.read_bytes())
    for page in range(2, len(data) // page_size, 2):
        data[page * page_size:(page + 1) * page_size] = os.urandom(page_size)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("args", [["stories"], ["log", "1"], ["diff", "1"], ["status"],
                                  ["snapshot", "--all"], ["export", "--all", "-f", "json"],
                                  ["checks", "1"]])
def test_a_damaged_database_file_is_one_line(
    sample_db: object, db_url: str, args: list[str]
) -> None:
    damage(Path(db_url.removeprefix("sqlite:///")))
    result = tracker(db_url, *args)
    assert result.exit_code == ExitCode.DATABASE
    line = one_line(result)
    assert "damaged" in line or "is it a tracker database, intact" in line


@pytest.mark.parametrize("args", [["stories"], ["log", "1"], ["status"], ["checks", "1"],
                                  ["search", "x"], ["snapshot"], ["export", "--all", "-f", "json"],
                                  ["db", "current"], ["tui"]])
def test_reading_a_database_that_is_not_there_creates_nothing(
    tmp_path: Path, args: list[str]
) -> None:
    missing = tmp_path / "typo" / "trakcer.db"
    result = tracker(str(missing), *args)
    assert result.exit_code == ExitCode.DATABASE
    assert f"no database at {missing}" in one_line(result)
    assert not missing.parent.exists()


def test_the_default_database_is_still_created_on_first_use(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["stories"], catch_exceptions=False)
    assert result.exit_code == 0
    assert (tmp_path / "data" / "tracker.db").is_file()


def test_commands_that_add_stories_create_the_database_they_are_given(tmp_path: Path) -> None:
    target = tmp_path / "new" / "tracker.db"
    assert tracker(str(target), "add", "https://news.example.com/a").exit_code == 0
    assert target.is_file()
