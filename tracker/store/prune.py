"""Retention: old checks and old raw HTML go, a version's text never does (`tracker db prune`).

A tracker that checks a story every few minutes writes about 45 checks per story a week, and
keeps the fetched page (zlib, about 20 KB on real pages) with every version. Neither is needed
for long: the versions, their texts and diffs are the record. What a prune removes:

- checks older than `Retention.checks`, except the check that stored each version (it says
  how the version was fetched) and each story's latest check (`tracker status` reads it);
- the raw HTML of versions observed before `Retention.html`, except each story's newest
  version, whose page a changed extractor may still want to read again.

It works through the table by primary key, a window of ids per transaction, so a prune of
millions of rows never holds a long lock, a killed prune leaves every window it finished done
and the others untouched, and running it again carries on.
"""

import os
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.orm import aliased

from tracker.db.engine import Database
from tracker.db.models import Check, Outcome, Story, Version
from tracker.errors import InvalidInput
from tracker.text.timespec import parse_duration

WINDOW = 10_000
"""Ids per transaction: a few hundred milliseconds of work, a short lock."""
FOREVER = "forever"


@dataclass(frozen=True)
class Retention:
    """How long checks and raw HTML are kept; None keeps them for ever."""

    checks: timedelta | None = timedelta(days=90)
    html: timedelta | None = timedelta(days=30)

    @classmethod
    def from_env(cls) -> "Retention":
        """The defaults, overridden by TRACKER_KEEP_CHECKS and TRACKER_KEEP_HTML."""
        overrides: dict[str, Any] = {}
        for field in fields(cls):
            name = f"TRACKER_KEEP_{field.name.upper()}"
            if value := os.environ.get(name):
                try:
                    overrides[field.name] = parse_keep(value)
                except InvalidInput as exc:
                    raise InvalidInput(f"{name}: {exc.message}") from None
        return replace(cls(), **overrides)


def parse_keep(value: str) -> timedelta | None:
    """A retention: a duration (90d, 12w) or `forever`."""
    return None if value.strip().lower() == FOREVER else parse_duration(value)


@dataclass(frozen=True)
class PruneReport:
    """What a prune removed (or, in a dry run, would remove)."""

    checks: int
    html_versions: int
    html_bytes: int
    """The compressed size of the HTML dropped."""
    checks_before: datetime | None
    html_before: datetime | None
    dry_run: bool


def prune(db: Database, retention: Retention, now: datetime, *, dry_run: bool = False,
          window: int = WINDOW) -> PruneReport:
    """Remove what `retention` no longer keeps (see the module docstring); with `dry_run`,
    only count it."""
    checks_before = now - retention.checks if retention.checks is not None else None
    html_before = now - retention.html if retention.html is not None else None
    checks = html = size = 0
    if checks_before is not None:
        checks = _prune_checks(db, checks_before, dry_run, window)
    if html_before is not None:
        html, size = _prune_html(db, html_before, dry_run, window)
    return PruneReport(checks, html, size, checks_before, html_before, dry_run)


def _old_checks(before: datetime) -> ColumnElement[bool]:
    latest = select(Story.last_checked_at).where(Story.id == Check.story_id).scalar_subquery()
    return ((Check.checked_at < before) & (Check.outcome != Outcome.NEW_VERSION)
            & (Check.checked_at < latest))


def _old_html(before: datetime) -> ColumnElement[bool]:
    newer = aliased(Version)
    has_newer = select(newer.id).where(newer.story_id == Version.story_id,
                                       newer.number > Version.number).exists()
    return (Version.observed_at < before) & Version.raw_html.is_not(None) & has_newer


def _prune_checks(db: Database, before: datetime, dry_run: bool, window: int) -> int:
    if dry_run:
        with db.reading() as session:
            return session.scalar(select(func.count()).where(_old_checks(before))) or 0
    deleted = 0
    for low, high in _windows(db, Check.id, window):
        with db.writing() as session:
            result = session.execute(
                delete(Check).where(Check.id >= low, Check.id < high, _old_checks(before))
                .execution_options(synchronize_session=False))
            deleted += int(result.rowcount)  # type: ignore[attr-defined]
    return deleted


def _prune_html(db: Database, before: datetime, dry_run: bool, window: int) -> tuple[int, int]:
    counted = select(func.count(), func.coalesce(func.sum(func.length(Version.raw_html)), 0))
    if dry_run:
        with db.reading() as session:
            count, size = session.execute(counted.where(_old_html(before))).one()
        return int(count), int(size)
    total = total_size = 0
    for low, high in _windows(db, Version.id, window):
        in_window = (Version.id >= low) & (Version.id < high) & _old_html(before)
        with db.writing() as session:
            count, size = session.execute(counted.where(in_window)).one()
            session.execute(update(Version).where(in_window).values(raw_html=None)
                            .execution_options(synchronize_session=False))
        total, total_size = total + int(count), total_size + int(size)
    return total, total_size


def _windows(db: Database, column: Any, window: int) -> list[tuple[int, int]]:
    """Half-open id ranges of `window` ids covering the table, read from its primary key."""
    with db.reading() as session:
        low, high = session.execute(select(func.min(column), func.max(column))).one()
    if low is None:
        return []
    return [(start, start + window) for start in range(low, high + 1, window)]
