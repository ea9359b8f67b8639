"""The one write path: versions, checks and the schedule state they change."""
