"""One search API over what changed and what was said: SQLite FTS5 or PostgreSQL tsvector.

Three things are searchable: the text each diff added, the text it removed (both stored on the
diff, see tracker.store) and every version's full text. SQLite keeps them in FTS5 tables that
read their content from `diffs` and `versions` (external content, so no text is stored twice);
PostgreSQL keeps tsvectors in `diffs_fts` and `versions_fts` with GIN indexes. Both are filled
by the write path in the transaction that stores the version, and created by the migration
0003_analysis_search. Both stem English words (porter / the 'english' configuration), so
"missile" finds "missiles" on either.

Results are plain data: a snippet is text plus the offsets of the matched words, never markup,
so the CLI, the TUI and the exporters highlight it each in their own way.
"""

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, text

from tracker.db.engine import Database
from tracker.errors import InvalidInput
from tracker.text.analysis import ordered_tags

#: Sentinels around matches in snippets; control characters never survive normalise_text, so
#: they cannot occur in stored text.
_START, _STOP = "\x02", "\x03"
SNIPPET_TOKENS = 24
CHUNK_STORIES = 4
"""Full-text matches are read in pages of this many rows per result wanted (stories have a
few versions each, most of them matching when one does)."""
PG_CONFIG = "english"
SQLITE_TOKENIZER = "porter unicode61 remove_diacritics 2"
_TERM = re.compile(r'"([^"]*)"|(\S+)')
_WORD = re.compile(r"\w+")


