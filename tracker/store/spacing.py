"""Fleet-wide spacing of the requests to one site, through the database.

Each worker's fetcher waits `--delay` between its own requests to a host, but a hundred workers
at `--delay 1` would send one site a hundred requests a second. So before a request starts,
the worker takes a turn for the host in the database, the one thing every worker shares: one
statement reads when the host is next free, moves that on by the delay, and says how long
this request must wait. It is an INSERT ... ON CONFLICT DO UPDATE ... RETURNING, which locks
the host's row on PostgreSQL (two workers asking at once get turns `delay` apart, one after the
other) and runs inside SQLite's BEGIN IMMEDIATE write transaction (which does the same).

On PostgreSQL "now" is the server's clock (statement_timestamp()), so machines whose clocks
disagree still space their requests; the answer is a wait in seconds, slept on the worker's
own clock. On SQLite it is the machine's clock, read by SQLite as the statement runs.
"""

from sqlalchemy import ColumnElement, Float, case, cast, extract, func
from sqlalchemy.dialects import postgresql, sqlite

from tracker.db.engine import Database
from tracker.db.models import SiteSpacing

JULIAN_DAY_OF_THE_EPOCH = 2440587.5


def take_turn(db: Database, host: str, delay: float) -> float:
    """Reserve the next start of a request to `host`, `delay` seconds after the fleet's last
    one; returns the seconds to wait before starting it (0 when the host is free now)."""
    now = _now(db)
    insert = (sqlite.insert if db.is_sqlite else postgresql.insert)(SiteSpacing)
    free = case((SiteSpacing.next_request_at > now, SiteSpacing.next_request_at), else_=now)
    statement = (
        insert.values(host=host, next_request_at=now + delay)
        .on_conflict_do_update(index_elements=[SiteSpacing.host],
                               set_={"next_request_at": free + delay})
        .returning(SiteSpacing.next_request_at - delay - now)
    )
    with db.writing() as session:
        wait = session.execute(statement).scalar_one()
    return max(float(wait), 0.0)


def _now(db: Database) -> ColumnElement[float]:
    """Seconds since the epoch when the statement runs (not when it was built: a worker may
    wait for SQLite's write lock in between), on the database's clock."""
    if db.is_sqlite:  # 'now' is fixed for one statement; julianday counts days, to ms
        return (func.julianday("now") - JULIAN_DAY_OF_THE_EPOCH) * 86400.0
    return cast(extract("epoch", func.statement_timestamp()), Float)
