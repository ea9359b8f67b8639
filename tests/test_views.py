"""The research views (`version_texts`, `changes`), read as researchers read the database: with
sqlite-utils on the SQLite file, and with plain SQL on PostgreSQL, where the same views have the
same columns and give the same values."""

from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from sqlalchemy import inspect, text

from tracker.db import queries
from tracker.db.engine import Database
from tracker.sources.importer import import_paths, seeds_dir
from tracker.sources.tracking import remove_story

from .conftest import SAMPLE_URL

VIEWS = ("version_texts", "changes")


def test_sqlite_utils_reads_the_history_without_decoding_anything(sample_db: Database) -> None:
    research = sqlite_utils.Database(sample_db.engine.url.database)
    assert set(VIEWS) <= set(research.view_names())
    versions = list(research["version_texts"].rows_where(order_by="version"))
    assert [row["version"] for row in versions] == list(range(1, 9))
    assert versions[0]["observed_at"] == "2020-01-07T23:05:00Z"
    assert versions[0]["published_at"] == "2020-01-07T22:58:00Z"
    assert versions[0]["story_url"] == SAMPLE_URL and versions[0]["site"] == "news.example.com"
    assert versions[-1]["text"] == queries.get_version(sample_db, 1, 8).text
    changes = list(research["changes"].rows_where(order_by="to_version"))
    stored = queries.list_versions(sample_db, 1)[1:]
    assert [(row["from_version"], row["to_version"]) for row in changes] == [
        (v.number - 1, v.number) for v in stored]
    for row, version in zip(changes, stored, strict=True):
        assert row["tags"] == ",".join(sorted(version.tags))
        assert (row["words_added"], row["words_removed"], row["significance"]) == (
            version.words_added, version.words_removed, version.significance)
        assert row["observed_at"] == version.observed_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    v4 = changes[2]
    assert v4["tags"] == "attribution,lede,number,quote" and v4["headline_changed"] == 0
    assert "more than a dozen" in v4["added_text"] and "at least 10" in v4["removed_text"]
    assert changes[3]["headline_changed"] == 1 and changes[3]["title"].startswith("Iran launches")


def test_the_views_follow_deletes(sample_db: Database) -> None:
    remove_story(sample_db, 1)
    research = sqlite_utils.Database(sample_db.engine.url.database)
    assert research["changes"].count == 0 and research["version_texts"].count == 0


def view_rows(db: Database, view: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """A view's columns and rows, booleans as 0/1 (SQLite has no boolean type)."""
    with db.engine.connect() as connection:
        result = connection.execute(text(f"SELECT * FROM {view} ORDER BY 1"))
        rows = [tuple(int(v) if isinstance(v, bool) else v for v in row) for row in result]
        return list(result.keys()), rows


def test_postgresql_has_the_same_views_with_the_same_values(db: Database, pg_db: Database) -> None:
    for database in (db, pg_db):
        assert not import_paths(database, [seeds_dir()]).failed
        assert set(VIEWS) <= set(inspect(database.engine).get_view_names())
    for view in VIEWS:
        assert view_rows(pg_db, view) == view_rows(db, view)


@pytest.mark.parametrize("view", VIEWS)
def test_the_views_hold_the_documented_columns(db: Database, view: str) -> None:
    """README's table of columns is the views' own."""
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index(f"`{view}`"):]
    columns, _ = view_rows(db, view)
    documented = section[:section.index("\n\n")]
    assert [column for column in columns if f"`{column}`" not in documented] == []
