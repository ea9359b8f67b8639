"""The one write path: every candidate version, whatever brought it in, is stored here.

A candidate is a new version when its normalised headline and text (the content hash) or its
byline differ from the latest version's: a changed byline is an edit to the record too.

A new version, its diff against the previous version, the diff's analysis (tracker.text.analysis),
the search index rows (tracker.search) and the check row are committed in one transaction or not
at all. Concurrent writers are made safe by the schema (one version number per story, one diff
per pair, one story per URL in canonical form): the loser of a race gets an IntegrityError, and
the retry sees the winner's version and records an unchanged check instead of a duplicate.
Recomputing the analysis of stored diffs is tracker.store.reindex's job; stories that turn out
to be one are merged by tracker.store.merge.
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer

from tracker import search
from tracker.db.engine import Database
from tracker.db.identity import story_for_url
from tracker.db.models import Check, Outcome, Source, Story, StoryStatus, Version
from tracker.errors import InvalidInput
from tracker.store import merge
from tracker.store.diffs import add_diff
from tracker.store.schedule import Plan, Policy, StoryTimes, apply_plan, plan_after_check
from tracker.text import analysis, corrections, diffing, sentences
from tracker.text.normalise import content_hash, normalise_line, stored_text
from tracker.text.urls import canonical_url, site_of, story_key

RACE_RETRIES = 3
FIRST_VERSION_SENTENCES = 2
FIRST_VERSION_WORDS = 20
"""A snapshot's first text must hold this much prose to become version 1 (see _suspect)."""


@dataclass(frozen=True)
class Article:
    """What the page says: the text and metadata a version is made of."""

    text: str
    title: str | None = None
    byline: str | None = None
    published_at: datetime | None = None
    updated_at: datetime | None = None
    updated_by: tuple[str, ...] = ()
    """Where the page declares `updated_at`: json-ld, meta, visible (or an import's header)."""
    stored_html: bytes | None = None
    """The raw page as a new version keeps it (`normalise.stored_page`), so extraction can be
    redone later. Compressed by whoever makes the article: a snapshot run's extraction
    processes do it beside the extraction, so the run holds only the compressed copy while
    the version waits for its writer thread."""
    canonical_url: str | None = None
    """The URL the page declares for itself on its own site (tracker.sources.extract): two
    stories that declare the same one are one story (tracker.store.merge)."""


@dataclass(frozen=True)
class Observation:
    """How and when the page was seen: the check row's facts, and the HTTP validators that the
    next snapshot of the story sends."""

    observed_at: datetime
    source: Source = Source.IMPORT
    http_status: int | None = None
    duration_ms: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    final_url: str | None = None
    body_hash: str | None = None
    """Hash of the fetched bytes: the same bytes next time are unchanged without extraction
    (like a 304: a page that extracted badly is not extracted again until it changes)."""
    extraction_hint: str | None = None
    """Where extraction found the article (tracker.sources.regions), kept for the next page
    when the check stored a version or matched the latest one."""


@dataclass(frozen=True)
class Prepared:
    """A diff computed before the write, against the version with id `after`: stored only if
    that version is still the story's latest and the new side is the one stored, else the
    write path computes the diff itself, so a race or a merge never stores a wrong one."""

    after: int
    revision: analysis.Revision


@dataclass(frozen=True)
class Latest:
    """The story's latest version, as a diff against it needs it (see `latest_of`)."""

    version_id: int
    side: analysis.Side


@dataclass(frozen=True)
class Candidate:
    """An article that may be a new version of the story at `url`, as a source saw it."""

    url: str
    article: Article
    seen: Observation
    min_ratio: float | None = None
    """When set, a text shorter than this fraction of the latest version's (or empty) is
    recorded as a suspect check instead of a version: extraction failed, the story did not."""
    prepared: Prepared | None = None
    """The diff against the latest version, computed before the write (a snapshot run's)."""


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
    retry_after: timedelta | None = None
    """How long the server asked to be left alone (HTTP 429/503 Retry-After)."""


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
                return _reschedule_after_store(session, candidate.seen, result, scheduling)
        except IntegrityError:
            if attempt == RACE_RETRIES - 1:
                raise
    raise AssertionError("unreachable")


def record_checks(
    db: Database, checks: Sequence[tuple[int, CheckFacts]], scheduling: Scheduling | None = None,
) -> list[Plan | None]:
    """Record many checks that stored no version in one transaction, rescheduling each story.

    A run where nothing changed is a thousand of these: one commit for all of them, instead of
    one each, is what keeps such a run well under a second. The stories are loaded in one query
    first: fetched one by one, each `get` flushed the previous story's check and schedule on its
    own (autoflush), 2-4 ms a check, and a run of 304s waited on its writer thread.
    """
    plans: list[Plan | None] = []
    with db.writing() as session:
        stories = _stories_by_id(session, [story_id for story_id, _ in checks])
        rows: list[dict[str, object]] = []
        for story_id, facts in checks:
            story = stories.get(story_id)
            if story is None:  # removed while it was being fetched
                plans.append(None)
                continue
            rows.append(_checked(story, facts))
            plans.append(_reschedule(story, facts, scheduling) if scheduling else None)
        if rows:  # one executemany: the ORM adds checks one INSERT ... RETURNING at a time
            session.execute(insert(Check), rows)
    return plans


