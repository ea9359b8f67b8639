"""Seen marks: the migration that adds them, and counting what is new since a story was seen."""

from datetime import UTC, datetime, timedelta

from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from tracker.db import migrate
from tracker.db.engine import Database
from tracker.history import seen
from tracker.store.write import Article, Candidate, Observation, store_candidate

URL = "https://example.org/story"
START = datetime(2026, 1, 1, tzinfo=UTC)


def add_versions(db: Database, count: int, start: int = 0) -> int:
    result = None
    for n in range(start, start + count):
        moment = START + timedelta(minutes=n)
        article = Article(f"Paragraph {n}.\n\nMore text.")
        result = store_candidate(db, Candidate(URL, article, Observation(moment)))
    assert result is not None
    return result.story_id


def test_a_story_never_seen_counts_every_version_as_new(any_db: Database) -> None:
    story_id = add_versions(any_db, 3)
    assert seen.new_version_counts(any_db, [story_id]) == {story_id: 3}


def test_seen_versions_no_longer_count_and_new_ones_do(any_db: Database) -> None:
    story_id = add_versions(any_db, 3)
    seen.mark_seen(any_db, story_id, 3)
    assert seen.new_version_counts(any_db, [story_id]) == {story_id: 0}
    add_versions(any_db, 2, start=3)
    assert seen.new_version_counts(any_db, [story_id]) == {story_id: 2}


def test_a_mark_never_moves_backwards(any_db: Database) -> None:
    story_id = add_versions(any_db, 4)
    seen.mark_seen(any_db, story_id, 4)
    seen.mark_seen(any_db, story_id, 2)
    assert seen.new_version_counts(any_db, [story_id]) == {story_id: 0}


def test_unknown_and_no_stories(any_db: Database) -> None:
    assert seen.new_version_counts(any_db, []) == {}
    assert seen.new_version_counts(any_db, [999]) == {999: 0}


def test_upgrade_from_the_previous_revision_keeps_stories(any_db: Database) -> None:
    """A database at the revision before seen marks gains the table and keeps its data."""
    story_id = add_versions(any_db, 2)
    scripts = ScriptDirectory.from_config(migrate.alembic_config())
    revision = scripts.get_revision("0004_seen_marks")
    assert revision is not None
    migrate.downgrade(any_db.engine, str(revision.down_revision))
    with any_db.engine.connect() as connection:
        assert "seen_marks" not in inspect(connection).get_table_names()
    migrate.upgrade(any_db.engine, "head")
    with any_db.engine.connect() as connection:
        assert "seen_marks" in inspect(connection).get_table_names()
        assert connection.execute(text("SELECT count(*) FROM versions")).scalar() == 2
    seen.mark_seen(any_db, story_id, 1)
    assert seen.new_version_counts(any_db, [story_id]) == {story_id: 1}
