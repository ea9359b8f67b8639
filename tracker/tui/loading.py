"""What a TUI worker may catch from a read, and how it is told to the person in one line."""

from tracker.errors import TrackerError

REFRESH_SECONDS = 5.0
"""How often open screens look for versions that another process (a snapshot) stored."""


def __getattr__(name: str) -> tuple[type[Exception], ...]:
    """`READ_ERRORS`: our own errors already read as one line; a database error means the file
    went bad or away. Built on first use, so that the story list's first screen, painted
    before SQLAlchemy is imported (tracker.db.quick), does not import its errors either."""
    if name != "READ_ERRORS":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from sqlalchemy.exc import SQLAlchemyError

    return (TrackerError, SQLAlchemyError)


def describe(error: Exception) -> str:
    """One line for a failed read, saying what to check when the database itself is at fault."""
    if isinstance(error, TrackerError):
        return str(error)
    cause = getattr(error, "orig", None) or error
    first = str(cause).strip().splitlines()[0] if str(cause).strip() else type(error).__name__
    return (f"cannot read the database: {first} "
            "(is it a tracker database, intact, and reachable?)")
