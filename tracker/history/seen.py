"""Seen marks: which version of each story the person last looked at, and what is new since.

The TUI marks a story seen when it shows the story's newest version; the story list then counts
the versions stored after that mark. A story never opened counts all its versions as new.
"""

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import case, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from tracker.db.engine import Database
from tracker.db.models import SeenMark, Version


def mark_seen(db: Database, story_id: int, version_number: int) -> None:
    """Record that `version_number` of a story was shown; a mark never moves backwards."""
    insert = sqlite_insert if db.is_sqlite else pg_insert
    statement = insert(SeenMark).values(
        story_id=story_id, version_number=version_number, seen_at=datetime.now(UTC)
    )
    newer = statement.excluded.version_number > SeenMark.version_number
    statement = statement.on_conflict_do_update(
        index_elements=[SeenMark.story_id],
        set_={
            "version_number": case((newer, statement.excluded.version_number),
                                   else_=SeenMark.version_number),
            "seen_at": statement.excluded.seen_at,
        },
    )
    with db.writing() as session:
        session.execute(statement)


def new_version_counts(db: Database, story_ids: Iterable[int]) -> dict[int, int]:
    """For each story, how many versions were stored after its seen mark (0 when none)."""
    ids = list(story_ids)
    if not ids:
        return {}
    seen = func.coalesce(SeenMark.version_number, 0)
    query = (
        select(Version.story_id, func.count())
        .outerjoin(SeenMark, SeenMark.story_id == Version.story_id)
        .where(Version.story_id.in_(ids), Version.number > seen)
        .group_by(Version.story_id)
    )
    with db.reading() as session:
        counts = {story_id: count for story_id, count in session.execute(query).all()}
    return {story_id: counts.get(story_id, 0) for story_id in ids}
