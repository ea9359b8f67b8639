"""SQLite's pair indexes (tracker.search.pairs): phrases found through them exactly as FTS5's
word index finds them, kept in step when rows are deleted, rewritten or indexed again, and
filled by the migration that adds them."""

import importlib.util
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text

from tracker.db import migrate
from tracker.db.engine import Database
from tracker.search import SearchFilter, parse_query, search, tokens
from tracker.search.pairs import answerable, pair_rows, to_pairs_match
from tracker.sources.importer import import_paths, seeds_dir
from tracker.sources.tracking import remove_story
from tracker.store.reindex import reindex
from tracker.store.write import Article, Candidate, Observation, store_candidate

TABLES = {"versions_pairs_fts": ("versions", "coalesce(title, '')", "text", ("title", "text")),
          "diffs_pairs_fts": ("diffs", "coalesce(added_text, '')", "coalesce(removed_text, '')",
                              ("added_text", "removed_text"))}


@pytest.fixture
def sample(db: Database) -> Database:
    assert not import_paths(db, [seeds_dir()]).failed
    return db


def indexed(db: Database) -> set[tuple[Any, ...]]:
    """Every pair in both pair indexes: (table, row, column, offset, pair)."""
    found: set[tuple[Any, ...]] = set()
    with db.engine.connect() as connection:
        for table in TABLES:
            connection.execute(text(f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{table}_at "
                                    f"USING fts5vocab(main, {table}, instance)"))
            found |= {(table, *row) for row in connection.execute(text(
                f"SELECT doc, col, offset, term FROM temp.{table}_at"))}
    return found


def expected(db: Database) -> set[tuple[Any, ...]]:
    """The pairs of the rows stored now, made from their text."""
    found: set[tuple[Any, ...]] = set()
    with db.engine.connect() as connection:
        for table, (source, first, second, columns) in TABLES.items():
            rows = connection.execute(text(f"SELECT id, {first}, {second} FROM {source}")).all()
            for row_id, *texts in pair_rows([tuple(row) for row in rows]):
                found |= {(table, row_id, column, offset, pair)
                          for column, pairs in zip(columns, texts, strict=True)
                          for offset, pair in enumerate(pairs.split())}
    return found


def store(db: Database, url: str, body: str, at: datetime) -> None:
    store_candidate(db, Candidate(url, Article(body, title="T"), Observation(at)))


def test_every_phrase_of_the_sample_is_found_as_the_word_index_finds_it(
        sample: Database) -> None:
    """Each run of 2-4 words of every version, and the same words out of order, in each
    column: the pair index's rows are exactly FTS5's for the phrase."""
    with sample.engine.connect() as connection:
        texts = [body for (body,) in connection.execute(text(
            "SELECT text FROM versions UNION ALL SELECT added_text FROM diffs "
            "UNION ALL SELECT removed_text FROM diffs"))]
        phrases = {" ".join(words[start:start + size])
                   for words in (tokens.words(body) for body in texts)
                   for size in (2, 3, 4) for start in range(0, len(words) - size, 7)}
        phrases |= {" ".join(reversed(phrase.split())) for phrase in list(phrases)[:200]}
        checked = 0
        for phrase in sorted(phrases):
            query = parse_query(f'"{phrase}"')
            assert answerable(query)
            for words, pairs, column in (("versions_fts", "versions_pairs_fts", ""),
                                         ("diffs_fts", "diffs_pairs_fts", "added_text : "),
                                         ("diffs_fts", "diffs_pairs_fts", "removed_text : ")):
                by_words = connection.execute(text(
                    f"SELECT rowid FROM {words} WHERE {words} MATCH :m ORDER BY rowid"),
                    {"m": f'{column}"{phrase}"'}).scalars().all()
                by_pairs = connection.execute(text(
                    f"SELECT rowid FROM {pairs} WHERE {pairs} MATCH :m ORDER BY rowid"),
                    {"m": f"{column}({to_pairs_match(query)})"}).scalars().all()
                assert by_pairs == by_words, (phrase, column)
                checked += bool(by_words)
    assert len(phrases) > 300 and checked > 300