def _stories_by_id(session: Session, ids: Sequence[int]) -> dict[int, Story]:
    found = session.scalars(select(Story).where(Story.id.in_(set(ids))))
    return {story.id: story for story in found}


def _store(session: Session, candidate: Candidate, idempotent: bool) -> StoreResult:
    text = _stored_body(candidate)
    title = normalise_line(candidate.article.title)
    story = _story_for(session, candidate)
    latest = _latest_version(session, story.id)
    suspect = _suspect(candidate, text, title, latest)
    if suspect is not None:
        _add_check(session, story, _check_of(candidate.seen, Outcome.SUSPECT, None, suspect))
        return StoreResult(story.id, Outcome.SUSPECT)
    declared = _canonical_or_none(candidate.article.canonical_url)
    if declared is not None and declared != story.canonical_url:  # a wall page declares none
        story = merge.follow_canonical(session, story, declared)
        latest = _latest_version(session, story.id)
    if not text:
        raise InvalidInput(
            f"{candidate.url}: the version seen {candidate.seen.observed_at} has no text")
    digest = content_hash(title, text)
    byline = normalise_line(candidate.article.byline)
    if idempotent:
        known = _version_seen_at(session, story.id, digest, candidate.seen.observed_at)
        if known is not None:
            return StoreResult(story.id, Outcome.ALREADY_STORED, known)
        _refuse_out_of_order(candidate, latest)
    if latest is not None and latest.content_hash == digest and latest.byline == byline:
        _add_check(session, story, _check_of(candidate.seen, Outcome.UNCHANGED, latest))
        return StoreResult(story.id, Outcome.UNCHANGED, latest.number)
    version = _add_version(session, story, latest, candidate, text, title, digest)
    stats = None
    if latest is not None:
        stats = add_diff(session, story, latest, version, _revision_after(candidate, latest))
    _add_check(session, story, _check_of(candidate.seen, Outcome.NEW_VERSION, version))
    return StoreResult(story.id, Outcome.NEW_VERSION, version.number, stats)


def _stored_body(candidate: Candidate) -> str:
    """The candidate's text as a version stores it. A prepared diff carries it: its new side
    is this article's text through the same `stored_text`, and it costs ~5 ms a page."""
    prepared = candidate.prepared
    return prepared.revision.new.text if prepared else stored_text(candidate.article.text)


def _revision_after(candidate: Candidate, latest: Version) -> analysis.Revision | None:
    prepared = candidate.prepared
    return prepared.revision if prepared is not None and prepared.after == latest.id else None


def latest_of(db: Database, story_id: int) -> Latest | None:
    """The story's latest version, read before a snapshot run extracts its changed page so
    that the diff against it is computed in the extraction process (see Prepared)."""
    columns = (Version.id, Version.text, Version.title, Version.byline, Version.updated_at)
    query = (select(*columns).where(Version.story_id == story_id)
             .order_by(Version.number.desc()).limit(1))
    with db.reading() as session:
        row = session.execute(query).one_or_none()
    if row is None:
        return None
    return Latest(row.id, analysis.Side(row.text, row.title, row.byline, row.updated_at))


def _suspect(
    candidate: Candidate, text: str, title: str | None, latest: Version | None
) -> str | None:
    """Why a snapshot's extraction cannot be trusted as a version, or None when it can.

    A text that is only the headline counts as empty: extraction found the page, not the story.
    The first version must read as an article; a later one must not collapse below `min_ratio`
    of the latest version.
    """
    if candidate.min_ratio is None:
        return None
    if not text or text == title:
        return "extraction found no article text"
    if latest is None:
        return _not_an_article_yet(text)
    if len(text) < latest.char_count * candidate.min_ratio:
        return (f"extraction collapsed to {len(text)} characters from {latest.char_count}: "
                "kept as a suspect check, not a version")
    return None


def _not_an_article_yet(text: str) -> str | None:
    """Why a story's first text is not an article (a navigation page, a "Loading…" or "enable
    JavaScript" stub), or None when it reads as one: its first version must be the story."""
    prose = sentences.prose_sentences(text)
    words = sum(len(sentence.split()) for sentence in prose)
    if len(prose) >= FIRST_VERSION_SENTENCES and words >= FIRST_VERSION_WORDS:
        return None
    return (f"no article yet: {words} words in {len(prose)} sentences of prose (a first version "
            f"needs {FIRST_VERSION_SENTENCES} sentences and {FIRST_VERSION_WORDS} words): "
            "kept as a suspect check, not a version")


