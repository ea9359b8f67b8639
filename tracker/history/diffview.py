"""The change between two versions as readers see it, made from what storage holds for them.

Apart from tracker.history.compare, which reads the versions, so that a story opened directly
(`tracker tui STORY`) can show its newest change from the start-up read (tracker.db.quick)
before SQLAlchemy is imported; both build the same `DiffView` the same way.
"""

from dataclasses import dataclass

from tracker.db.summaries import StoredDelta, VersionDetail, VersionSummary
from tracker.text import diffing
from tracker.text.analysis import Analysis, Side, analyse


@dataclass(frozen=True)
class DiffView:
    """The change between two versions of one story, ready to render."""

    story_id: int
    old: VersionSummary
    new: VersionSummary
    ops: diffing.Ops
    title_ops: diffing.Ops
    stats: diffing.DiffStats
    stored: bool
    """True when read from the diffs table; False when computed now for a non-adjacent pair."""
    analysis: Analysis | None = None
    """Sentence edits and fact changes (stored, or computed now like the ops)."""

    @property
    def headline_changed(self) -> bool:
        return (self.old.title or "") != (self.new.title or "")

    @property
    def byline_changed(self) -> bool:
        return (self.old.byline or "") != (self.new.byline or "")


def diff_view(old: VersionDetail, new: VersionDetail, stored: StoredDelta | None) -> DiffView:
    """Decode a stored delta and analysis against the old text, or compute what is missing."""
    if stored is not None:
        ops = diffing.from_delta(old.text, stored.delta)
        title_ops = diffing.from_delta(old.info.title or "", stored.title_delta)
    else:
        ops = diffing.diff_texts(old.text, new.text)
        title_ops = diffing.diff_title(old.info.title, new.info.title)
    found = stored.analysis if stored is not None else None
    if found is None:
        found = analyse(_side(old), _side(new))
    return DiffView(
        story_id=old.info.story_id, old=old.info, new=new.info, ops=ops, title_ops=title_ops,
        stats=diffing.diff_stats(ops), stored=stored is not None, analysis=found,
    )


def _side(version: VersionDetail) -> Side:
    return Side(version.text, version.info.title, version.info.byline, version.info.updated_at)
