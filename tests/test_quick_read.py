"""The start-up read (tracker.db.quick) against the ORM's on the same real SQLite files.

The quick read is a second implementation of four ORM reads, kept for start-up time: these
tests are what keeps the two from drifting. Every sort, both directions, pages, counts of new
versions, what is due, and the databases the quick read must refuse (and leave to the ORM).
"""

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, select, update

from tests.tui_support import add_story
from tracker.db import queries
from tracker.db.engine import Database, open_database
from tracker.db.models import Diff, Story, StoryStatus, Version
from tracker.db.quick import QuickReader, open_quick, sqlite_file
from tracker.db.summaries import VersionDetail
from tracker.history import seen
from tracker.sources.importer import import_paths, seeds_dir
from tracker.sources.tracking import set_status, track_feed, track_stories
from tracker.store.schedule import anything_due
from tracker.tui import panes
from tracker.tui.panes import PaneRequest
from tracker.tui.texts import Look, Mode

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def fill(db: Database) -> None:
    """The sample story, stories of several sizes, titles and statuses, a tracked story with no
    version yet, seen marks, ties on every sort key, and a declared canonical URL."""
    assert not import_paths(db, [seeds_dir()]).failed
    for index, title in enumerate(["beta", "Alpha", "alpha", "Gamma", "beta"]):
        add_story(db, f"https://site{index % 2}.example/{index}", [f"one {index}", "two"]
                  [: 1 + index % 2], title=title, hour=9 + index % 3)
    tracked = track_stories(db, ["https://other.example/a", "https://other.example/b"], NOW)
    set_status(db, tracked[1].story_id, StoryStatus.PAUSED, NOW)
    seen.mark_seen(db, 1, 3)
    with db.writing() as session:
        session.execute(update(Story).where(Story.id == 2)
                        .values(canonical_url="https://canonical.example/2"))


def test_the_story_list_is_the_orms_in_every_order(db: Database, db_url: str) -> None:
    fill(db)
    with open_quick(db_url) as reader:
        assert reader is not None
        for order in queries.StoryOrder:
            for descending in (True, False):
                for offset, limit in ((0, 100), (2, 3), (7, 100)):
                    quick = reader.list_stories(order=order, descending=descending,
                                                offset=offset, limit=limit)
                    orm = queries.list_stories(db, order=order, descending=descending,
                                               offset=offset, limit=limit)
                    assert quick == orm, (order, descending, offset)
        ids = [story.id for story in queries.list_stories(db)]
        assert len(ids) == 8 and reader.count_stories() == queries.count_stories(db)
        assert reader.new_version_counts(ids) == seen.new_version_counts(db, ids)
        assert reader.new_version_counts([*ids, 999]) == seen.new_version_counts(db, [*ids, 999])


def test_the_first_page(sample_db: Database, db_url: str) -> None:
    with open_quick(db_url) as reader:
        assert reader is not None
        page = reader.first_page(100)
    assert page.stories == queries.list_stories(sample_db, limit=100)
    assert page.new_counts == {1: 8} and page.total == 1


def test_an_empty_database(db: Database, db_url: str) -> None:
    with open_quick(db_url) as reader:
        assert reader is not None
        page = reader.first_page(100)
        assert not reader.anything_due(NOW) and not reader.anything_due(NOW, every=True)
    assert (page.stories, page.new_counts, page.total) == ([], {}, 0)


def due_both_ways(db: Database, reader: QuickReader, now: datetime) -> list[bool]:
    """anything_due from both reads, plain and with --all; they must agree."""
    answers = []
    for every in (False, True):
        quick, orm = reader.anything_due(now, every=every), anything_due(db, now, every=every)
        assert quick == orm, (now, every)
        answers.append(quick)
    return answers


def test_what_is_due(db: Database, db_url: str) -> None:
    assert not import_paths(db, [seeds_dir()]).failed  # imported: never on the schedule
    with open_quick(db_url) as reader:
        assert reader is not None
        assert due_both_ways(db, reader, NOW) == [False, False]
        [story] = track_stories(db, ["https://other.example/a"], NOW)
        assert due_both_ways(db, reader, NOW) == [True, True]
        assert due_both_ways(db, reader, NOW - timedelta(seconds=1)) == [False, True]
        with db.writing() as session:  # held by a worker's lease
            session.execute(update(Story).where(Story.id == story.story_id)
                            .values(claimed_by="w", claimed_until=NOW + timedelta(minutes=5)))
        assert due_both_ways(db, reader, NOW) == [False, False]
        assert due_both_ways(db, reader, NOW + timedelta(minutes=6)) == [True, True]
        set_status(db, story.story_id, StoryStatus.PAUSED, NOW)
        assert due_both_ways(db, reader, NOW + timedelta(minutes=6)) == [False, False]
        track_feed(db, "https://other.example/feed.xml", NOW)
        assert due_both_ways(db, reader, NOW + timedelta(minutes=6)) == [True, True]


