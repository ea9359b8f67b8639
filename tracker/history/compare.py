"""Comparing two versions of a story: the diff a reader sees, for any pair of versions.

The write path (tracker.store.write) diffs and analyses each version against the one before it
once, when it stores it; here those stored deltas are decoded against the older text. Any other
pair (a version compared with one further back, or a diff row that is missing) is diffed and
analysed now, the same way, so readers get one `DiffView` whichever it was. Storage only hands
over what it holds; computing a diff is domain work and happens here.
"""

import itertools

from tracker.db import queries
from tracker.db.engine import Database
from tracker.db.summaries import VersionDetail
from tracker.history.diffview import DiffView as DiffView
from tracker.history.diffview import diff_view


def get_diff(db: Database, story_id: int, from_number: int, to_number: int) -> DiffView:
    """The diff between any two versions: stored for neighbours, computed on demand otherwise.

    Negative numbers count from the newest version, as in queries.get_version.
    """
    return diff_view(*queries.version_pair(db, story_id, from_number, to_number))


def list_diffs(db: Database, versions: list[VersionDetail]) -> list[DiffView]:
    """The diff into each version after the first, against the version before it.

    Takes the versions a caller already read (queries.list_version_texts), so a whole history
    costs two queries; a pair whose diff row is missing is computed, as in get_diff.
    """
    if not versions:
        return []
    stored = queries.stored_deltas(db, versions[0].info.story_id)
    return [diff_view(old, new, stored.get(new.info.number))
            for old, new in itertools.pairwise(versions)]
