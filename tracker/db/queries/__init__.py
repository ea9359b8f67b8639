"""The read queries: everything the CLI, the TUI and the exporters know about the database."""

from tracker.db.queries.versions import (
    CheckRow,
    FailingStory,
    FeedRow,
    ScheduleStatus,
    StoredDelta,
    StoryOrder,
    StorySummary,
    VersionDetail,
    VersionSummary,
    count_stories,
    find_story,
    get_version,
    list_checks,
    list_stories,
    list_version_texts,
    list_versions,
    list_versions_since,
    schedule_status,
    stored_delta,
    stored_deltas,
    version_texts,
)

__all__ = [
    "CheckRow", "FailingStory", "FeedRow", "ScheduleStatus", "StoredDelta", "StoryOrder",
    "StorySummary", "VersionDetail", "VersionSummary", "count_stories", "find_story",
    "get_version", "list_checks", "list_stories", "list_version_texts", "list_versions",
    "list_versions_since", "schedule_status", "stored_delta", "stored_deltas", "version_texts",
]
