"""The read queries: everything the CLI, the TUI and the exporters know about the database.

Each function opens its own short session and returns frozen dataclasses, never ORM rows, so
readers cannot lazy-load across a closed session or write by accident, and TUI workers can hand
results to widgets on another thread.
"""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, ScalarSelect, Select, Subquery, func, or_, select
from sqlalchemy.orm import QueryableAttribute, Session, aliased, defer, selectinload

from tracker.db.engine import Database
from tracker.db.models import Check, Diff, Feed, Outcome, Source, Story, StoryStatus, Version
from tracker.errors import NotFoundError
from tracker.text.analysis import Analysis, from_json, ordered_tags

SelectT = TypeVar("SelectT", bound=Select[*tuple[Any, ...]])


@dataclass(frozen=True)
class StoredDelta:
    """A diff row as it is stored, for tracker.history.compare to decode against the older
    version: diff-match-patch deltas of the text and the title, and the analysis."""

    delta: str
    title_delta: str
    analysis: Analysis | None
    """Decoded from the stored JSON; None until the diff is analysed."""


@dataclass(frozen=True)
class StorySummary:
    id: int
    url: str
    site: str
    title: str | None
    status: StoryStatus
    first_seen_at: datetime
    last_changed_at: datetime | None
    last_checked_at: datetime | None
    version_count: int
    top_significance: float | None = None
    """The significance of the story's most substantive change (None before its second
    version): what `tracker stories --sort significance` orders by."""


class StoryOrder(StrEnum):
    """The columns a story list can be sorted by."""

    CHANGED = "changed"
    """Most recently changed first."""
    CHECKED = "checked"
    TITLE = "title"
    SITE = "site"
    VERSIONS = "versions"
    STATUS = "status"
    SIGNIFICANCE = "significance"
    """Most substantive change first (tracker.analysis), then most recently changed; last, so
    the TUI's sort key cycles through the visible columns first."""


@dataclass(frozen=True)
class VersionSummary:
    """A version's metadata and the size of the change that produced it (none for version 1)."""

    story_id: int
    number: int
    observed_at: datetime
    title: str | None
    byline: str | None
    published_at: datetime | None
    updated_at: datetime | None
    word_count: int
    char_count: int
    source: str
    reverts_to: int | None
    words_added: int
    words_removed: int
    headline_changed: bool
    byline_changed: bool
    tags: tuple[str, ...] = ()
    """Kinds of fact the change into this version touched (tracker.analysis.Tag values)."""
    significance: float | None = None
    """0-100, how substantive that change was; None for version 1 and unanalysed diffs."""


@dataclass(frozen=True)
class VersionDetail:
    info: VersionSummary
    text: str


@dataclass(frozen=True)
class CheckRow:
    checked_at: datetime
    source: Source
    outcome: Outcome
    http_status: int | None
    duration_ms: int | None
    version_number: int | None
    error: str | None


def list_stories(
    db: Database, *, site: str | None = None, limit: int | None = None, offset: int = 0,
    contains: str | None = None, order: StoryOrder = StoryOrder.CHANGED, descending: bool = True,
    changed_since: datetime | None = None,
) -> list[StorySummary]:
    """Stories, most recently changed first unless `order` says otherwise.

    `contains` keeps the stories whose title, URL or site contains it (any case), so a list
    can narrow as a person types without loading every story; `changed_since` keeps those
    with a version newer than that.
    """
    query, counts = _story_query_and_counts()
    key = _order_column(order, counts)
    query = query.order_by(
        (key.desc() if descending else key.asc()).nulls_last(),
        Story.id.desc() if descending else Story.id.asc(),
    )
    if changed_since is not None:
        query = query.where(Story.last_changed_at >= changed_since)
    with db.reading() as session:
        query = _story_filters(query, site, contains)
        rows = session.execute(query.offset(offset).limit(limit)).all()
    return [_story_summary(*row) for row in rows]


def count_stories(db: Database, *, contains: str | None = None) -> int:
    """How many stories there are, or how many match `contains` (as in `list_stories`)."""
    query = _story_filters(select(func.count()).select_from(Story), None, contains)
    with db.reading() as session:
        return session.scalar(query) or 0


