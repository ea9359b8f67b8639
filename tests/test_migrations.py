"""Migrations: the schema they build is exactly the models', every step goes down and up again,
and databases that are not ours, newer than us or corrupt are refused without being touched."""

import ast
import multiprocessing
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from tracker.db import migrate
from tracker.db.engine import Database, open_database
from tracker.db.models import Base
from tracker.errors import DatabaseError


def revisions_in_order() -> list[str]:
    scripts = ScriptDirectory.from_config(migrate.alembic_config())
    return [script.revision for script in reversed(list(scripts.walk_revisions()))]


def revision_files() -> list[Path]:
    scripts = ScriptDirectory.from_config(migrate.alembic_config())
    return sorted(Path(scripts.versions).glob("0*.py"))


def schema_differences(database: Database) -> list[object]:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": migrate.include_object}
        )
        return list(compare_metadata(context, Base.metadata))


def test_there_is_exactly_one_head() -> None:
    scripts = ScriptDirectory.from_config(migrate.alembic_config())
    assert len(scripts.get_heads()) == 1


def test_the_quick_head_is_alembics_head() -> None:
    assert migrate.quick_head() == migrate.head_revision()


def test_a_database_at_head_opens_without_loading_alembic(tmp_path: Path) -> None:
    """Start-up of every command: a current database costs one query, not alembic's imports."""
    url = f"sqlite:///{tmp_path / 'current.db'}"
    open_database(url).close()
    code = ("import sys; from tracker.db.engine import open_database; "
            f"open_database({url!r}).close(); "
            "assert not [name for name in sys.modules if name.startswith('alembic')]")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_upgrade_from_empty_matches_the_models(any_db: Database) -> None:
    assert schema_differences(any_db) == []


def test_downgrade_to_base_removes_every_table(any_db: Database) -> None:
    migrate.downgrade(any_db.engine, "base")
    with any_db.engine.connect() as connection:
        assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
        assert migrate.current_revision(connection) is None


def test_each_revision_downgrades_and_upgrades_again(any_db: Database) -> None:
    """The stairway: from each revision, one step down and back up leaves a working schema."""
    migrate.downgrade(any_db.engine, "base")
    for revision in revisions_in_order():
        migrate.upgrade(any_db.engine, revision)
        migrate.downgrade(any_db.engine, "-1")
        migrate.upgrade(any_db.engine, revision)
    assert schema_differences(any_db) == []


def test_opening_an_empty_database_upgrades_it_to_head(db_url: str) -> None:
    database = open_database(db_url)
    with database.engine.connect() as connection:
        assert migrate.current_revision(connection) == migrate.head_revision()


def test_a_database_that_is_not_ours_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    with pytest.raises(DatabaseError, match="not a tracker database"):
        open_database(str(path))
    with sqlite3.connect(path) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert tables == {"invoices"}


def test_a_database_from_a_newer_tracker_is_refused(db: Database) -> None:
    with db.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = 'from_the_future'")
    with pytest.raises(DatabaseError, match="newer tracker"):
        open_database(db.url)


def test_a_corrupt_file_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.db"
    path.write_bytes(b"this is not a database at all\x00" * 200)
    with pytest.raises(DatabaseError, match="cannot open database"):
        open_database(str(path))


def _open_in_process(url: str) -> None:
    open_database(url).close()


def test_two_processes_creating_the_same_database_both_succeed(db_url: str) -> None:
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_open_in_process, args=(db_url,)) for _ in range(3)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(60)
    assert [process.exitcode for process in processes] == [0, 0, 0]
    engine = create_engine(db_url)
    with engine.connect() as connection:
        assert migrate.current_revision(connection) == migrate.head_revision()
    engine.dispose()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(db: Database) -> None:
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL


def test_upgrade_to_analysis_search_analyses_and_indexes_existing_data(any_db: Database) -> None:
    """A database with stories from before 0003_analysis_search comes out analysed and
    searchable, exactly as if the write path had stored it."""
    from tracker.db import queries
    from tracker.search import search
    from tracker.sources.importer import import_paths, seeds_dir

    from .test_search import assert_fts_intact

    scripts = ScriptDirectory.from_config(migrate.alembic_config())
    previous = scripts.get_revision("0003_analysis_search").down_revision
    assert isinstance(previous, str)
    import_paths(any_db, [seeds_dir()])
    expected = [(v.tags, v.significance) for v in queries.list_versions(any_db, 1)]
    hits = search(any_db, "Pray")
    migrate.downgrade(any_db.engine, previous)
    migrate.upgrade(any_db.engine, "head")
    assert [(v.tags, v.significance) for v in queries.list_versions(any_db, 1)] == expected
    assert search(any_db, "Pray") == hits and len(hits) == 2
    if any_db.is_sqlite:
        assert_fts_intact(any_db)


