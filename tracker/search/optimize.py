"""Upkeep of the full-text index (`tracker db optimize`): fewer parts to read on every search.

SQLite's FTS5 writes each transaction's words as a new segment of its index and merges
segments only a few at a time, so a database filled over months holds a dozen or more; every
MATCH seeks into each of them for each word. At 1M versions, merging 14 segments into one
took 42 s and halved the time of rare words and phrases (bench/README, "prefixes as words,
and `tracker db optimize`"). The merge runs as FTS5's incremental optimize, MERGE_PAGES leaf
pages a transaction, so a snapshot run waits a fraction of a second for the lock, never the
whole merge, and a killed optimize leaves a whole index that the next one carries on merging.

PostgreSQL's GIN indexes have no pending list (fastupdate is off) and nothing to merge; there
the command vacuums and analyses the search tables, which autovacuum would do in its own time
(docs/deploy.md).
"""

import time
from dataclasses import dataclass

from sqlalchemy import text

from tracker.db.engine import Database

FTS_TABLES = ("versions_fts", "diffs_fts")
"""The search tables on both databases."""
PAIR_TABLES = ("versions_pairs_fts", "diffs_pairs_fts")
"""SQLite's pair indexes (tracker.search.pairs), merged like the others."""
MERGE_PAGES = 2000
"""Leaf pages merged a transaction: ~0.15 s of work at 1M versions (14,000 pages a second)."""


@dataclass(frozen=True)
class IndexReport:
    """One full-text table: its segments before and after (SQLite; None on PostgreSQL) and
    the transactions the merge took."""

    table: str
    segments_before: int | None
    segments_after: int | None
    steps: int


@dataclass(frozen=True)
class OptimizeReport:
    tables: list[IndexReport]
    seconds: float


def optimize(db: Database, pages: int = MERGE_PAGES) -> OptimizeReport:
    """Merge each full-text index into one segment, `pages` leaf pages a transaction (SQLite),
    or vacuum and analyse the search tables (PostgreSQL). Searches find the same hits before
    and after."""
    start = time.perf_counter()
    tables = ([_merge(db, table, pages) for table in FTS_TABLES + PAIR_TABLES] if db.is_sqlite
              else _vacuum(db))
    return OptimizeReport(tables, time.perf_counter() - start)


def _merge(db: Database, table: str, pages: int) -> IndexReport:
    """FTS5's incremental optimize: a negative page count starts it, positive counts carry it
    on; a step that changed no row but its own command found nothing left to merge."""
    before = _segments(db, table)
    steps, step = 0, -pages
    while True:
        with db.writing() as session:
            connection = session.connection()
            changes = connection.exec_driver_sql("SELECT total_changes()").scalar_one()
            connection.exec_driver_sql(
                f"INSERT INTO {table}({table}, rank) VALUES ('merge', {int(step)})")
            changed = connection.exec_driver_sql("SELECT total_changes()").scalar_one() - changes
        steps, step = steps + 1, pages
        if changed <= 1:
            return IndexReport(table, before, _segments(db, table), steps)


def _segments(db: Database, table: str) -> int:
    """The segments of an FTS5 index: each has its own entries in the %_idx table."""
    with db.reading() as session:
        return int(session.execute(
            text(f"SELECT count(DISTINCT segid) FROM {table}_idx")).scalar_one())


def _vacuum(db: Database) -> list[IndexReport]:
    """VACUUM cannot run in a transaction: the connection commits each statement itself."""
    with db.connection() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        connection.exec_driver_sql(f"VACUUM (ANALYZE) {', '.join(FTS_TABLES)}")
    return [IndexReport(table, None, None, 1) for table in FTS_TABLES]
