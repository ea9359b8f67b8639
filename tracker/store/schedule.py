"""When each story is checked next, and which snapshot worker holds it meanwhile.

The interval follows the story's age: a story that changed a few minutes ago is checked every
`min_interval`; the interval is a quarter of the time since the last change, so it grows while the
story stays the same, up to `max_interval`. After `stop_after` without a change the story goes
quiet and is no longer checked (`tracker resume` wakes it). Failures back off exponentially from
`min_interval`; `gone_after` 404/410 answers in a row mark a story gone.

Defaults (every one can be changed with an environment variable, e.g. TRACKER_MIN_INTERVAL=2m):

    min_interval  5 minutes   max_interval  6 hours     stop_after  7 days
    gone_after    3 answers   report_after  2 failures  lease       15 minutes

Due stories are claimed in batches with a lease: one UPDATE sets `claimed_by`/`claimed_until` on
rows chosen by a `SELECT ... FOR UPDATE SKIP LOCKED` (PostgreSQL), or inside SQLite's
`BEGIN IMMEDIATE` write transaction, so overlapping runs and workers on several machines never take
the same story, and the stories of a worker that died are taken again once its lease has run out.
"""

import os
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import ColumnElement, and_, or_, select, update

from tracker.db.engine import Database
from tracker.db.models import Feed, Story, StoryStatus
from tracker.errors import InvalidInput
from tracker.text.timespec import parse_duration


@dataclass(frozen=True)
class Policy:
    """The schedule's limits; see the module docstring for what each one does."""

    min_interval: timedelta = timedelta(minutes=5)
    max_interval: timedelta = timedelta(hours=6)
    stop_after: timedelta = timedelta(days=7)
    gone_after: int = 3
    report_after: int = 2
    lease: timedelta = timedelta(minutes=15)

    @classmethod
    def from_env(cls) -> "Policy":
        """The defaults, overridden by TRACKER_MIN_INTERVAL, TRACKER_STOP_AFTER and so on."""
        overrides: dict[str, Any] = {}
        for field, name in zip(fields(cls), cls.env_names(), strict=True):
            value = os.environ.get(name)
            if value:
                parse = _count if field.type is int else parse_duration
                try:
                    overrides[field.name] = parse(value)
                except InvalidInput as exc:
                    raise InvalidInput(f"{name}: {exc.message}") from None
        return replace(cls(), **overrides)

    @classmethod
    def env_names(cls) -> tuple[str, ...]:
        """The environment variables that set the limits (`tracker cron` passes them on)."""
        return tuple(f"TRACKER_{field.name.upper()}" for field in fields(cls))


@dataclass(frozen=True)
class StoryTimes:
    """What the schedule needs to know about a story."""

    first_seen_at: datetime
    last_changed_at: datetime | None
    failure_count: int
    missing_count: int


@dataclass(frozen=True)
class Plan:
    """The story's schedule after a check."""

    next_check_at: datetime
    status: StoryStatus
    failure_count: int
    missing_count: int

    def report_failure(self, policy: Policy) -> bool:
        """Report a failure once: when it has happened `report_after` times in a row."""
        return self.failure_count == policy.report_after


def _count(text: str) -> int:
    """A setting that counts answers or failures: a whole number from 1 to 1000."""
    digits = text.strip()
    count = int(digits) if digits.isascii() and digits.isdigit() and len(digits) <= 4 else 0
    if not 1 <= count <= 1000:
        raise InvalidInput(f"{text!r} is not a whole number from 1 to 1000")
    return count


def plan_after_check(
    times: StoryTimes, now: datetime, policy: Policy, *, failed: bool = False,
    missing: bool = False, retry_after: timedelta | None = None,
) -> Plan:
    """The next check after one at `now`; `failed` for errors, `missing` for a 404/410.

    A server's `retry_after` (429, 503) is honoured: the next check is no earlier, up to
    `stop_after`, whatever the backoff says.
    """
    if failed or missing:
        return _not_before(_plan_failure(times, now, policy, missing), now, retry_after, policy)
    since_change = now - (times.last_changed_at or times.first_seen_at)
    if since_change >= policy.stop_after:
        return Plan(now + policy.max_interval, StoryStatus.QUIET, 0, 0)
    interval = min(max(since_change / 4, policy.min_interval), policy.max_interval)
    return Plan(now + interval, StoryStatus.ACTIVE, 0, 0)


def plan_feed_check(
    failure_count: int, now: datetime, policy: Policy, *, failed: bool,
    retry_after: timedelta | None = None,
) -> Plan:
    """The next read of a feed: every `min_interval` while it answers, backing off while not,
    and no earlier than the server's `retry_after`."""
    failures = failure_count + 1 if failed else 0
    plan = Plan(now + _backoff(failures, policy), StoryStatus.ACTIVE, failures, 0)
    return _not_before(plan, now, retry_after, policy)


def _not_before(plan: Plan, now: datetime, wait: timedelta | None, policy: Policy) -> Plan:
    if wait is None:
        return plan
    earliest = now + min(wait, policy.stop_after)
    return replace(plan, next_check_at=max(plan.next_check_at, earliest))


def _plan_failure(times: StoryTimes, now: datetime, policy: Policy, missing: bool) -> Plan:
    failures = times.failure_count + 1
    missing_count = times.missing_count + 1 if missing else 0
    gone = missing_count >= policy.gone_after
    status = StoryStatus.GONE if gone else StoryStatus.ACTIVE
    return Plan(now + _backoff(failures, policy), status, failures, missing_count)


