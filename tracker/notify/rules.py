"""Alert rules: made, listed and removed by `tracker notify`, and when each may send.

A rule's filters are checked here, before anything is stored: a target apprise cannot read, an
unknown tag, a story that does not exist, quiet hours that are not "HH:MM-HH:MM", a time zone
that does not exist. Quiet hours and the rate limit are a pure function of the rule and the
time (`may_send`), so they are tested without a database or a clock.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select

from tracker.db.engine import Database
from tracker.db.models import AlertDelivery, AlertRule, Story, Version
from tracker.errors import InvalidInput, NotFoundError
from tracker.notify import send
from tracker.text.analysis import Tag

_QUIET = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)-([01]?\d|2[0-3]):([0-5]\d)")


@dataclass(frozen=True)
class RuleSpec:
    """What `tracker notify add` asks for, before it is checked and stored."""

    target: str
    story_id: int | None = None
    site: str | None = None
    tags: tuple[str, ...] = ()
    min_significance: float | None = None
    headline: bool = False
    quiet_hours: str | None = None
    zone: str | None = None
    min_interval: timedelta | None = None


@dataclass(frozen=True)
class Rule:
    """A stored rule as readers see it; `target` is apprise's masked form of the URL."""

    id: int
    target: str
    story_id: int | None
    site: str | None
    tags: tuple[str, ...]
    min_significance: float | None
    headline: bool
    quiet_hours: str | None
    zone: str | None
    min_interval_s: int | None
    """The rate limit: at most one message per this many seconds."""
    created_at: datetime
    last_sent_at: datetime | None
    failing: str | None = None
    """Why its owed message has not gone yet, after failing at least once (else None)."""

    @property
    def scope(self) -> str:
        """What the rule follows, in a few words."""
        if self.story_id is not None:
            return f"story {self.story_id}"
        return f"site {self.site}" if self.site else "all stories"


def add_rule(db: Database, spec: RuleSpec, now: datetime) -> Rule:
    """Check `spec` and store it; only changes stored from now on will match it."""
    _check(spec)
    with db.writing() as session:
        if spec.story_id is not None and session.get(Story, spec.story_id) is None:
            raise NotFoundError(f"no story {spec.story_id}: see `tracker stories`")
        newest = session.scalar(select(func.max(Version.id))) or 0
        row = AlertRule(
            target=spec.target, story_id=spec.story_id, site=spec.site,
            tags=" ".join(spec.tags) or None, min_significance=spec.min_significance,
            headline=spec.headline, quiet_hours=spec.quiet_hours, zone=spec.zone,
            min_interval_s=int(spec.min_interval.total_seconds()) if spec.min_interval else None,
            after_version_id=newest, created_at=now,
        )
        session.add(row)
        session.flush()
        return as_rule(row)


def list_rules(db: Database) -> list[Rule]:
    """Every rule, with the error of a message it owes and could not send yet."""
    with db.reading() as session:
        failing = dict(session.execute(
            select(AlertDelivery.rule_id, AlertDelivery.last_error)
            .where(AlertDelivery.sent_at.is_(None), AlertDelivery.attempts > 0)).all())
        return [replace(as_rule(row), failing=failing.get(row.id))
                for row in session.scalars(select(AlertRule).order_by(AlertRule.id))]


def remove_rule(db: Database, rule_id: int) -> None:
    """Remove a rule with its deliveries (the database cascades)."""
    with db.writing() as session:
        row = session.get(AlertRule, rule_id)
        if row is None:
            raise NotFoundError(f"no alert rule {rule_id}: see `tracker notify list`")
        session.delete(row)


def rule_target(db: Database, rule_id: int) -> str:
    """The full target URL of a rule (for sending, never for display)."""
    with db.reading() as session:
        row = session.get(AlertRule, rule_id)
        if row is None:
            raise NotFoundError(f"no alert rule {rule_id}: see `tracker notify list`")
        return row.target


def as_rule(row: AlertRule) -> Rule:
    return Rule(
        id=row.id, target=send.masked(row.target), story_id=row.story_id, site=row.site,
        tags=tuple((row.tags or "").split()), min_significance=row.min_significance,
        headline=row.headline, quiet_hours=row.quiet_hours, zone=row.zone,
        min_interval_s=row.min_interval_s,
        created_at=row.created_at, last_sent_at=row.last_sent_at,
    )


def may_send(quiet_hours: str | None, zone: tzinfo | None, min_interval: timedelta | None,
             last_sent_at: datetime | None, now: datetime) -> bool:
    """False in the rule's quiet hours, or while its rate limit holds since the last message."""
    if min_interval is not None and last_sent_at is not None and now < last_sent_at + min_interval:
        return False
    return quiet_hours is None or not in_quiet_hours(quiet_hours, now.astimezone(zone))


def in_quiet_hours(quiet_hours: str, local: datetime) -> bool:
    """True when the local time is within "HH:MM-HH:MM" (which may run past midnight)."""
    start, end = _quiet_bounds(quiet_hours)
    now = local.time()
    return start <= now < end if start <= end else (now >= start or now < end)


def zone_of(name: str | None) -> tzinfo | None:
    """The rule's time zone; None is the sending machine's local time."""
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"unknown time zone {name!r}: write e.g. Europe/Berlin or UTC") from None


def _quiet_bounds(quiet_hours: str) -> tuple[time, time]:
    match = _QUIET.fullmatch(quiet_hours.strip())
    if match is None:
        raise InvalidInput(f"quiet hours {quiet_hours!r}: write them as HH:MM-HH:MM, "
                           "e.g. 22:00-07:00")
    h1, m1, h2, m2 = (int(group) for group in match.groups())
    return time(h1, m1), time(h2, m2)


def _check(spec: RuleSpec) -> None:
    if sum(x is not None for x in (spec.story_id, spec.site)) > 1:
        raise InvalidInput("give one of --story, --site and --all")
    _check_tags(spec.tags)
    if spec.min_significance is not None and not 0 <= spec.min_significance <= 100:
        raise InvalidInput("--min-significance must be between 0 and 100")
    if spec.quiet_hours is not None:
        _quiet_bounds(spec.quiet_hours)
    zone_of(spec.zone)
    send.check_target(spec.target)


def _check_tags(tags: Sequence[str]) -> None:
    known = [str(tag) for tag in Tag]
    for tag in tags:
        if tag not in known:
            raise InvalidInput(f"unknown --tag {tag!r}: use one of {', '.join(known)}")
