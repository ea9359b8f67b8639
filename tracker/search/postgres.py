"""Search on PostgreSQL: tsvectors in `diffs_fts` and `versions_fts`, with GIN indexes.

The vectors are written here, lexeme by lexeme, from the words FTS5 finds in the text
(tracker.search.tokens), so that PostgreSQL matches exactly what SQLite does; no text search
configuration, parser or dictionary of PostgreSQL's is involved. A vector holds three kinds of
lexeme, and no word can spell the last two:

- each word, without positions: a word matches wherever it is;
- each pair of neighbouring words, "~white house", at the position of the first: a phrase is
  the chain of its pairs ('~white house' <-> '~house fire'), so the GIN index finds the few
  texts with those pairs instead of every text with both common words, and positions are
  only checked on those (the tilde keeps them out of a word's prefix search, `whi*`, which
  would otherwise read every pair that starts with the word);
- the blocks of row ids the row falls in, "#12:41" (see WINDOW_BITS): a search asks the index
  for `words & (newest blocks)` and reads only the matches in the newest rows, however common
  the word.

Every search is thus a GIN bitmap scan, materialized before anything is sorted or joined; the
planner is never asked to choose between it and walking the primary key newest first, which it
did for rare words and then read every row. The matches are then sorted newest first and
joined one by one until a page is full (a LATERAL subquery, which LIMIT 1 keeps from being
merged into a join that walks the whole primary key of diffs or versions backwards). The sort
is in a subquery of its own: sorting by the outer query's column, PostgreSQL joined every
match of the window first (2,525 joins for a page of 200, 300 ms instead of 38). Snippets are
made by FTS5 from the hits' text, as on SQLite. Rows go with their diff or version (ON DELETE
CASCADE).
"""

from collections.abc import Iterable, Sequence
from itertools import pairwise, starmap
from typing import Any

from sqlalchemy import Row, text

from tracker.search import tokens
from tracker.search.backend import DIFF_COLUMNS, DIFF_JOINS, WINDOW_BITS, Backend, Window
from tracker.search.model import Field
from tracker.search.query import Query, Term

