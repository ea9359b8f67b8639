"""Search on SQLite: FTS5 tables that read their content from `diffs` and `versions`.

The tables are external content, so no text is stored twice; the price is that FTS5 must be
given a row's old text to drop it (triggers do that when rows are deleted, unindex_diff when a
diff's text is rewritten). The porter stemmer makes "missile" find "missiles".
"""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text

from tracker.search.backend import DIFF_COLUMNS, DIFF_JOINS, SNIPPET_TOKENS, Backend, id_list
from tracker.search.model import MATCH_START, MATCH_STOP, Field

SQLITE_TOKENIZER = "porter unicode61 remove_diacritics 2"
"""The tokenizer of the FTS5 tables (the migration 0003_analysis_search creates them)."""


class SqliteBackend(Backend):
    """The FTS5 tables diffs_fts (added_text, removed_text) and versions_fts (title, text)."""

    version_from = "versions_fts JOIN versions v ON v.id = versions_fts.rowid"
    version_match = "versions_fts MATCH :match"
    version_order = "versions_fts.rowid"

    def index_version(self, version_id: int, title: str | None, body: str) -> None:
        self.connection.execute(
            text("INSERT INTO versions_fts(rowid, title, text) VALUES (:id, :title, :body)"),
            {"id": version_id, "title": title or "", "body": body},
        )

    def index_diff(self, diff_id: int, added: str, removed: str) -> None:
        self.connection.execute(
            text(
                "INSERT INTO diffs_fts(rowid, added_text, removed_text) "
                "VALUES (:id, :added, :removed)"
            ),
            {"id": diff_id, "added": added, "removed": removed},
        )

    def unindex_diff(self, diff_id: int, added: str, removed: str) -> None:
        """FTS5 external content finds the entries to drop through the old text."""
        self.connection.execute(
            text(
                "INSERT INTO diffs_fts(diffs_fts, rowid, added_text, removed_text) "
                "VALUES ('delete', :id, :added, :removed)"
            ),
            {"id": diff_id, "added": added, "removed": removed},
        )

    def rebuild_versions(self) -> None:
        self.connection.exec_driver_sql("INSERT INTO versions_fts(versions_fts) VALUES ('rebuild')")

    def _time(self, moment: datetime) -> Any:
        """SQLite holds times as UTC text in SQLAlchemy's format, compared as text."""
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")

    def _match(self, terms: list[str]) -> dict[str, str]:
        return {"match": _fts5_query(terms)}

    def _diff_sql(self, field: Field, terms: list[str]) -> tuple[str, dict[str, str]]:
        column, index = ("added_text", 0) if field == Field.ADDED else ("removed_text", 1)
        return f"""
            SELECT {DIFF_COLUMNS},
                   snippet(diffs_fts, {index}, :start, :stop, '…', {SNIPPET_TOKENS}) AS snippet
            FROM diffs_fts JOIN diffs d ON d.id = diffs_fts.rowid {DIFF_JOINS}
            WHERE diffs_fts MATCH :match {{extra}}
            ORDER BY diffs_fts.rowid DESC LIMIT :limit
        """, {"match": f"{column} : ({_fts5_query(terms)})"}

    def _first_matches(self, terms: list[str], story_ids: list[int]) -> dict[int, int]:
        """FTS5 is asked only about the range of row ids these stories' versions occupy, which
        it can seek to: a common word does not mean reading every match."""
        ids = id_list(story_ids)
        low, high = self.connection.execute(text(
            f"SELECT min(id), max(id) FROM versions WHERE story_id IN ({ids})"
        )).one()
        rows = self.connection.execute(text(f"""
            SELECT v.story_id, min(v.number)
            FROM versions_fts JOIN versions v ON v.id = versions_fts.rowid
            WHERE versions_fts MATCH :match AND versions_fts.rowid BETWEEN :low AND :high
              AND v.story_id IN ({ids})
            GROUP BY v.story_id
        """), {"low": low, "high": high, **self._match(terms)})
        return {story: first for story, first in rows}

    def _version_snippets(self, terms: list[str], version_ids: list[int]) -> dict[int, str]:
        rows = self.connection.execute(text(f"""
            SELECT rowid, snippet(versions_fts, -1, :start, :stop, '…', {SNIPPET_TOKENS})
            FROM versions_fts WHERE versions_fts MATCH :match AND rowid IN ({id_list(version_ids)})
        """), {"start": MATCH_START, "stop": MATCH_STOP, **self._match(terms)})
        return {version: snippet for version, snippet in rows}


def _fts5_query(terms: list[str]) -> str:
    """Each term as an FTS5 string (a phrase when it has several words), all required."""
    return " AND ".join('"' + term.replace('"', '""') + '"' for term in terms)
