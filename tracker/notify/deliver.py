"""After a snapshot run: one message per rule for the changes it matched, sent once.

For each rule that may send now (quiet hours, rate limit), one transaction takes the rule's
unsent delivery (a failed one, to retry) or starts one, and records in it every matching
version not yet carried by a message of the rule (`alert_items`). The message is sent after
that transaction, so no database lock is held while a target answers, and the outcome is
recorded in a second one.

Two workers that finish together cannot both send a change: a rule has at most one unsent
delivery (a unique index), a version is in at most one delivery of a rule (the primary key),
and a worker holds a delivery while it sends (`claimed_until`, taken by compare-and-set). The
loser of such a race gets an IntegrityError or takes nothing, and leaves the rule to the winner.
A worker killed while sending leaves its claim to run out: the next run then sends the message
again, since it cannot know whether the target got it.

Nothing here fails the run: a target that is down or slow becomes a line in the report, once
per failing delivery, and the delivery waits for the next run with whatever matches meanwhile;
a database error while alerting, or anything else that goes wrong with one rule, becomes a line
too, and the other rules still send.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from tracker.db.engine import Database
from tracker.db.models import AlertDelivery, AlertItem, AlertRule
from tracker.errors import TrackerError
from tracker.notify import message, rules, send
from tracker.notify.matching import (
    MAX_PER_MESSAGE,
    changes_of,
    matching_versions,
    settled_through,
)

Clock = Callable[[], datetime]
MIN_LEASE = timedelta(minutes=2)


@dataclass
class AlertReport:
    """What alerting after a run did: messages sent, and the lines to show."""

    sent: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Batch:
    """A delivery this worker holds, with the message to send."""

    delivery_id: int
    rule_id: int
    target: str
    outgoing: send.Outgoing
    attempts: int


def after_run(db: Database, worker: str, clock: Clock,
              timeout: float | None = None) -> AlertReport:
    """Send what each rule has matched since its last message; see the module docstring.
    `timeout` is per message (default: TRACKER_NOTIFY_TIMEOUT, else send.DEFAULT_TIMEOUT)."""
    report = AlertReport()
    try:
        timeout = send.timeout_from_env() if timeout is None else timeout
        rule_ids = _rule_ids(db)
    except (TrackerError, SQLAlchemyError) as exc:
        report.errors.append(f"alerts: not sent: {_message(exc)}")
        return report
    lease = max(MIN_LEASE, timedelta(seconds=4 * timeout))
    for rule_id in rule_ids:
        _one_rule(db, rule_id, worker, clock, timeout, lease, report)
    return report


def _rule_ids(db: Database) -> list[int]:
    with db.reading() as session:
        return list(session.scalars(select(AlertRule.id).order_by(AlertRule.id)))


def _one_rule(db: Database, rule_id: int, worker: str, clock: Clock, timeout: float,
              lease: timedelta, report: AlertReport) -> None:
    try:
        batch = _take(db, rule_id, worker, clock(), lease)
        if batch is None:
            return
        error = send.send(batch.target, batch.outgoing, timeout)
        _record(db, batch, error, clock())
    except Exception as exc:  # the database, or one rule's bad data: the others and the run go on
        report.errors.append(f"alert rule {rule_id}: not sent: {_message(exc)}")
        return
    if error is None:
        report.sent += 1
        if batch.attempts:
            report.errors.append(f"alert rule {rule_id}: sent after {batch.attempts} "
                                 "failed attempts")
    elif batch.attempts == 0:  # the first failure of this delivery; later ones are quiet
        report.errors.append(f"alert rule {rule_id} ({send.masked(batch.target)}): could not "
                             f"send: {error}; will retry on the next run")


def _take(db: Database, rule_id: int, worker: str, now: datetime,
          lease: timedelta) -> _Batch | None:
    """Claim or start the rule's delivery with what matches now; None when there is nothing
    to send, it may not send now, or another worker holds it."""
    for _ in range(2):  # a lost race shows the winner's delivery on the second try
        try:
            with db.writing() as session:
                return _take_in(session, rule_id, worker, now, lease)
        except IntegrityError:
            continue
    return None


def _take_in(session: Session, rule_id: int, worker: str, now: datetime,
             lease: timedelta) -> _Batch | None:
    rule = session.get(AlertRule, rule_id)
    if rule is None or not _may_send(rule, now):
        return None
    delivery = session.scalars(select(AlertDelivery).where(
        AlertDelivery.rule_id == rule_id, AlertDelivery.sent_at.is_(None))).one_or_none()
    if delivery is not None and not _claim(session, delivery.id, worker, now, lease):
        return None
    settled = settled_through(session, rule, now)
    versions = matching_versions(session, rule)
    if settled is not None and len(versions) < MAX_PER_MESSAGE:  # all of them were looked at
        rule.after_version_id = settled
    if delivery is None:
        if not versions:
            return None
        delivery = AlertDelivery(rule_id=rule_id, created_at=now, claimed_by=worker,
                                 claimed_until=now + lease, attempts=0)
        session.add(delivery)
        session.flush()
    session.add_all(AlertItem(rule_id=rule_id, version_id=version, delivery_id=delivery.id)
                    for version in versions)
    session.flush()
    carried = list(session.scalars(select(AlertItem.version_id).where(
        AlertItem.delivery_id == delivery.id).order_by(AlertItem.version_id)))
    if not carried:  # its stories were removed while it waited: nothing left to say
        session.delete(delivery)
        return None
    outgoing = message.compose(changes_of(session, carried), rules.as_rule(rule).scope)
    return _Batch(delivery.id, rule_id, rule.target, outgoing, delivery.attempts)


def _may_send(rule: AlertRule, now: datetime) -> bool:
    interval = timedelta(seconds=rule.min_interval_s) if rule.min_interval_s else None
    return rules.may_send(rule.quiet_hours, rules.zone_of(rule.zone), interval,
                          rule.last_sent_at, now)


def _claim(session: Session, delivery_id: int, worker: str, now: datetime,
           lease: timedelta) -> bool:
    """Take an unsent delivery nobody holds (compare-and-set: one worker wins)."""
    result = session.execute(
        update(AlertDelivery)
        .where(AlertDelivery.id == delivery_id,
               or_(AlertDelivery.claimed_until.is_(None), AlertDelivery.claimed_until <= now))
        .values(claimed_by=worker, claimed_until=now + lease)
        .execution_options(synchronize_session=False))
    return bool(getattr(result, "rowcount", 0) == 1)


def _record(db: Database, batch: _Batch, error: str | None, now: datetime) -> None:
    """Mark the delivery sent (and the rule's rate limit started), or failed and released."""
    with db.writing() as session:
        delivery = session.get(AlertDelivery, batch.delivery_id)
        if delivery is None:  # the rule was removed while its message was on its way
            return
        delivery.claimed_by, delivery.claimed_until = None, None
        if error is None:
            delivery.sent_at = now
            rule = session.get(AlertRule, batch.rule_id)
            if rule is not None:
                rule.last_sent_at = now
        else:
            delivery.attempts += 1
            delivery.last_error = error


def _message(exc: Exception) -> str:
    return exc.message if isinstance(exc, TrackerError) else f"{type(exc).__name__}: {exc}"


def test_rule(db: Database, rule_id: int, timeout: float | None = None) -> str | None:
    """Send a test message to a rule's target now; None when it went, else why not."""
    target = rules.rule_target(db, rule_id)
    return send.send(target, message.trial_message(),
                     send.timeout_from_env() if timeout is None else timeout)
