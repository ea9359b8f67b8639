"""Stories that turn out to be one article become one story.

Two stories are one when their pages declare the same canonical URL, or when one's declared URL
is the other's URL. The story added first keeps its id and URL; the later one's versions and
checks move to it, its URL stays behind as an alias (so a feed that lists it again, or a lookup,
finds the first story), and it is deleted. The write path calls `follow_canonical` when a page
declares its canonical URL; migration 0005_story_identity did the same, with its own frozen copy,
for the stories that older trackers stored under several spellings of one URL.

The merged story reads as if tracker had followed one URL from the start: its versions are
renumbered in the order they were seen, a version whose text (title and body) and byline are
those of the version just before it is folded into that one (its checks point there and count
as unchanged, as the write path records a fetch of unchanged text), and every pair of
consecutive versions has its stored diff: kept when the pair was already consecutive, computed
now when it is new.
"""

from collections.abc import Sequence
from datetime import datetime
from itertools import pairwise

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from tracker.db.identity import story_id_for_url
from tracker.db.models import Check, Diff, Outcome, SeenMark, Story, StoryAlias, Version
from tracker.store.diffs import add_diff


def follow_canonical(session: Session, story: Story, canonical: str) -> Story:
    """Record the canonical URL `story`'s page declares (in canonical form, on its own site);
    when another story is that URL or declares it too, merge the two and return the survivor."""
    other_id = story_id_for_url(session, canonical)
    if other_id is None or other_id == story.id:
        story.canonical_url = canonical
        return story
    other = session.get_one(Story, other_id)
    survivor, merged = (story, other) if story.id < other.id else (other, story)
    merge_stories(session, survivor, [merged])
    survivor.canonical_url = canonical
    return survivor


def merge_stories(session: Session, survivor: Story, others: Sequence[Story]) -> None:
    """Fold `others` into `survivor` (see the module docstring) and delete them."""
    ids = [other.id for other in others]
    marks = _seen_versions(session, [survivor.id, *ids])
    versions = list(session.scalars(
        select(Version).where(Version.story_id.in_([survivor.id, *ids]))
        .order_by(Version.observed_at, Version.id)))
    kept, folded = _fold_repeats(versions)
    _drop_stale_diffs(session, [survivor.id, *ids], kept)
    _fold_versions(session, folded)
    _move(session, survivor, ids, kept)
    for old, new in pairwise(kept):
        if not session.scalar(select(Diff.id).where(Diff.from_version_id == old.id,
                                                    Diff.to_version_id == new.id)):
            add_diff(session, survivor, old, new)
    _merge_seen(session, survivor.id, marks, folded)
    _adopt(survivor, others, kept)
    for other in others:
        if other.url != survivor.url:
            session.add(StoryAlias(url=other.url, story_id=survivor.id))
    session.execute(delete(Story).where(Story.id.in_(ids)))
    session.flush()


def _fold_repeats(versions: list[Version]) -> tuple[list[Version], dict[int, Version]]:
    """The versions to keep, and each folded version's id with the kept version it repeats."""
    kept: list[Version] = []
    folded: dict[int, Version] = {}
    for version in versions:
        if kept and (kept[-1].content_hash, kept[-1].byline) == (version.content_hash,
                                                                version.byline):
            folded[version.id] = kept[-1]
        else:
            kept.append(version)
    return kept, folded


def _drop_stale_diffs(session: Session, story_ids: list[int], kept: list[Version]) -> None:
    """Delete the diffs between versions that are no longer consecutive."""
    pairs = {(old.id, new.id) for old, new in pairwise(kept)}
    for diff in session.scalars(select(Diff).where(Diff.story_id.in_(story_ids))):
        if (diff.from_version_id, diff.to_version_id) not in pairs:
            session.delete(diff)
    session.flush()


def _fold_versions(session: Session, folded: dict[int, Version]) -> None:
    """Point the checks of each folded version at the version it repeats, then delete it."""
    for version_id, into in folded.items():
        session.execute(update(Check).where(
            Check.version_id == version_id, Check.outcome == Outcome.NEW_VERSION,
        ).values(outcome=Outcome.UNCHANGED))
        session.execute(update(Check).where(Check.version_id == version_id)
                        .values(version_id=into.id))
        session.execute(delete(Version).where(Version.id == version_id))
    session.flush()


def _move(session: Session, survivor: Story, ids: list[int], kept: list[Version]) -> None:
    """Checks, aliases, diffs and versions to the survivor; versions numbered in order seen,
    each revert pointing at the latest earlier version with its text (as the write path sets it:
    not for a byline-only edit)."""
    for table in (Check, StoryAlias, Diff):
        session.execute(update(table).where(table.story_id.in_(ids))
                        .values(story_id=survivor.id))
    for version in kept:  # out of the way of the (story, number) constraint first
        version.story_id, version.number = survivor.id, -version.id
    session.flush()
    last_seen: dict[str, int] = {}
    previous = None
    for number, version in enumerate(kept, start=1):
        version.number = number
        byline_only = previous is not None and previous.content_hash == version.content_hash
        version.reverts_to = None if byline_only else last_seen.get(version.content_hash)
        last_seen[version.content_hash], previous = number, version
    session.flush()


def _seen_versions(session: Session, story_ids: list[int]) -> list[tuple[int, datetime]]:
    """Which version the person saw last in each story (its id), and when."""
    query = select(Version.id, SeenMark.seen_at).join(
        SeenMark, (SeenMark.story_id == Version.story_id)
        & (SeenMark.version_number == Version.number))
    return [(row[0], row[1]) for row in session.execute(query.where(
        SeenMark.story_id.in_(story_ids)))]


def _merge_seen(session: Session, survivor_id: int, seen: list[tuple[int, datetime]],
                folded: dict[int, Version]) -> None:
    """The merged story counts as seen up to the newest version seen in any of its parts."""
    if not seen:
        return
    ids = [folded[i].id if i in folded else i for i, _ in seen]
    number = max(session.scalars(select(Version.number).where(Version.id.in_(ids))))
    at = max(when for _, when in seen)
    mark = session.get(SeenMark, survivor_id)
    if mark is None:
        session.add(SeenMark(story_id=survivor_id, version_number=number, seen_at=at))
    else:
        mark.version_number, mark.seen_at = number, at


def _adopt(survivor: Story, others: Sequence[Story], kept: list[Version]) -> None:
    """The survivor's dates span all the stories; it keeps its own schedule unless only another
    was scheduled; and its next fetch is a full one, since its latest version may be another's."""
    stories = [survivor, *others]
    survivor.first_seen_at = min(story.first_seen_at for story in stories)
    checked = [story.last_checked_at for story in stories if story.last_checked_at]
    survivor.last_checked_at = max(checked, default=None)
    if kept:
        survivor.last_changed_at = kept[-1].observed_at
        survivor.title = kept[-1].title or survivor.title
    survivor.canonical_url = survivor.canonical_url or next(
        (story.canonical_url for story in others if story.canonical_url), None)
    survivor.feed_id = survivor.feed_id or next(
        (story.feed_id for story in others if story.feed_id), None)
    scheduled = [story for story in others if story.next_check_at is not None]
    if survivor.next_check_at is None and scheduled:
        first = min(scheduled, key=lambda story: story.next_check_at or survivor.first_seen_at)
        survivor.status, survivor.next_check_at = first.status, first.next_check_at
    survivor.etag = survivor.last_modified = survivor.body_hash = None
