"""Running the alembic migrations that ship inside the package.

The database is upgraded on first use, so a new user never runs a set-up step. A database that
has tables but no alembic revision is not ours, and one at a revision we do not know was written
by a newer tracker: both are refused rather than touched.
"""

from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect

from tracker.errors import DatabaseError


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Hide hand-written DDL (full-text tables, their shadow tables and indexes) from
    autogenerate and from the schema comparison in the tests: names ending in `_fts` or
    containing `_fts_`."""
    hidden = name is not None and (name.endswith("_fts") or "_fts_" in name)
    return not (type_ in ("table", "index") and hidden)


def migrations_dir() -> Path:
    """The alembic script directory: `migrations/` in a checkout, `tracker/migrations` installed."""
    return Path(str(resources.files("tracker.migrations")))


def alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the migrations directory has no revisions"
    return head


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def ensure_current(engine: Engine) -> None:
    """Upgrade to head unless the database already is there (the common, cheap case)."""
    with engine.connect() as connection:
        revision = current_revision(connection)
        tables = set(inspect(connection).get_table_names())
    if revision == head_revision():
        return
    _refuse_foreign(engine, revision, tables)
    upgrade(engine)


def upgrade(engine: Engine, target: str = "head") -> None:
    """Upgrade inside one transaction that holds the write lock (SQLite) or an advisory lock
    (PostgreSQL, in env.py), so two processes starting at once upgrade exactly once."""
    with engine.execution_options(tracker_write=True).begin() as connection:
        command.upgrade(alembic_config(connection), target)


def downgrade(engine: Engine, target: str = "base") -> None:
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), target)


def _refuse_foreign(engine: Engine, revision: str | None, tables: set[str]) -> None:
    where = engine.url.render_as_string(hide_password=True)
    if revision is None and tables - {"alembic_version"}:
        raise DatabaseError(
            f"{where} already has tables ({', '.join(sorted(tables)[:4])}...) but no tracker "
            "schema version: it is not a tracker database; point --db elsewhere"
        )
    scripts = ScriptDirectory.from_config(alembic_config())
    known = {script.revision for script in scripts.walk_revisions()}
    if revision is not None and revision not in known:
        raise DatabaseError(
            f"{where} is at schema revision {revision}, which this tracker does not know: "
            "it was written by a newer tracker; upgrade tracker"
        )
