"""Comparing two versions of a story: the diff a reader sees, for any pair of versions.

The write path (tracker.store.write) diffs and analyses each version against the one before it
once, when it stores it; here those stored deltas are decoded against the older text. Any other
pair (a version compared with one further back, or a diff row that is missing) is diffed and
analysed now, the same way, so readers get one `DiffView` whichever it was. Storage only hands
over what it holds; computing a diff is domain work and happens here.
"""

import itertools
from dataclasses import dataclass

from tracker.db import queries
from tracker.db.engine import Database
from tracker.db.queries import StoredDelta, VersionDetail, VersionSummary
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


def get_diff(db: Database, story_id: int, from_number: int, to_number: int) -> DiffView:
    """The diff between any two versions: stored for neighbours, computed on demand otherwise.

    Negative numbers count from the newest version, as in queries.get_version.
    """
    return _diff_view(*queries.version_pair(db, story_id, from_number, to_number))


def list_diffs(db: Database, versions: list[VersionDetail]) -> list[DiffView]:
    """The diff into each version after the first, against the version before it.

    Takes the versions a caller already read (queries.list_version_texts), so a whole history
    costs two queries; a pair whose diff row is missing is computed, as in get_diff.
    """
    if not versions:
        return []
    stored = queries.stored_deltas(db, versions[0].info.story_id)
    return [_diff_view(old, new, stored.get(new.info.number))
            for old, new in itertools.pairwise(versions)]


def _diff_view(old: VersionDetail, new: VersionDetail, stored: StoredDelta | None) -> DiffView:
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
