"""Opening a database: the engine, its session factory, and the upgrade to the current schema.

SQLite runs in WAL mode with synchronous=NORMAL (a commit in ~80 us instead of ~1 ms) and foreign
keys on. Python's sqlite3 module opens transactions on its own terms, which breaks transactional
DDL and `BEGIN IMMEDIATE`; we switch that off and emit BEGIN ourselves, as SQLAlchemy documents.

On PostgreSQL, psycopg never prepares statements on the server (`prepare_threshold=None`): a
fleet that connects through pgbouncer in transaction mode gets a different server connection
for each transaction, where a statement prepared on another does not exist (psycopg prepares a
statement run five times on one connection, and a worker's writes do). A worker opens the
database with `connections=1`: its one writer thread needs no more, and a hundred workers then
hold a hundred connections at most, not five hundred (docs/deploy.md).

A database that fails under a session (full, locked for longer than the busy timeout, damaged,
unreachable) raises `DatabaseError`, one line saying which and what to do, so every command and
the TUI report it alike; the transaction it interrupted is rolled back, so nothing is half-written.
"""

import functools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy import exc as sql_errors
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from tracker import config
from tracker.db import migrate
from tracker.errors import DatabaseError, InvalidInput
from tracker.text.timespec import parse_duration

SQLITE_PAGE_SIZE = 16384  # larger pages let compressed page bodies actually save space
WRITE_OPTION = "tracker_write"
BUSY_TIMEOUT_ENV = "TRACKER_BUSY_TIMEOUT"
DEFAULT_BUSY_TIMEOUT = 30.0
"""Seconds a SQLite writer waits for another one's lock before giving up with exit 4."""


@dataclass
class Database:
    """An open tracker database: what every domain function takes as its first argument."""

    url: str
    engine: Engine
    _sessions: sessionmaker[Session]
    _write_engine: Engine

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for queries; it never takes SQLite's write lock."""
        with _failures_of(self.url, "read"), self._sessions() as session:
            yield session

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on any error.

        On SQLite it starts with BEGIN IMMEDIATE, so two writers queue on the lock instead of one
        failing halfway with "database is locked" when it upgrades a read to a write.
        """
        with (_failures_of(self.url, "write to"),
              self._sessions(bind=self._write_engine) as session,
              session.begin()):
            yield session

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """A plain connection, for schema maintenance; it fails like a session does."""
        with _failures_of(self.url, "use"), self.engine.connect() as connection:
            yield connection

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def close(self) -> None:
        self.engine.dispose()


def open_database(
    url: str | None = None, *, upgrade: bool = True, create: bool = True,
    connections: int | None = None,
) -> Database:
    """Open (and by default create or upgrade) the database at `url` or the configured default.

    Without `create`, a SQLite file that does not exist is an error instead of a new, empty
    database: a mistyped `--db` must not look like a database with no stories. `connections`
    caps the connections held at once (a snapshot worker takes 1); None is SQLAlchemy's
    default pool (5, and 10 more while busy), for the TUI's concurrent readers.
    """
    resolved = config.database_url(url)
    engine = _create_engine(resolved, create, _pool_options(connections))
    database = Database(
        url=resolved,
        engine=engine,
        _sessions=sessionmaker(engine, expire_on_commit=False),
        _write_engine=engine.execution_options(**{WRITE_OPTION: True}),
    )
    try:
        _check_reachable(engine)
        if upgrade:
            with _failures_of(resolved, "upgrade"):
                migrate.ensure_current(engine)
    except BaseException:
        engine.dispose()
        raise
    return database


def _pool_options(connections: int | None) -> dict[str, Any]:
    return {} if connections is None else {"pool_size": connections, "max_overflow": 0}


def _create_engine(url: str, create: bool, pool: dict[str, Any]) -> Engine:
    if not url.startswith("sqlite"):
        try:
            return create_engine(url, pool_pre_ping=True, connect_args=_driver_options(url),
                                 **pool)
        except Exception as exc:  # bad URL, missing driver: say which
            raise DatabaseError(f"cannot use database URL {url!r}: {exc}") from exc
    path = _sqlite_path(url)
    if path is not None and not create and not path.is_file():
        raise DatabaseError(
            f"no database at {path}: check --db (or {config.DATABASE_URL_ENV}); "
            "`tracker import`, `tracker add` or `tracker db upgrade` create one")
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # a cron line's database on a disk that is not mounted
            raise DatabaseError(f"cannot create {path.parent}: {exc.strerror or exc}") from None
    timeout = busy_timeout()
    engine = create_engine(url, connect_args={"timeout": timeout}, **pool)
    event.listen(engine, "connect", functools.partial(_sqlite_on_connect, timeout))
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _driver_options(url: str) -> dict[str, Any]:
    """psycopg's: no server-side prepared statements (see the module docstring)."""
    return {"prepare_threshold": None} if make_url(url).get_driver_name() == "psycopg" else {}


