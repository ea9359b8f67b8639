"""A large search database in minutes: bench_search's generated stories, loaded in bulk.

The write path stores about 25 versions a second on a shared 2-core machine (its diff
analysis, one transaction per version), so a million versions would take half a day. Search
latency depends on what the index holds, not on how it got there, so this loader stores the
same generated stories with multi-row inserts instead: stories, versions, diffs with their
word diff, added and removed text (no analysis: no tags, no significance), and the search
index through tracker.search's own index_versions and index_diffs, a batch at a time.
On PostgreSQL the GIN indexes are dropped for the load and made again after it, as a restore
would (updating them row by row is several times slower); then ANALYZE, as autovacuum would.
"""

import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from sqlalchemy import Connection, insert, text

from tracker import search
from tracker.db.engine import Database
from tracker.db.models import Diff, Story, StoryStatus, Version
from tracker.store.write import Candidate
from tracker.text import analysis, diffing
from tracker.text.normalise import content_hash
from tracker.text.urls import site_of

GIN_INDEXES = {
    "ix_versions_fts_document": "versions_fts USING gin (document)",
    "ix_diffs_fts_added": "diffs_fts USING gin (added)",
    "ix_diffs_fts_removed": "diffs_fts USING gin (removed)",
}
BATCH = 2000
"""Versions per transaction."""


@dataclass
class _Batch:
    """Rows to insert together; ids are given here (the database is new)."""

    stories: list[dict[str, Any]] = field(default_factory=list)
    versions: list[dict[str, Any]] = field(default_factory=list)
    diffs: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Ids:
    story: int = 0
    version: int = 0
    diff: int = 0
    last: dict[str, Any] = field(default_factory=dict)
    """The previous version stored, for the diff to the next."""


def load(db: Database, candidates: Iterator[Candidate]) -> float:
    """Store the candidates (successive versions of a story come together) into an empty
    database; returns the seconds taken."""
    start = time.perf_counter()
    ids = _Ids()
    with db.engine.begin() as connection:
        _gin(connection, drop=True)
    done = 0
    while chunk := list(islice(candidates, BATCH)):
        batch = _Batch()
        for candidate in chunk:
            _add(batch, ids, candidate)
        with db.engine.begin() as connection:
            _insert(connection, batch)
        done += len(chunk)
        print(f"  ... {done:,} versions, {done / (time.perf_counter() - start):,.0f}/s",
              file=sys.stderr)
    with db.engine.begin() as connection:
        _gin(connection, drop=False)
        if not db.is_sqlite:
            for table, column in (("stories", "id"), ("versions", "id"), ("diffs", "id")):
                connection.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                    f"(SELECT max({column}) FROM {table}))"))
    return time.perf_counter() - start


def _add(batch: _Batch, ids: _Ids, candidate: Candidate) -> None:
    article, seen = candidate.article, candidate.seen
    previous = ids.last if ids.last.get("url") == candidate.url else None
    if previous is None:
        ids.story += 1
        batch.stories.append({
            "id": ids.story, "url": candidate.url, "site": site_of(candidate.url),
            "title": article.title, "status": StoryStatus.ACTIVE,
            "first_seen_at": seen.observed_at, "last_changed_at": seen.observed_at,
        })
    ids.version += 1
    version = {
        "id": ids.version, "story_id": ids.story, "number": previous["number"] + 1
        if previous else 1, "observed_at": seen.observed_at, "title": article.title,
        "byline": None, "text": article.text, "word_count": diffing.count_words(article.text),
        "content_hash": content_hash(article.title, article.text),
        "char_count": len(article.text), "source": seen.source,
    }
    batch.versions.append(version)
    if previous is not None:
        ids.diff += 1
        batch.diffs.append(_diff(ids.diff, previous, version))
    ids.last = {**version, "url": candidate.url}


def _diff(diff_id: int, old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    ops = diffing.diff_texts(old["text"], new["text"])
    title_ops = diffing.diff_title(old["title"], new["title"])
    stats = diffing.diff_stats(ops)
    return {
        "id": diff_id, "story_id": new["story_id"], "from_version_id": old["id"],
        "to_version_id": new["id"], "delta": diffing.to_delta(ops),
        "title_delta": diffing.to_delta(title_ops), "words_added": stats.words_added,
        "words_removed": stats.words_removed, "chars_added": stats.chars_added,
        "chars_removed": stats.chars_removed, "headline_changed": old["title"] != new["title"],
        "byline_changed": False, "engine": diffing.ENGINE_NAME,
        "created_at": datetime.now(UTC),
        "added_text": "\n".join(filter(None, (analysis.added_text(title_ops),
                                              analysis.added_text(ops)))),
        "removed_text": "\n".join(filter(None, (analysis.removed_text(title_ops),
                                                analysis.removed_text(ops)))),
    }


def _insert(connection: Connection, batch: _Batch) -> None:
    if batch.stories:
        connection.execute(insert(Story), batch.stories)
    connection.execute(insert(Version), batch.versions)
    if batch.diffs:
        connection.execute(insert(Diff), batch.diffs)
    search.index_versions(connection, [(version["id"], version["title"], version["text"])
                                       for version in batch.versions])
    if batch.diffs:
        search.index_diffs(connection, [(diff["id"], diff["added_text"], diff["removed_text"])
                                        for diff in batch.diffs])


def _gin(connection: Connection, *, drop: bool) -> None:
    if connection.dialect.name != "postgresql":
        return
    for name, target in GIN_INDEXES.items():
        connection.execute(text(f"DROP INDEX {name}" if drop else
                                f"CREATE INDEX {name} ON {target} WITH (fastupdate = off)"))
    if not drop:
        connection.execute(text("ANALYZE stories, versions, diffs, versions_fts, diffs_fts"))
