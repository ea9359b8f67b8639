"""The values stored in the status, outcome and source columns.

Apart from the models, which load SQLAlchemy, so that the start-up path (tracker.db.quick, a
snapshot with nothing due, the TUI's first screen) can name them without it; the models
re-export them.
"""

from enum import StrEnum


class StoryStatus(StrEnum):
    """Where a story or feed stands on the schedule; stored in `stories.status`, `feeds.status`."""

    ACTIVE = "active"  # checked when due
    PAUSED = "paused"  # by the user; never changed by a check
    QUIET = "quiet"  # unchanged for so long that checking stopped
    GONE = "gone"  # 404/410 several times in a row


class Outcome(StrEnum):
    """What came of looking at a story once; stored in `checks.outcome`."""

    NEW_VERSION = "new_version"
    UNCHANGED = "unchanged"
    NOT_MODIFIED = "not_modified"  # HTTP 304: nothing fetched, nothing extracted
    SUSPECT = "suspect"  # extraction empty or collapsed: kept out of the versions
    ERROR = "error"
    ALREADY_STORED = "already_stored"  # an import of a version tracker already has


class Source(StrEnum):
    """What brought a version or a check in; stored in `versions.source`, `checks.source`."""

    IMPORT = "import"
    SNAPSHOT = "snapshot"
