"""Listing stories: filtering by text (LIKE wildcards taken literally) and sorting by column."""

from tests.tui_support import add_story
from tracker.db import queries
from tracker.db.engine import Database
from tracker.db.queries import StoryOrder


def stories(any_db: Database) -> None:
    add_story(any_db, "https://a.example.com/100-percent", ["x"], title="Up 100% today", hour=9)
    add_story(any_db, "https://b.example.org/snake_case", ["x", "y"], title="Snake", hour=10)
    add_story(any_db, "https://c.example.net/plain", ["x", "y", "z"], title="plain news", hour=8)


def titles(rows: list[queries.StorySummary]) -> list[str | None]:
    return [row.title for row in rows]


def test_contains_matches_title_url_or_site_in_any_case(any_db: Database) -> None:
    stories(any_db)
    assert titles(queries.list_stories(any_db, contains="SNAKE")) == ["Snake"]
    assert titles(queries.list_stories(any_db, contains="example.net")) == ["plain news"]
    assert queries.count_stories(any_db, contains="example") == 3
    assert queries.count_stories(any_db, contains="  ") == 3


def test_like_wildcards_are_literal(any_db: Database) -> None:
    stories(any_db)
    assert titles(queries.list_stories(any_db, contains="100%")) == ["Up 100% today"]
    assert titles(queries.list_stories(any_db, contains="e_c")) == ["Snake"]
    assert queries.count_stories(any_db, contains="%") == 1


def test_every_order_both_ways(any_db: Database) -> None:
    stories(any_db)
    expected = {
        StoryOrder.CHANGED: ["Snake", "Up 100% today", "plain news"],
        StoryOrder.TITLE: ["Up 100% today", "Snake", "plain news"],
        StoryOrder.VERSIONS: ["plain news", "Snake", "Up 100% today"],
        StoryOrder.SITE: ["plain news", "Snake", "Up 100% today"],
    }
    for order, descending in expected.items():
        assert titles(queries.list_stories(any_db, order=order)) == descending
        ascending = queries.list_stories(any_db, order=order, descending=False)
        assert titles(ascending) == descending[::-1]
    assert len(queries.list_stories(any_db, order=StoryOrder.CHECKED, limit=2, offset=1)) == 2
