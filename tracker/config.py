"""Where tracker keeps its data and which database it talks to.

Everything is computed when asked, never at import time, so tests and the CLI can point tracker
elsewhere with an environment variable or `--db` before anything is opened.
"""

import os
from pathlib import Path

APP_NAME = "tracker"
DATABASE_URL_ENV = "TRACKER_DATABASE_URL"
DATA_DIR_ENV = "TRACKER_DATA_DIR"


def data_dir() -> Path:
    """The user's data directory for tracker (created on demand by the caller that writes)."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override).expanduser()
    import platformdirs  # imported when asked: a cron line's TRACKER_DATA_DIR needs none

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_database_url() -> str:
    """The embedded default: a SQLite file in the user's data directory."""
    return sqlite_url(data_dir() / "tracker.db")


def sqlite_url(path: Path) -> str:
    """The URL of a SQLite file. SQLAlchemy decodes %XX in a URL's path, so a '%' in the file's
    path is written %25 (a data directory named "news 100%" or "a%41b" stays itself)."""
    return "sqlite:///" + str(path).replace("%", "%25")


def database_url(explicit: str | None = None) -> str:
    """Resolve the database URL: `--db` first, then $TRACKER_DATABASE_URL, then the default."""
    if explicit:
        return normalise_url(explicit)
    from_env = os.environ.get(DATABASE_URL_ENV)
    if from_env:
        return normalise_url(from_env)
    return default_database_url()


def normalise_url(url: str) -> str:
    """Accept a bare file path as a SQLite database, and `postgresql://` as psycopg 3."""
    if "://" not in url:
        return sqlite_url(Path(url).expanduser().resolve())
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def without_password(url: str) -> str:
    """A database URL without its password, for a line the user copies somewhere (a crontab):
    the driver reads the password from its own file instead (~/.pgpass for PostgreSQL)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        # URL.set() takes None as "unchanged"; the named tuple's _replace clears it.
        return make_url(url)._replace(password=None).render_as_string(hide_password=False)
    except ArgumentError:
        return url


def display_url(url: str) -> str:
    """The URL as it may be printed: a password in it is masked."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url
