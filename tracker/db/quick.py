"""The start-up read: what a command's first output needs, from SQLite with the standard library.

Importing SQLAlchemy's ORM and the models takes most of a second on a slow machine, longer than
the aims for a cron run with nothing due and for the TUI's first screen (issues 13 and 17). So
the first read of those two goes through `sqlite3`, read-only, and answers exactly four things:
whether the stored schema is the one this tracker's migrations end at, whether anything is due,
the story list's first page, and what a story opened directly (`tracker tui STORY`) shows first,
as the same dataclasses in the same order as tracker.db.queries.

It answers only when it can answer for sure: a SQLite file that exists, is readable and is at
the head revision. Anything else (PostgreSQL, a database to create or upgrade, a newer, foreign
or damaged one) gets None from `open_quick` and takes the ORM path, which creates, upgrades or
refuses it with its usual errors and exit codes. tests/test_quick_read.py runs both reads on the
same databases, so the SQL here cannot drift from the ORM's without a test failing.
"""

import os
import re
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from tracker.db.enums import Source, StoryStatus
from tracker.db.summaries import (
    StoredDelta,
    StoryOrder,
    StorySummary,
    VersionDetail,
    VersionSummary,
)

_REVISION_LINE = re.compile(r'^(down_revision|revision)\b[^=\n]*=\s*["\']?([^"\'\s]+)["\']?',
                            re.MULTILINE)
_SQLITE_FILE = "sqlite:///"
"""The only URL form read here: the embedded default and `--db PATH` both resolve to it."""
_STORED_TIME = "%Y-%m-%d %H:%M:%S.%f"
"""How SQLAlchemy's SQLite dialect stores a datetime (UTC, naive: tracker.db.types)."""

_ORDER_KEYS = {
    StoryOrder.CHANGED: "s.last_changed_at", StoryOrder.CHECKED: "s.last_checked_at",
    StoryOrder.TITLE: "lower(s.title)", StoryOrder.SITE: "s.site",
    StoryOrder.VERSIONS: "coalesce(c.n, 0)", StoryOrder.STATUS: "s.status",
    StoryOrder.SIGNIFICANCE: "top",
}
"""The SQL of tracker.db.queries.stories' sort keys, one for one."""
_STORIES = """
SELECT s.id, s.url, s.site, s.title, s.status, s.first_seen_at, s.last_changed_at,
       s.last_checked_at, coalesce(c.n, 0), (SELECT max(d.significance) FROM diffs AS d
       WHERE d.story_id = s.id) AS top, s.canonical_url
FROM stories AS s LEFT OUTER JOIN (SELECT story_id, count(*) AS n FROM versions
                                   GROUP BY story_id) AS c ON c.story_id = s.id
"""

_VERSIONS = """
SELECT v.story_id, v.number, v.observed_at, v.title, v.byline, v.published_at, v.updated_at,
       v.word_count, v.char_count, v.source, v.reverts_to, v.updated_by, v.correction,
       d.id, d.words_added, d.words_removed, d.headline_changed, d.byline_changed, d.significance
FROM versions AS v
LEFT OUTER JOIN versions AS p ON p.story_id = v.story_id AND p.number = v.number - 1
LEFT OUTER JOIN diffs AS d ON d.to_version_id = v.id AND d.from_version_id = p.id
WHERE v.story_id = ? ORDER BY v.number
"""
"""tracker.db.queries.versions' `_version_query` for one story, without the texts."""
_TAGS = ("SELECT t.diff_id, t.tag FROM diff_tags AS t JOIN diffs AS d ON d.id = t.diff_id "
         "WHERE d.story_id = ?")
_TEXTS = "SELECT number, text FROM versions WHERE story_id = ? AND number >= ? ORDER BY number"
_DELTA = """
SELECT d.delta, d.title_delta, d.analysis FROM diffs AS d
JOIN versions AS f ON f.id = d.from_version_id JOIN versions AS t ON t.id = d.to_version_id
WHERE d.story_id = ? AND f.number = ? AND t.number = ?
"""


def migrations_dir() -> Path:
    """The alembic script directory: `migrations/` in a checkout, `tracker/migrations` installed."""
    return Path(str(resources.files("tracker.migrations")))


