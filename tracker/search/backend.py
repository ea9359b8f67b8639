"""What every search backend does, over SQL that differs between SQLite and PostgreSQL.

A backend owns one database's full-text index: the writes that keep it in step with the stored
versions and diffs, and the queries that read it. This base class holds the search algorithm
and the SQL both databases share; tracker.search.sqlite and tracker.search.postgres fill in
the rest.
"""

from abc import ABC, abstractmethod
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, text

from tracker.search.model import (
    MATCH_START,
    MATCH_STOP,
    Field,
    SearchFilter,
    SearchHit,
    Snippet,
    parse_snippet,
)
from tracker.text.analysis import ordered_tags

SNIPPET_TOKENS = 24
"""Words in a snippet, on either database."""
CHUNK_STORIES = 4
"""Full-text matches are read in pages of this many rows per result wanted (stories have a
few versions each, most of them matching when one does)."""

#: The columns and joins of a diff hit, the same on both databases.
DIFF_COLUMNS = """
    s.id AS story_id, s.title AS story_title, s.site, s.url, fv.number AS from_version,
    tv.number AS to_version, tv.observed_at, d.significance, d.id AS diff_id
"""
DIFF_JOINS = """
    JOIN stories s ON s.id = d.story_id
    JOIN versions fv ON fv.id = d.from_version_id
    JOIN versions tv ON tv.id = d.to_version_id
"""


