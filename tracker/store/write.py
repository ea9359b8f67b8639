"""The one write path: every candidate version, whatever brought it in, is stored here.

A candidate is a new version when its normalised headline and text (the content hash) or its
byline differ from the latest version's: a changed byline is an edit to the record too.

A new version, its diff against the previous version, the diff's analysis (tracker.analysis), the
search index rows (tracker.search) and the check row are committed in one transaction or not at
all. Concurrent writers are made safe by the schema (one version number per
story, one diff per pair, one story per URL): the loser of a race gets an IntegrityError, and the
retry sees the winner's version and records an unchanged check instead of a duplicate.
"""

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer

from tracker import search
from tracker.db.engine import Database
from tracker.db.models import Check, Diff, DiffTag, Outcome, Source, Story, StoryStatus, Version
from tracker.errors import InvalidInput
from tracker.store.schedule import Plan, Policy, StoryTimes, apply_plan, plan_after_check
from tracker.text import analysis, diffing
from tracker.text.normalise import content_hash, normalise_line, normalise_text, strip_volatile
from tracker.text.urls import site_of

RACE_RETRIES = 3


@dataclass(frozen=True)
class Candidate:
    """A text that may be a new version of the story at `url`, as a source produced it."""

    url: str
    observed_at: datetime
    text: str
    title: str | None = None
    byline: str | None = None
    published_at: datetime | None = None
    updated_at: datetime | None = None
    html: str | None = None
    """The raw page, kept compressed with a new version so extraction can be redone later."""
    source: Source = Source.IMPORT
    http_status: int | None = None
    duration_ms: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    final_url: str | None = None
    body_hash: str | None = None
    """Hash of the fetched bytes: the same bytes next time are unchanged without extraction
    (like a 304: a page that extracted badly is not extracted again until it changes)."""
    min_ratio: float | None = None
    """When set, a text shorter than this fraction of the latest version's (or empty) is
    recorded as a suspect check instead of a version: extraction failed, the story did not."""


@dataclass(frozen=True)
class Scheduling:
    """Given to the write path by a snapshot run: reschedule the story and release its claim
    in the same transaction as the check, so a run killed at any point leaves no half-state."""

    policy: Policy
    worker: str


@dataclass(frozen=True)
class CheckFacts:
    """One row of the checks table, before it has a story."""

    checked_at: datetime
    source: Source
    outcome: Outcome
    http_status: int | None = None
    duration_ms: int | None = None
    error: str | None = None
    version_id: int | None = None


@dataclass(frozen=True)
class StoreResult:
    story_id: int
    outcome: Outcome
    version_number: int | None = None
    """The new version's number, or the number of the version the candidate matched."""
    stats: diffing.DiffStats | None = None
    plan: Plan | None = None
    """The story's schedule after this check, when the store was given a `Scheduling`."""


def store_candidate(
    db: Database, candidate: Candidate, *, idempotent: bool = False,
    scheduling: Scheduling | None = None,
) -> StoreResult:
    """Store `candidate` as a new version of its story if its content changed.

    With `idempotent` (imports), a candidate identical to a stored version observed at the same
    time is skipped without a check, so importing the same files twice adds nothing.
    """
    for attempt in range(RACE_RETRIES):
        try:
            with db.writing() as session:
                result = _store(session, candidate, idempotent)
                return _reschedule_after_store(session, candidate, result, scheduling)
        except IntegrityError:
            if attempt == RACE_RETRIES - 1:
                raise
    raise AssertionError("unreachable")


def record_checks(
    db: Database, checks: Sequence[tuple[int, CheckFacts]], scheduling: Scheduling | None = None,
) -> list[Plan | None]:
    """Record many checks that stored no version in one transaction, rescheduling each story.

    A run where nothing changed is a thousand of these: one commit for all of them, instead of
    one each, is what keeps such a run well under a second.
    """
    plans: list[Plan | None] = []
    with db.writing() as session:
        for story_id, facts in checks:
            story = session.get(Story, story_id)
            if story is None:  # removed while it was being fetched
                plans.append(None)
                continue
            _add_check(session, story, facts)
            plans.append(_reschedule(story, facts, scheduling) if scheduling else None)
    return plans


