"""A large search database in minutes: bench_search's generated stories, loaded in bulk.

The write path stores a few hundred versions a second at best on a shared 2-core machine (its
diff analysis, one transaction per version), so a million versions would take hours. Search
latency depends on what the tables and the index hold, not on how they got there, so this
loader makes the rows the write path would make for the same candidates (a version only when
the text or headline changed, the word diff with its added and
removed text, the search index), without the analysis (no tags, no significance) or the check
rows, and writes them in bulk:

- the texts and diffs, nearly all of the CPU (about 3 ms a version, most of it counting words
  in tracker.text.diffing), are made in WORKERS processes, a chunk of whole stories at a time,
  while the main process writes the previous chunks;
- SQLite: executemany in one transaction a chunk, with `synchronous = OFF` for the load only,
  and the FTS5 word tables filled by one 'rebuild' at the end (FTS5 builds its segments from
  all the rows at once instead of merging a segment a batch); the pair tables
  (tracker.search.pairs) are contentless, so their pairs are made by the workers and inserted
  with each chunk;
- PostgreSQL: COPY into every table, the vectors made by the workers with
  tracker.search.postgres's own code, the GIN indexes dropped for the load and made after it
  (as a restore would); then ANALYZE, as autovacuum would.

Several databases can be filled in one pass (the rows are made once). tests/test_searchdb.py
checks on a sample that the rows and the index are the write path's.
"""

import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from itertools import islice
from multiprocessing import get_context
from multiprocessing.pool import AsyncResult
from typing import Any, Protocol

from sqlalchemy import Connection, insert

from tracker.db.engine import Database
from tracker.db.models import Diff, Story, StoryStatus, Version
from tracker.search import postgres, tokens
from tracker.search.pairs import pair_text
from tracker.store.write import Candidate
from tracker.text import analysis, diffing
from tracker.text.normalise import content_hash
from tracker.text.urls import site_of

GIN_INDEXES = {
    "ix_versions_fts_document": "versions_fts USING gin (document)",
    "ix_diffs_fts_added": "diffs_fts USING gin (added)",
    "ix_diffs_fts_removed": "diffs_fts USING gin (removed)",
}
GIN_MEMORY = "1GB"
"""maintenance_work_mem while the GIN indexes are made (the load's session only)."""
BATCH = 2000
"""Versions per chunk (one task of a worker, one transaction of each database)."""
WORKERS = 2
AHEAD = 2
"""Chunks queued per worker beyond the one it is making: enough to keep it busy, few enough
that a million versions are never in memory at once."""

Plan = Iterable[tuple[int, int]]
"""(story number, number of versions) of every story to load, in order."""
Maker = Callable[[int, int], list[Candidate]]
"""Makes the candidates of one story from its number and number of versions (it runs in the
worker processes, so it must be a module-level function)."""


@dataclass
class _Story:
    """One story's rows as a worker makes them, without ids (the main process numbers them)."""

    row: dict[str, Any]
    versions: list[dict[str, Any]] = field(default_factory=list)
    diffs: list[dict[str, Any]] = field(default_factory=list)
    """diffs[i] goes from versions[i] to versions[i + 1]."""
    version_lexemes: list[str] = field(default_factory=list)
    """PostgreSQL only: each version's vector without its block lexemes (they need its id)."""
    diff_lexemes: list[tuple[str, str]] = field(default_factory=list)
    version_pairs: list[tuple[str, str]] = field(default_factory=list)
    """SQLite only: each version's title and text as pairs of words (tracker.search.pairs)."""
    diff_pairs: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Rows:
    """A chunk's rows with their ids, ready for the databases."""

    stories: list[dict[str, Any]] = field(default_factory=list)
    versions: list[dict[str, Any]] = field(default_factory=list)
    diffs: list[dict[str, Any]] = field(default_factory=list)
    version_vectors: list[tuple[int, str]] = field(default_factory=list)
    diff_vectors: list[tuple[int, str, str]] = field(default_factory=list)
    version_pairs: list[tuple[int, str, str]] = field(default_factory=list)
    diff_pairs: list[tuple[int, str, str]] = field(default_factory=list)


@dataclass
class _Ids:
    """The last id given in each table (the databases are new)."""

    story: int = 0
    version: int = 0
    diff: int = 0


class _Target(Protocol):
    def write(self, rows: Rows) -> None: ...

    def finish(self) -> None: ...


def load(dbs: Sequence[Database], plan: Plan, make: Maker, workers: int = WORKERS) -> float:
    """Store the planned stories into these empty databases; returns the seconds taken."""
    start = time.perf_counter()
    kinds = _Kinds(vectors=any(not db.is_sqlite for db in dbs),
                   pairs=any(db.is_sqlite for db in dbs))
    ids, done = _Ids(), 0
    with get_context("fork").Pool(workers) as pool:  # forked before any connection is open
        targets: list[_Target] = [_SqliteTarget(db) if db.is_sqlite else _PostgresTarget(db)
                                  for db in dbs]
        pending: deque[AsyncResult[list[_Story]]] = deque()
        for chunk in _chunks(iter(plan)):
            pending.append(pool.apply_async(_make_stories, (make, chunk, kinds)))
            if len(pending) > workers * AHEAD:
                done += _write(targets, _numbered(ids, pending.popleft().get()))
                _progress(done, start)
        while pending:
            done += _write(targets, _numbered(ids, pending.popleft().get()))
    for target in targets:
        target.finish()
    return time.perf_counter() - start


