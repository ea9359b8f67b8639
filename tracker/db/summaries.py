"""The plain rows a story list is made of, apart from the queries that load SQLAlchemy.

Both readers build them: the ORM's (tracker.db.queries, re-exported there) and the start-up
path's sqlite3 one (tracker.db.quick), so the TUI's first screen shows the same dataclasses
whichever read it came from.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tracker.db.enums import StoryStatus


@dataclass(frozen=True)
class StorySummary:
    id: int
    url: str
    site: str
    title: str | None
    status: StoryStatus
    first_seen_at: datetime
    last_changed_at: datetime | None
    last_checked_at: datetime | None
    version_count: int
    top_significance: float | None = None
    """The significance of the story's most substantive change (None before its second
    version): what `tracker stories --sort significance` orders by."""
    canonical_url: str | None = None
    """The URL the page declares for itself, when it differs from `url` (see the README)."""


class StoryOrder(StrEnum):
    """The columns a story list can be sorted by."""

    CHANGED = "changed"
    """Most recently changed first."""
    CHECKED = "checked"
    TITLE = "title"
    SITE = "site"
    VERSIONS = "versions"
    STATUS = "status"
    SIGNIFICANCE = "significance"
    """Most substantive change first (tracker.analysis), then most recently changed; last, so
    the TUI's sort key cycles through the visible columns first."""