BLOCK = "#{bits}:{block}"
"""The lexeme naming the block of 2**bits row ids that a row falls in."""
PAIR = "~{} {}"
"""The lexeme of two neighbouring words."""
MAX_POSITION = 16383
"""PostgreSQL's largest position: pairs further into a text share it (phrases of three or
more words are then not found past about 16,000 words; single words and pairs always are)."""
MAX_POSITIONS = 255
"""Positions kept per lexeme, as to_tsvector keeps them."""
MAX_LEXEME_BYTES = 2046
"""A lexeme must be shorter than 2 KB; a longer "word" is left out of the index."""
_PLAIN_LENGTH = (MAX_LEXEME_BYTES // 4 - 2) // 2
"""Words up to this long make pairs ("~a b") that fit in a lexeme whatever their letters."""
BATCH = 500
"""Versions read and indexed per statement when the whole index is rebuilt."""
_VERSION_VECTOR = ("INSERT INTO versions_fts(version_id, document) "
                   "VALUES (:id, CAST(:document AS tsvector)) "
                   "ON CONFLICT (version_id) DO UPDATE SET document = excluded.document")
_VERSION_CHECK = (" AND (SELECT f.document FROM versions_fts f WHERE f.version_id = v.id) "
                  "@@ CAST(:exact AS tsquery)")
"""The exact query on a candidate version, when the index was asked a loose one."""
_VECTORS = {Field.ADDED: "f.added", Field.REMOVED: "f.removed"}


class PostgresBackend(Backend):
    """The tables diffs_fts (diff_id, added, removed) and versions_fts (version_id, document)."""

    def prepare(self) -> None:
        """No sequential scans in this transaction: the planner costs a table of vectors by its
        heap pages, not by the TOAST chunks each vector is read from, so on a small table it
        would rather read every vector than the GIN index (260 ms instead of 1 ms at 5,000
        versions). Every statement of a search has an index to use (see tests/test_plans.py)."""
        self.connection.execute(text("SET LOCAL enable_seqscan = off"))

    def index_versions(self, rows: Sequence[tuple[int, str | None, str]]) -> None:
        self.connection.execute(text(_VERSION_VECTOR), _version_rows(rows))

    def index_diffs(self, rows: Sequence[tuple[int, str, str]]) -> None:
        """An upsert, so that a diff reindexed with new text replaces its row."""
        found = tokens.column_words([(diff_id, (added, removed))
                                     for diff_id, added, removed in rows])
        self.connection.execute(text(
            "INSERT INTO diffs_fts(diff_id, added, removed) VALUES (:id, "
            "CAST(:added AS tsvector), CAST(:removed AS tsvector)) "
            "ON CONFLICT (diff_id) DO UPDATE SET added = excluded.added, "
            "removed = excluded.removed"
        ), [{"id": diff_id, "added": vector(diff_id, found[diff_id][:1]),
             "removed": vector(diff_id, found[diff_id][1:])} for diff_id, _, _ in rows])

    def unindex_diff(self, diff_id: int, added: str, removed: str) -> None:
        """Nothing to take out: index_diff's upsert replaces the diff's row."""

    def rebuild_versions(self) -> None:
        after = 0
        while rows := self.connection.execute(text(
            "SELECT id, title, text FROM versions WHERE id > :after ORDER BY id LIMIT :batch"
        ), {"after": after, "batch": BATCH}).all():
            self.connection.execute(text(_VERSION_VECTOR), _version_rows(rows))
            after = rows[-1].id

    def _version_page(
        self, query: Query, window: Window, extra: str, params: dict[str, Any]
    ) -> Sequence[Row[Any]]:
        exact = _positions(query)
        return self.connection.execute(text(f"""
            WITH m AS MATERIALIZED (
                SELECT version_id FROM versions_fts
                WHERE document @@ CAST(:query AS tsquery) AND version_id < :below)
            SELECT hit.* FROM (SELECT version_id FROM m ORDER BY version_id DESC) AS o
            CROSS JOIN LATERAL (
                SELECT v.id AS row_id, v.story_id, v.number, v.observed_at,
                       s.title AS story_title, s.site, s.url
                FROM versions v JOIN stories s ON s.id = v.story_id
                WHERE v.id = o.version_id {extra}{_VERSION_CHECK if exact else ""} LIMIT 1
            ) AS hit
            ORDER BY o.version_id DESC LIMIT :size
        """), {**params, **exact, "query": windowed(query, window, loose=bool(exact))}).all()

    def _diff_page(
        self, field: Field, query: Query, window: Window, extra: str, params: dict[str, Any]
    ) -> Sequence[Row[Any]]:
        vector_column = _VECTORS[field]
        exact = _positions(query)
        check = (f" AND (SELECT {vector_column} FROM diffs_fts f WHERE f.diff_id = d.id) "
                 "@@ CAST(:exact AS tsquery)") if exact else ""
        return self.connection.execute(text(f"""
            WITH m AS MATERIALIZED (
                SELECT f.diff_id FROM diffs_fts f
                WHERE {vector_column} @@ CAST(:query AS tsquery) AND f.diff_id < :below)
            SELECT hit.* FROM (SELECT diff_id FROM m ORDER BY diff_id DESC) AS o
            CROSS JOIN LATERAL (
                SELECT {DIFF_COLUMNS}, d.id AS row_id, d.added_text, d.removed_text
                FROM diffs d {DIFF_JOINS}
                WHERE d.id = o.diff_id {extra}{check} LIMIT 1) AS hit
            ORDER BY o.diff_id DESC LIMIT :size
        """), {**params, **exact, "query": windowed(query, window, loose=bool(exact))}).all()

    def _diff_snippets(
        self, field: Field, query: Query, rows: Sequence[Any]
    ) -> dict[int, str]:
        return self._diff_snippets_in_memory(field, query, rows)

    def _first_matches(self, query: Query, bounds: dict[int, int]) -> dict[int, int]:
        """The match is tested on each story's versions older than its bound, through the
        primary key: a join would let the planner scan the GIN index for every match of a
        common word. Each test reads a vector (~12 KB), so the bounds save most of them."""
        below = ", ".join(f"({int(story)}, {int(number)})" for story, number in bounds.items())
        rows = self.connection.execute(text(f"""
            SELECT v.story_id, min(v.number)
            FROM (VALUES {below}) AS b(story_id, below)
            JOIN versions v ON v.story_id = b.story_id AND v.number < b.below
            WHERE (SELECT f.document FROM versions_fts f WHERE f.version_id = v.id)
                  @@ CAST(:query AS tsquery)
            GROUP BY v.story_id
        """), {"query": ts_query(query)})
        return {story: first for story, first in rows}

    def _version_snippets(self, query: Query, version_ids: list[int]) -> dict[int, str]:
        return self._snippets_in_memory(query, version_ids)


def vector(row_id: int, columns: Sequence[Sequence[str]]) -> str:
    """The tsvector (as text) of a row whose texts have these words (see the module
    docstring)."""
    return with_blocks(row_id, lexemes(columns))


def with_blocks(row_id: int, words: str) -> str:
    """A vector's lexemes of words and pairs (lexemes()) with the row's block lexemes."""
    return " ".join(filter(None, [words, *map(_lexeme, blocks(row_id))]))


def lexemes(columns: Sequence[Sequence[str]]) -> str:
    """The words and pairs of a vector, which do not depend on the row's id. Each text's
    positions start one past the previous text's, so that no phrase runs from a headline
    into the body, as FTS5 keeps its columns apart.

    It runs for every version stored and loaded (a third of the bulk load's time), so the
    usual text (every word short and without quotes, positions below MAX_POSITION) skips
    the quoting, the length checks and the clamping of every lexeme."""
    words = set().union(*columns)
    if sum(map(len, columns)) + len(columns) > MAX_POSITION or not _plain(words):
        return _checked_lexemes(columns, words)
    first, more = _pairs(columns)
    found = [f"'{word}'" for word in words]
    found += [f"'{pair}':{position}" for pair, position in first.items() if pair not in more]
    found += [f"'{pair}':{','.join(map(str, positions[:MAX_POSITIONS]))}"
              for pair, positions in more.items()]
    return " ".join(found)


def _pairs(columns: Sequence[Sequence[str]]) -> tuple[dict[str, int], dict[str, list[int]]]:
    """Each pair of neighbouring words at its first position, and the positions of those
    seen more than once (few: a dict per pair would cost more than the rest)."""
    first: dict[str, int] = {}
    more: dict[str, list[int]] = {}
    start = 1
    for words in columns:
        for position, pair in enumerate(map(PAIR.format, words, words[1:]), start):
            if first.setdefault(pair, position) != position:
                more.setdefault(pair, [first[pair]]).append(position)
        start += len(words) + 1
    return first, more


def _plain(words: set[str]) -> bool:
    """No word, nor pair of them, needs quoting or can be too long for a lexeme."""
    joined = "".join(words)
    return ("'" not in joined and "\\" not in joined
            and max(map(len, words), default=0) <= _PLAIN_LENGTH)


def _checked_lexemes(columns: Sequence[Sequence[str]], words: set[str]) -> str:
    """lexemes() for any words: quoted, too long ones left out, positions clamped."""
    first, more = _pairs(columns)
    found = [_lexeme(word) for word in words if _fits(word)]
    for pair, position in first.items():
        if _fits(pair):
            kept = dict.fromkeys(min(at, MAX_POSITION)
                                 for at in more.get(pair, [position])[:MAX_POSITIONS])
            found.append(f"{_lexeme(pair)}:{','.join(map(str, kept))}")
    return " ".join(found)


def blocks(row_id: int) -> list[str]:
    """The block lexemes of a row."""
    return [BLOCK.format(bits=bits, block=row_id >> bits) for bits in WINDOW_BITS]


def ts_query(query: Query, *, loose: bool = False) -> str:
    """The query as tsquery text: each OR group in parentheses, exclusions negated, all
    required. `loose`: every match and more, read from the GIN index alone (see _positions):
    a phrase's pairs need not follow each other, and exclusions are left to the exact
    query."""
    parts = ["(" + " | ".join(_ts_term(term, loose) for term in group) + ")"
             for group in query.groups]
    if not loose:
        parts += [f"!({_ts_term(term, loose)})" for term in query.excluded]
    return " & ".join(parts)


def windowed(query: Query, window: Window, *, loose: bool = False) -> str:
    """The query narrowed to the rows of one window by its block lexemes."""
    if window.bits is None:
        return ts_query(query, loose=loose)
    names = (BLOCK.format(bits=window.bits, block=block) for block in window.blocks)
    return f"({ts_query(query, loose=loose)}) & ({' | '.join(map(_lexeme, names))})"


def _positions(query: Query) -> dict[str, str]:
    """{"exact": the tsquery} when the query has a phrase of three words or more, else {}.

    Such a phrase is a chain of pairs (`<->`), which the GIN index cannot tell from the same
    pairs apart: PostgreSQL then reads every candidate's vector to compare positions (a
    frequent phrase in the newest window: thousands of vectors of ~12 KB each, a second per
    page). So the index is asked for the pairs in any order, and the exact query is checked
    on the candidates newest first, only until a page is full."""
    terms = [term for group in query.groups for term in group] + list(query.excluded)
    return {"exact": ts_query(query)} if any(len(term.words) > 2 for term in terms) else {}


def _ts_term(term: Term, loose: bool) -> str:
    """A word, or a phrase as the chain of its pairs; a prefix applies to the last."""
    lexemes: Iterable[str] = (term.words if len(term.words) == 1
                              else starmap(PAIR.format, pairwise(term.words)))
    items = [_lexeme(lexeme) for lexeme in lexemes]
    if term.prefix:
        items[-1] += ":*"
    return (" & " if loose else " <-> ").join(items)


def _fits(lexeme: str) -> bool:
    return len(lexeme) * 4 <= MAX_LEXEME_BYTES or len(lexeme.encode()) <= MAX_LEXEME_BYTES


def _lexeme(value: str) -> str:
    """A lexeme quoted for tsvector and tsquery text (FTS5's words hold no quote or
    backslash, but a lexeme is never trusted to)."""
    if "'" in value or "\\" in value:
        value = value.replace("\\", "\\\\").replace("'", "''")
    return f"'{value}'"


def _version_rows(rows: Sequence[Any]) -> list[dict[str, Any]]:
    """The parameters of _VERSION_VECTOR for (id, title, text) rows."""
    found = tokens.column_words([(row[0], (row[1] or "", row[2])) for row in rows])
    return [{"id": row[0], "document": vector(row[0], found[row[0]])} for row in rows]
