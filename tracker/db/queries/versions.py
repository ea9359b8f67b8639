"""Versions of a story: their metadata, texts, stored diffs and the checks that found them.

A version's summary carries the size, tags and significance of the stored diff into it, read in
the same query. Stored diffs come back as stored (deltas and their analysis); turning them into
word diffs, or computing a diff no row holds, is tracker.history.compare's work.
"""

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session, aliased, defer, selectinload

from tracker.db.engine import Database
from tracker.db.models import Check, Diff, Outcome, Source, Story, Version
from tracker.db.summaries import StoredDelta as StoredDelta
from tracker.db.summaries import VersionDetail as VersionDetail
from tracker.db.summaries import VersionSummary as VersionSummary
from tracker.db.types import MAX_INTEGER
from tracker.errors import NotFoundError
from tracker.text.analysis import Analysis, from_json, ordered_tags


@dataclass(frozen=True)
class CheckRow:
    checked_at: datetime
    source: Source
    outcome: Outcome
    http_status: int | None
    duration_ms: int | None
    version_number: int | None
    error: str | None


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
        row = session.execute(_version_by_number(), {"story_id": story_id, "number": number}
                              ).first()
    if row is None:
        raise NotFoundError(f"story {story_id} has no version {number}")
    return VersionDetail(_version_summary(*row), row[0].text)


def version_pair(
    db: Database, story_id: int, old: int, new: int
) -> tuple[VersionDetail, VersionDetail, StoredDelta | None]:
    """Two versions with their texts and the stored diff between them, read together: what a
    comparison needs, in one transaction instead of three (numbers as in get_version)."""
    with db.reading() as session:
        numbers = (_resolve_number(session, story_id, old), _resolve_number(session, story_id, new))
        rows = session.execute(_versions_by_numbers(),
                               {"story_id": story_id, "numbers": list(numbers)}).all()
        delta = session.execute(_delta_by_numbers(), {"story_id": story_id, "old": numbers[0],
                                                      "new": numbers[1]}).first()
    found = {version.number: VersionDetail(_version_summary(version, diff), version.text)
             for version, diff in rows}
    for number in numbers:
        if number not in found:
            raise NotFoundError(f"story {story_id} has no version {number}")
    stored = StoredDelta(delta[0], delta[1], _decoded(delta[2])) if delta else None
    return found[numbers[0]], found[numbers[1]], stored


def version_texts(db: Database, story_id: int, *, upto: int) -> list[str]:
    """The texts of versions 1 to `upto` of a story, oldest first, for whole-history readers."""
    query = (
        select(Version.text)
        .where(Version.story_id == story_id, Version.number <= upto)
        .order_by(Version.number)
    )
    with db.reading() as session:
        return list(session.scalars(query))


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


@cache
def _version_query() -> Select[Version, Diff]:
    """Built once and shared (a Select never changes; `where` makes a new one): building the
    aliased join costs more than running the query, ~3 ms a call measured on a step of the
    TUI, which reads two versions a step."""
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


@cache
def _version_by_number() -> Select[Version, Diff]:
    """One version by story and number, its values bound when run (see _version_query)."""
    return _version_query().where(Version.story_id == bindparam("story_id"),
                                  Version.number == bindparam("number"))


@cache
def _versions_by_numbers() -> Select[Version, Diff]:
    """Some versions of a story by number, values bound when run (see _version_query)."""
    return _version_query().where(Version.story_id == bindparam("story_id"),
                                  Version.number.in_(bindparam("numbers", expanding=True)))


@cache
def _delta_by_numbers() -> Select[str, str, str | None]:
    """The diff row between two version numbers of a story, values bound when run: built
    once, as its two aliases cost ~5 ms to build, several times the query itself."""
    from_version, to_version = aliased(Version), aliased(Version)
    return (
        select(Diff.delta, Diff.title_delta, Diff.analysis)
        .join(from_version, from_version.id == Diff.from_version_id)
        .join(to_version, to_version.id == Diff.to_version_id)
        .where(Diff.story_id == bindparam("story_id"),
               from_version.number == bindparam("old"), to_version.number == bindparam("new"))
    )


def _resolve_number(session: Session, story_id: int, number: int) -> int:
    if number > MAX_INTEGER:
        raise NotFoundError(f"story {story_id} has no version {number}")
    if number > 0:
        return number
    newest = session.scalar(select(func.max(Version.number)).where(Version.story_id == story_id))
    if newest is None or newest + number + 1 < 1:
        raise NotFoundError(f"story {story_id} has no version {number}")
    return newest + number + 1


def _decoded(analysis: str | None) -> Analysis | None:
    return from_json(analysis) if analysis is not None else None


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
        updated_by=tuple((version.updated_by or "").split()), correction=version.correction,
    )