def test_only_queries_of_phrases_alone_read_the_pair_index(sample: Database) -> None:
    read: list[str] = []

    def keep(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        read.append(statement)

    event.listen(sample.engine, "before_cursor_execute", keep)
    try:
        for query, pairs in (('"more than a dozen"', True),
                             ('"more than a dozen" OR "Pelosi told" -"no such words"', True),
                             ('"more than a dozen" missiles', False), ("dozen", False),
                             ('"dozen"', False), ('"more than a doz*"', False)):
            read.clear()
            hits = search(sample, query)
            assert any("pairs_fts MATCH" in statement for statement in read) is pairs, query
            assert hits or query == '"dozen"' or not pairs
    finally:
        event.remove(sample.engine, "before_cursor_execute", keep)


def test_phrases_from_the_pair_index_carry_their_snippets(sample: Database) -> None:
    hits = search(sample, '"more than a dozen"')
    assert hits and all(hit.snippet.marks for hit in hits)
    for hit in hits:
        marked = " ".join(hit.snippet.text[start:end] for start, end in hit.snippet.marks)
        words = marked.lower().split()
        assert words and words == ["more", "than", "a", "dozen"] * (len(words) // 4)


def test_a_deleted_storys_pairs_are_dropped_by_the_next_write(sample: Database) -> None:
    at = datetime(2024, 5, 1, tzinfo=UTC)
    store(sample, "https://example.org/b", "Ferries resumed crossings at dawn.", at)
    remove_story(sample, 1)
    with sample.reading() as session:
        assert session.execute(text("SELECT count(*) FROM pairs_fts_gone")).scalar()
    assert search(sample, '"more than a dozen"') == []  # still indexed, joined to nothing
    store(sample, "https://example.org/b", "Ferries resumed crossings at noon.",
          at + timedelta(hours=1))
    with sample.reading() as session:
        assert session.execute(text("SELECT count(*) FROM pairs_fts_gone")).scalar() == 0
    assert indexed(sample) == expected(sample)
    assert [(hit.field.value, hit.from_version, hit.to_version)
            for hit in search(sample, '"resumed crossings"')] == [("text", 1, 2)]


def test_a_reused_id_does_not_find_the_deleted_rows_phrases(db: Database) -> None:
    """SQLite gives a new row the id of the newest row deleted: its old pairs must be gone."""
    at = datetime(2024, 5, 1, tzinfo=UTC)
    store(db, "https://example.org/a", "Rescuers reached the village.", at)
    store(db, "https://example.org/b", "The harbour reopened.", at)
    with db.reading() as session:
        deleted = session.execute(text("SELECT max(id) FROM versions")).scalar()
    remove_story(db, 2)
    store(db, "https://example.org/c", "Schools closed early.", at + timedelta(hours=1))
    with db.reading() as session:
        assert session.execute(text("SELECT max(id) FROM versions")).scalar() == deleted
    assert search(db, '"harbour reopened"') == []
    assert [hit.url for hit in search(db, '"schools closed"')] == ["https://example.org/c"]
    assert indexed(db) == expected(db)


def test_reindex_and_rewritten_diffs_keep_the_pairs_in_step(sample: Database) -> None:
    before = indexed(sample)
    assert before == expected(sample)
    reindex(sample)
    assert indexed(sample) == before
    with sample.writing() as session:  # an older analysis: every diff's text is rewritten
        session.execute(text("UPDATE diffs SET added_text = NULL"))
        session.execute(text("INSERT INTO diffs_fts(diffs_fts) VALUES ('rebuild')"))
        session.execute(text("INSERT INTO diffs_pairs_fts(diffs_pairs_fts) VALUES ('delete-all')"))
    reindex(sample)
    assert indexed(sample) == before


def test_the_migration_indexes_the_pairs_the_write_path_indexes(sample: Database) -> None:
    written = indexed(sample)
    queries = ['"more than a dozen"', '"Pelosi told" OR "at least 10"']
    found = [search(sample, query, SearchFilter(limit=100)) for query in queries]
    migrate.downgrade(sample.engine, "0012_feed_urls")
    with sample.reading() as session:
        assert not session.execute(text(
            "SELECT name FROM sqlite_master WHERE name LIKE '%pairs_fts%'")).all()
    migrate.upgrade(sample.engine, "head")
    assert indexed(sample) == written and len(written) > 1000
    assert [search(sample, query, SearchFilter(limit=100)) for query in queries] == found
    assert all(found)


def test_the_migrations_frozen_pairs_are_the_live_ones() -> None:
    [path] = Path(migrate.migrations_dir(), "versions").glob("0013_*.py")
    spec = importlib.util.spec_from_file_location("phrase_pairs", path)
    assert spec and spec.loader
    revision = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(revision)
    rows = [(7, "Iran's café: “COVID-19” at 3.5%", "The the white house\nfire, O'Brien said."),
            (9, "", "one"), (11, "", "")]
    frozen = revision._Words().of(rows)
    assert [(row_id, *map(revision._pairs, frozen[row_id])) for row_id, _, _ in rows] == \
        pair_rows(rows)
    assert [" ".join(f"{a}_{b}" for a, b in pairwise(tokens.words(rows[0][2])))] == \
        [pair_rows(rows)[0][2]]
