"""Sources produce candidate versions; `tracker.store` decides what becomes a version."""
