"""The bench's bulk loader (bench/searchdb.py) makes the rows and the search index that the
write path makes for the same generated stories, so that search measured on a bulk-loaded
database is search on what tracker would have stored."""

from typing import Any

import pytest
from sqlalchemy import Connection, select, text

from bench import searchdb
from bench.bench_search import story_candidates, story_plan
from tracker import search
from tracker.db.engine import Database, open_database
from tracker.db.models import Diff, Story, Version
from tracker.store.write import store_candidate

VERSIONS = 120
COLUMNS = {
    Story: ("id", "url", "site", "title", "first_seen_at", "last_changed_at"),
    Version: ("id", "story_id", "number", "observed_at", "title", "text", "content_hash",
              "word_count", "char_count", "source", "reverts_to"),
    Diff: ("id", "story_id", "from_version_id", "to_version_id", "delta", "title_delta",
           "words_added", "words_removed", "chars_added", "chars_removed", "headline_changed",
           "byline_changed", "engine", "added_text", "removed_text"),
}


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Database:
    """The generated stories through store_candidate, one transaction a version (read only,
    so made once for the module)."""
    db = open_database(f"sqlite:///{tmp_path_factory.mktemp('written') / 'written.db'}")
    for story, count in story_plan(VERSIONS):
        for candidate in story_candidates(story, count):
            store_candidate(db, candidate)
    return db


def rows(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    with db.reading() as session:
        tables = [(model.__tablename__, model.__table__.c, names)
                  for model, names in COLUMNS.items()]
        return {name: [tuple(row) for row in session.execute(
            select(*(columns[column] for column in names)).order_by(columns.id))]
            for name, columns, names in tables}


def test_the_bulk_load_stores_the_write_paths_rows(written: Database, any_db: Database) -> None:
    searchdb.load([any_db], story_plan(VERSIONS), story_candidates, workers=1)
    expected, loaded = rows(written), rows(any_db)
    assert len(loaded["versions"]) > 100 and len(loaded["diffs"]) > 60
    assert loaded == expected


def test_the_bulk_load_indexes_as_the_write_path_does(written: Database,
                                                      any_db: Database) -> None:
    """On SQLite the words of each FTS5 row are the write path's; on PostgreSQL each vector is
    the one the write path's index call makes from the stored row."""
    searchdb.load([any_db], story_plan(VERSIONS), story_candidates, workers=1)
    if any_db.is_sqlite:
        loaded = fts_words(any_db)
        assert {row[0] for row in loaded} == {"versions_fts", "diffs_fts", "versions_pairs_fts",
                                              "diffs_pairs_fts"}
        assert loaded == fts_words(written)
        return
    with any_db.engine.connect() as connection:
        loaded = vectors(connection)
        connection.execute(text("DELETE FROM versions_fts"))
        connection.execute(text("DELETE FROM diffs_fts"))
        search.index_versions(connection, connection.execute(text(
            "SELECT id, title, text FROM versions ORDER BY id")).all())
        search.index_diffs(connection, connection.execute(text(
            "SELECT id, added_text, removed_text FROM diffs ORDER BY id")).all())
        rewritten = vectors(connection)
        connection.rollback()
    assert len(loaded) > 160 and loaded == rewritten


def fts_words(db: Database) -> list[tuple[Any, ...]]:
    """Every word of the FTS5 tables, the pair indexes' included, with its row, column and
    offset."""
    with db.engine.connect() as connection:
        found: list[Any] = []
        for table in ("versions_fts", "diffs_fts", "versions_pairs_fts", "diffs_pairs_fts"):
            connection.execute(text(
                f"CREATE VIRTUAL TABLE temp.{table}_at USING fts5vocab(main, {table}, instance)"))
            found += connection.execute(text(
                f"SELECT '{table}', doc, col, offset, term FROM temp.{table}_at "
                "ORDER BY doc, col, offset")).all()
        return [tuple(row) for row in found]


def vectors(connection: Connection) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in connection.execute(text(
        "SELECT 'v', version_id, document::text, '' FROM versions_fts UNION ALL "
        "SELECT 'd', diff_id, added::text, removed::text FROM diffs_fts ORDER BY 1, 2"))]