def _store(session: Session, candidate: Candidate, idempotent: bool) -> StoreResult:
    text = strip_volatile(normalise_text(candidate.text))
    title = normalise_line(candidate.title)
    story = _story_for(session, candidate)
    latest = _latest_version(session, story.id)
    suspect = _suspect(candidate, text, title, latest)
    if suspect is not None:
        _add_check(session, story, _check_of(candidate, Outcome.SUSPECT, None, suspect))
        return StoreResult(story.id, Outcome.SUSPECT)
    if not text:
        raise InvalidInput(f"{candidate.url}: the version seen {candidate.observed_at} has no text")
    digest = content_hash(title, text)
    byline = normalise_line(candidate.byline)
    if idempotent:
        known = _version_seen_at(session, story.id, digest, candidate.observed_at)
        if known is not None:
            return StoreResult(story.id, Outcome.ALREADY_STORED, known)
        _refuse_out_of_order(candidate, latest)
    if latest is not None and latest.content_hash == digest and latest.byline == byline:
        _add_check(session, story, _check_of(candidate, Outcome.UNCHANGED, latest))
        return StoreResult(story.id, Outcome.UNCHANGED, latest.number)
    version = _add_version(session, story, latest, candidate, text, title, digest)
    stats = _add_diff(session, story, latest, version) if latest is not None else None
    _add_check(session, story, _check_of(candidate, Outcome.NEW_VERSION, version))
    return StoreResult(story.id, Outcome.NEW_VERSION, version.number, stats)


def _suspect(
    candidate: Candidate, text: str, title: str | None, latest: Version | None
) -> str | None:
    """Why a snapshot's extraction cannot be trusted as a version, or None when it can.

    A text that is only the headline counts as empty: extraction found the page, not the story.
    """
    if candidate.min_ratio is None:
        return None
    if not text or text == title:
        return "extraction found no article text"
    if latest is not None and len(text) < latest.char_count * candidate.min_ratio:
        return (f"extraction collapsed to {len(text)} characters from {latest.char_count}: "
                "kept as a suspect check, not a version")
    return None


def _reschedule_after_store(
    session: Session, candidate: Candidate, result: StoreResult, scheduling: Scheduling | None
) -> StoreResult:
    """Apply the schedule and keep the HTTP facts of the fetch that produced `candidate`."""
    if scheduling is None:
        return result
    story = session.get_one(Story, result.story_id)
    story.body_hash = candidate.body_hash
    story.etag, story.last_modified = candidate.etag, candidate.last_modified
    story.final_url = candidate.final_url
    facts = CheckFacts(candidate.observed_at, candidate.source, result.outcome,
                       candidate.http_status)
    return replace(result, plan=_reschedule(story, facts, scheduling))


def _reschedule(story: Story, facts: CheckFacts, scheduling: Scheduling) -> Plan:
    """Set the story's next check from this one's outcome and release this worker's claim."""
    missing = facts.http_status in (404, 410)
    times = StoryTimes(story.first_seen_at, story.last_changed_at, story.failure_count,
                       story.missing_count)
    plan = plan_after_check(times, facts.checked_at, scheduling.policy,
                            failed=facts.outcome is Outcome.ERROR, missing=missing)
    apply_plan(story, plan, scheduling.worker)
    story.missing_count = plan.missing_count
    story.last_error = facts.error if facts.outcome is Outcome.ERROR else None
    return plan


def _story_for(session: Session, candidate: Candidate) -> Story:
    story = session.scalars(select(Story).where(Story.url == candidate.url)).one_or_none()
    if story is None:
        story = Story(
            url=candidate.url, site=site_of(candidate.url), status=StoryStatus.ACTIVE,
            first_seen_at=candidate.observed_at,
        )
        session.add(story)
        session.flush()
    return story


def _latest_version(session: Session, story_id: int) -> Version | None:
    """The story's newest version; its text is loaded only if a diff needs it, since most
    checks end at the hash comparison."""
    query = (select(Version).options(defer(Version.text)).where(Version.story_id == story_id)
             .order_by(Version.number.desc()))
    return session.scalars(query.limit(1)).one_or_none()


