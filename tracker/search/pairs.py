"""Phrases on SQLite through indexes of neighbouring words: "white house" is the pair
`white_hous` there.

FTS5 answers a phrase by reading the lists of all its words and comparing positions in every
text that holds them all: a phrase of two common words that are seldom neighbours reads both
words' lists over the whole table (at 1M versions, 30-45 ms at p90-p99 for the version pages
alone, bench/README). PostgreSQL's vectors hold the pairs of neighbouring words for this reason
(tracker.search.postgres). On SQLite each word index has a pair index, versions_pairs_fts and
diffs_pairs_fts, whose words are the pairs of the text's words, in order: the phrase "a b c"
is the phrase "a_b b_c" there, exactly (pairs do not cross columns, as FTS5's phrases do not).
A pair is about as rare as its phrase, so its list is short.

The pair indexes are contentless (the pairs are made here, not stored as text), so FTS5 must
be given a row's pairs again to drop them. A trigger cannot make them (that needs the
tokenizer, in Python), so the triggers on versions and diffs keep a deleted row's text in
pairs_fts_gone, and the write path drops those rows' pairs before it indexes anything
(drop_gone). Until then a search may find a deleted id, which joins no row and so shows
nothing; and SQLite reuses the id of the newest row deleted only for a row the write path
indexes, after the old pairs are gone. Any program may delete rows; only writes need this.

Only queries made of phrases alone (with OR and excluded phrases) are answered from the pairs:
a word on its own has no pair, and other queries read the word index as before.
"""

from collections.abc import Sequence
from itertools import pairwise

from sqlalchemy import Connection, text

from tracker.search import tokens
from tracker.search.query import Query, Term, to_fts5

PAIR_TOKENIZER = "unicode61 remove_diacritics 0 tokenchars '_'"
"""The pair indexes' tokenizer keeps a pair whole: an indexed word never holds "_" (unicode61 cuts
there) and is already folded, stemmed and without accents, so nothing else changes it."""
BATCH = 1000
"""Rows whose pairs are made in one round trip when every version is indexed again."""
PAIR_INDEXES = {"versions_fts": "versions_pairs_fts", "diffs_fts": "diffs_pairs_fts"}
"""Each word index's pair index."""
_SOURCES = {"versions": ("versions_pairs_fts", "title, text"),
            "diffs": ("diffs_pairs_fts", "added_text, removed_text")}


def pair_text(words: Sequence[str]) -> str:
    """One column's pairs of neighbouring words, in order."""
    return " ".join(f"{first}_{second}" for first, second in pairwise(words))


def pair_rows(rows: Sequence[tuple[int, str, str]]) -> list[tuple[int, str, str]]:
    """(id, pairs of the first text, pairs of the second) for each (id, text, text): one round
    trip through FTS5's tokenizer for the batch (tracker.search.tokens)."""
    words = tokens.column_words([(row_id, (first, second)) for row_id, first, second in rows])
    return [(row_id, pair_text(words[row_id][0]), pair_text(words[row_id][1]))
            for row_id, _, _ in rows]


def index(connection: Connection, source: str, rows: Sequence[tuple[int, str, str]]) -> None:
    """Add the pairs of new rows of `source` (versions or diffs): (id, text, text)."""
    table, columns = _SOURCES[source]
    if rows:
        connection.execute(text(f"INSERT INTO {table}(rowid, {columns}) VALUES (:id, :a, :b)"),
                           [{"id": row_id, "a": first, "b": second}
                            for row_id, first, second in pair_rows(rows)])


def unindex(connection: Connection, source: str, rows: Sequence[tuple[int, str, str]]) -> None:
    """Drop the pairs of rows of `source`, given the text they were indexed with."""
    table, columns = _SOURCES[source]
    if rows:
        connection.execute(text(f"INSERT INTO {table}({table}, rowid, {columns}) "
                                "VALUES ('delete', :id, :a, :b)"),
                           [{"id": row_id, "a": first, "b": second}
                            for row_id, first, second in pair_rows(rows)])


def drop_gone(connection: Connection) -> None:
    """Drop the pairs of rows deleted since the last write (see the module docstring)."""
    gone = connection.execute(text("SELECT source, id, a, b FROM pairs_fts_gone")).all()
    if not gone:
        return
    for source in _SOURCES:
        unindex(connection, source, [(row_id, first, second)
                                     for kind, row_id, first, second in gone if kind == source])
    connection.execute(text("DELETE FROM pairs_fts_gone"))


def rebuild_versions(connection: Connection) -> None:
    """Index every version's pairs again, BATCH versions a statement."""
    drop_gone(connection)
    connection.execute(text("INSERT INTO versions_pairs_fts(versions_pairs_fts) "
                            "VALUES ('delete-all')"))
    last = 0
    while rows := connection.execute(text(
            "SELECT id, coalesce(title, ''), text FROM versions WHERE id > :last ORDER BY id "
            "LIMIT :batch"), {"last": last, "batch": BATCH}).all():
        index(connection, "versions", [(row_id, title, body) for row_id, title, body in rows])
        last = rows[-1][0]


def answerable(query: Query) -> bool:
    """Whether every term of `query` is a phrase of two words or more, without a prefix."""
    terms = [*(term for group in query.groups for term in group), *query.excluded]
    return all(len(term.words) > 1 and not term.prefix for term in terms)


def to_pairs_match(query: Query) -> str:
    """The MATCH expression of an answerable query on a pair index."""
    return to_fts5(query, _pair_phrase)


def _pair_phrase(term: Term) -> str:
    return f'"{pair_text(term.words)}"'