def quick_head() -> str | None:
    """The head revision read from the migration files' `revision =` and `down_revision =`
    lines without loading alembic; None when that is not one plain chain (a merge, a file it
    cannot read), which sends the caller to alembic."""
    revisions, parents = set(), set()
    for script in (migrations_dir() / "versions").glob("[!_]*.py"):
        found = dict(_REVISION_LINE.findall(script.read_text(encoding="utf-8")))
        if "revision" not in found or "down_revision" not in found:
            return None
        revisions.add(found["revision"])
        parents.add(found["down_revision"])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


@dataclass(frozen=True)
class StoryPage:
    """The story list's first rows, their counts of unseen versions, and how many stories."""

    stories: list[StorySummary]
    new_counts: dict[int, int]
    total: int


@dataclass(frozen=True)
class StoryOpening:
    """What a story opened directly shows first: the story, every version's metadata, and the
    newest two versions' texts (oldest first; one for a story of one version) with the stored
    diff between them, as tracker.db.queries.version_pair reads them."""

    story: StorySummary
    versions: list[VersionSummary]
    newest: list[VersionDetail]
    delta: StoredDelta | None


class QuickReader:
    """Read-only queries on an open SQLite connection to a database at the head revision."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def anything_due(self, now: datetime, *, every: bool = False) -> bool:
        """tracker.store.schedule.anything_due: an unclaimed story or feed that is due."""
        stamp = _stored(now)
        unclaimed = "(claimed_until IS NULL OR claimed_until < ?)"
        due = "status = 'active' AND next_check_at <= ?"
        scheduled = ("status IN ('active', 'quiet') AND next_check_at IS NOT NULL" if every
                     else due)
        queries = [(f"SELECT id FROM stories WHERE {unclaimed} AND {scheduled} LIMIT 1",
                    (stamp,) if every else (stamp, stamp)),
                   (f"SELECT id FROM feeds WHERE {unclaimed} AND {due} LIMIT 1", (stamp, stamp))]
        return any(self.connection.execute(sql, args).fetchone() for sql, args in queries)

    def list_stories(self, *, order: StoryOrder = StoryOrder.CHANGED, descending: bool = True,
                     offset: int = 0, limit: int = -1) -> list[StorySummary]:
        """tracker.db.queries.list_stories without a filter (-1: no limit, as SQLite has it)."""
        way = "DESC" if descending else "ASC"
        sql = f"{_STORIES} ORDER BY {_ORDER_KEYS[order]} {way} NULLS LAST, s.id {way}"
        sql += " LIMIT ? OFFSET ?"
        return [_summary(row) for row in self.connection.execute(sql, (limit, offset))]

    def count_stories(self) -> int:
        """tracker.db.queries.count_stories without a filter."""
        return int(self.connection.execute("SELECT count(*) FROM stories").fetchone()[0])

    def story_opening(self, story_id: int) -> StoryOpening | None:
        """The story with this id (as tracker.db.queries.find_story finds it by id) and what
        its screen shows first, read in one transaction; None when no story has this id."""
        with self._snapshot():
            row = self.connection.execute(f"{_STORIES} WHERE s.id = ?", (story_id,)).fetchone()
            if row is None:
                return None
            versions = self._versions(story_id)
            newest = [version.number for version in versions[-2:]]
            texts = dict(self.connection.execute(_TEXTS, (story_id, newest[0] if newest else 1)))
            delta = (self.connection.execute(_DELTA, (story_id, *newest)).fetchone()
                     if len(newest) == 2 else None)
        details = [VersionDetail(version, texts[version.number]) for version in versions[-2:]]
        return StoryOpening(_summary(row), versions, details, _stored_delta(delta))

    def _versions(self, story_id: int) -> list[VersionSummary]:
        """tracker.db.queries.list_versions."""
        from tracker.text.analysis import ordered_tags  # loads with the diff it shows

        tags: dict[int, list[str]] = {}
        for diff_id, tag in self.connection.execute(_TAGS, (story_id,)):
            tags.setdefault(diff_id, []).append(tag)
        return [_version(row, ordered_tags(tags.get(row[13], ())))
                for row in self.connection.execute(_VERSIONS, (story_id,))]

    @contextmanager
    def _snapshot(self) -> Iterator[None]:
        """One read transaction, so the versions and the texts agree when a snapshot stores
        a version meanwhile."""
        self.connection.execute("BEGIN")
        try:
            yield
        finally:
            self.connection.execute("ROLLBACK")

    def new_version_counts(self, story_ids: Sequence[int]) -> dict[int, int]:
        """tracker.history.seen.new_version_counts: versions stored after each seen mark."""
        marks = ", ".join("?" * len(story_ids))
        rows = self.connection.execute(
            "SELECT v.story_id, count(*) FROM versions AS v LEFT OUTER JOIN seen_marks AS m "
            f"ON m.story_id = v.story_id WHERE v.story_id IN ({marks}) "
            "AND v.number > coalesce(m.version_number, 0) GROUP BY v.story_id", story_ids)
        counts = dict(rows.fetchall())
        return {story_id: counts.get(story_id, 0) for story_id in story_ids}

    def first_page(self, size: int) -> StoryPage:
        """What the TUI's story list shows first: newest change first, `size` rows."""
        stories = self.list_stories(limit=size)
        counts = self.new_version_counts([story.id for story in stories])
        return StoryPage(stories, counts, self.count_stories())


