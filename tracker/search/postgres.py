"""Search on PostgreSQL: tsvectors in `diffs_fts` and `versions_fts`, with GIN indexes.

The tables hold only the vectors, so snippets are made from the stored text with ts_headline;
rows go with their diff or version (ON DELETE CASCADE). The 'english' configuration stems
words as SQLite's porter does, so "missile" finds "missiles" here too.
"""

from sqlalchemy import text

from tracker.search.backend import DIFF_COLUMNS, DIFF_JOINS, SNIPPET_TOKENS, Backend, id_list
from tracker.search.model import MATCH_START, MATCH_STOP, Field

PG_CONFIG = "english"
"""The text search configuration of every tsvector and tsquery."""
_HEADLINE_OPTIONS = (
    f"StartSel={MATCH_START}, StopSel={MATCH_STOP}, MaxWords={SNIPPET_TOKENS}, MinWords=10, "
    'MaxFragments=2, FragmentDelimiter=" … "'
)


class PostgresBackend(Backend):
    """The tables diffs_fts (diff_id, added, removed) and versions_fts (version_id, document)."""

    version_from = "versions_fts f JOIN versions v ON v.id = f.version_id"
    version_match = f"f.document @@ to_tsquery('{PG_CONFIG}', :query)"
    version_order = "f.version_id"

    def index_version(self, version_id: int, title: str | None, body: str) -> None:
        self.connection.execute(
            text(
                "INSERT INTO versions_fts(version_id, document) "
                f"VALUES (:id, {_document(':title', ':body')})"
            ),
            {"id": version_id, "title": title or "", "body": body},
        )

    def index_diff(self, diff_id: int, added: str, removed: str) -> None:
        """An upsert, so that a diff reindexed with new text replaces its row."""
        self.connection.execute(
            text(
                "INSERT INTO diffs_fts(diff_id, added, removed) VALUES (:id, "
                f"to_tsvector('{PG_CONFIG}', :added), to_tsvector('{PG_CONFIG}', :removed)) "
                "ON CONFLICT (diff_id) DO UPDATE SET added = excluded.added, "
                "removed = excluded.removed"
            ),
            {"id": diff_id, "added": added, "removed": removed},
        )

    def unindex_diff(self, diff_id: int, added: str, removed: str) -> None:
        """Nothing to take out: index_diff's upsert replaces the diff's row."""

    def rebuild_versions(self) -> None:
        document = _document("coalesce(title, '')", "text")
        self.connection.exec_driver_sql(
            f"INSERT INTO versions_fts(version_id, document) SELECT id, {document} FROM versions "
            "ON CONFLICT (version_id) DO UPDATE SET document = excluded.document"
        )

    def _match(self, terms: list[str]) -> dict[str, str]:
        return {"query": _ts_query(terms)}

    def _diff_sql(self, field: Field, terms: list[str]) -> tuple[str, dict[str, str]]:
        vector, column = ("f.added", "d.added_text") if field == Field.ADDED else (
            "f.removed", "d.removed_text")
        return f"""
            SELECT {DIFF_COLUMNS},
                   ts_headline('{PG_CONFIG}', {column}, q, :options) AS snippet
            FROM diffs_fts f JOIN diffs d ON d.id = f.diff_id {DIFF_JOINS},
                 to_tsquery('{PG_CONFIG}', :query) AS q
            WHERE {vector} @@ q {{extra}}
            ORDER BY f.diff_id DESC LIMIT :limit
        """, {"options": _HEADLINE_OPTIONS, **self._match(terms)}

    def _first_matches(self, terms: list[str], story_ids: list[int]) -> dict[int, int]:
        """The match is tested on each of these stories' versions, through the primary key: a
        join would let the planner scan the GIN index for every match of a common word."""
        rows = self.connection.execute(text(f"""
            SELECT v.story_id, min(v.number) FROM versions v
            WHERE v.story_id IN ({id_list(story_ids)})
              AND (SELECT f.document FROM versions_fts f WHERE f.version_id = v.id)
                  @@ to_tsquery('{PG_CONFIG}', :query)
            GROUP BY v.story_id
        """), self._match(terms))
        return {story: first for story, first in rows}

    def _version_snippets(self, terms: list[str], version_ids: list[int]) -> dict[int, str]:
        rows = self.connection.execute(text(f"""
            SELECT id, ts_headline('{PG_CONFIG}', coalesce(title, '') || E'\\n' || text,
                                   to_tsquery('{PG_CONFIG}', :query), :options)
            FROM versions WHERE id IN ({id_list(version_ids)})
        """), {"options": _HEADLINE_OPTIONS, **self._match(terms)})
        return {version: snippet for version, snippet in rows}


def _document(title: str, body: str) -> str:
    """A version's tsvector from these SQL expressions: the headline weighted above the body."""
    return (f"setweight(to_tsvector('{PG_CONFIG}', {title}), 'A') "
            f"|| to_tsvector('{PG_CONFIG}', {body})")


def _ts_query(terms: list[str]) -> str:
    """The same query as SQLite's for to_tsquery: phrases with <->, terms joined with &. Terms
    are runs of word characters (see parse_query), so none of to_tsquery's operators can slip
    in."""
    return " & ".join("(" + " <-> ".join(term.split()) + ")" for term in terms)
