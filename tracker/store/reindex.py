"""Recompute what the write path derived from the stored versions: every diff's analysis, tags
and search rows, and the full-text index of every version (`tracker reindex`).

Run after the analysis rules change; an upgrade does not need it. Live code, free to follow the
schema: migration 0003_analysis_search, which analysed the diffs of older databases, keeps its
own frozen copy of what it did instead of calling this module.
"""

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, select, text

from tracker import search
from tracker.db.engine import Database
from tracker.db.models import Diff
from tracker.text import analysis, diffing

REINDEX_BATCH = 500


def reindex(db: Database, *, progress: Callable[[int, int], None] | None = None) -> int:
    """Recompute the analysis, tags and search rows of every stored diff, and the full-text
    index of every version. Each batch of diffs commits on its own, so an interrupted reindex
    keeps what it did; returns the count."""
    with db.reading() as session:
        ids = list(session.scalars(select(Diff.id).order_by(Diff.id)))
    done = 0
    for start in range(0, len(ids), REINDEX_BATCH):
        chunk = ids[start : start + REINDEX_BATCH]
        with db.writing() as session:
            _reindex_diffs(session.connection(), chunk)
        done += len(chunk)
        if progress:
            progress(done, len(ids))
    with db.writing() as session:
        search.rebuild_versions(session.connection())
    return len(ids)


def _reindex_diffs(connection: Connection, ids: Sequence[int]) -> None:
    """Reanalyse and reindex these diffs, in plain SQL: one statement reads a batch with both
    versions' text, where the ORM would load each version on its own."""
    if not ids:
        return
    rows = connection.execute(text(f"""
        SELECT d.id, d.delta, d.title_delta, d.added_text AS old_added,
               d.removed_text AS old_removed,
               o.text AS old_text, o.title AS old_title, o.byline AS old_byline,
               o.updated_at AS old_updated,
               n.text AS new_text, n.title AS new_title, n.byline AS new_byline,
               n.updated_at AS new_updated
        FROM diffs d JOIN versions o ON o.id = d.from_version_id
        JOIN versions n ON n.id = d.to_version_id
        WHERE d.id IN ({", ".join(str(int(i)) for i in ids)})
    """)).all()
    for row in rows:
        _reindex_diff(connection, row)


def _reindex_diff(connection: Connection, row: Any) -> None:
    old = analysis.Side(row.old_text, row.old_title, row.old_byline, row.old_updated)
    new = analysis.Side(row.new_text, row.new_title, row.new_byline, row.new_updated)
    ops = diffing.from_delta(old.text, row.delta)
    title_ops = diffing.from_delta(old.title or "", row.title_delta)
    found = analysis.analyse_diff(old, new, ops, title_ops)
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