@contextmanager
def open_quick(url: str) -> Iterator[QuickReader | None]:
    """A reader for the resolved database URL `url` (tracker.config.database_url), or None
    when the ORM path must answer instead (see the module docstring)."""
    path = sqlite_file(url)
    if path is None or not os.path.isfile(path):
        yield None
        return
    try:
        connection = sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True)
    except sqlite3.Error:
        yield None
        return
    with closing(connection):
        yield QuickReader(connection) if _at_head(connection) else None


def sqlite_file(url: str) -> str | None:
    """The file a `sqlite:///PATH` URL names, decoded and made absolute as SQLAlchemy and its
    sqlite driver do; None for any other URL (a query string, memory, another database)."""
    if not url.startswith(_SQLITE_FILE) or "?" in url:
        return None
    database = unquote(url.removeprefix(_SQLITE_FILE))
    return os.path.abspath(database) if database not in ("", ":memory:") else None


def _at_head(connection: sqlite3.Connection) -> bool:
    """Whether the database is a tracker database at this tracker's head revision; a file that
    is not a database, or damaged, is False too (the ORM path says what is wrong with it)."""
    head = quick_head()
    try:
        tables = connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'")
        if head is None or tables.fetchone() is None:
            return False
        revisions = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.Error:
        return False
    return revisions == [(head,)]


def _stored(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).strftime(_STORED_TIME)


def _utc(value: str) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def _summary(row: tuple[Any, ...]) -> StorySummary:
    """tracker.db.queries.stories' `_story_summary`, from a row of `_STORIES`."""
    story_id, url, site, title, status, first_seen, changed, checked, count, top, canonical = row
    return StorySummary(
        id=story_id, url=url, site=site, title=title, status=StoryStatus(status),
        first_seen_at=_utc(first_seen),
        last_changed_at=None if changed is None else _utc(changed),
        last_checked_at=None if checked is None else _utc(checked),
        version_count=count, top_significance=top,
        canonical_url=canonical if canonical != url else None,
    )


def _version(row: tuple[Any, ...], tags: tuple[str, ...]) -> VersionSummary:
    """tracker.db.queries.versions' `_version_summary`, from a row of `_VERSIONS`."""
    (story_id, number, observed, title, byline, published, updated, words, chars, source,
     reverts_to, updated_by, correction, diff_id, added, removed, headline, byline_changed,
     significance) = row
    diff = diff_id is not None
    return VersionSummary(
        story_id=story_id, number=number, observed_at=_utc(observed), title=title,
        byline=byline, published_at=None if published is None else _utc(published),
        updated_at=None if updated is None else _utc(updated), word_count=words,
        char_count=chars, source=Source(source), reverts_to=reverts_to,
        words_added=added if diff else (0 if number > 1 else words),
        words_removed=removed if diff else 0, headline_changed=bool(diff and headline),
        byline_changed=bool(diff and byline_changed), tags=tags if diff else (),
        significance=significance if diff else None,
        updated_by=tuple((updated_by or "").split()), correction=correction,
    )


def _stored_delta(row: tuple[Any, ...] | None) -> StoredDelta | None:
    """tracker.db.queries.versions' StoredDelta of a diff row, its analysis decoded."""
    if row is None:
        return None
    from tracker.text.analysis import from_json

    delta, title_delta, analysis = row
    return StoredDelta(delta, title_delta, None if analysis is None else from_json(analysis))