class Backend(ABC):
    """One database's full-text index: its writes (called by the write path, in the
    transaction that stores the version) and the search algorithm over it.

    Matches are read newest stored first (descending row id, which both indexes can return in
    order), so a common word stops after `limit` rows instead of sorting every match: at a
    million versions that is the difference between milliseconds and seconds.
    """

    #: The matching versions: their tables, the match condition, the order of newest first.
    version_from: str
    version_match: str
    version_order: str

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.text_versions: dict[tuple[int, int], int] = {}
        """(story id, version number) -> version id of the full-text hits found."""

    @abstractmethod
    def index_version(self, version_id: int, title: str | None, body: str) -> None:
        """Make a new version's full text searchable."""

    @abstractmethod
    def index_diff(self, diff_id: int, added: str, removed: str) -> None:
        """Make a diff's added and removed text searchable."""

    @abstractmethod
    def unindex_diff(self, diff_id: int, added: str, removed: str) -> None:
        """Take a diff out of the index before its text is rewritten; `added` and `removed`
        are the text it was indexed with."""

    @abstractmethod
    def rebuild_versions(self) -> None:
        """Recompute the full-text index of every version from the versions table."""

    def search(self, field: Field, terms: list[str], where: SearchFilter) -> list[SearchHit]:
        """Matches of all `terms` in one kind of text, newest stored first."""
        if field == Field.TEXT:
            return self._text_hits(terms, where)
        return self._diff_hits(field, terms, where)

    def with_text_snippets(self, terms: list[str], hits: list[SearchHit]) -> list[SearchHit]:
        """The hits with the snippets of their full-text hits filled in, in one statement."""
        wanted = {self.text_versions[hit.story_id, hit.to_version]: hit
                  for hit in hits if hit.field == Field.TEXT}
        if not wanted:
            return hits
        snippets = self._version_snippets(terms, list(wanted))
        made = {id(hit): replace(hit, snippet=parse_snippet(snippets.get(version, "")))
                for version, hit in wanted.items()}
        return [made.get(id(hit), hit) for hit in hits]

    def _diff_hits(self, field: Field, terms: list[str], where: SearchFilter) -> list[SearchHit]:
        extra, params = self._filters(where, "tv.observed_at")
        sql, match = self._diff_sql(field, terms)
        rows = self.connection.execute(text(sql.replace("{extra}", extra)), {
            **params, **match, "limit": where.limit, "start": MATCH_START, "stop": MATCH_STOP,
        }).all()
        tags = self._tags([row.diff_id for row in rows])
        return [
            SearchHit(
                story_id=row.story_id, story_title=row.story_title, site=row.site, url=row.url,
                field=field, from_version=row.from_version, to_version=row.to_version,
                observed_at=as_datetime(row.observed_at), snippet=parse_snippet(row.snippet),
                tags=tags.get(row.diff_id, ()), significance=row.significance,
            )
            for row in rows
        ]

    def _newest_per_story(self, terms: list[str], where: SearchFilter) -> list[Any]:
        """The newest matching version of each story, for up to `limit` stories: matches are
        read newest first in pages of CHUNK_STORIES * limit rows until enough stories are
        found. A LIMIT lets each database pick its plan by the term's frequency (walk the
        newest rows for a common word, look a rare one up in the index) where an open-ended
        cursor made PostgreSQL walk every row for a rare one."""
        extra, params = self._filters(where, "v.observed_at")
        params |= {**self._match(terms), "chunk": CHUNK_STORIES * where.limit}
        picked: dict[int, Any] = {}
        before = ""
        while True:
            rows = self.connection.execute(text(f"""
                SELECT v.id AS version_id, v.story_id, v.number, v.observed_at,
                       s.title AS story_title, s.site, s.url
                FROM {self.version_from} JOIN stories s ON s.id = v.story_id
                WHERE {self.version_match} {extra} {before}
                ORDER BY {self.version_order} DESC LIMIT :chunk
            """), params).all()
            for row in rows:
                picked.setdefault(row.story_id, row)
                if len(picked) == where.limit:
                    return list(picked.values())
            if len(rows) < params["chunk"]:
                return list(picked.values())
            before = f"AND {self.version_order} < :before"
            params["before"] = rows[-1].version_id

    def _text_hits(self, terms: list[str], where: SearchFilter) -> list[SearchHit]:
        """Full-text hits, in one more statement whatever the count (each story's first
        matching version); their snippets wait for with_text_snippets."""
        rows = self._newest_per_story(terms, where)
        if not rows:
            return []
        firsts = self._first_matches(terms, [row.story_id for row in rows])
        self.text_versions = {(row.story_id, row.number): row.version_id for row in rows}
        return [
            SearchHit(
                story_id=row.story_id, story_title=row.story_title, site=row.site, url=row.url,
                field=Field.TEXT, from_version=firsts.get(row.story_id, row.number),
                to_version=row.number, observed_at=as_datetime(row.observed_at),
                snippet=Snippet("", ()),
            )
            for row in rows
        ]

    def _filters(self, where: SearchFilter, time_column: str) -> tuple[str, dict[str, Any]]:
        clauses: list[str] = []
        params: dict[str, Any] = {}
        if where.site:
            clauses.append("s.site = :site")
            params["site"] = where.site
        if where.since:
            clauses.append(f"{time_column} >= :since")
            params["since"] = self._time(where.since)
        if where.tag:
            clauses.append("EXISTS (SELECT 1 FROM diff_tags t WHERE t.diff_id = d.id "
                           "AND t.tag = :tag)")
            params["tag"] = where.tag
        return "".join(f" AND {clause}" for clause in clauses), params

    def _time(self, moment: datetime) -> Any:
        """A moment as the database compares it with stored times."""
        return moment.astimezone(UTC)

    def _tags(self, diff_ids: list[int]) -> dict[int, tuple[str, ...]]:
        if not diff_ids:
            return {}
        rows = self.connection.execute(
            text(f"SELECT diff_id, tag FROM diff_tags WHERE diff_id IN ({id_list(diff_ids)})")
        ).all()
        found: dict[int, list[str]] = {}
        for diff_id, tag in rows:
            found.setdefault(diff_id, []).append(tag)
        return {diff_id: ordered_tags(tags) for diff_id, tags in found.items()}

    @abstractmethod
    def _diff_sql(self, field: Field, terms: list[str]) -> tuple[str, dict[str, str]]:
        """The diff query (with an {extra} slot for the filters) and its parameters: the match,
        and any the snippet needs besides :start, :stop and :limit."""

    @abstractmethod
    def _match(self, terms: list[str]) -> dict[str, str]:
        """The parameters of version_match for these terms."""

    @abstractmethod
    def _first_matches(self, terms: list[str], story_ids: list[int]) -> dict[int, int]:
        """Each story's first version that matches."""

    @abstractmethod
    def _version_snippets(self, terms: list[str], version_ids: list[int]) -> dict[int, str]:
        """Marked snippets of these versions' full text, by version id."""


def id_list(ids: list[int]) -> str:
    """Integer ids inlined in SQL (they are ints from our own queries, never user input)."""
    return ", ".join(str(int(i)) for i in ids)


def as_datetime(value: datetime | str) -> datetime:
    """Raw SQL bypasses the UTCDateTime type: SQLite hands back its stored text, naive UTC."""
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
