"""The schedule migration: a database at the previous revision, with stories, upgrades cleanly."""

from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from tracker.db import migrate
from tracker.db.engine import Database

REVISION = "0002_schedule"


def previous_revision() -> str:
    scripts = ScriptDirectory.from_config(migrate.alembic_config())
    script = scripts.get_revision(REVISION)
    assert script is not None and isinstance(script.down_revision, str)
    return script.down_revision


def test_upgrade_from_the_previous_revision_keeps_stories(any_db: Database) -> None:
    migrate.downgrade(any_db.engine, previous_revision())
    with any_db.engine.begin() as connection:
        assert "feeds" not in inspect(connection).get_table_names()
        connection.execute(text(
            "INSERT INTO stories (url, site, status, first_seen_at) "
            "VALUES ('https://example.org/a', 'example.org', 'active', '2020-01-07 23:00:00')"
        ))
    migrate.upgrade(any_db.engine, REVISION)
    with any_db.engine.connect() as connection:
        row = connection.execute(text(
            "SELECT url, failure_count, missing_count, next_check_at, claimed_by FROM stories"
        )).one()
        assert "feeds" in inspect(connection).get_table_names()
    # Imported stories are not scheduled: only `tracker add` puts a story on the schedule.
    assert tuple(row) == ("https://example.org/a", 0, 0, None, None)


def test_downgrade_to_the_previous_revision_drops_the_schedule(any_db: Database) -> None:
    migrate.downgrade(any_db.engine, previous_revision())
    with any_db.engine.connect() as connection:
        columns = {column["name"] for column in inspect(connection).get_columns("stories")}
    assert "next_check_at" not in columns and "claimed_until" not in columns
