"""Prefixes on SQLite (`presid*`) searched as the words of the index that they start.

FTS5 answers a prefix by merging the lists of every word that starts so, over the whole table,
before it hands back the first row: the newest-first windows (tracker.search.backend) cannot
stop it early (at 1M versions, 12-80 ms a statement for a prefix of a few common words, 200-550
ms for one of hundreds). FTS5 keeps its words sorted, and an fts5vocab table over an FTS table
reads them by range, so a one-word prefix is looked up there and searched as an OR of the words
found, which FTS5 reads newest first like any word. The lookup seeks word after word in the
vocabulary's `instance` kind, which reads one entry of each word; its `row` kind counts each
word's documents, so reads its whole list (60 ms for "the" at 1M versions).

A MATCH string is tokenized, so stemmed, again, and the porter stemmer is not idempotent:
"kadese" is indexed as `kades`, which searched as itself is `kade`. Such a word is searched as a
spelling that gives it back, itself with one of SPELLING_ENDINGS (here "kadese"). A prefix that
starts more than MAX_WORDS words, none, or a word with no such spelling stays a prefix query:
the same hits either way, only the speed differs.

The vocabulary tables are made in each connection's temp schema, which costs nothing to keep
in step (they read the FTS index itself) and needs no migration.
"""

from itertools import chain

from sqlalchemy import Connection

from tracker.search import tokens
from tracker.search.query import Query, Term

MAX_WORDS = 128
"""Words a prefix is replaced by at most. FTS5 reads one cursor per word of an OR, and the
vocabulary is read word by word; at 1M versions, 128 words cost ~6-12 ms a statement and
~15 ms of lookup against 200-550 ms a statement for the prefix itself (bench/README)."""
LAST = "\U0010ffff"
"""After every character of a word: the tokenizer never keeps a noncharacter in one."""
SPELLING_ENDINGS = ("e", "s", "ed", "ing")
"""What a word that is not its own stem is tried with: the stemmer drops a final e (in the 1M
bench, "e" gave back 697 of the 698 such words; in the development set's English, all 194)."""
NEXT = "\x01"
"""Appended to a word, the least string after it and every word it starts: the tokenizer
never keeps a control character in a word either."""


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
    found: list[str] = []
    after = start
    while len(found) <= MAX_WORDS:
        word = connection.exec_driver_sql(
            f"SELECT term FROM temp.{table}_instances WHERE term >= ? AND term <= ? LIMIT 1",
            (after, start + LAST)).scalar()
        if word is None:
            break
        found.append(word)
        after = word + NEXT
    spelt = _spellings(found) if found and len(found) <= MAX_WORDS else None
    if spelt is None:
        return (term,)
    return tuple(Term(spelling, (word,)) for word, spelling in zip(found, spelt, strict=True))


def _spellings(words: list[str]) -> list[str] | None:
    """For each indexed word, a string that the tokenizer makes into that word alone (None
    if a word has none). Each ending is tried only on the words still without one, in one
    pass through the tokenizer: most words are their own stem, and one pass of them all with
    every ending took 2-3 times as long (54 words at 1M versions: 7.8 ms against 2.8)."""
    spelt: dict[str, str | None] = dict.fromkeys(words)
    for ending in ("", *SPELLING_ENDINGS):
        left = [word for word in words if spelt[word] is None]
        if not left:
            break
        stems = tokens.column_words([(index, (word + ending,)) for index, word in enumerate(left)])
        for index, word in enumerate(left):
            if stems[index][0] == [word]:
                spelt[word] = word + ending
    found = [spelt[word] for word in words]
    return None if None in found else [spelling for spelling in found if spelling]


def _ensure_vocabulary(connection: Connection, table: str) -> None:
    connection.exec_driver_sql(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{table}_instances "
        f"USING fts5vocab(main, {table}, instance)")
