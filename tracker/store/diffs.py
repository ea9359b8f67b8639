"""The stored diff between two consecutive versions of a story: computed, analysed and indexed
once, when the newer version is stored (tracker.store.write) or when a merge makes two versions
consecutive (tracker.store.merge)."""

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from tracker import search
from tracker.db.models import Diff, DiffTag, Story, Version
from tracker.text import analysis, diffing


def add_diff(session: Session, story: Story, old: Version, new: Version) -> diffing.DiffStats:
    """Store the diff from `old` to `new`, with its analysis, tags and search rows."""
    ops = diffing.diff_texts(old.text, new.text)
    title_ops = diffing.diff_title(old.title, new.title)
    stats = diffing.diff_stats(ops)
    found = analysis.analyse_diff(_side(old), _side(new), ops, title_ops)
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


def _side(version: Version) -> analysis.Side:
    return analysis.Side(version.text, version.title, version.byline, version.updated_at)