def test_databases_left_to_the_orm(tmp_path: Path, db: Database, db_url: str) -> None:
    """Anything but a readable SQLite file at the head revision gets None."""
    with db.connection() as connection:
        revision = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    path = Path(str(sqlite_file(db_url)))
    for stored in ("9999_from_a_newer_tracker", "0001_stories_versions_diffs_checks"):
        with sqlite3.connect(path) as connection:
            connection.execute("UPDATE alembic_version SET version_num = ?", (stored,))
        with open_quick(db_url) as reader:
            assert reader is None, stored
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = ?", (revision,))
    corrupt, foreign, empty = (tmp_path / name for name in ("corrupt.db", "foreign.db", "e.db"))
    corrupt.write_bytes(b"not a database at all" * 100)
    with sqlite3.connect(foreign) as connection:
        connection.execute("CREATE TABLE notes (x)")
    sqlite3.connect(empty).close()
    for url in (f"sqlite:///{corrupt}", f"sqlite:///{foreign}", f"sqlite:///{empty}",
                f"sqlite:///{tmp_path / 'missing.db'}", "sqlite://", f"{db_url}?mode=ro",
                "postgresql+psycopg://127.0.0.1/test"):
        with open_quick(url) as reader:
            assert reader is None, url
    with open_quick(db_url) as reader:
        assert reader is not None


def test_the_file_is_the_one_sqlalchemy_opens(tmp_path: Path) -> None:
    """A path with '%', spaces and %XX in it names the same file for both reads."""
    from tracker.config import sqlite_url

    path = tmp_path / "100% a%41b" / "tracker.db"
    url = sqlite_url(path)
    open_database(url).close()
    assert sqlite_file(url) == str(path)
    with open_quick(url) as reader:
        assert reader is not None and reader.count_stories() == 0


def test_a_story_opening_is_the_orms(db: Database, db_url: str) -> None:
    """What `tracker tui STORY` shows first: the story, its versions, the newest two texts and
    the diff between them, as the ORM reads them; a missing diff row is missing in both."""
    fill(db)
    with db.writing() as session:  # the sample story's last diff row lost: computed instead
        session.execute(delete(Diff).where(Diff.story_id == 1, Diff.to_version_id == (
            select(Version.id).where(Version.story_id == 1, Version.number == 8)
            .scalar_subquery())))
    with open_quick(db_url) as reader:
        assert reader is not None
        assert reader.story_opening(999) is None
        for story in queries.list_stories(db):
            opening = reader.story_opening(story.id)
            assert opening is not None
            assert opening.story == queries.find_story(db, story.id)
            assert opening.versions == queries.list_versions(db, story.id)
            assert opening.newest == newest_details(db, story.id, story.version_count)
            assert opening.delta == (queries.version_pair(db, story.id, -2, -1)[2]
                                     if story.version_count > 1 else None)
        sample = reader.story_opening(1)
    assert sample is not None and sample.delta is None and len(sample.versions) == 8
    assert any(version.tags for version in sample.versions)


def newest_details(db: Database, story_id: int, count: int) -> list[VersionDetail]:
    """The ORM's reading of a story's newest two versions, oldest first."""
    if count > 1:
        return list(queries.version_pair(db, story_id, -2, -1)[:2])
    return [queries.get_version(db, story_id, 1)] if count else []


def test_the_first_pane_is_the_one_read_later(sample_db: Database, db_url: str) -> None:
    """The story screen's first pane from the start-up read reads as it would from the
    database, in every mode it covers; what it does not hold is left to the database."""
    one = add_story(sample_db, "https://site.example/one", ["Only one version so far."])
    with open_quick(db_url) as reader:
        assert reader is not None
        opening, single = reader.story_opening(1), reader.story_opening(one)
    assert opening is not None and single is not None
    for mode in (Mode.INLINE, Mode.SIDE, Mode.FULL):
        for look in (Look(), Look(markers=True, folded=False, find=("Iran",))):
            request = PaneRequest(1, 8, mode, look=look)
            quick = panes.from_opening(opening, request)
            assert quick is not None and quick.plain == panes.build(sample_db, request).plain
    alone = PaneRequest(one, 1, only=True)
    quick = panes.from_opening(single, alone)
    assert quick is not None and quick.plain == panes.build(sample_db, alone).plain
    for request in (PaneRequest(1, 7), PaneRequest(1, 8, Mode.BLAME), PaneRequest(1, 8, base=6)):
        assert panes.from_opening(opening, request) is None
