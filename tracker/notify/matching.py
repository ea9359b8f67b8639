"""Which stored changes a rule wants, and what a message says of each, as plain data.

A change is a version with a stored diff: a story's first version is not one, so following
all stories alerts on edits, not on every new story a feed brings. Only versions stored after
the rule was made and not yet in one of its messages (`alert_items`) match.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists, func, select
from sqlalchemy.orm import Session

from tracker.db.models import AlertItem, AlertRule, Diff, DiffTag, Story, Version
from tracker.text.analysis import Edit, EditKind, Fact, Tag, from_json, ordered_tags

MAX_PER_MESSAGE = 500
"""Changes taken into one message; more wait for the next (a first run after a long pause)."""
SENTENCES_PER_CHANGE = 3
SETTLE = timedelta(minutes=10)


@dataclass(frozen=True)
class Sentence:
    """A changed sentence: what it said and says now (one side is None when added or
    deleted)."""

    old: str | None
    new: str | None


@dataclass(frozen=True)
class Change:
    """One matching version, as a message shows it."""

    story_id: int
    url: str
    title: str | None
    from_version: int
    to_version: int
    observed_at: datetime
    tags: tuple[str, ...]
    significance: float | None
    facts: tuple[Fact, ...]
    sentences: tuple[Sentence, ...]
    updated_at: datetime | None


def settled_through(session: Session, rule: AlertRule, now: datetime) -> int | None:
    """The newest version seen more than SETTLE ago: every version up to it is committed (the
    write path's transactions last seconds), so once matched it need not be looked at again,
    and the rule's `after_version_id` can move up to it. This keeps a run's matching to the
    versions of the last few minutes, however old the rule."""
    return session.scalar(select(func.max(Version.id)).where(
        Version.id > rule.after_version_id, Version.observed_at < now - SETTLE))


def matching_versions(session: Session, rule: AlertRule) -> list[int]:
    """The ids of the versions that match `rule` and no message of it has carried yet, up to
    MAX_PER_MESSAGE."""
    query = (select(Version.id).join(Story, Story.id == Version.story_id)
             .where(Version.id > rule.after_version_id, _has_matching_diff(rule),
                    ~exists().where(AlertItem.rule_id == rule.id,
                                    AlertItem.version_id == Version.id)))
    if rule.story_id is not None:
        query = query.where(Version.story_id == rule.story_id)
    if rule.site:
        query = query.where(Story.site == rule.site)
    return list(session.scalars(query.order_by(Version.id).limit(MAX_PER_MESSAGE)))


def _has_matching_diff(rule: AlertRule) -> ColumnElement[bool]:
    conditions: list[ColumnElement[bool]] = [Diff.to_version_id == Version.id]
    if rule.min_significance is not None:
        conditions.append(Diff.significance >= rule.min_significance)
    if rule.headline:
        conditions.append(Diff.headline_changed.is_(True))
    if rule.tags:
        conditions.append(exists().where(DiffTag.diff_id == Diff.id,
                                         DiffTag.tag.in_(rule.tags.split())))
    return exists().where(and_(*conditions))


def changes_of(session: Session, version_ids: Sequence[int]) -> list[Change]:
    """The changes into these versions, by story and then version."""
    rows = session.execute(
        select(Version, Story, Diff).join(Story, Story.id == Version.story_id)
        .join(Diff, Diff.to_version_id == Version.id)
        .where(Version.id.in_(version_ids)).order_by(Story.id, Version.number, Diff.id.desc())
    ).all()
    seen: dict[int, Change] = {}
    for version, story, diff in rows:
        seen.setdefault(version.id, _change(version, story, diff))
    return list(seen.values())


def _change(version: Version, story: Story, diff: Diff) -> Change:
    found = from_json(diff.analysis) if diff.analysis else None
    from_number = version.number - 1
    return Change(
        story_id=story.id, url=story.url, title=version.title or story.title,
        from_version=from_number, to_version=version.number, observed_at=version.observed_at,
        tags=ordered_tags(tag.tag for tag in diff.tags), significance=diff.significance,
        facts=found.facts if found else (),
        sentences=_sentences(found.edits) if found else (), updated_at=version.updated_at,
    )


def _sentences(edits: Sequence[Edit]) -> tuple[Sentence, ...]:
    """The most significant changed sentences, minor fixes and moves left out."""
    wanted = [edit for edit in edits
              if Tag.MINOR not in edit.tags and edit.kind is not EditKind.MOVED]
    wanted.sort(key=lambda edit: -edit.significance)
    return tuple(Sentence(edit.old_text or None, edit.new_text or None)
                 for edit in wanted[:SENTENCES_PER_CHANGE])
