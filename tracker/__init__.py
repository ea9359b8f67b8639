"""tracker: keep every version of a breaking news story, diff them, and step through the changes."""

__version__ = "0.1.0"
