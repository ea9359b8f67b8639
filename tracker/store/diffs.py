"""The stored diff between two consecutive versions of a story: computed, analysed and indexed
once, when the newer version is stored (tracker.store.write) or when a merge makes two versions
consecutive (tracker.store.merge)."""

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from tracker import search
from tracker.db.models import Diff, DiffTag, Story, Version
from tracker.text import analysis, diffing


def add_diff(
    session: Session, story: Story, old: Version, new: Version,
    revision: analysis.Revision | None = None,
) -> diffing.DiffStats:
    """Store the diff from `old` to `new`, with its analysis, tags and search rows; `revision`
    is that diff computed beforehand (see analysis.Revision), or None to compute it here."""
    if revision is None or revision.new != side_of(new):
        revision = analysis.revise(side_of(old), side_of(new))
    stats = revision.stats
    diff = Diff(
        story_id=story.id, from_version_id=old.id, to_version_id=new.id,
        delta=revision.delta, title_delta=revision.title_delta,
        words_added=stats.words_added, words_removed=stats.words_removed,
        chars_added=stats.chars_added, chars_removed=stats.chars_removed,
        headline_changed=(old.title or "") != (new.title or ""),
        byline_changed=(old.byline or "") != (new.byline or ""),
        engine=diffing.ENGINE_NAME, created_at=datetime.now(UTC),
        analysis=revision.analysis, significance=revision.significance,
        added_text=revision.added, removed_text=revision.removed,
        tags=[DiffTag(tag=str(tag)) for tag in revision.tags],
    )
    session.add(diff)
    session.flush()
    search.index_diff(session.connection(), diff.id, revision.added, revision.removed)
    return stats


def side_of(version: Version) -> analysis.Side:
    """A stored version as the analysis sees it."""
    return analysis.Side(version.text, version.title, version.byline, version.updated_at)