class Field(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    TEXT = "text"


@dataclass(frozen=True)
class Snippet:
    """An excerpt around the match; `marks` are (start, end) offsets of matched words in it."""

    text: str
    marks: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class SearchHit:
    """One match. For added/removed text, the diff from `from_version` to `to_version`; for
    full text, the first and the last version of the story that contain the match."""

    story_id: int
    story_title: str | None
    site: str
    url: str
    field: Field
    from_version: int
    to_version: int
    observed_at: datetime
    """When the to-version was seen."""
    snippet: Snippet
    tags: tuple[str, ...] = ()
    significance: float | None = None


@dataclass(frozen=True)
class SearchFilter:
    """What `tracker search` narrows by; tags only apply to diffs, so they exclude full text."""

    fields: tuple[Field, ...] = (Field.ADDED, Field.REMOVED, Field.TEXT)
    tag: str | None = None
    site: str | None = None
    since: datetime | None = None
    limit: int = 50


def search(db: Database, query: str, where: SearchFilter | None = None) -> list[SearchHit]:
    """At most `where.limit` matches, newest first. Each kind of text is read newest stored
    first (see _Dialect), which is the order tracker saw the versions in unless old versions
    were imported later."""
    where = where or SearchFilter()
    terms = parse_query(query)
    fields = [f for f in where.fields if not (where.tag and f == Field.TEXT)]
    hits: list[SearchHit] = []
    with db.reading() as session:
        connection = session.connection()
        dialect = _Sqlite(connection) if db.is_sqlite else _Postgres(connection)
        for field in fields:
            hits += dialect.search(field, terms, where)
        # Newest first; a stable sort keeps a change ahead of the full-text hit of the same
        # version. Full-text snippets are made for the hits kept only: they cost the most.
        hits.sort(key=lambda hit: (hit.observed_at, hit.to_version), reverse=True)
        return dialect.with_text_snippets(terms, hits[: where.limit])


def parse_query(query: str) -> list[str]:
    """Words and "quoted phrases", all required; punctuation is dropped as the indexes drop it."""
    terms = []
    for phrase, word in _TERM.findall(query):
        words = _WORD.findall(phrase or word)
        if words:
            terms.append(" ".join(words))
    if not terms:
        raise InvalidInput(f"nothing to search for in {query!r}: give a word or a \"phrase\"")
    return terms


def index_version(connection: Connection, version_id: int, title: str | None, body: str) -> None:
    """Make a new version's full text searchable (called by the write path)."""
    if connection.dialect.name == "sqlite":
        connection.execute(
            text("INSERT INTO versions_fts(rowid, title, text) VALUES (:id, :title, :body)"),
            {"id": version_id, "title": title or "", "body": body},
        )
    else:
        connection.execute(
            text(
                "INSERT INTO versions_fts(version_id, document) VALUES (:id, "
                f"setweight(to_tsvector('{PG_CONFIG}', :title), 'A') "
                f"|| to_tsvector('{PG_CONFIG}', :body))"
            ),
            {"id": version_id, "title": title or "", "body": body},
        )


def index_diff(connection: Connection, diff_id: int, added: str, removed: str) -> None:
    """Make a new diff's added and removed text searchable (called by the write path)."""
    if connection.dialect.name == "sqlite":
        connection.execute(
            text(
                "INSERT INTO diffs_fts(rowid, added_text, removed_text) "
                "VALUES (:id, :added, :removed)"
            ),
            {"id": diff_id, "added": added, "removed": removed},
        )
    else:
        connection.execute(
            text(
                "INSERT INTO diffs_fts(diff_id, added, removed) VALUES (:id, "
                f"to_tsvector('{PG_CONFIG}', :added), to_tsvector('{PG_CONFIG}', :removed)) "
                "ON CONFLICT (diff_id) DO UPDATE SET added = excluded.added, "
                "removed = excluded.removed"
            ),
            {"id": diff_id, "added": added, "removed": removed},
        )


def unindex_diff(connection: Connection, diff_id: int, added: str, removed: str) -> None:
    """Take a diff out of the index before its text is rewritten. FTS5 external content needs
    the old text to find the entries; on PostgreSQL index_diff's upsert replaces the row."""
    if connection.dialect.name == "sqlite":
        connection.execute(
            text(
                "INSERT INTO diffs_fts(diffs_fts, rowid, added_text, removed_text) "
                "VALUES ('delete', :id, :added, :removed)"
            ),
            {"id": diff_id, "added": added, "removed": removed},
        )


def rebuild_versions(connection: Connection) -> None:
    """Recompute the full-text index of every version from the versions table."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("INSERT INTO versions_fts(versions_fts) VALUES ('rebuild')")
        return
    connection.exec_driver_sql(
        "INSERT INTO versions_fts(version_id, document) SELECT id, "
        f"setweight(to_tsvector('{PG_CONFIG}', coalesce(title, '')), 'A') "
        f"|| to_tsvector('{PG_CONFIG}', text) FROM versions "
        "ON CONFLICT (version_id) DO UPDATE SET document = excluded.document"
    )


def parse_snippet(marked: str) -> Snippet:
    """Turn text with sentinel-wrapped matches into plain text and match offsets. The runs of
    added or removed text are stored one per line; in a snippet they are joined by " … ".
    Matches with only spaces between them (the words of a phrase) become one mark."""
    parts: list[str] = []
    marks: list[tuple[int, int]] = []
    length = 0
    for index, piece in enumerate(re.split(f"[{_START}{_STOP}]", marked.replace("\n", " … "))):
        if index % 2 and piece:
            gap = "".join(parts)[marks[-1][1]:] if marks else None
            if gap is not None and not gap.strip():
                marks[-1] = (marks[-1][0], length + len(piece))
            else:
                marks.append((length, length + len(piece)))
        parts.append(piece)
        length += len(piece)
    return Snippet("".join(parts), tuple(marks))


_DIFF_COLUMNS = """
    s.id AS story_id, s.title AS story_title, s.site, s.url, fv.number AS from_version,
    tv.number AS to_version, tv.observed_at, d.significance, d.id AS diff_id
"""
_DIFF_JOINS = """
    JOIN stories s ON s.id = d.story_id
    JOIN versions fv ON fv.id = d.from_version_id
    JOIN versions tv ON tv.id = d.to_version_id
"""


class _Dialect:
    """The search algorithm, over SQL that differs between SQLite and PostgreSQL.

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

    def search(self, field: Field, terms: list[str], where: SearchFilter) -> list[SearchHit]:
        if field == Field.TEXT:
            return self._text_hits(terms, where)
        return self._diff_hits(field, terms, where)

    def _diff_hits(self, field: Field, terms: list[str], where: SearchFilter) -> list[SearchHit]:
        extra, params = self._filters(where, "tv.observed_at")
        sql, match = self._diff_sql(field, terms)
        rows = self.connection.execute(text(sql.replace("{extra}", extra)), {
            **params, **match, "limit": where.limit, "start": _START, "stop": _STOP,
            "options": _HEADLINE_OPTIONS,
        }).all()
        tags = self._tags([row.diff_id for row in rows])
        return [
            SearchHit(
                story_id=row.story_id, story_title=row.story_title, site=row.site, url=row.url,
                field=field, from_version=row.from_version, to_version=row.to_version,
                observed_at=_as_datetime(row.observed_at), snippet=parse_snippet(row.snippet),
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
                to_version=row.number, observed_at=_as_datetime(row.observed_at),
                snippet=Snippet("", ()),
            )
            for row in rows
        ]

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
        return moment.astimezone(UTC)

    def _tags(self, diff_ids: list[int]) -> dict[int, tuple[str, ...]]:
        if not diff_ids:
            return {}
        rows = self.connection.execute(
            text(f"SELECT diff_id, tag FROM diff_tags WHERE diff_id IN ({_id_list(diff_ids)})")
        ).all()
        found: dict[int, list[str]] = {}
        for diff_id, tag in rows:
            found.setdefault(diff_id, []).append(tag)
        return {diff_id: ordered_tags(tags) for diff_id, tags in found.items()}

    def _diff_sql(self, field: Field, terms: list[str]) -> tuple[str, dict[str, str]]:
        """The diff query (with an {extra} slot for the filters) and its match parameters."""
        raise NotImplementedError

    def _match(self, terms: list[str]) -> dict[str, str]:
        raise NotImplementedError

    def _first_matches(self, terms: list[str], story_ids: list[int]) -> dict[int, int]:
        """Each story's first version that matches."""
        raise NotImplementedError

    def _version_snippets(self, terms: list[str], version_ids: list[int]) -> dict[int, str]:
        raise NotImplementedError


def _id_list(ids: list[int]) -> str:
    """Integer ids inlined in SQL (they are ints from our own queries, never user input)."""
    return ", ".join(str(int(i)) for i in ids)


class _Sqlite(_Dialect):
    version_from = "versions_fts JOIN versions v ON v.id = versions_fts.rowid"
    version_match = "versions_fts MATCH :match"
    version_order = "versions_fts.rowid"

    def _time(self, moment: datetime) -> Any:
        """SQLite holds times as UTC text in SQLAlchemy's format, compared as text."""
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")

    def _match(self, terms: list[str]) -> dict[str, str]:
        return {"match": _fts5_query(terms)}

    def _diff_sql(self, field: Field, terms: list[str]) -> tuple[str, dict[str, str]]:
        column, index = ("added_text", 0) if field == Field.ADDED else ("removed_text", 1)
        return f"""
            SELECT {_DIFF_COLUMNS},
                   snippet(diffs_fts, {index}, :start, :stop, '…', {SNIPPET_TOKENS}) AS snippet
            FROM diffs_fts JOIN diffs d ON d.id = diffs_fts.rowid {_DIFF_JOINS}
            WHERE diffs_fts MATCH :match {{extra}}
            ORDER BY diffs_fts.rowid DESC LIMIT :limit
        """, {"match": f"{column} : ({_fts5_query(terms)})"}

    def _first_matches(self, terms: list[str], story_ids: list[int]) -> dict[int, int]:
        """FTS5 is asked only about the range of row ids these stories' versions occupy, which
        it can seek to: a common word does not mean reading every match."""
        ids = _id_list(story_ids)
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
            FROM versions_fts WHERE versions_fts MATCH :match AND rowid IN ({_id_list(version_ids)})
        """), {"start": _START, "stop": _STOP, **self._match(terms)})
        return {version: snippet for version, snippet in rows}


class _Postgres(_Dialect):
    version_from = "versions_fts f JOIN versions v ON v.id = f.version_id"
    version_match = f"f.document @@ to_tsquery('{PG_CONFIG}', :query)"
    version_order = "f.version_id"

    def _match(self, terms: list[str]) -> dict[str, str]:
        return {"query": _ts_query(terms)}

    def _diff_sql(self, field: Field, terms: list[str]) -> tuple[str, dict[str, str]]:
        vector, column = ("f.added", "d.added_text") if field == Field.ADDED else (
            "f.removed", "d.removed_text")
        return f"""
            SELECT {_DIFF_COLUMNS},
                   ts_headline('{PG_CONFIG}', {column}, q, :options) AS snippet
            FROM diffs_fts f JOIN diffs d ON d.id = f.diff_id {_DIFF_JOINS},
                 to_tsquery('{PG_CONFIG}', :query) AS q
            WHERE {vector} @@ q {{extra}}
            ORDER BY f.diff_id DESC LIMIT :limit
        """, self._match(terms)

    def _first_matches(self, terms: list[str], story_ids: list[int]) -> dict[int, int]:
        """The match is tested on each of these stories' versions, through the primary key: a
        join would let the planner scan the GIN index for every match of a common word."""
        rows = self.connection.execute(text(f"""
            SELECT v.story_id, min(v.number) FROM versions v
            WHERE v.story_id IN ({_id_list(story_ids)})
              AND (SELECT f.document FROM versions_fts f WHERE f.version_id = v.id)
                  @@ to_tsquery('{PG_CONFIG}', :query)
            GROUP BY v.story_id
        """), self._match(terms))
        return {story: first for story, first in rows}

    def _version_snippets(self, terms: list[str], version_ids: list[int]) -> dict[int, str]:
        rows = self.connection.execute(text(f"""
            SELECT id, ts_headline('{PG_CONFIG}', coalesce(title, '') || E'\\n' || text,
                                   to_tsquery('{PG_CONFIG}', :query), :options)
            FROM versions WHERE id IN ({_id_list(version_ids)})
        """), {"options": _HEADLINE_OPTIONS, **self._match(terms)})
        return {version: snippet for version, snippet in rows}


_HEADLINE_OPTIONS = (
    f"StartSel={_START}, StopSel={_STOP}, MaxWords=24, MinWords=10, MaxFragments=2, "
    'FragmentDelimiter=" … "'
)


def _fts5_query(terms: list[str]) -> str:
    """Each term as an FTS5 string (a phrase when it has several words), all required."""
    return " AND ".join('"' + term.replace('"', '""') + '"' for term in terms)


def _ts_query(terms: list[str]) -> str:
    """The same query for to_tsquery: phrases with <->, terms joined with &. Terms are runs of
    word characters (see parse_query), so none of to_tsquery's operators can slip in."""
    return " & ".join(
        "(" + " <-> ".join(term.split()) + ")"
        for term in terms
    )


def _as_datetime(value: datetime | str) -> datetime:
    """Raw SQL bypasses the UTCDateTime type: SQLite hands back its stored text, naive UTC."""
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