def _reschedule_after_store(
    session: Session, seen: Observation, result: StoreResult, scheduling: Scheduling | None
) -> StoreResult:
    """Apply the schedule and keep the HTTP facts of the fetch that was stored."""
    if scheduling is None:
        return result
    story = session.get_one(Story, result.story_id)
    story.body_hash = seen.body_hash
    story.etag, story.last_modified = seen.etag, seen.last_modified
    story.final_url = _canonical_or_none(seen.final_url)
    if result.outcome in (Outcome.NEW_VERSION, Outcome.UNCHANGED):
        story.extraction_hint = seen.extraction_hint
    facts = CheckFacts(seen.observed_at, seen.source, result.outcome, seen.http_status)
    return replace(result, plan=_reschedule(story, facts, scheduling))


def _reschedule(story: Story, facts: CheckFacts, scheduling: Scheduling) -> Plan:
    """Set the story's next check from this one's outcome and release this worker's claim."""
    missing = facts.http_status in (404, 410)
    times = StoryTimes(story.first_seen_at, story.last_changed_at, story.failure_count,
                       story.missing_count)
    plan = plan_after_check(times, facts.checked_at, scheduling.policy,
                            failed=facts.outcome is Outcome.ERROR, missing=missing,
                            retry_after=facts.retry_after)
    apply_plan(story, plan, scheduling.worker)
    story.missing_count = plan.missing_count
    story.last_error = facts.error if facts.outcome is Outcome.ERROR else None
    return plan


def _story_for(session: Session, candidate: Candidate) -> Story:
    """The story the candidate's URL names (tracker.db.identity), or a new one at its
    canonical form."""
    url = story_key(candidate.url)
    found = story_for_url(session, url)
    if found is not None:
        return found
    story = Story(url=url, site=site_of(url), status=StoryStatus.ACTIVE,
                  first_seen_at=candidate.seen.observed_at)
    session.add(story)
    session.flush()
    return story


def _canonical_or_none(url: str | None) -> str | None:
    """A URL from a page or a redirect in canonical form; one tracker cannot hold is dropped."""
    try:
        return canonical_url(url) if url else None
    except InvalidInput:
        return None


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
    observed_at = candidate.seen.observed_at
    if latest is not None and observed_at < latest.observed_at:
        raise InvalidInput(
            f"{candidate.url}: a version observed {observed_at:%Y-%m-%d %H:%M} UTC is "
            f"older than the stored version {latest.number} "
            f"({latest.observed_at:%Y-%m-%d %H:%M} UTC); tracker only appends newer versions"
        )


def _add_version(
    session: Session, story: Story, latest: Version | None, candidate: Candidate,
    text: str, title: str | None, digest: str,
) -> Version:
    article, seen = candidate.article, candidate.seen
    version = Version(
        story_id=story.id, number=(latest.number + 1) if latest else 1,
        observed_at=seen.observed_at, title=title, byline=normalise_line(article.byline),
        published_at=article.published_at, updated_at=article.updated_at,
        updated_by=" ".join(article.updated_by) or None, correction=corrections.as_stored(text),
        text=text,
        content_hash=digest, word_count=diffing.count_words(text), char_count=len(text),
        source=seen.source, reverts_to=_reverted_to(session, story.id, digest, latest),
        raw_html=article.stored_html,
    )
    session.add(version)
    session.flush()
    search.index_version(session.connection(), version.id, title, text)
    story.title = title or story.title
    story.last_changed_at = seen.observed_at
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


def _check_of(
    seen: Observation, outcome: Outcome, version: Version | None, error: str | None = None
) -> CheckFacts:
    return CheckFacts(
        checked_at=seen.observed_at, source=seen.source, outcome=outcome,
        http_status=seen.http_status, duration_ms=seen.duration_ms,
        version_id=version.id if version else None, error=error,
    )


def _add_check(session: Session, story: Story, facts: CheckFacts) -> None:
    session.add(Check(**_checked(story, facts)))


def _checked(story: Story, facts: CheckFacts) -> dict[str, object]:
    """The check row's columns; the story now counts as checked at `facts.checked_at`."""
    if story.last_checked_at is None or facts.checked_at > story.last_checked_at:
        story.last_checked_at = facts.checked_at
    return {"story_id": story.id, "checked_at": facts.checked_at, "source": facts.source,
            "outcome": facts.outcome, "http_status": facts.http_status,
            "duration_ms": facts.duration_ms, "version_id": facts.version_id,
            "error": facts.error}