def _backoff(failures: int, policy: Policy) -> timedelta:
    """`min_interval` doubled for each failure in a row, up to `max_interval`."""
    doubled: timedelta = policy.min_interval * 2 ** min(failures, 20)
    return min(doubled, policy.max_interval)


class Scheduled(Protocol):
    """The schedule columns that stories and feeds share."""

    status: StoryStatus
    next_check_at: datetime | None
    failure_count: int
    claimed_by: str | None
    claimed_until: datetime | None


def apply_plan(row: Scheduled, plan: Plan, worker: str) -> None:
    """Put a story or feed on its new schedule and give back this worker's claim on it.

    A paused row keeps its status: the user paused it, and only the user resumes it.
    """
    row.next_check_at, row.failure_count = plan.next_check_at, plan.failure_count
    if row.status != StoryStatus.PAUSED:
        row.status = plan.status
    if row.claimed_by == worker:
        row.claimed_by, row.claimed_until = None, None


@dataclass(frozen=True)
class Claimed:
    """A story this worker holds until its lease runs out, with what a fetch needs."""

    story_id: int
    url: str
    etag: str | None
    last_modified: str | None
    body_hash: str | None
    extraction_hint: str | None = None


def claim_stories(
    db: Database, worker: str, now: datetime, policy: Policy, *, limit: int,
    story_ids: Sequence[int] = (), every: bool = False, checked_before: datetime | None = None,
    after: int = 0,
) -> list[Claimed]:
    """Claim up to `limit` due stories (or the given ones) for `worker`, oldest due first.

    `every` ignores next-check times (quiet stories included) and claims by id, from the
    stories after `after` (the last id of the run's previous batch): each batch walks the
    primary key from where the last one stopped, instead of sorting every story by its next
    check (520 ms a batch at a million stories). `checked_before` skips stories already
    checked since then, so one run never takes a story twice.
    """
    wanted = [_unclaimed(Story, now)]
    if story_ids:
        wanted.append(Story.id.in_(story_ids))
    else:
        wanted.append(_scheduled(Story, now, every))
    if checked_before is not None:
        wanted.append(or_(Story.last_checked_at.is_(None), Story.last_checked_at < checked_before))
    if every:
        wanted.append(Story.id > after)
    order = (Story.id,) if every else (Story.next_check_at, Story.id)
    due = (select(Story.id).where(*wanted).order_by(*order).limit(limit)
           .with_for_update(skip_locked=True))
    claim = (
        update(Story).where(Story.id.in_(due.scalar_subquery()))
        .values(claimed_by=worker, claimed_until=now + policy.lease)
        .returning(Story.id, Story.url, Story.etag, Story.last_modified, Story.body_hash,
                   Story.extraction_hint)
        .execution_options(synchronize_session=False)
    )
    with db.writing() as session:
        rows = session.execute(claim).all()
    return sorted((Claimed(*row) for row in rows), key=lambda claimed: claimed.story_id)


def anything_due(db: Database, now: datetime, *, every: bool = False) -> bool:
    """Whether a run would claim a story or a feed now: one cheap read, so that a cron run with
    nothing due ends before it loads the fetcher and the write path."""
    stories = select(Story.id).where(_unclaimed(Story, now), _scheduled(Story, now, every))
    feeds = select(Feed.id).where(_unclaimed(Feed, now), _scheduled(Feed, now, False))
    with db.reading() as session:
        return any(session.execute(query.limit(1)).first() for query in (stories, feeds))


def claim_feeds(db: Database, worker: str, now: datetime, policy: Policy) -> list[Feed]:
    """Claim every due feed (few, so no batches); returns detached rows."""
    due = (select(Feed.id).where(_unclaimed(Feed, now), _scheduled(Feed, now, False))
           .with_for_update(skip_locked=True))
    claim = (
        update(Feed).where(Feed.id.in_(due.scalar_subquery()))
        .values(claimed_by=worker, claimed_until=now + policy.lease)
        .returning(Feed).execution_options(synchronize_session=False)
    )
    with db.writing() as session:
        return list(session.scalars(claim).all())


def release(db: Database, worker: str, story_ids: Sequence[int]) -> None:
    """Give back stories this worker claimed but did not check (an interrupted run)."""
    if not story_ids:
        return
    with db.writing() as session:
        session.execute(
            update(Story).where(Story.id.in_(story_ids), Story.claimed_by == worker)
            .values(claimed_by=None, claimed_until=None)
            .execution_options(synchronize_session=False)
        )


def renew(
    db: Database, worker: str, story_ids: Sequence[int], now: datetime, policy: Policy
) -> int:
    """Extend this worker's lease on stories it still holds; returns how many it still held.

    A batch can outlast a short lease (slow sites, a busy extractor): renewing keeps another
    worker from taking a story this one is still checking, while a dead worker renews nothing.
    """
    if not story_ids:
        return 0
    with db.writing() as session:
        result = session.execute(
            update(Story).where(Story.id.in_(story_ids), Story.claimed_by == worker)
            .values(claimed_until=now + policy.lease)
            .execution_options(synchronize_session=False)
        )
    return int(result.rowcount)  # type: ignore[attr-defined]


def _unclaimed(model: type[Story] | type[Feed], now: datetime) -> ColumnElement[bool]:
    return or_(model.claimed_until.is_(None), model.claimed_until < now)


def _scheduled(model: type[Story] | type[Feed], now: datetime, every: bool) -> ColumnElement[bool]:
    """Stories on the schedule (added, not imported) that are due; with `every`, all of them."""
    if every:
        active = model.status.in_([StoryStatus.ACTIVE, StoryStatus.QUIET])
        return and_(active, model.next_check_at.is_not(None))
    return and_(model.status == StoryStatus.ACTIVE, model.next_check_at <= now)