def _version_seen_at(session: Session, story_id: int, digest: str, at: datetime) -> int | None:
    query = select(Version.number).where(
        Version.story_id == story_id, Version.content_hash == digest, Version.observed_at == at
    )
    return session.scalars(query.limit(1)).one_or_none()


def _refuse_out_of_order(candidate: Candidate, latest: Version | None) -> None:
    """Versions are numbered in the order they were observed; an import cannot insert before."""
    if latest is not None and candidate.observed_at < latest.observed_at:
        raise InvalidInput(
            f"{candidate.url}: a version observed {candidate.observed_at:%Y-%m-%d %H:%M} UTC is "
            f"older than the stored version {latest.number} "
            f"({latest.observed_at:%Y-%m-%d %H:%M} UTC); tracker only appends newer versions"
        )


def _add_version(
    session: Session, story: Story, latest: Version | None, candidate: Candidate,
    text: str, title: str | None, digest: str,
) -> Version:
    version = Version(
        story_id=story.id, number=(latest.number + 1) if latest else 1,
        observed_at=candidate.observed_at, title=title, byline=normalise_line(candidate.byline),
        published_at=candidate.published_at, updated_at=candidate.updated_at, text=text,
        content_hash=digest, word_count=diffing.count_words(text), char_count=len(text),
        source=candidate.source, reverts_to=_reverted_to(session, story.id, digest, latest),
        raw_html=zlib.compress(candidate.html.encode(), 6) if candidate.html else None,
    )
    session.add(version)
    session.flush()
    search.index_version(session.connection(), version.id, title, text)
    story.title = title or story.title
    story.last_changed_at = candidate.observed_at
    return version


def _reverted_to(
    session: Session, story_id: int, digest: str, latest: Version | None
) -> int | None:
    """The latest earlier version with this text and headline, when the text went back to it;
    None for a byline-only edit, whose text is the latest version's."""
    if latest is not None and latest.content_hash == digest:
        return None
    query = select(Version.number).where(
        Version.story_id == story_id, Version.content_hash == digest
    )
    return session.scalars(query.order_by(Version.number.desc()).limit(1)).one_or_none()


def _add_diff(session: Session, story: Story, old: Version, new: Version) -> diffing.DiffStats:
    ops = diffing.diff_texts(old.text, new.text)
    title_ops = diffing.diff_title(old.title, new.title)
    stats = diffing.diff_stats(ops)
    found = _analyse(old, new, ops, title_ops)
    diff = Diff(
        story_id=story.id, from_version_id=old.id, to_version_id=new.id,
        delta=diffing.to_delta(ops), title_delta=diffing.to_delta(title_ops),
        words_added=stats.words_added, words_removed=stats.words_removed,
        chars_added=stats.chars_added, chars_removed=stats.chars_removed,
        headline_changed=(old.title or "") != (new.title or ""),
        byline_changed=(old.byline or "") != (new.byline or ""),
        engine=diffing.ENGINE_NAME, created_at=datetime.now(UTC),
        analysis=analysis.to_json(found.result), significance=found.result.significance,
        added_text=found.added, removed_text=found.removed,
        tags=[DiffTag(tag=str(tag)) for tag in found.result.tags],
    )
    session.add(diff)
    session.flush()
    search.index_diff(session.connection(), diff.id, found.added, found.removed)
    return stats


@dataclass(frozen=True)
class _VersionRow:
    """The columns of a version that the analysis reads, from a plain SQL row."""

    text: str
    title: str | None
    byline: str | None


@dataclass(frozen=True)
class _Analysed:
    result: analysis.Analysis
    added: str
    removed: str


