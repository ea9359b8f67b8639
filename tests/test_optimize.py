"""`tracker db optimize`: on SQLite the full-text index's segments are merged into one in
short transactions; on both databases every search finds what it found before."""

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from typer.testing import CliRunner

from tracker.cli import app
from tracker.db.engine import Database
from tracker.search import SearchFilter, SearchHit, search
from tracker.search.optimize import FTS_TABLES, PAIR_TABLES, optimize
from tracker.store.write import Article, Candidate, Observation, store_candidate

T0 = datetime(2024, 5, 1, tzinfo=UTC)
QUERIES = ["missile", '"the ministry said"', "strike -drone", "minist*", "rocket OR drone"]


def fill(db: Database, stories: int = 12) -> None:
    """Each version stored in its own transaction, as snapshot runs store them: on SQLite each
    leaves a segment of its own in the full-text indexes until FTS5 merges a few."""
    for story in range(stories):
        for number in range(3):
            body = (f"Story {story}: a missile strike, the ministry said, version {number}."
                    + (" A drone was seen." if number else "")
                    + (" Rockets followed." if story % 3 == 0 else ""))
            store_candidate(db, Candidate(f"https://example.org/{story}",
                                          Article(body, title=f"Story {story}"),
                                          Observation(T0 + timedelta(hours=story,
                                                                     minutes=number))))


def results(db: Database) -> list[list[SearchHit]]:
    return [search(db, query, SearchFilter(limit=100)) for query in QUERIES]


def segments(db: Database, table: str) -> int:
    with db.reading() as session:
        return int(session.execute(
            text(f"SELECT count(DISTINCT segid) FROM {table}_idx")).scalar_one())


def test_sqlite_merges_each_index_into_one_segment(db: Database) -> None:
    fill(db)
    before = results(db)
    tables = FTS_TABLES + PAIR_TABLES
    parts = {table: segments(db, table) for table in tables}
    assert all(count > 1 for count in parts.values())

    report = optimize(db)

    assert [(table.table, table.segments_before, table.segments_after)
            for table in report.tables] == [(name, parts[name], 1) for name in tables]
    assert all(segments(db, table) == 1 for table in tables)
    assert results(db) == before
    with db.writing() as session:  # FTS5 checks the merged index against the stored texts
        for table in tables:
            session.execute(text(f"INSERT INTO {table}({table}) VALUES ('integrity-check')"))
    # Nothing is left to merge: a second run takes one transaction a table.
    assert [table.steps for table in optimize(db).tables] == [1] * len(tables)


def test_a_merge_of_more_pages_than_a_step_carries_on_over_transactions(db: Database) -> None:
    """Two leaf pages a transaction: the incremental optimize goes on, transaction after
    transaction, until one segment is left; a version stored afterwards is found first."""
    fill(db)
    for story in range(4):  # segments of many leaf pages: 600 words of their own each
        store_candidate(db, Candidate(f"https://example.org/long{story}", Article(
            " ".join(f"word{story}x{index}" for index in range(600)), title="Long"),
            Observation(T0 + timedelta(days=1, hours=story))))
    before = results(db)
    report = optimize(db, pages=2)
    assert report.tables[0].steps > 2  # versions_fts: two transactions of merging at least
    assert all(table.segments_after == 1 for table in report.tables)
    assert results(db) == before
    store_candidate(db, Candidate("https://example.org/late", Article(
        "A late missile strike.", title="Late"), Observation(T0 + timedelta(days=2))))
    after = results(db)
    assert after[0][0].url == "https://example.org/late"
    assert after[0][1:] == before[0]


def test_both_databases_find_the_same_after_optimize(any_db: Database) -> None:
    fill(any_db)
    before = results(any_db)
    report = optimize(any_db)
    assert [table.table for table in report.tables] == list(
        FTS_TABLES + PAIR_TABLES if any_db.is_sqlite else FTS_TABLES)
    assert results(any_db) == before


def test_the_command_says_what_it_merged(db: Database) -> None:
    fill(db, stories=4)
    runner = CliRunner()
    shown = runner.invoke(app, ["--db", db.url, "db", "optimize"])
    assert shown.exit_code == 0, shown.output
    assert "versions_fts: " in shown.output and "segments -> 1 in" in shown.output
    as_json = runner.invoke(app, ["--db", db.url, "db", "optimize", "--json"])
    assert as_json.exit_code == 0, as_json.output
    report = json.loads(as_json.output)
    assert [(table["table"], table["segments_after"], table["steps"])
            for table in report["tables"]] == [(name, 1, 1) for name in FTS_TABLES + PAIR_TABLES]
