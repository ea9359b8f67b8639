"""What every search backend does, over SQL that differs between SQLite and PostgreSQL.

A backend owns one database's full-text index: the writes that keep it in step with the stored
versions and diffs, and the queries that read it. This base class holds the search algorithm
and the SQL both databases share; tracker.search.sqlite and tracker.search.postgres fill in
the rest.

Results are newest first, and a search wants only the newest few matches of words that may be
in every text or in none. Both backends therefore read matches window by window, newest rows
first (see windows()): a common word is answered from the newest few thousand rows, a rare one
by the index over everything, which it finds in a few entries. Neither ever reads the rows of a
window that cannot hold a match: on SQLite FTS5 seeks to the window's row ids in its own index;
on PostgreSQL each vector carries lexemes naming the blocks of row ids it falls in, so the GIN
index itself narrows a word to a window (tracker.search.postgres).
"""

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from math import ceil
from typing import Any

from sqlalchemy import Connection, Row, text

from tracker.search import tokens
from tracker.search.model import Field, SearchFilter, SearchHit, Snippet, parse_snippet
from tracker.search.query import Query, to_fts5
from tracker.text.analysis import ordered_tags

CHUNK_STORIES = 4
"""Full-text matches are read in pages of at least this many rows per story still wanted,
and of one more than the versions a story has on average: most of a story's versions match
when one does, so a page of a word in most texts holds all the versions of the stories it
finds (with 4 rows a result and 5 versions a story, a second page was read for such
words)."""
MAX_CHUNK_STORIES = 16
"""At most this many rows per story wanted: a few stories of thousands of versions (live
blogs) must not make every page of a common word join and send thousands of rows."""
WINDOW_BITS = (12, 17)
"""The windows of row ids searched in turn: the newest two blocks of 4,096 ids, the newest two
of 131,072, then all the rest. A word in 3% of the texts fills a page of a few hundred from
the first; one in 0.1% from the second; the rest are rare enough that all their matches are few. On
PostgreSQL these sizes are written into every vector (tracker.search.postgres.BLOCK): changing
them needs a migration that rebuilds the vectors."""

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
#: Each kind of diff text: its column and the column's index in diffs_fts (for snippet()).
DIFF_TEXTS = {Field.ADDED: ("added_text", 0), Field.REMOVED: ("removed_text", 1)}
#: Whether any row below a window was seen since the --since time: when none was, the search
#: stops there instead of reading older matches only to drop them (ix_versions_observed_at_id).
SEEN_SINCE = {
    "versions": "SELECT 1 FROM versions WHERE observed_at >= :since AND id < :below LIMIT 1",
    "diffs": "SELECT 1 FROM diffs d JOIN versions v ON v.id = d.to_version_id "
             "WHERE v.observed_at >= :since AND d.id < :below LIMIT 1",
}


@dataclass(frozen=True)
class Window:
    """Row ids from `low` up, searched together; `bits` and `blocks` name them as blocks of
    2**bits ids (None: no block, the window is everything below the previous one)."""

    low: int
    bits: int | None = None
    blocks: range = range(0)


def windows(top: int) -> list[Window]:
    """The windows below the newest row id `top`, newest first (see WINDOW_BITS). A window
    that would reach down to id 0 is everything below the previous one, without blocks: on
    PostgreSQL a block lexeme every row has only slows the GIN index down (a phrase's pair and
    the one block of all 78k diffs: 1.0 ms in the index against 0.14 for the pair alone)."""
    found = []
    for bits in WINDOW_BITS:
        last = top >> bits
        first = max(last - 1, 0)
        if first == 0:
            break
        found.append(Window(first << bits, bits, range(first, last + 1)))
    return [*found, Window(0)]


