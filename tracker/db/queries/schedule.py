"""The schedule as `tracker status` shows it: stories by state, what is due, claimed, failing or
suspect, and the feeds."""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker.db.engine import Database
from tracker.db.models import Check, Feed, Outcome, Story, StoryStatus


@dataclass(frozen=True)
class FailingStory:
    id: int
    url: str
    failure_count: int
    last_error: str | None
    next_check_at: datetime | None


@dataclass(frozen=True)
class SuspectStory:
    """A story whose latest check extracted nothing usable (empty, or collapsed): the page
    changed its layout, or put up a wall, and nobody will see its edits until that is fixed."""

    id: int
    url: str
    title: str | None
    checked_at: datetime
    reason: str | None


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
    suspect: list[SuspectStory] = field(default_factory=list)
    """Stories whose latest check was suspect, most recent first."""


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
        suspect = _suspect_stories(session)
    return ScheduleStatus(
        by_status={status: count for status, count in counts}, due_now=due,
        claimed=sum(count for _, count in held), next_due_at=next_due,
        last_checked_at=last_checked, feeds=feeds, oldest_due_at=oldest_due,
        workers={worker or "?": count for worker, count in held},
        failing=[FailingStory(s.id, s.url, s.failure_count, s.last_error, s.next_check_at)
                 for s in failing], suspect=suspect,
    )


def _suspect_stories(session: Session, limit: int = 20) -> list[SuspectStory]:
    """Stories whose latest check (the one at their last_checked_at, found through the index on
    checks (story_id, checked_at)) was suspect."""
    rows = session.execute(
        select(Story.id, Story.url, Story.title, Check.checked_at, Check.error)
        .join(Check, (Check.story_id == Story.id) & (Check.checked_at == Story.last_checked_at))
        .where(Check.outcome == Outcome.SUSPECT)
        .order_by(Check.checked_at.desc(), Story.id).limit(limit)
    ).all()
    return [SuspectStory(*row) for row in rows]


def _feed_rows(session: Session) -> list[FeedRow]:
    stories = (select(Story.feed_id, func.count().label("n")).group_by(Story.feed_id)
               .subquery())
    rows = session.execute(
        select(Feed, func.coalesce(stories.c.n, 0))
        .outerjoin(stories, stories.c.feed_id == Feed.id).order_by(Feed.id)
    ).all()
    return [FeedRow(feed.id, feed.url, feed.title, feed.status, feed.last_checked_at, count,
                    feed.last_error) for feed, count in rows]
