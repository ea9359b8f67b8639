"""Search on SQLite: FTS5 tables that read their content from `diffs` and `versions`.

The tables are external content, so no text is stored twice; the price is that FTS5 must be
given a row's old text to drop it (triggers do that when rows are deleted, unindex_diff when a
diff's text is rewritten). The porter stemmer makes "missile" find "missiles". Each table
has a pair index beside it for queries of phrases alone (tracker.search.pairs).
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, text

from tracker.search import pairs, prefixes
from tracker.search.backend import (
    DIFF_COLUMNS,
    DIFF_JOINS,
    DIFF_TEXTS,
    Backend,
    Window,
    id_list,
)
from tracker.search.model import MATCH_START, MATCH_STOP, Field
from tracker.search.query import Query, to_fts5
from tracker.search.tokens import SNIPPET_TOKENS, TOKENIZER

SQLITE_TOKENIZER = TOKENIZER
"""The tokenizer of the FTS5 tables (the migration 0003_analysis_search creates them)."""
SPREAD_IDS = 4096
"""Row ids per hit beyond which snippets are made in memory: FTS5 reads every match of the
query's words between the first hit and the last, ~15-30 ns an id for two common words at 1M
versions, where cutting a hit's text in memory costs ~0.14 ms (50 versions of 6 KB: 7 ms). The
hits of a common word are the newest few hundred ids; those of a phrase of two common words
that fill a page can span the whole table (snippets p99 20-23 ms there, 11 in memory)."""


class SqliteBackend(Backend):
    """The FTS5 tables diffs_fts (added_text, removed_text) and versions_fts (title, text),
    and their pair indexes diffs_pairs_fts and versions_pairs_fts.

    FTS5 reads a MATCH in row id order and seeks to a range of row ids, so each page asks for
    the window's ids below the last one read, newest first, and stops at the page's size.
    """

    def __init__(self, connection: Connection) -> None:
        super().__init__(connection)
        self._matches: dict[tuple[str, Query], str] = {}

    def prepare(self) -> None:
        """Nothing to set up: FTS5 plans every MATCH itself."""

    def _match(self, table: str, query: Query) -> str:
        """The MATCH expression of `query` on `table`, prefixes made words
        (tracker.search.prefixes), worked out once a search."""
        key = (table, query)
        if key not in self._matches:
            self._matches[key] = to_fts5(prefixes.expanded(self.connection, table, query))
        return self._matches[key]

    def _index(self, table: str, query: Query) -> tuple[str, str]:
        """The full-text table that finds `query`'s matches in `table`'s texts, and its MATCH
        expression: the pair index for a query of phrases alone (tracker.search.pairs)."""
        if pairs.answerable(query):
            return pairs.PAIR_INDEXES[table], pairs.to_pairs_match(query)
        return table, self._match(table, query)

    def index_versions(self, rows: Sequence[tuple[int, str | None, str]]) -> None:
        pairs.drop_gone(self.connection)
        self.connection.execute(
            text("INSERT INTO versions_fts(rowid, title, text) VALUES (:id, :title, :body)"),
            [{"id": version_id, "title": title or "", "body": body}
             for version_id, title, body in rows],
        )
        pairs.index(self.connection, "versions",
                    [(version_id, title or "", body) for version_id, title, body in rows])

    def index_diffs(self, rows: Sequence[tuple[int, str, str]]) -> None:
        pairs.drop_gone(self.connection)
        self.connection.execute(
            text(
                "INSERT INTO diffs_fts(rowid, added_text, removed_text) "
                "VALUES (:id, :added, :removed)"
            ),
            [{"id": diff_id, "added": added, "removed": removed}
             for diff_id, added, removed in rows],
        )
        pairs.index(self.connection, "diffs", rows)

    def unindex_diff(self, diff_id: int, added: str, removed: str) -> None:
        """FTS5 external content finds the entries to drop through the old text."""
        self.connection.execute(
            text(
                "INSERT INTO diffs_fts(diffs_fts, rowid, added_text, removed_text) "
                "VALUES ('delete', :id, :added, :removed)"
            ),
            {"id": diff_id, "added": added, "removed": removed},
        )
        pairs.unindex(self.connection, "diffs", [(diff_id, added, removed)])

    def rebuild_versions(self) -> None:
        self.connection.exec_driver_sql("INSERT INTO versions_fts(versions_fts) VALUES ('rebuild')")
        pairs.rebuild_versions(self.connection)

    def _time(self, moment: datetime) -> Any:
        """SQLite holds times as UTC text in SQLAlchemy's format, compared as text."""
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")

    def _version_page(
        self, query: Query, window: Window, extra: str, params: dict[str, Any]
    ) -> Sequence[Row[Any]]:
        table, match = self._index("versions_fts", query)
        return self.connection.execute(text(f"""
            SELECT v.id AS row_id, v.story_id, v.number, v.observed_at,
                   s.title AS story_title, s.site, s.url
            FROM {table} JOIN versions v ON v.id = {table}.rowid
            JOIN stories s ON s.id = v.story_id
            WHERE {table} MATCH :match AND {table}.rowid < :below
              AND {table}.rowid >= :low {extra}
            ORDER BY {table}.rowid DESC LIMIT :size
        """), {**params, "match": match}).all()

    def _diff_page(
        self, field: Field, query: Query, window: Window, extra: str, params: dict[str, Any]
    ) -> Sequence[Row[Any]]:
        column, index = DIFF_TEXTS[field]
        table, match = self._index("diffs_fts", query)
        # Only the word index holds the text that snippet() cuts; the pair index's hits are
        # cut afterwards (_diff_snippets), with their text at hand for the spread ones.
        snippet = (f"snippet(diffs_fts, {index}, :start, :stop, '…', {SNIPPET_TOKENS}) AS snippet"
                   if table == "diffs_fts" else "NULL AS snippet, d.added_text, d.removed_text")
        return self.connection.execute(text(f"""
            SELECT {DIFF_COLUMNS}, d.id AS row_id, {snippet}
            FROM {table} JOIN diffs d ON d.id = {table}.rowid {DIFF_JOINS}
            WHERE {table} MATCH :match AND {table}.rowid < :below
              AND {table}.rowid >= :low {extra}
            ORDER BY {table}.rowid DESC LIMIT :size
        """), {**params, "match": f"{column} : ({match})", "start": MATCH_START,
               "stop": MATCH_STOP}).all()

    def _diff_snippets(
        self, field: Field, query: Query, rows: Sequence[Any]
    ) -> dict[int, str]:
        """FTS5 made them with the matches from the word index. The pair index holds no text
        to cut, so its hits are cut as full-text hits are (_version_snippets): from the word
        index within their range when they are close together (the newest diffs of a frequent
        phrase), in memory when they are spread."""
        if not rows or rows[0].snippet is not None:
            return {row.diff_id: row.snippet for row in rows}
        ids = [row.diff_id for row in rows]
        if _spread(ids):
            return self._diff_snippets_in_memory(field, query, rows)
        column, index = DIFF_TEXTS[field]
        return self._cut("diffs_fts", index, f"{column} : ({self._match('diffs_fts', query)})",
                         ids)

    def _first_matches(self, query: Query, bounds: dict[int, int]) -> dict[int, int]:
        """FTS5 is asked only about the range of row ids these stories' versions occupy, which
        it can seek to: a common word does not mean reading every match."""
        ids = id_list(list(bounds))
        low, high = self.connection.execute(text(
            f"SELECT min(id), max(id) FROM versions WHERE story_id IN ({ids})"
        )).one()
        table, match = self._index("versions_fts", query)
        rows = self.connection.execute(text(f"""
            SELECT v.story_id, min(v.number)
            FROM {table} JOIN versions v ON v.id = {table}.rowid
            WHERE {table} MATCH :match AND {table}.rowid BETWEEN :low AND :high
              AND v.story_id IN ({ids})
            GROUP BY v.story_id
        """), {"low": low, "high": high, "match": match})
        return {story: first for story, first in rows}

    def _version_snippets(self, query: Query, version_ids: list[int]) -> dict[int, str]:
        """Cut by FTS5 from the word index (_cut), or in memory for hits spread over more than
        SPREAD_IDS ids each (see there)."""
        if _spread(version_ids):
            return self._snippets_in_memory(query, version_ids)
        return self._cut("versions_fts", -1, self._match("versions_fts", query), version_ids)

    def _cut(self, table: str, column: int, match: str, ids: list[int]) -> dict[int, str]:
        """Snippets of these rows of `table` (column -1: the best), read within the range of
        the ids, which FTS5 seeks to (with `rowid IN` it reads every match of the query); the
        snippet, which reads and cuts the text, is made for these rows only."""
        rows = self.connection.execute(text(f"""
            SELECT rowid, CASE WHEN rowid IN ({id_list(ids)}) THEN
                snippet({table}, {column}, :start, :stop, '…', {SNIPPET_TOKENS}) END
            FROM {table}
            WHERE {table} MATCH :match AND rowid BETWEEN :low AND :high
        """), {"start": MATCH_START, "stop": MATCH_STOP, "match": match,
               "low": min(ids), "high": max(ids)})
        return {row_id: snippet for row_id, snippet in rows if snippet is not None}


def _spread(ids: list[int]) -> bool:
    """Whether rows are spread over more than SPREAD_IDS ids each."""
    return max(ids) - min(ids) >= SPREAD_IDS * len(ids)