def find_story(db: Database, ref: str | int) -> StorySummary:
    """A story by id or by URL (scheme, 'www.' and a trailing slash may differ)."""
    with db.reading() as session:
        row = session.execute(_story_query().where(_story_ref_clause(session, ref))).first()
    if row is None:
        raise NotFoundError(f"no story {ref!r}: give an id or a URL from `tracker stories`")
    return _story_summary(*row)


def list_versions(db: Database, story_id: int) -> list[VersionSummary]:
    """Every version of a story, oldest first, with the size of the change into each."""
    with db.reading() as session:
        query = _version_query().where(Version.story_id == story_id).options(defer(Version.text))
        rows = session.execute(query).all()
    return [_version_summary(version, diff) for version, diff in rows]


def list_version_texts(db: Database, story_id: int) -> list[VersionDetail]:
    """Every version of a story with its text, oldest first: what a full export needs."""
    with db.reading() as session:
        rows = session.execute(_version_query().where(Version.story_id == story_id)).all()
    return [VersionDetail(_version_summary(version, diff), version.text) for version, diff in rows]


def list_versions_since(
    db: Database, *, since: datetime | None = None, site: str | None = None,
    story_id: int | None = None, limit: int | None = None,
) -> list[VersionSummary]:
    """Versions across stories, newest first: the entries of a feed of changes."""
    query = _version_query().options(defer(Version.text)).order_by(None).order_by(
        Version.observed_at.desc(), Version.id.desc()
    )
    if since is not None:
        query = query.where(Version.observed_at >= since)
    if site:
        query = query.join(Story, Story.id == Version.story_id).where(Story.site == site)
    if story_id is not None:
        query = query.where(Version.story_id == story_id)
    with db.reading() as session:
        rows = session.execute(query.limit(limit)).all()
    return [_version_summary(version, diff) for version, diff in rows]


def get_version(db: Database, story_id: int, number: int) -> VersionDetail:
    """One version with its text; negative numbers count from the newest (-1 is the latest)."""
    with db.reading() as session:
        number = _resolve_number(session, story_id, number)
        row = session.execute(
            _version_query().where(Version.story_id == story_id, Version.number == number)
        ).first()
    if row is None:
        raise NotFoundError(f"story {story_id} has no version {number}")
    return VersionDetail(_version_summary(*row), row[0].text)


def version_texts(db: Database, story_id: int, *, upto: int) -> list[str]:
    """The texts of versions 1 to `upto` of a story, oldest first, for whole-history readers."""
    query = (
        select(Version.text)
        .where(Version.story_id == story_id, Version.number <= upto)
        .order_by(Version.number)
    )
    with db.reading() as session:
        return list(session.scalars(query))


def list_checks(db: Database, story_id: int, *, limit: int = 50) -> list[CheckRow]:
    """A story's most recent checks, newest first."""
    query = (
        select(Check, Version.number)
        .outerjoin(Version, Version.id == Check.version_id)
        .where(Check.story_id == story_id)
        .order_by(Check.checked_at.desc(), Check.id.desc())
        .limit(limit)
    )
    with db.reading() as session:
        rows = session.execute(query).all()
    return [
        CheckRow(c.checked_at, c.source, c.outcome, c.http_status, c.duration_ms, n, c.error)
        for c, n in rows
    ]


def _story_query() -> Select[Story, int, float | None]:
    return _story_query_and_counts()[0]


def _story_query_and_counts() -> tuple[Select[Story, int, float | None], Subquery]:
    counts = (
        select(Version.story_id, func.count().label("n"))
        .group_by(Version.story_id)
        .subquery()
    )
    query = select(Story, func.coalesce(counts.c.n, 0), _top_significance()).outerjoin(
        counts, counts.c.story_id == Story.id
    )
    return query, counts


