"""The read queries: everything the CLI, the TUI and the exporters know about the database.

Each function opens its own short session and returns frozen dataclasses, never ORM rows, so
readers cannot lazy-load across a closed session or write by accident, and TUI workers can hand
results to widgets on another thread. They return what is stored and nothing computed from it
(diffs between versions are tracker.history.compare's). One module per subject: `stories`,
`versions` (texts, stored diffs, checks) and `schedule`; callers use the names re-exported here.
"""

from tracker.db.queries.schedule import (
    FailingStory,
    FeedRow,
    ScheduleStatus,
    SuspectStory,
    schedule_status,
)
from tracker.db.queries.stories import (
    StoryOrder,
    StorySummary,
    count_stories,
    find_story,
    list_stories,
)
from tracker.db.queries.versions import (
    CheckRow,
    StoredDelta,
    VersionDetail,
    VersionSummary,
    get_version,
    list_checks,
    list_version_texts,
    list_versions,
    list_versions_since,
    stored_deltas,
    version_pair,
    version_texts,
)

__all__ = [
    "CheckRow", "FailingStory", "FeedRow", "ScheduleStatus", "StoredDelta", "StoryOrder",
    "StorySummary", "SuspectStory", "VersionDetail", "VersionSummary", "count_stories",
    "find_story", "get_version", "list_checks", "list_stories", "list_version_texts",
    "list_versions", "list_versions_since", "schedule_status", "stored_deltas", "version_pair",
    "version_texts",
]