class Backend(ABC):
    """One database's full-text index: its writes (called by the write path, in the
    transaction that stores the version) and the search algorithm over it."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.text_versions: dict[tuple[int, int], int] = {}
        """(story id, version number) -> version id of the full-text hits found."""
        self.oldest_seen: dict[int, int] = {}
        """Story id -> the oldest of its versions seen matching: a full-text hit's first
        matching version is this one or older (see _with_first_versions)."""
        self.diff_rows: dict[tuple[Field, int, int, int], Any] = {}
        """(field, story id, from and to version number) -> the row of each diff hit found
        (one diff a pair of versions), for its snippet and tags."""
        self.read_all: set[str] = set()
        """The tables (versions, diffs) whose every match a search has read: no older one is
        left to find."""
        self.tops: dict[str, int | None] = {}
        """The newest id of each table searched and of stories, read once (added and removed
        text are both in diffs). A statement each: reading them in prepare()'s statement
        measured slower on PostgreSQL (0.44 ms against 0.21 for a search of added text: each
        max() is ~0.1 ms of planning)."""

    @abstractmethod
    def index_versions(self, rows: Sequence[tuple[int, str | None, str]]) -> None:
        """Make new versions' full text searchable: (id, title, text)."""

    @abstractmethod
    def index_diffs(self, rows: Sequence[tuple[int, str, str]]) -> None:
        """Make diffs' added and removed text searchable: (id, added, removed)."""

    @abstractmethod
    def unindex_diff(self, diff_id: int, added: str, removed: str) -> None:
        """Take a diff out of the index before its text is rewritten; `added` and `removed`
        are the text it was indexed with."""

    @abstractmethod
    def rebuild_versions(self) -> None:
        """Recompute the full-text index of every version from the versions table."""

    @abstractmethod
    def prepare(self) -> None:
        """Set up the transaction for the searches that follow."""

    def search(self, field: Field, query: Query, where: SearchFilter) -> list[SearchHit]:
        """Matches of `query` in one kind of text, newest stored first."""
        if field == Field.TEXT:
            return self._text_hits(query, where)
        return self._diff_hits(field, query, where)

    def completed(self, query: Query, hits: list[SearchHit]) -> list[SearchHit]:
        """The hits kept with what is read for them only: the first matching version of each
        full-text hit, snippets and tags. A search over every field reads up to `limit` hits
        of each and keeps `limit` in all; on PostgreSQL a snippet means putting the text
        through FTS5 (tracker.search.tokens: at 100k versions, 40% of the time of a frequent
        phrase when every hit had one) and a first match reading vectors."""
        return self._with_tags(self._with_snippets(query, self._with_first_versions(query, hits)))

    def _with_first_versions(self, query: Query, hits: list[SearchHit]) -> list[SearchHit]:
        """The full-text hits with the first version of their story that matches, in one
        statement whatever the count. Only versions older than the oldest seen matching in
        the pages read are tested, and none when that was the first version (a word in most
        texts: every story of the page), or when the pages read held every match (a rare word or
        phrase: the oldest seen is the first)."""
        if "versions" in self.read_all:
            return hits
        bounds = {hit.story_id: hit.from_version for hit in hits
                  if hit.field == Field.TEXT and hit.from_version > 1}
        firsts = self._first_matches(query, bounds) if bounds else {}
        return [replace(hit, from_version=firsts[hit.story_id])
                if hit.field == Field.TEXT and hit.story_id in firsts else hit for hit in hits]

    def _with_snippets(self, query: Query, hits: list[SearchHit]) -> list[SearchHit]:
        """The hits with their snippets filled in."""
        made = self._text_snippets(query, hits)
        for field in (Field.ADDED, Field.REMOVED):
            made.update(self._kept_diff_snippets(field, query, hits))
        return [made.get(id(hit), hit) for hit in hits]

    def _with_tags(self, hits: list[SearchHit]) -> list[SearchHit]:
        """The hits with the tags of their diffs, read for the hits kept only, in one
        statement for both kinds of diff hit."""
        diff_ids = {id(hit): self._diff_row(hit).diff_id
                    for hit in hits if hit.field != Field.TEXT}
        tags = self._tags(sorted(set(diff_ids.values())))
        return [replace(hit, tags=tags.get(diff_ids[id(hit)], ())) if id(hit) in diff_ids
                else hit for hit in hits]

    def _diff_row(self, hit: SearchHit) -> Any:
        """The row a diff hit was made from."""
        return self.diff_rows[hit.field, hit.story_id, hit.from_version, hit.to_version]

    def _text_snippets(self, query: Query, hits: list[SearchHit]) -> dict[int, SearchHit]:
        """The full-text hits with their snippets, by id() of the hit, in one statement."""
        wanted = {self.text_versions[hit.story_id, hit.to_version]: hit
                  for hit in hits if hit.field == Field.TEXT}
        if not wanted:
            return {}
        snippets = self._version_snippets(query, list(wanted))
        return {id(hit): replace(hit, snippet=parse_snippet(snippets.get(version, "")))
                for version, hit in wanted.items()}

    def _kept_diff_snippets(
        self, field: Field, query: Query, hits: list[SearchHit]
    ) -> dict[int, SearchHit]:
        """The hits in `field` with their snippets, by id() of the hit."""
        kept = [hit for hit in hits if hit.field == field]
        if not kept:
            return {}
        rows = [self._diff_row(hit) for hit in kept]
        snippets = self._diff_snippets(field, query, rows)
        return {id(hit): replace(hit, snippet=parse_snippet(snippets.get(row.diff_id, "")))
                for hit, row in zip(kept, rows, strict=True)}

    def _diff_hits(self, field: Field, query: Query, where: SearchFilter) -> list[SearchHit]:
        """Hits in added or removed text; their snippets and tags wait for completed()."""
        extra, params = self._filters(where, "tv.observed_at")
        rows: list[Any] = []
        for page in self._newest("diffs", where, lambda: where.limit - len(rows),
                                 lambda window, below, size: self._diff_page(
                                     field, query, window, extra,
                                     {**params, "below": below, "low": window.low,
                                      "size": size})):
            rows.extend(page)
            if len(rows) == where.limit:
                break
        self.diff_rows.update({(field, row.story_id, row.from_version, row.to_version): row
                               for row in rows})
        return [
            SearchHit(
                story_id=row.story_id, story_title=row.story_title, site=row.site, url=row.url,
                field=field, from_version=row.from_version, to_version=row.to_version,
                observed_at=as_datetime(row.observed_at), snippet=Snippet("", ()),
                significance=row.significance,
            )
            for row in rows
        ]

    def _newest_per_story(self, query: Query, where: SearchFilter) -> list[Any]:
        """The newest matching version of each story, for up to `limit` stories: matches are
        read newest first in pages (see CHUNK_STORIES) until enough stories are found. The
        oldest version of each seen matching in those pages goes to oldest_seen."""
        extra, params = self._filters(where, "v.observed_at")
        per_story = self._rows_per_story()
        picked: dict[int, Any] = {}
        for page in self._newest("versions", where,
                                 lambda: (where.limit - len(picked)) * per_story,
                                 lambda window, below, size: self._version_page(
                                     query, window, extra,
                                     {**params, "below": below, "low": window.low,
                                      "size": size})):
            for row in page:
                if len(picked) < where.limit or row.story_id in picked:
                    picked.setdefault(row.story_id, row)
                    seen = self.oldest_seen.get(row.story_id, row.number)
                    self.oldest_seen[row.story_id] = min(seen, row.number)
            if len(picked) == where.limit:
                break
        return list(picked.values())

    def _rows_per_story(self) -> int:
        """Rows of full-text matches read per story still wanted (see CHUNK_STORIES)."""
        versions, stories = self._top("versions") or 0, self._top("stories") or 1
        return min(max(CHUNK_STORIES, ceil(versions / stories) + 1), MAX_CHUNK_STORIES)

    def _top(self, table: str) -> int | None:
        """The newest id of `table`, read once a search."""
        if table not in self.tops:
            self.tops[table] = self.connection.execute(
                text(f"SELECT max(id) FROM {table}")).scalar()
        return self.tops[table]

    def _newest(
        self, table: str, where: SearchFilter, size: Callable[[], int],
        page: Callable[[Window, int, int], Sequence[Row[Any]]],
    ) -> Iterator[Sequence[Row[Any]]]:
        """Pages of matching rows of `table` (versions or diffs), newest first: `page(window,
        below, n)` reads up to n matches in `window` with ids below `below`, n being what
        `size()` says is still wanted when the page is read. A page asks for no more: the
        last window of a phrase of two common words reads both words' lists down to the
        page's last row, so a page of 300 rows where 162 would do read about twice as far
        (15-25 ms at 1M versions, against 10-11). Stops when a window is exhausted and no
        older row can match (none left, or none seen since --since); in the first case every
        match has been read (read_all)."""
        top = self._top(table)
        below = (top or 0) + 1
        for window in windows(top or 0):
            while rows := page(window, below, wanted := size()):
                yield rows
                if len(rows) < wanted:
                    break
                below = rows[-1].row_id
            below = window.low
            if below == 0 and not where.since:
                self.read_all.add(table)
            if below == 0 or (where.since and not self.connection.execute(
                    text(SEEN_SINCE[table]), {"since": self._time(where.since),
                                              "below": below}).first()):
                return

    def _text_hits(self, query: Query, where: SearchFilter) -> list[SearchHit]:
        """Full-text hits; their first matching version (from_version is the oldest seen
        until then), snippets and tags wait for completed()."""
        rows = self._newest_per_story(query, where)
        self.text_versions = {(row.story_id, row.number): row.row_id for row in rows}
        return [
            SearchHit(
                story_id=row.story_id, story_title=row.story_title, site=row.site, url=row.url,
                field=Field.TEXT, from_version=self.oldest_seen[row.story_id],
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
    def _version_page(
        self, query: Query, window: Window, extra: str, params: dict[str, Any]
    ) -> Sequence[Row[Any]]:
        """Up to :size matching versions in `window` with ids below :below, newest first,
        narrowed by the filters in `extra`: row_id (the version's), story_id, number,
        observed_at, story_title, site, url."""

    @abstractmethod
    def _diff_page(
        self, field: Field, query: Query, window: Window, extra: str, params: dict[str, Any]
    ) -> Sequence[Row[Any]]:
        """The same for diffs whose `field` text matches: DIFF_COLUMNS, diff_id as row_id,
        and what _diff_snippets needs."""

    @abstractmethod
    def _diff_snippets(
        self, field: Field, query: Query, rows: Sequence[Any]
    ) -> dict[int, str]:
        """Marked snippets of these diff rows' `field` text, by diff id."""

    @abstractmethod
    def _first_matches(self, query: Query, bounds: dict[int, int]) -> dict[int, int]:
        """The first version that matches of each story in `bounds`, which maps it to a
        version number known to match: only older versions need testing, and a story whose
        older versions do not match may be left out."""

    @abstractmethod
    def _version_snippets(self, query: Query, version_ids: list[int]) -> dict[int, str]:
        """Marked snippets of these versions' full text, by version id."""

    def _snippets_in_memory(self, query: Query, version_ids: list[int]) -> dict[int, str]:
        """The snippets made by FTS5 in memory from the versions' text (tracker.search.tokens):
        a cost that grows with the hits only, whatever the size of the index."""
        rows = self.connection.execute(text(
            "SELECT id, coalesce(title, ''), text FROM versions "
            f"WHERE id IN ({id_list(version_ids)})"))
        texts = {version: (title, body) for version, title, body in rows}
        return tokens.snippets("versions_fts", -1, to_fts5(query), texts)

    def _diff_snippets_in_memory(
        self, field: Field, query: Query, rows: Sequence[Any]
    ) -> dict[int, str]:
        """The snippets of diff rows that carry their added_text and removed_text, made by
        FTS5 in memory (tracker.search.tokens)."""
        column, index = DIFF_TEXTS[field]
        texts = {row.diff_id: (row.added_text or "", row.removed_text or "") for row in rows}
        return tokens.snippets("diffs_fts", index, f"{column} : ({to_fts5(query)})", texts)


def id_list(ids: list[int]) -> str:
    """Integer ids inlined in SQL (they are ints from our own queries, never user input)."""
    return ", ".join(str(int(i)) for i in ids)


def as_datetime(value: datetime | str) -> datetime:
    """Raw SQL bypasses the UTCDateTime type: SQLite hands back its stored text, naive UTC."""
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