def _order_column(
    order: StoryOrder, counts: Subquery
) -> ColumnElement[Any] | QueryableAttribute[Any]:
    columns: dict[StoryOrder, ColumnElement[Any] | QueryableAttribute[Any]] = {
        StoryOrder.CHANGED: Story.last_changed_at, StoryOrder.CHECKED: Story.last_checked_at,
        StoryOrder.TITLE: func.lower(Story.title), StoryOrder.SITE: Story.site,
        StoryOrder.VERSIONS: func.coalesce(counts.c.n, 0), StoryOrder.STATUS: Story.status,
        StoryOrder.SIGNIFICANCE: _top_significance(),
    }
    return columns[order]


def _story_filters(query: SelectT, site: str | None, contains: str | None) -> SelectT:
    if site:
        query = query.where(Story.site == site)
    if contains and contains.strip():
        pattern = f"%{_escape_like(contains.strip().lower())}%"
        query = query.where(or_(*(func.lower(column).like(pattern, escape="\\")
                                  for column in (Story.title, Story.url, Story.site))))
    return query


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _top_significance() -> ScalarSelect[float | None]:
    """A story's highest diff significance, as a correlated scalar subquery."""
    return (
        select(func.max(Diff.significance)).where(Diff.story_id == Story.id)
        .correlate(Story).scalar_subquery()
    )


def _story_ref_clause(session: Session, ref: str | int) -> ColumnElement[bool]:
    text = str(ref).strip()
    if text.isdigit():
        return Story.id == int(text)
    bare = text.split("://", 1)[-1].removeprefix("www.").rstrip("/")
    candidates = [f"{scheme}://{www}{bare}{slash}" for scheme in ("https", "http")
                  for www in ("", "www.") for slash in ("", "/")]
    return Story.url.in_([text, *candidates])


def _version_query() -> Select[Version, Diff]:
    previous = aliased(Version)
    return (
        select(Version, Diff)
        .outerjoin(previous, (previous.story_id == Version.story_id)
                   & (previous.number == Version.number - 1))
        .outerjoin(Diff, (Diff.to_version_id == Version.id)
                   & (Diff.from_version_id == previous.id))
        .order_by(Version.number)
        .options(selectinload(Diff.tags))
    )


def _resolve_number(session: Session, story_id: int, number: int) -> int:
    if number > 0:
        return number
    newest = session.scalar(select(func.max(Version.number)).where(Version.story_id == story_id))
    if newest is None or newest + number + 1 < 1:
        raise NotFoundError(f"story {story_id} has no version {number}")
    return newest + number + 1


def stored_delta(db: Database, story_id: int, old: int, new: int) -> StoredDelta | None:
    """The stored diff from version `old` to version `new`, if that pair has one."""
    from_version, to_version = aliased(Version), aliased(Version)
    query = (
        select(Diff.delta, Diff.title_delta, Diff.analysis)
        .join(from_version, from_version.id == Diff.from_version_id)
        .join(to_version, to_version.id == Diff.to_version_id)
        .where(Diff.story_id == story_id, from_version.number == old, to_version.number == new)
    )
    with db.reading() as session:
        row = session.execute(query).first()
    return StoredDelta(row[0], row[1], _decoded(row[2])) if row else None


def stored_deltas(db: Database, story_id: int) -> dict[int, StoredDelta]:
    """A story's stored diffs between neighbours, keyed by the newer version's number."""
    from_version, to_version = aliased(Version), aliased(Version)
    query = (
        select(to_version.number, Diff.delta, Diff.title_delta, Diff.analysis)
        .join(from_version, from_version.id == Diff.from_version_id)
        .join(to_version, to_version.id == Diff.to_version_id)
        .where(Diff.story_id == story_id, from_version.number == to_version.number - 1)
    )
    with db.reading() as session:
        rows = session.execute(query).all()
    return {number: StoredDelta(delta, title_delta, _decoded(found))
            for number, delta, title_delta, found in rows}


def _decoded(analysis: str | None) -> Analysis | None:
    return from_json(analysis) if analysis is not None else None


def _story_summary(story: Story, count: int, top: float | None = None) -> StorySummary:
    return StorySummary(
        id=story.id, url=story.url, site=story.site, title=story.title, status=story.status,
        first_seen_at=story.first_seen_at, last_changed_at=story.last_changed_at,
        last_checked_at=story.last_checked_at, version_count=count, top_significance=top,
    )