def busy_timeout() -> float:
    """Seconds to wait for SQLite's write lock: $TRACKER_BUSY_TIMEOUT (e.g. 5s, 2m), else 30."""
    value = os.environ.get(BUSY_TIMEOUT_ENV)
    if not value:
        return DEFAULT_BUSY_TIMEOUT
    try:
        return parse_duration(value).total_seconds()
    except InvalidInput as exc:
        raise InvalidInput(f"{BUSY_TIMEOUT_ENV}: {exc.message}") from None


def _sqlite_path(url: str) -> Path | None:
    """The file SQLAlchemy opens for the URL: its path decoded as SQLAlchemy decodes it."""
    database = make_url(url).database or ""
    if database in ("", ":memory:"):
        return None
    return Path(database)


def _sqlite_on_connect(timeout: float, dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (see module docstring)
    cursor = dbapi_connection.cursor()
    try:
        if cursor.execute("PRAGMA page_count").fetchone()[0] == 0:
            cursor.execute(f"PRAGMA page_size = {SQLITE_PAGE_SIZE}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {round(timeout * 1000)}")
    finally:
        cursor.close()


def _sqlite_on_begin(connection: Connection) -> None:
    immediate = connection.get_execution_options().get(WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _check_reachable(engine: Engine) -> None:
    """Turn "cannot connect" and "file is not a database" into one clear line."""
    try:
        with engine.connect() as connection:
            inspect(connection).get_table_names()
    except (OperationalError, DBAPIError) as exc:
        raise DatabaseError(
            f"cannot open database {engine.url.render_as_string(hide_password=True)}: "
            f"{_first_line(exc.orig)} (is it a tracker database, and is it intact?)"
        ) from exc


@contextmanager
def _failures_of(url: str, doing: str) -> Iterator[None]:
    """Turn the database failing under a session into one DatabaseError line (module docstring).

    Integrity errors pass through: the write path retries on them (a lost race, not a failure).
    Other errors of ours (a query that is wrong) keep their traceback: they are bugs.
    """
    try:
        yield
    except sql_errors.IntegrityError:
        raise
    except (sql_errors.OperationalError, sql_errors.InterfaceError) as exc:
        raise DatabaseError(_failure_message(url, doing, exc)) from exc
    except sql_errors.TimeoutError as exc:  # a capped pool whose connection stayed busy
        raise DatabaseError(
            f"cannot {doing} the database: its connection stayed busy too long "
            f"({config.display_url(url)}: is the database answering?)") from exc
    except sql_errors.DatabaseError as exc:
        if type(exc) is not sql_errors.DatabaseError:  # DataError, ProgrammingError: bugs
            raise
        raise DatabaseError(_failure_message(url, doing, exc)) from exc


def _failure_message(url: str, doing: str, exc: DBAPIError) -> str:
    reason = _first_line(exc.orig)
    where = config.display_url(url)
    lowered = reason.lower()
    if "locked" in lowered or "busy" in lowered:
        return (f"{where}: the database is locked: another process held its write lock for "
                f"longer than {busy_timeout():g} s ({BUSY_TIMEOUT_ENV}); nothing was written, "
                "try again")
    if "full" in lowered:
        return (f"{where}: {reason}: free some space and run again; the write that failed "
                "was rolled back, nothing stored before it is lost")
    if "malformed" in lowered or "not a database" in lowered or "corrupt" in lowered:
        return (f"{where}: the database file is damaged ({reason}): restore it from a backup "
                "(`sqlite3 FILE .recover` saves what can be read)")
    return (f"cannot {doing} the database: {reason} ({where}: is it a tracker database, intact, "
            "and reachable?)")


def _first_line(exc: BaseException | None) -> str:
    return str(exc).strip().splitlines()[0] if exc and str(exc).strip() else "unknown error"
