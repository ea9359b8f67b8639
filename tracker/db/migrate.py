"""Running the alembic migrations that ship inside the package.

The database is upgraded on first use, so a new user never runs a set-up step. A database that
has tables but no alembic revision is not ours, and one at a revision we do not know was written
by a newer tracker: both are refused rather than touched.

alembic (~0.3 s of imports and script loading) is imported only when a database is not at head:
the common case, a database already current, is one query and a scan of the migration files'
revision lines, which keeps every command's start-up short (a run of `tracker snapshot` where
nothing changed is mostly start-up).
"""

from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text

from tracker.db.quick import migrations_dir as migrations_dir
from tracker.db.quick import quick_head as quick_head
from tracker.errors import DatabaseError

if TYPE_CHECKING:
    from alembic.config import Config

VERSION_TABLE = "alembic_version"


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Hide hand-written DDL (full-text tables, their shadow tables and indexes) from
    autogenerate and from the schema comparison in the tests: names ending in `_fts` or
    containing `_fts_`."""
    hidden = name is not None and (name.endswith("_fts") or "_fts_" in name)
    return not (type_ in ("table", "index") and hidden)


def alembic_config(connection: Connection | None = None) -> "Config":
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the migrations directory has no revisions"
    return head


def current_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def ensure_current(engine: Engine) -> None:
    """Upgrade to head unless the database already is there (the common, cheap case)."""
    with engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
        revision = _stored_revision(connection) if VERSION_TABLE in tables else None
    if revision is not None and revision == quick_head():
        return
    if revision == head_revision():
        return
    _refuse_foreign(engine, revision, tables)
    upgrade(engine)


def _stored_revision(connection: Connection) -> str | None:
    """The revision in alembic's version table (one row on a plain chain), read with one query."""
    rows = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
    return rows[0] if len(rows) == 1 else None


def upgrade(engine: Engine, target: str = "head") -> None:
    """Upgrade inside one transaction that holds the write lock (SQLite) or an advisory lock
    (PostgreSQL, in env.py), so two processes starting at once upgrade exactly once."""
    from alembic import command

    with engine.execution_options(tracker_write=True).begin() as connection:
        command.upgrade(alembic_config(connection), target)


def downgrade(engine: Engine, target: str = "base") -> None:
    from alembic import command

    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), target)


def _refuse_foreign(engine: Engine, revision: str | None, tables: set[str]) -> None:
    where = engine.url.render_as_string(hide_password=True)
    if revision is None and tables - {"alembic_version"}:
        raise DatabaseError(
            f"{where} already has tables ({', '.join(sorted(tables)[:4])}...) but no tracker "
            "schema version: it is not a tracker database; point --db elsewhere"
        )
    refuse_newer(engine, revision)


def refuse_newer(engine: Engine, revision: str | None) -> None:
    """Refuse a database at a revision this tracker does not know: a newer tracker wrote it,
    and reading it with this one's models could misread or damage it."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(alembic_config())
    known = {script.revision for script in scripts.walk_revisions()}
    if revision is not None and revision not in known:
        where = engine.url.render_as_string(hide_password=True)
        raise DatabaseError(
            f"{where} is at schema revision {revision}, which this tracker does not know: "
            "it was written by a newer tracker; upgrade tracker"
        )
