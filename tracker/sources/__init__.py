"""Sources produce candidate versions; `tracker.store.write` decides what becomes a version."""
