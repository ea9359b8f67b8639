"""Opening a database: the engine, its session factory, and the upgrade to the current schema.

SQLite runs in WAL mode with synchronous=NORMAL (a commit in ~80 us instead of ~1 ms) and foreign
keys on. Python's sqlite3 module opens transactions on its own terms, which breaks transactional
DDL and `BEGIN IMMEDIATE`; we switch that off and emit BEGIN ourselves, as SQLAlchemy documents.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from tracker import config
from tracker.db import migrate
from tracker.errors import DatabaseError

SQLITE_PAGE_SIZE = 16384  # larger pages let compressed page bodies actually save space
WRITE_OPTION = "tracker_write"


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
        with self._sessions() as session:
            yield session

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on any error.

        On SQLite it starts with BEGIN IMMEDIATE, so two writers queue on the lock instead of one
        failing halfway with "database is locked" when it upgrades a read to a write.
        """
        with self._sessions(bind=self._write_engine) as session, session.begin():
            yield session

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def close(self) -> None:
        self.engine.dispose()


def open_database(url: str | None = None, *, upgrade: bool = True) -> Database:
    """Open (and by default create or upgrade) the database at `url` or the configured default."""
    resolved = config.database_url(url)
    engine = _create_engine(resolved)
    database = Database(
        url=resolved,
        engine=engine,
        _sessions=sessionmaker(engine, expire_on_commit=False),
        _write_engine=engine.execution_options(**{WRITE_OPTION: True}),
    )
    try:
        _check_reachable(engine)
        if upgrade:
            migrate.ensure_current(engine)
    except BaseException:
        engine.dispose()
        raise
    return database


def _create_engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        try:
            return create_engine(url, pool_pre_ping=True)
        except Exception as exc:  # bad URL, missing driver: say which
            raise DatabaseError(f"cannot use database URL {url!r}: {exc}") from exc
    path = _sqlite_path(url)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # a cron line's database on a disk that is not mounted
            raise DatabaseError(f"cannot create {path.parent}: {exc.strerror or exc}") from None
    engine = create_engine(url, connect_args={"timeout": 30})
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_path(url: str) -> Path | None:
    database = url.split("///", 1)[1] if "///" in url else ""
    if database in ("", ":memory:"):
        return None
    return Path(database)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (see module docstring)
    cursor = dbapi_connection.cursor()
    try:
        if cursor.execute("PRAGMA page_count").fetchone()[0] == 0:
            cursor.execute(f"PRAGMA page_size = {SQLITE_PAGE_SIZE}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 30000")
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


def _first_line(exc: BaseException | None) -> str:
    return str(exc).strip().splitlines()[0] if exc and str(exc).strip() else "unknown error"
