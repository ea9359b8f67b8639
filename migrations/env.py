"""Alembic environment for tracker.

The application passes its own connection in `config.attributes["connection"]` (see
tracker.db.migrate); the `alembic` command line, run from the repository root with alembic.ini,
builds one from $TRACKER_DATABASE_URL or the default database instead.
"""

from alembic import context
from sqlalchemy import Connection, create_engine, text

from tracker import config as tracker_config
from tracker.db.migrate import include_object
from tracker.db.models import Base

target_metadata = Base.metadata
UPGRADE_LOCK_KEY = 7_253_001  # arbitrary, constant: serialises concurrent upgrades on PostgreSQL


def run_on(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": UPGRADE_LOCK_KEY})
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        include_object=include_object,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        run_on(connection)
        return
    engine = create_engine(tracker_config.database_url())
    with engine.begin() as own_connection:
        run_on(own_connection)


if context.is_offline_mode():
    raise SystemExit("tracker's migrations run online only: point them at a database")
run()