FROZEN_ALLOWED = ("tracker.text",)
"""What a revision may import from tracker: pure functions over strings, which know nothing of
the schema (see 0003_analysis_search's docstring)."""


def test_no_revision_imports_code_that_follows_the_newest_schema() -> None:
    """A revision must run on a later tracker as it did at its revision: the write path, search
    and the models change with the schema, so no revision may call them, even inside a
    function (0003_analysis_search once ran the write path's reindex)."""
    for path in revision_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [f"{node.module}.{alias.name}" for alias in node.names]
            else:
                continue
            for name in names:
                assert not name.startswith("tracker") or name.startswith(FROZEN_ALLOWED), (
                    f"{path.name} imports {name}")


def test_loading_every_revision_loads_no_live_tracker_module() -> None:
    """The same, for what the allowed imports bring in with them, in a fresh interpreter."""
    files = [str(path) for path in revision_files()]
    code = (
        "import importlib.util, sys\n"
        f"for path in {files!r}:\n"
        "    spec = importlib.util.spec_from_file_location('revision', path)\n"
        "    spec.loader.exec_module(importlib.util.module_from_spec(spec))\n"
        "print(sorted(name for name in sys.modules if name.startswith('tracker')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    loaded = ast.literal_eval(result.stdout.strip())
    assert len(files) >= 4 and "tracker.text.analysis" in loaded
    assert [name for name in loaded if name != "tracker" and not name.startswith(FROZEN_ALLOWED)
            ] == []


def test_upgrade_to_search_at_scale_answers_as_the_write_path_does(any_db: Database) -> None:
    """From the revision before 0007_search_at_scale (on PostgreSQL: 'english' vectors, which
    drop "the"), an upgraded database finds exactly what the write path's index finds."""
    from sqlalchemy import text

    from tracker.search import search
    from tracker.sources.importer import import_paths, seeds_dir

    scripts = ScriptDirectory.from_config(migrate.alembic_config())
    previous = scripts.get_revision("0007_search_at_scale").down_revision
    assert isinstance(previous, str)
    import_paths(any_db, [seeds_dir()])
    queries = ["the", "Pray", '"more than a dozen"', "missile* -Pelosi", "Pelosi OR dozen"]
    expected = [search(any_db, query) for query in queries]
    migrate.downgrade(any_db.engine, previous)
    if not any_db.is_sqlite:
        with any_db.engine.connect() as connection:
            assert connection.execute(text(
                "SELECT count(*) FROM versions_fts WHERE document @@ 'the'::tsquery")).scalar() == 0
    migrate.upgrade(any_db.engine, "head")
    assert [search(any_db, query) for query in queries] == expected
    assert all(expected)


def test_search_at_scale_builds_the_vectors_the_write_path_builds() -> None:
    """0007_search_at_scale's frozen tokenizer and vector layout are, today, exactly the live
    ones (tracker.search.tokens and tracker.search.postgres): an upgraded database and a new
    one hold the same index."""
    import importlib.util

    from tracker.search import postgres, tokens

    [path] = [path for path in revision_files() if path.stem.endswith("_search_at_scale")]
    spec = importlib.util.spec_from_file_location("search_at_scale", path)
    assert spec and spec.loader
    revision = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(revision)
    rows = [(5000, "Iran's café: “COVID-19” at 3.5%", "The the white house\nfire, O'Brien said."),
            (70_000, "", "")]
    frozen = revision._Words().of(rows)
    assert frozen == tokens.column_words([(row[0], row[1:]) for row in rows])

    def lexemes(vector: str) -> dict[str, str]:
        return dict(re.findall(r"'((?:[^']|'')*)'(?::([\d,]+))?", vector))

    for row_id, columns in frozen.items():
        assert lexemes(revision._vector(row_id, columns)) == lexemes(
            postgres.vector(row_id, columns))