def _chunks(plan: Iterator[tuple[int, int]]) -> Iterator[list[tuple[int, int]]]:
    """Runs of whole stories of about BATCH versions."""
    while first := list(islice(plan, 1)):
        chunk, size = first, first[0][1]
        while size < BATCH and (more := list(islice(plan, 1))):
            chunk += more
            size += more[0][1]
        yield chunk


def _progress(done: int, start: float) -> None:
    print(f"  ... {done:,} versions, {done / (time.perf_counter() - start):,.0f}/s",
          file=sys.stderr)


def _write(targets: Sequence[_Target], rows: Rows) -> int:
    for target in targets:
        target.write(rows)
    return len(rows.versions)


@dataclass(frozen=True)
class _Kinds:
    """What the workers make besides the rows: PostgreSQL's vectors, SQLite's pairs."""

    vectors: bool
    pairs: bool


def _make_stories(make: Maker, chunk: list[tuple[int, int]], kinds: _Kinds) -> list[_Story]:
    """A worker's task: the rows of these stories."""
    return [_story(make(number, count), kinds) for number, count in chunk]


def _story(candidates: list[Candidate], kinds: _Kinds) -> _Story:
    """The rows store_candidate would make for one story's candidates, stored in order."""
    first = candidates[0]
    story = _Story({"url": first.url, "site": site_of(first.url), "status": StoryStatus.ACTIVE,
                    "first_seen_at": first.seen.observed_at})
    for candidate in candidates:
        version = _version(candidate, story.versions)
        if version is None:
            continue
        if story.versions:
            story.diffs.append(_diff(story.versions[-1], version))
        story.versions.append(version)
        story.row.update(title=version["title"] or story.row.get("title"),
                         last_changed_at=version["observed_at"])
    if kinds.vectors or kinds.pairs:
        _index_words(story, kinds)
    return story


def _version(candidate: Candidate, earlier: list[dict[str, Any]]) -> dict[str, Any] | None:
    """A version's row without ids, as the write path makes it; None when its text and
    headline are the previous version's (the write path then records a check only). The
    text and headline are taken as they are: bench_search generates them normalised, and
    normalising them again would cost as much as diffing them."""
    body, title = candidate.article.text, candidate.article.title
    digest = content_hash(title, body)
    if earlier and earlier[-1]["content_hash"] == digest:
        return None
    reverts = [old["number"] for old in earlier if old["content_hash"] == digest]
    return {
        "number": len(earlier) + 1, "observed_at": candidate.seen.observed_at, "title": title,
        "byline": None, "text": body, "word_count": diffing.count_words(body),
        "content_hash": digest, "char_count": len(body), "source": candidate.seen.source,
        "reverts_to": reverts[-1] if reverts else None,
    }


def _diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """A diff's row without ids, as tracker.store.diffs makes it, less the analysis."""
    ops = diffing.diff_texts(old["text"], new["text"])
    title_ops = diffing.diff_title(old["title"], new["title"])
    stats = diffing.diff_stats(ops)
    return {
        "delta": diffing.to_delta(ops), "title_delta": diffing.to_delta(title_ops),
        "words_added": stats.words_added, "words_removed": stats.words_removed,
        "chars_added": stats.chars_added, "chars_removed": stats.chars_removed,
        "headline_changed": (old["title"] or "") != (new["title"] or ""),
        "byline_changed": False, "engine": diffing.ENGINE_NAME, "created_at": datetime.now(UTC),
        "added_text": "\n".join(filter(None, (analysis.added_text(title_ops),
                                              analysis.added_text(ops)))),
        "removed_text": "\n".join(filter(None, (analysis.removed_text(title_ops),
                                                analysis.removed_text(ops)))),
    }


def _index_words(story: _Story, kinds: _Kinds) -> None:
    """The PostgreSQL vectors of a story's versions and diffs, less their block lexemes, and
    their SQLite pairs, from one pass of each through the tokenizer."""
    words = tokens.column_words([(i, (version["title"] or "", version["text"]))
                                 for i, version in enumerate(story.versions)])
    diff_words = tokens.column_words([(i, (diff["added_text"], diff["removed_text"]))
                                      for i, diff in enumerate(story.diffs)])
    if kinds.vectors:
        story.version_lexemes = [postgres.lexemes(words[i]) for i in range(len(story.versions))]
        story.diff_lexemes = [(postgres.lexemes(diff_words[i][:1]),
                               postgres.lexemes(diff_words[i][1:]))
                              for i in range(len(story.diffs))]
    if kinds.pairs:
        story.version_pairs = [(pair_text(title), pair_text(body))
                               for title, body in (words[i] for i in range(len(story.versions)))]
        story.diff_pairs = [(pair_text(added), pair_text(removed))
                            for added, removed in (diff_words[i] for i in range(len(story.diffs)))]