def _analyse(
    old: Version | _VersionRow, new: Version | _VersionRow, ops: diffing.Ops,
    title_ops: diffing.Ops,
) -> _Analysed:
    """The analysis and the searchable added/removed text (headline changes first)."""
    result = analysis.analyse(
        analysis.Side(old.text, old.title, old.byline),
        analysis.Side(new.text, new.title, new.byline),
    )
    added = "\n".join(filter(None, (analysis.added_text(title_ops), analysis.added_text(ops))))
    removed = "\n".join(
        filter(None, (analysis.removed_text(title_ops), analysis.removed_text(ops)))
    )
    return _Analysed(result, added, removed)


REINDEX_BATCH = 500


def reindex(db: Database, *, progress: Callable[[int, int], None] | None = None) -> int:
    """Recompute the analysis, tags and search rows of every stored diff, and the full-text
    index of every version: after an upgrade, or when the analysis rules change. Each batch of
    diffs commits on its own, so an interrupted reindex keeps what it did; returns the count."""
    with db.reading() as session:
        ids = list(session.scalars(select(Diff.id).order_by(Diff.id)))
    done = 0
    for start in range(0, len(ids), REINDEX_BATCH):
        chunk = ids[start : start + REINDEX_BATCH]
        with db.writing() as session:
            reindex_diffs(session.connection(), chunk)
        done += len(chunk)
        if progress:
            progress(done, len(ids))
    with db.writing() as session:
        search.rebuild_versions(session.connection())
    return len(ids)


def reindex_diffs(connection: Connection, ids: Sequence[int]) -> None:
    """Reanalyse and reindex these diffs. Plain SQL naming only columns of revision
    0003_analysis_search, because the migration of that revision runs it on older databases."""
    if not ids:
        return
    rows = connection.execute(text(f"""
        SELECT d.id, d.delta, d.title_delta, d.added_text AS old_added,
               d.removed_text AS old_removed,
               o.text AS old_text, o.title AS old_title, o.byline AS old_byline,
               n.text AS new_text, n.title AS new_title, n.byline AS new_byline
        FROM diffs d JOIN versions o ON o.id = d.from_version_id
        JOIN versions n ON n.id = d.to_version_id
        WHERE d.id IN ({", ".join(str(int(i)) for i in ids)})
    """)).all()
    for row in rows:
        _reindex_diff(connection, row)


def _reindex_diff(connection: Connection, row: Any) -> None:
    old = _VersionRow(row.old_text, row.old_title, row.old_byline)
    new = _VersionRow(row.new_text, row.new_title, row.new_byline)
    ops = diffing.from_delta(old.text, row.delta)
    title_ops = diffing.from_delta(old.title or "", row.title_delta)
    found = _analyse(old, new, ops, title_ops)
    if row.old_added is not None:
        search.unindex_diff(connection, row.id, row.old_added, row.old_removed or "")
    connection.execute(text(
        "UPDATE diffs SET analysis = :analysis, significance = :significance, "
        "added_text = :added, removed_text = :removed WHERE id = :id"
    ), {"analysis": analysis.to_json(found.result), "significance": found.result.significance,
        "added": found.added, "removed": found.removed, "id": row.id})
    connection.execute(text("DELETE FROM diff_tags WHERE diff_id = :id"), {"id": row.id})
    for tag in found.result.tags:
        connection.execute(text("INSERT INTO diff_tags (diff_id, tag) VALUES (:id, :tag)"),
                           {"id": row.id, "tag": str(tag)})
    search.index_diff(connection, row.id, found.added, found.removed)


def _check_of(
    candidate: Candidate, outcome: Outcome, version: Version | None, error: str | None = None
) -> CheckFacts:
    return CheckFacts(
        checked_at=candidate.observed_at, source=candidate.source, outcome=outcome,
        http_status=candidate.http_status, duration_ms=candidate.duration_ms,
        version_id=version.id if version else None, error=error,
    )


def _add_check(session: Session, story: Story, facts: CheckFacts) -> None:
    session.add(Check(
        story_id=story.id, checked_at=facts.checked_at, source=facts.source,
        outcome=facts.outcome, http_status=facts.http_status,
        duration_ms=facts.duration_ms, version_id=facts.version_id, error=facts.error,
    ))
    if story.last_checked_at is None or facts.checked_at > story.last_checked_at:
        story.last_checked_at = facts.checked_at