def _version_summary(version: Version, diff: Diff | None) -> VersionSummary:
    return VersionSummary(
        story_id=version.story_id, number=version.number, observed_at=version.observed_at,
        title=version.title, byline=version.byline, published_at=version.published_at,
        updated_at=version.updated_at, word_count=version.word_count,
        char_count=version.char_count, source=version.source, reverts_to=version.reverts_to,
        words_added=diff.words_added if diff else (0 if version.number > 1 else version.word_count),
        words_removed=diff.words_removed if diff else 0,
        headline_changed=bool(diff and diff.headline_changed),
        byline_changed=bool(diff and diff.byline_changed),
        tags=ordered_tags(tag.tag for tag in diff.tags) if diff else (),
        significance=diff.significance if diff else None,
    )


@dataclass(frozen=True)
class FailingStory:
    id: int
    url: str
    failure_count: int
    last_error: str | None
    next_check_at: datetime | None


@dataclass(frozen=True)
class FeedRow:
    id: int
    url: str
    title: str | None
    status: StoryStatus
    last_checked_at: datetime | None
    story_count: int
    last_error: str | None


@dataclass(frozen=True)
class ScheduleStatus:
    """What `tracker status` shows: how many stories are in each state and what is failing."""

    by_status: dict[StoryStatus, int]
    """Counts of stories on the schedule by status (imported-only stories are not counted)."""
    due_now: int
    claimed: int
    next_due_at: datetime | None
    last_checked_at: datetime | None
    failing: list[FailingStory]
    feeds: list[FeedRow]
    oldest_due_at: datetime | None = None
    """When the most overdue story fell due: how far behind the workers are."""
    workers: dict[str, int] = field(default_factory=dict)
    """Stories held under a lease that has not run out, by worker (host:pid:tag)."""


def schedule_status(db: Database, now: datetime) -> ScheduleStatus:
    """The schedule at `now`: counts by status, due and claimed stories, failures, feeds."""
    scheduled = Story.next_check_at.is_not(None)
    with db.reading() as session:
        counts = session.execute(
            select(Story.status, func.count()).where(scheduled).group_by(Story.status)
        ).all()
        due = session.scalar(select(func.count()).where(
            scheduled, Story.status == StoryStatus.ACTIVE, Story.next_check_at <= now)) or 0
        oldest_due = session.scalar(select(func.min(Story.next_check_at)).where(
            scheduled, Story.status == StoryStatus.ACTIVE, Story.next_check_at <= now))
        held = session.execute(select(Story.claimed_by, func.count())
                               .where(Story.claimed_until > now).group_by(Story.claimed_by)).all()
        next_due = session.scalar(select(func.min(Story.next_check_at)).where(
            Story.status == StoryStatus.ACTIVE, Story.next_check_at > now))
        last_checked = session.scalar(select(func.max(Story.last_checked_at)).where(scheduled))
        failing = session.scalars(
            select(Story).where(Story.failure_count > 0).order_by(Story.failure_count.desc())
            .limit(20)).all()
        feeds = _feed_rows(session)
    return ScheduleStatus(
        by_status={status: count for status, count in counts}, due_now=due,
        claimed=sum(count for _, count in held), next_due_at=next_due,
        last_checked_at=last_checked, feeds=feeds, oldest_due_at=oldest_due,
        workers={worker or "?": count for worker, count in held},
        failing=[FailingStory(s.id, s.url, s.failure_count, s.last_error, s.next_check_at)
                 for s in failing],
    )


def _feed_rows(session: Session) -> list[FeedRow]:
    stories = (select(Story.feed_id, func.count().label("n")).group_by(Story.feed_id)
               .subquery())
    rows = session.execute(
        select(Feed, func.coalesce(stories.c.n, 0))
        .outerjoin(stories, stories.c.feed_id == Feed.id).order_by(Feed.id)
    ).all()
    return [FeedRow(feed.id, feed.url, feed.title, feed.status, feed.last_checked_at, count,
                    feed.last_error) for feed, count in rows]