def _numbered(ids: _Ids, stories: list[_Story]) -> Rows:
    """The stories' rows with their ids, the next ones of each table."""
    rows = Rows()
    for story in stories:
        ids.story += 1
        rows.stories.append({"id": ids.story, **story.row})
        first = ids.version + 1
        for version in story.versions:
            ids.version += 1
            rows.versions.append({"id": ids.version, "story_id": ids.story, **version})
        for offset, diff in enumerate(story.diffs):
            ids.diff += 1
            rows.diffs.append({"id": ids.diff, "story_id": ids.story,
                               "from_version_id": first + offset,
                               "to_version_id": first + offset + 1, **diff})
        rows.version_pairs += [(version_id, *texts)
                               for version_id, texts in enumerate(story.version_pairs, first)]
        rows.diff_pairs += [(diff_id, *texts) for diff_id, texts in enumerate(
            story.diff_pairs, ids.diff - len(story.diffs) + 1)]
        rows.version_vectors += [(version_id, postgres.with_blocks(version_id, lexemes))
                                 for version_id, lexemes in enumerate(story.version_lexemes,
                                                                      first)]
        rows.diff_vectors += [(diff_id, postgres.with_blocks(diff_id, added),
                               postgres.with_blocks(diff_id, removed))
                              for diff_id, (added, removed) in enumerate(
                                  story.diff_lexemes, ids.diff - len(story.diffs) + 1)]
    return rows


class _SqliteTarget:
    """Inserts through SQLAlchemy (its types store times and enums as the app does), one
    transaction a chunk; the full-text tables are rebuilt at the end."""

    def __init__(self, db: Database) -> None:
        self.connection = db.engine.connect()
        self._pragmas("synchronous = OFF", "cache_size = -262144")

    def write(self, rows: Rows) -> None:
        with self.connection.begin():
            _insert_rows(self.connection, rows)
            for table, columns, values in (
                    ("versions_pairs_fts", "title, text", rows.version_pairs),
                    ("diffs_pairs_fts", "added_text, removed_text", rows.diff_pairs)):
                if values:
                    self.connection.exec_driver_sql(
                        f"INSERT INTO {table}(rowid, {columns}) VALUES (?, ?, ?)", values)

    def finish(self) -> None:
        with self.connection.begin():
            for table in ("versions_fts", "diffs_fts"):
                self.connection.exec_driver_sql(f"INSERT INTO {table}({table}) VALUES ('rebuild')")
        self._pragmas("synchronous = NORMAL", "cache_size = -2000")
        self.connection.close()

    def _pragmas(self, *settings: str) -> None:
        """On the driver's connection: SQLite refuses them inside the transaction that
        SQLAlchemy would open for them."""
        driver = self.connection.connection.driver_connection
        assert driver is not None
        for setting in settings:
            driver.execute(f"PRAGMA {setting}")


def _insert_rows(connection: Connection, rows: Rows) -> None:
    for model, values in ((Story, rows.stories), (Version, rows.versions), (Diff, rows.diffs)):
        if values:
            connection.execute(insert(model), values)


class _PostgresTarget:
    """COPY into each table, one transaction a chunk, with the GIN indexes made at the end."""

    def __init__(self, db: Database) -> None:
        self.db = db
        with db.engine.begin() as connection:
            for name in GIN_INDEXES:
                connection.exec_driver_sql(f"DROP INDEX {name}")
        self.connection = db.engine.raw_connection()

    def write(self, rows: Rows) -> None:
        cursor = self.connection.cursor()
        for table, values in (("stories", rows.stories), ("versions", rows.versions),
                              ("diffs", rows.diffs)):
            _copy(cursor, table, list(values[0]) if values else [],
                  ([_plain(value) for value in row.values()] for row in values))
        _copy(cursor, "versions_fts", ["version_id", "document"], rows.version_vectors)
        _copy(cursor, "diffs_fts", ["diff_id", "added", "removed"], rows.diff_vectors)
        self.connection.commit()

    def finish(self) -> None:
        self.connection.close()
        with self.db.engine.begin() as connection:
            # The default 64 MB makes GIN write its entries (a pair of words each, most of
            # them distinct) in many small runs: several times slower.
            connection.exec_driver_sql(f"SET LOCAL maintenance_work_mem = '{GIN_MEMORY}'")
            for name, target in GIN_INDEXES.items():
                connection.exec_driver_sql(
                    f"CREATE INDEX {name} ON {target} WITH (fastupdate = off)")
            for table in ("stories", "versions", "diffs"):
                connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))")
            connection.exec_driver_sql(
                "ANALYZE stories, versions, diffs, versions_fts, diffs_fts")


def _copy(cursor: Any, table: str, columns: list[str], rows: Iterable[Sequence[Any]]) -> None:
    """COPY the rows into `table` (nothing when there are no columns: no rows)."""
    if not columns:
        return
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _plain(value: Any) -> Any:
    """Enums as their stored text (EnumText's), everything else as it is."""
    return value.value if isinstance(value, Enum) else value
