"""The one write path: versions, checks and the schedule state they change; reindex recomputes
what it derived from the versions."""
