"""The plain rows the TUI's first screens are made of, apart from the queries that load SQLAlchemy.

Both readers build them: the ORM's (tracker.db.queries, re-exported there) and the start-up
path's sqlite3 one (tracker.db.quick), so the story list and a story opened directly show the
same dataclasses whichever read they came from.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from tracker.db.enums import StoryStatus

if TYPE_CHECKING:
    from tracker.text.analysis import Analysis


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


@dataclass(frozen=True)
class VersionSummary:
    """A version's metadata and the size of the change that produced it (none for version 1)."""

    story_id: int
    number: int
    observed_at: datetime
    title: str | None
    byline: str | None
    published_at: datetime | None
    updated_at: datetime | None
    word_count: int
    char_count: int
    source: str
    reverts_to: int | None
    words_added: int
    words_removed: int
    headline_changed: bool
    byline_changed: bool
    tags: tuple[str, ...] = ()
    """Kinds of fact the change into this version touched (tracker.analysis.Tag values)."""
    significance: float | None = None
    """0-100, how substantive that change was; None for version 1 and unanalysed diffs."""
    updated_by: tuple[str, ...] = ()
    """Which of the page's declarations state `updated_at` (json-ld, meta, visible, header)."""
    correction: str | None = None
    """The correction and editor's notes the text carries, one per line."""


@dataclass(frozen=True)
class VersionDetail:
    info: VersionSummary
    text: str


@dataclass(frozen=True)
class StoredDelta:
    """A diff row as it is stored, for tracker.history.compare to decode against the older
    version: diff-match-patch deltas of the text and the title, and the analysis."""

    delta: str
    title_delta: str
    analysis: "Analysis | None"
    """Decoded from the stored JSON; None until the diff is analysed."""
