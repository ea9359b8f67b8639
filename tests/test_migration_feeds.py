"""Migration 0012_feed_urls and canonical feed URLs: one feed per canonical URL, however its URL
was spelled when it was added, with the stories every spelling brought in."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from tracker.db import migrate
from tracker.db.engine import Database
from tracker.errors import NotFoundError
from tracker.sources.tracking import remove_feed, track_feed, track_stories

REVISION = "0012_feed_urls"
NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


def previous_revision() -> str:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config()).get_revision(REVISION)
    assert script is not None and isinstance(script.down_revision, str)
    return script.down_revision


def feeds(db: Database) -> list[tuple[int, str, str]]:
    with db.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(
            text("SELECT id, url, status FROM feeds ORDER BY id"))]


def test_upgrade_folds_the_spellings_of_one_feed(any_db: Database) -> None:
    migrate.downgrade(any_db.engine, previous_revision())
    spellings = ["https://News.example/rss/?utm_source=x", "https://news.example:443/rss#top",
                 "https://news.example/rss", "https://other.example/feed.xml"]
    with any_db.engine.begin() as connection:  # what older trackers stored, as given
        for number, url in enumerate(spellings, start=1):
            connection.execute(text(
                "INSERT INTO feeds (id, url, status, added_at, failure_count) "
                "VALUES (:id, :url, :status, :added, 0)"),
                {"id": number, "url": url, "added": NOW.replace(tzinfo=None),
                 "status": "paused" if number == 1 else "active"})
    for feed_id in (1, 2, 3, 4):
        track_stories(any_db, [f"https://news.example/story-{feed_id}"], NOW, feed_id=feed_id)
    migrate.upgrade(any_db.engine, "head")

    assert feeds(any_db) == [(1, "https://news.example/rss", "active"),
                             (4, "https://other.example/feed.xml", "active")]
    with any_db.engine.connect() as connection:
        rows = connection.execute(text("SELECT url, feed_id FROM stories")).all()
    brought: dict[str, int] = dict(rows)
    assert brought == {"https://news.example/story-1": 1, "https://news.example/story-2": 1,
                       "https://news.example/story-3": 1, "https://news.example/story-4": 4}


def test_downgrade_keeps_the_feeds_folded(any_db: Database) -> None:
    track_feed(any_db, "https://news.example/rss", NOW)
    migrate.downgrade(any_db.engine, previous_revision())
    assert feeds(any_db) == [(1, "https://news.example/rss", "active")]
    migrate.upgrade(any_db.engine, "head")


def test_a_feed_added_twice_in_two_spellings_is_one_feed(db: Database) -> None:
    first = track_feed(db, "https://News.example/rss/?utm_campaign=launch", NOW)
    second = track_feed(db, "https://news.example/rss", NOW)
    assert (first.added, second.added) == (True, False)
    assert first.url == second.url == "https://news.example/rss"
    remove_feed(db, "HTTPS://news.example/rss/")
    assert feeds(db) == []
    with pytest.raises(NotFoundError):
        remove_feed(db, "not a url")
