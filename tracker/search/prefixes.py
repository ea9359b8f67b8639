"""Prefixes on SQLite (`presid*`) searched as the words of the index that they start.

FTS5 answers a prefix by merging the lists of every word that starts so, over the whole table,
before it hands back the first row: the newest-first windows (tracker.search.backend) cannot
stop it early (over all fields at 300k versions: 33-38 ms median, 22-30 ms as words). FTS5
keeps its words sorted, and an fts5vocab table over an FTS table reads them by range, so a
one-word prefix is looked up there and searched as an OR of the words found, which FTS5 reads
newest first like any word. A prefix that starts more than MAX_WORDS words, none, or a word that the
tokenizer would not give back as itself (the porter stemmer is not idempotent) stays a prefix
query: the same hits either way, only the speed differs.

The vocabulary tables are made in each connection's temp schema, which costs nothing to keep
in step (they read the FTS index itself) and needs no migration.
"""

from itertools import chain

from sqlalchemy import Connection

from tracker.search import tokens
from tracker.search.query import Query, Term

MAX_WORDS = 32
"""Words a prefix is replaced by at most: FTS5 reads one cursor per word of an OR."""
LAST = "\U0010ffff"
"""After every character of a word: the tokenizer never keeps a noncharacter in one."""


def expanded(connection: Connection, table: str, query: Query) -> Query:
    """`query` with each one-word prefix replaced by the words of `table` that it starts."""
    if not any(term.prefix for term in _terms(query)):
        return query
    _ensure_vocabulary(connection, table)
    return Query(
        tuple(tuple(chain.from_iterable(_words(connection, table, term) for term in group))
              for group in query.groups),
        tuple(chain.from_iterable(_words(connection, table, term) for term in query.excluded)))


def _terms(query: Query) -> list[Term]:
    return [*chain.from_iterable(query.groups), *query.excluded]


def _words(connection: Connection, table: str, term: Term) -> tuple[Term, ...]:
    """The words a one-word prefix starts, as terms (the term itself when it stays a prefix)."""
    if not term.prefix or len(term.words) != 1:
        return (term,)
    start = term.words[0]
    found = connection.exec_driver_sql(
        f"SELECT term FROM temp.{table}_words WHERE term >= ? AND term <= ? LIMIT ?",
        (start, start + LAST, MAX_WORDS + 1)).scalars().all()
    if not found or len(found) > MAX_WORDS or not _indexed_as_themselves(list(found)):
        return (term,)
    return tuple(Term(word, (word,)) for word in found)


def _indexed_as_themselves(words: list[str]) -> bool:
    """Whether each word, searched as a word, is the indexed word (a MATCH string is
    tokenized, so stemmed, again)."""
    found = tokens.column_words(list(enumerate([(word,) for word in words])))
    return all(found[index][0] == [word] for index, word in enumerate(words))


def _ensure_vocabulary(connection: Connection, table: str) -> None:
    connection.exec_driver_sql(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{table}_words "
        f"USING fts5vocab(main, {table}, row)")
