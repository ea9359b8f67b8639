"""Migration 0005_story_identity: a database built at the previous revision, holding one article
under several spellings of its URL, comes out with one story per article, every text in the
order seen, a stored diff per consecutive pair, and nothing lost."""

from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import text

from tracker.db import migrate, queries
from tracker.db.engine import Database
from tracker.history import compare
from tracker.search import search
from tracker.sources.importer import import_paths

REVISION = "0005_story_identity"
TITLE = "Blast at the port"
TEXTS = {
    "one": "The minister said 12 people were hurt.\nRescue teams arrived at noon.",
    "two": "The minister said 14 people were hurt.\nRescue teams arrived at noon.",
    "two-b": "The minister said 14 people were hurt, police said.\n"
             "Rescue teams arrived at noon.",
    "three": "The minister said 17 people were hurt, police said.\n"
             "Rescue teams arrived at noon.\nDivers searched the harbour overnight.",
}
# (story, hour observed, text): A and B are one article seen through two URLs; at 13:00 only
# the byline changed, which the write path stores as a version of its own.
SEEN = [("a", 8, "one"), ("b", 9, "one"), ("a", 10, "two"), ("b", 11, "two-b"),
        ("a", 12, "three"), ("b", 13, "three"), ("a", 14, "three")]
BYLINES = {13: "By Ana Diaz", 14: "By Ana Diaz"}


def previous_revision() -> str:
    scripts = ScriptDirectory.from_config(migrate.alembic_config())
    script = scripts.get_revision(REVISION)
    assert script is not None and isinstance(script.down_revision, str)
    return script.down_revision


def version_file(folder: Path, hour: int, body: str) -> Path:
    path = folder / f"v{hour}.txt"
    byline = f"byline: {BYLINES[hour]}\n" if hour in BYLINES else ""
    path.write_text(f"observed: 2026-11-25T{hour:02d}:00:00Z\ntitle: {TITLE}\n{byline}\n{body}\n")
    return path


def import_seen(db: Database, tmp_path: Path, url: str, which: set[str]) -> None:
    folder = tmp_path / url.rsplit("/", 1)[1]
    folder.mkdir()
    files = [version_file(folder, hour, TEXTS[name]) for story, hour, name in SEEN
             if story in which]
    assert not import_paths(db, files, url=url).failed


def test_upgrade_merges_the_spellings_of_one_url(any_db: Database, tmp_path: Path) -> None:
    import_seen(any_db, tmp_path, "http://news.example/a", {"a"})
    import_seen(any_db, tmp_path, "http://news.example/b", {"b"})
    import_seen(any_db, tmp_path, "http://news.example/c", {"a"})
    migrate.downgrade(any_db.engine, previous_revision())
    with any_db.engine.begin() as connection:  # what older trackers stored
        connection.execute(text("UPDATE stories SET url = :url WHERE id = 2"),
                           {"url": "HTTP://NEWS.example/a/?utm_source=rss#comments"})
        connection.execute(text("UPDATE stories SET url = 'http://news.example/c/' WHERE id = 3"))
        connection.execute(text("INSERT INTO seen_marks (story_id, version_number, seen_at) "
                                "VALUES (2, 2, '2026-11-25 12:00:00')"))
    migrate.upgrade(any_db.engine, "head")

    stories = {story.id: story for story in queries.list_stories(any_db)}
    assert {i: s.url for i, s in stories.items()} == {
        1: "http://news.example/a", 3: "http://news.example/c"}
    merged = queries.list_versions(any_db, 1)
    assert [queries.get_version(any_db, 1, v.number).text for v in merged] == [
        TEXTS[name] for name in ("one", "two", "two-b", "three", "three")]
    assert [v.observed_at.hour for v in merged] == [8, 10, 11, 12, 13]
    checks = queries.list_checks(any_db, 1)
    assert sorted(c.checked_at.hour for c in checks) == [8, 9, 10, 11, 12, 13, 14]
    assert [c.outcome for c in sorted(checks, key=lambda c: c.checked_at)] == [
        "new_version", "unchanged", "new_version", "new_version", "new_version", "new_version",
        "unchanged"]
    assert sorted(queries.stored_deltas(any_db, 1)) == [2, 3, 4, 5]
    assert search(any_db, "police")  # the new diffs are indexed
    assert queries.find_story(any_db, "http://news.example/a/?utm_source=x").id == 1

    # What the write path stores when it sees the same pages at one URL from the start.
    import_seen(any_db, tmp_path, "http://news.example/expected", {"a", "b"})
    expected = queries.find_story(any_db, "http://news.example/expected")
    want = queries.list_versions(any_db, expected.id)
    assert [_facts(v) for v in merged] == [_facts(v) for v in want]
    for number in (2, 3, 4, 5):
        assert compare.get_diff(any_db, 1, number - 1, number).ops == \
            compare.get_diff(any_db, expected.id, number - 1, number).ops
    with any_db.engine.connect() as connection:
        assert connection.execute(text(
            "SELECT version_number FROM seen_marks WHERE story_id = 1")).scalar_one() == 3
    if any_db.is_sqlite:
        from tests.test_search import assert_fts_intact

        assert_fts_intact(any_db)


def _facts(version: queries.VersionSummary) -> tuple[object, ...]:
    return (version.number, version.title, version.word_count, version.words_added,
            version.words_removed, version.tags, version.significance, version.reverts_to,
            version.headline_changed)


def test_downgrade_drops_the_identity_schema(any_db: Database) -> None:
    migrate.downgrade(any_db.engine, previous_revision())
    with any_db.engine.connect() as connection:
        columns = {row[1] for row in connection.exec_driver_sql(
            "PRAGMA table_info(stories)")} if any_db.is_sqlite else set(connection.execute(text(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = 'stories' AND table_schema = current_schema()")).scalars())
    assert "canonical_url" not in columns and "url" in columns
