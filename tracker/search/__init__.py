"""One search API over what changed and what was said: SQLite FTS5 or PostgreSQL tsvector.

Three things are searchable: the text each diff added, the text it removed (both stored on the
diff, see tracker.store) and every version's full text. Each database has one backend class
that owns both its index writes and its queries (tracker.search.sqlite, tracker.search.postgres,
over the shared algorithm in tracker.search.backend); the functions here pick the backend for
a connection and delegate. The indexes are filled by the write path in the transaction that
stores the version. One query language (tracker.search.query) and one notion of a word
(tracker.search.tokens: stemmed, so "missile" finds "missiles") make both databases find the
same hits for the same query.
"""

from collections.abc import Sequence

from sqlalchemy import Connection

from tracker.db.engine import Database
from tracker.search.backend import Backend
from tracker.search.model import Field, SearchFilter, SearchHit, Snippet, parse_snippet
from tracker.search.postgres import PostgresBackend
from tracker.search.query import Query, Term, parse_query
from tracker.search.sqlite import SQLITE_TOKENIZER, SqliteBackend

__all__ = [
    "SQLITE_TOKENIZER",
    "Field",
    "Query",
    "SearchFilter",
    "SearchHit",
    "Snippet",
    "Term",
    "index_diff",
    "index_diffs",
    "index_version",
    "index_versions",
    "parse_query",
    "parse_snippet",
    "rebuild_versions",
    "search",
    "unindex_diff",
]


def search(db: Database, query: str, where: SearchFilter | None = None) -> list[SearchHit]:
    """At most `where.limit` matches, newest first. Each kind of text is read newest stored
    first (see Backend), which is the order tracker saw the versions in unless old versions
    were imported later."""
    where = where or SearchFilter()
    parsed = parse_query(query)
    fields = [f for f in where.fields if not (where.tag and f == Field.TEXT)]
    hits: list[SearchHit] = []
    with db.reading() as session:
        backend = _backend(session.connection())
        backend.prepare()
        for field in fields:
            hits += backend.search(field, parsed, where)
        # Newest first; a stable sort keeps a change ahead of the full-text hit of the same
        # version. First matching versions, snippets and tags are read for the hits kept only.
        hits.sort(key=lambda hit: (hit.observed_at, hit.to_version), reverse=True)
        return backend.completed(parsed, hits[: where.limit])


def index_version(connection: Connection, version_id: int, title: str | None, body: str) -> None:
    """Make a new version's full text searchable (called by the write path)."""
    index_versions(connection, [(version_id, title, body)])


def index_versions(connection: Connection, rows: Sequence[tuple[int, str | None, str]]) -> None:
    """The same for many (id, title, text) at once, in one statement."""
    _backend(connection).index_versions(rows)


def index_diff(connection: Connection, diff_id: int, added: str, removed: str) -> None:
    """Make a new diff's added and removed text searchable (called by the write path)."""
    index_diffs(connection, [(diff_id, added, removed)])


def index_diffs(connection: Connection, rows: Sequence[tuple[int, str, str]]) -> None:
    """The same for many (id, added, removed) at once, in one statement."""
    _backend(connection).index_diffs(rows)


def unindex_diff(connection: Connection, diff_id: int, added: str, removed: str) -> None:
    """Take a diff out of the index before its text is rewritten; `added` and `removed` are
    the text it was indexed with (SQLite's FTS5 needs it to find the entries)."""
    _backend(connection).unindex_diff(diff_id, added, removed)


def rebuild_versions(connection: Connection) -> None:
    """Recompute the full-text index of every version from the versions table."""
    _backend(connection).rebuild_versions()


def _backend(connection: Connection) -> Backend:
    """The backend of the connection's database: the one place that asks which it is."""
    if connection.dialect.name == "sqlite":
        return SqliteBackend(connection)
    return PostgresBackend(connection)
