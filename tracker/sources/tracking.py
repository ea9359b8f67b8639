"""Which stories and feeds tracker follows: add, pause, resume, remove, and feed bookkeeping.

These writes change what is on the schedule; versions and checks go through `tracker.store.write`.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tracker.db.engine import Database
from tracker.db.identity import story_id_for_url
from tracker.db.models import Feed, Story, StoryStatus
from tracker.errors import InvalidInput, NotFoundError
from tracker.store.schedule import apply_plan, plan_feed_check
from tracker.store.write import RACE_RETRIES, Scheduling
from tracker.text.urls import canonical_url, site_of


@dataclass(frozen=True)
class Tracked:
    """A URL given to `track_stories`, and whether it was new to the schedule."""

    story_id: int
    url: str
    added: bool


def track_stories(
    db: Database, urls: Sequence[str], now: datetime, *, feed_id: int | None = None
) -> list[Tracked]:
    """Put stories on the schedule, due now; a story known from an import is scheduled too.

    URLs are checked and put in canonical form (tracker.text.urls) before anything is written:
    one bad URL adds nothing, so the user can fix the command and run it again. A URL that names
    a story already (tracker.db.identity: its URL, an alias, a declared canonical URL) adds none.
    """
    checked = list(dict.fromkeys(canonical_url(url) for url in urls))
    for attempt in range(RACE_RETRIES):  # a feed in another worker may add the same URL
        try:
            with db.writing() as session:
                return [_track(session, url, now, feed_id) for url in checked]
        except IntegrityError:
            if attempt == RACE_RETRIES - 1:
                raise
    raise AssertionError("unreachable")


def _track(session: Session, url: str, now: datetime, feed_id: int | None) -> Tracked:
    story_id = story_id_for_url(session, url)
    story = session.get(Story, story_id) if story_id is not None else None
    if story is None:
        story = Story(url=url, site=site_of(url), status=StoryStatus.ACTIVE, first_seen_at=now,
                      next_check_at=now, feed_id=feed_id)
        session.add(story)
        session.flush()
        return Tracked(story.id, url, True)
    if story.next_check_at is None:
        story.next_check_at = now
        return Tracked(story.id, story.url, True)
    return Tracked(story.id, story.url, False)


def set_status(db: Database, story_id: int, status: StoryStatus, now: datetime) -> None:
    """Pause a story, or put it back on the schedule (due now, failure counts cleared)."""
    with db.writing() as session:
        story = session.get(Story, story_id)
        if story is None:
            raise NotFoundError(f"no story {story_id}")
        story.status = status
        if status == StoryStatus.ACTIVE:
            story.next_check_at, story.failure_count, story.missing_count = now, 0, 0


def remove_story(db: Database, story_id: int) -> None:
    """Forget a story with all its versions, diffs and checks."""
    with db.writing() as session:
        story = session.get(Story, story_id)
        if story is None:
            raise NotFoundError(f"no story {story_id}")
        session.delete(story)


def track_feed(db: Database, url: str, now: datetime) -> Tracked:
    """Follow a feed: its entries become stories each time a snapshot run reads it. Its URL
    is kept in canonical form, as a story's, so that two spellings are one feed."""
    url = canonical_url(url, where="feed URL")
    with db.writing() as session:
        feed = session.scalars(select(Feed).where(Feed.url == url)).one_or_none()
        if feed is not None:
            feed.status, feed.next_check_at = StoryStatus.ACTIVE, now
            return Tracked(feed.id, url, False)
        feed = Feed(url=url, status=StoryStatus.ACTIVE, added_at=now, next_check_at=now)
        session.add(feed)
        session.flush()
        return Tracked(feed.id, url, True)


def remove_feed(db: Database, url: str) -> None:
    """Stop following a feed; the stories it brought in stay tracked."""
    try:
        key = canonical_url(url, where="feed URL")
    except InvalidInput:
        raise NotFoundError(f"no feed {url!r}") from None
    with db.writing() as session:
        feed = session.scalars(select(Feed).where(Feed.url == key)).one_or_none()
        if feed is None:
            raise NotFoundError(f"no feed {url!r}")
        session.delete(feed)


def record_feed_check(
    db: Database, feed_id: int, now: datetime, scheduling: Scheduling, *,
    title: str | None = None, etag: str | None = None, last_modified: str | None = None,
    error: str | None = None, retry_after: timedelta | None = None,
) -> bool:
    """Reschedule a feed after reading it; True when an error should be reported (once)."""
    with db.writing() as session:
        feed = session.get(Feed, feed_id)
        if feed is None:
            return False
        plan = plan_feed_check(feed.failure_count, now, scheduling.policy, failed=bool(error),
                               retry_after=retry_after)
        apply_plan(feed, plan, scheduling.worker)
        feed.last_error, feed.last_checked_at = error, now
        if not error:
            feed.title = title or feed.title
            feed.etag, feed.last_modified = etag or feed.etag, last_modified or feed.last_modified
        return plan.report_failure(scheduling.policy)
