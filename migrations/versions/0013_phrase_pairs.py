"""Phrases on SQLite through indexes of neighbouring word pairs (tracker.search.pairs).

Two contentless FTS5 tables, versions_pairs_fts (title, text) and diffs_pairs_fts (added_text,
removed_text), hold each text's pairs of neighbouring words, `white_hous` for "white house",
in order; a trigger on each of versions and diffs keeps a deleted row's text in
pairs_fts_gone, from which the write path drops the row's pairs. The tables are filled here
from the stored text, through FTS5's tokenizer in memory: about 2.0 ms a version and 0.4 ms
a diff on a small machine, so a large database takes a while (40 minutes or more per million
versions). PostgreSQL's
vectors have held the pairs since 0007_search_at_scale: nothing changes there.

As with 0007_search_at_scale, the tokenizer and the pairs' form are frozen here, not imported,
so that a later tracker upgrades an old database to exactly this revision's index.

Revision ID: 0013_phrase_pairs
Revises: 0012_feed_urls
Create Date: 2026-12-03
"""

import sqlite3
from collections.abc import Sequence
from itertools import pairwise

import sqlalchemy as sa
from alembic import op

revision: str = "0013_phrase_pairs"
down_revision: str | None = "0012_feed_urls"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOKENIZER = "porter unicode61 remove_diacritics 2"
PAIR_TOKENIZER = "unicode61 remove_diacritics 0 tokenchars '_'"
BATCH = 1000
SOURCES = {
    # source table: (pair table, its columns, the source row's texts as indexed, {row} being
    # empty in a SELECT and "old." in the trigger)
    "versions": ("versions_pairs_fts", ("title", "text"),
                 ("coalesce({row}title, '')", "{row}text")),
    "diffs": ("diffs_pairs_fts", ("added_text", "removed_text"),
              ("coalesce({row}added_text, '')", "coalesce({row}removed_text, '')")),
}


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    op.execute("CREATE TABLE pairs_fts_gone (source TEXT NOT NULL, id INTEGER NOT NULL, "
               "a TEXT NOT NULL, b TEXT NOT NULL)")
    words = _Words()
    for source, (table, columns, values) in SOURCES.items():
        op.execute(f"CREATE VIRTUAL TABLE {table} USING fts5({', '.join(columns)}, "
                   f"content='', tokenize=\"{PAIR_TOKENIZER}\")")
        old = ", ".join(value.format(row="old.") for value in values)
        op.execute(f"CREATE TRIGGER {table}_gone AFTER DELETE ON {source} BEGIN "
                   f"INSERT INTO pairs_fts_gone(source, id, a, b) "
                   f"VALUES ('{source}', old.id, {old}); END")
        _fill(bind, words, source)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table, _, _ in SOURCES.values():
        op.execute(f"DROP TRIGGER IF EXISTS {table}_gone")
        op.execute(f"DROP TABLE IF EXISTS {table}")
    op.execute("DROP TABLE IF EXISTS pairs_fts_gone")


def _fill(bind: sa.Connection, words: "_Words", source: str) -> None:
    """Index the pairs of every row of `source`, BATCH rows a statement."""
    table, columns, values = SOURCES[source]
    texts = ", ".join(value.format(row="") for value in values)
    last = 0
    while rows := bind.execute(sa.text(
            f"SELECT id, {texts} FROM {source} WHERE id > :last ORDER BY id LIMIT {BATCH}"),
            {"last": last}).all():
        found = words.of(rows)
        bind.execute(sa.text(f"INSERT INTO {table}(rowid, {', '.join(columns)}) "
                             "VALUES (:id, :a, :b)"),
                     [{"id": row_id, "a": _pairs(first), "b": _pairs(second)}
                      for row_id, (first, second) in found.items()])
        last = rows[-1][0]


def _pairs(words: Sequence[str]) -> str:
    return " ".join(f"{first}_{second}" for first, second in pairwise(words))


class _Words:
    """FTS5's tokenizer in memory: each text's words, stemmed, in order."""

    def __init__(self) -> None:
        self.scratch = sqlite3.connect(":memory:", isolation_level=None)
        self.scratch.execute(
            f"CREATE VIRTUAL TABLE w USING fts5(a, b, content='', tokenize='{TOKENIZER}')")
        self.scratch.execute("CREATE VIRTUAL TABLE w_at USING fts5vocab(w, 'instance')")

    def of(self, rows: Sequence[sa.Row]) -> dict[int, list[list[str]]]:
        self.scratch.executemany("INSERT INTO w(rowid, a, b) VALUES (?, ?, ?)",
                                 [(row[0], row[1], row[2]) for row in rows])
        at: dict[tuple[int, str], dict[int, str]] = {}
        for term, doc, column, offset in self.scratch.execute(
                "SELECT term, doc, col, offset FROM w_at"):
            at.setdefault((doc, column), {})[offset] = term
        self.scratch.execute("INSERT INTO w(w) VALUES ('delete-all')")
        return {row[0]: [[found[offset] for offset in sorted(found)]
                         for found in (at.get((row[0], column), {}) for column in "ab")]
                for row in rows}
