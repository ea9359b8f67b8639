"""One search API over what changed and what was said (the code moves out of backend.py next)."""

from tracker.search.backend import (
    SQLITE_TOKENIZER,
    Field,
    SearchFilter,
    SearchHit,
    Snippet,
    index_diff,
    index_version,
    parse_query,
    parse_snippet,
    rebuild_versions,
    search,
    unindex_diff,
)

__all__ = [
    "SQLITE_TOKENIZER",
    "Field",
    "SearchFilter",
    "SearchHit",
    "Snippet",
    "index_diff",
    "index_version",
    "parse_query",
    "parse_snippet",
    "rebuild_versions",
    "search",
    "unindex_diff",
]
