"""Words as search sees them, the same on both databases: SQLite's FTS5 tokenizer, also run
in memory for PostgreSQL.

A word is what FTS5's `unicode61` tokenizer makes of the text (runs of letters and digits,
lower-cased, accents removed: `COVID-19` is `covid 19`, `café` is `cafe`, `3.5` is `3 5`), then
stemmed by its `porter` tokenizer ("missiles" is `missil`); no word is a stopword. PostgreSQL's
parsers and dictionaries cut and stem differently (its 'english' configuration drops "the",
keeps `3.5` whole and stems "is" to `i`), so PostgreSQL's index is built from the words this
module gets from an in-memory FTS5 table (tracker.search.postgres), and its snippets are made
here by FTS5's snippet() over the hits' text (SQLite's too, for hits spread over a large
table): both databases then find the same versions and show the same excerpts. Python's
sqlite3 always has FTS5 where tracker runs (the SQLite database needs it too). Each thread
gets its own in-memory database (sqlite3 connections are not shared between threads; the TUI
searches in a worker thread).
"""

import sqlite3
import threading
from collections.abc import Mapping, Sequence

from tracker.search.model import MATCH_START, MATCH_STOP

TOKENIZER = "porter unicode61 remove_diacritics 2"
"""The FTS5 tokenizer: of SQLite's full-text tables, and of every word on PostgreSQL."""
SNIPPET_TOKENS = 24
"""Words in a snippet, on either database."""

_SCRATCH_DDL = [
    # Contentless, only to read the words back: fts5vocab lists each word with its column and
    # offset, which is all the tokenizer's output.
    f"CREATE VIRTUAL TABLE words USING fts5(a, b, content='', tokenize='{TOKENIZER}')",
    "CREATE VIRTUAL TABLE words_at USING fts5vocab(words, 'instance')",
]
_SNIPPET_DDL = {
    # The same names and columns as SQLite's full-text tables, so that one snippet() call and
    # one MATCH expression serve both databases.
    "versions_fts": f"CREATE VIRTUAL TABLE versions_fts USING fts5(title, text, "
                    f"tokenize='{TOKENIZER}')",
    "diffs_fts": f"CREATE VIRTUAL TABLE diffs_fts USING fts5(added_text, removed_text, "
                 f"tokenize='{TOKENIZER}')",
}
_COLUMNS = {"versions_fts": ("title", "text"), "diffs_fts": ("added_text", "removed_text")}
_local = threading.local()


def words(text: str) -> list[str]:
    """The indexed words of `text`, in order."""
    return column_words([(1, (text,))]).get(1, [[]])[0]


def column_words(rows: Sequence[tuple[int, Sequence[str]]]) -> dict[int, list[list[str]]]:
    """For each (id, up to two texts), the indexed words of each text in order; ids must be
    distinct. One round trip through FTS5 for the whole batch."""
    scratch = _scratch()
    scratch.executemany("INSERT INTO words(rowid, a, b) VALUES (?, ?, ?)",
                        [(row_id, *_two(texts)) for row_id, texts in rows])
    found: dict[int, list[list[str]]] = {row_id: [[] for _ in texts] for row_id, texts in rows}
    at: dict[tuple[int, int], dict[int, str]] = {}
    for term, doc, column, offset in scratch.execute("SELECT term, doc, col, offset "
                                                     "FROM words_at"):
        at.setdefault((doc, 0 if column == "a" else 1), {})[offset] = term
    scratch.execute("INSERT INTO words(words) VALUES ('delete-all')")
    for (doc, column), terms in at.items():
        found[doc][column] = [terms[offset] for offset in sorted(terms)]
    return found


def snippets(
    table: str, column: int, match: str, texts: Mapping[int, tuple[str, str]]
) -> dict[int, str]:
    """FTS5's marked snippets of these texts for the MATCH expression `match`, by id, as
    SQLite's own tables make them: `table` is versions_fts (title, text) or diffs_fts
    (added_text, removed_text), `column` the column to cut from (-1: the best)."""
    if not texts:
        return {}
    scratch = _scratch()
    first, second = _COLUMNS[table]
    # The texts live only in a transaction that is rolled back: FTS5 answers from the terms
    # it has not yet written, and the rollback leaves the table empty without the DELETE
    # that would tokenize every text again (3.5 ms for 50 versions) or the DROP and CREATE
    # that replaced it (50 versions of ~3 KB: 9.5 -> 8.1 ms CPU).
    scratch.execute("BEGIN")
    try:
        scratch.executemany(f"INSERT INTO {table}(rowid, {first}, {second}) VALUES (?, ?, ?)",
                            [(row_id, *pair) for row_id, pair in texts.items()])
        rows = scratch.execute(
            f"SELECT rowid, snippet({table}, {column}, ?, ?, '…', {SNIPPET_TOKENS}) "
            f"FROM {table} WHERE {table} MATCH ?", (MATCH_START, MATCH_STOP, match)).fetchall()
    finally:
        scratch.execute("ROLLBACK")
    return dict(rows)


def _two(texts: Sequence[str]) -> tuple[str, str]:
    return (texts[0], texts[1] if len(texts) > 1 else "")


def _scratch() -> sqlite3.Connection:
    """This thread's in-memory FTS5 database, made on first use."""
    connection: sqlite3.Connection | None = getattr(_local, "connection", None)
    if connection is None:
        connection = sqlite3.connect(":memory:", isolation_level=None)
        for statement in [*_SCRATCH_DDL, *_SNIPPET_DDL.values()]:
            connection.execute(statement)
        _local.connection = connection
    return connection
