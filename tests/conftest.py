"""Shared fixtures: real databases, the sample story, and a fixed clock and time zone.

`db` is a real SQLite file per test. `pg_db` is a fresh schema in a real PostgreSQL when
$TRACKER_TEST_POSTGRES_URL is set (`.ci/run` sets it), and skips otherwise. `any_db` runs a test
on both.
"""

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tracker.db.engine import Database, open_database
from tracker.sources.importer import import_paths, seeds_dir

if TYPE_CHECKING:
    from pytest_httpserver import HTTPServer

    from tests.fleet import Farm
    from tests.newssite import NewsSite

POSTGRES_ENV = "TRACKER_TEST_POSTGRES_URL"
SAMPLE_URL = "https://news.example.com/2020/01/07/middleeast/iran-missiles-us-bases-iraq"


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test reads or writes the real user's data, and times print in UTC."""
    monkeypatch.setenv("TRACKER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("TRACKER_DATABASE_URL", raising=False)
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    time.tzset()


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'tracker.db'}"


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = open_database(db_url)
    yield database
    database.close()


def postgres_url() -> str | None:
    return os.environ.get(POSTGRES_ENV)


@contextmanager
def scratch_schema() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a new, empty schema, dropped on leaving (the
    benchmarks' own, bench.common.scratch_schema); skips the test (or the module's fixture)
    when no PostgreSQL URL is set."""
    from bench.common import scratch_schema as schema_of

    base = postgres_url()
    if not base:
        pytest.skip(f"set {POSTGRES_ENV} to run PostgreSQL tests")
    with schema_of(base) as url:
        yield url


@pytest.fixture
def pg_url() -> Iterator[str]:
    with scratch_schema() as url:
        yield url


@pytest.fixture
def pg_db(pg_url: str) -> Iterator[Database]:
    database = open_database(pg_url)
    yield database
    database.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db(request: pytest.FixtureRequest) -> Database:
    """The same test on SQLite and, when available, on PostgreSQL."""
    name = "db" if request.param == "sqlite" else "pg_db"
    return request.getfixturevalue(name)


@pytest.fixture
def run(db_url: str):
    """Run `tracker --db <a fresh SQLite file> ARGS...` and return the result."""
    from typer.testing import CliRunner

    from tracker.cli import app

    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, ["--db", db_url, *args], catch_exceptions=False)

    return invoke


@pytest.fixture
def sample_db(db: Database) -> Database:
    """A SQLite database holding the sample story from seeds/ (story id 1, 8 versions)."""
    report = import_paths(db, [seeds_dir()])
    assert not report.failed
    return db


@pytest.fixture(scope="session")
def web_server() -> Iterator["HTTPServer"]:
    """A real HTTP server on loopback that answers requests concurrently, for the whole session."""
    from pytest_httpserver import HTTPServer

    server = HTTPServer(host="127.0.0.1", threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def site(web_server: "HTTPServer") -> Iterator["NewsSite"]:
    """A fresh news site (tests/newssite.py) on the loopback server."""
    from tests.newssite import NewsSite

    web_server.clear()
    yield NewsSite(web_server)
    web_server.clear()


@pytest.fixture
def farm(web_server: "HTTPServer") -> Iterator["Farm"]:
    """Static story pages for a fleet of workers (tests/fleet.py), requests let through."""
    from tests.fleet import Farm

    web_server.clear()
    pages = Farm(web_server)
    pages.gate.set()
    yield pages
    pages.gate.set()  # let any request still waiting finish before the server is cleared
    web_server.clear()
