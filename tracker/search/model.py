"""The plain data of search: what is asked (Field, SearchFilter) and what is found (SearchHit
with its Snippet). Results are plain data: a snippet is text plus the offsets of the matched
words, never markup, so the CLI, the TUI and the exporters highlight it each in their own way.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

#: Sentinels around matches in the snippets the databases make; control characters never
#: survive normalise_text, so they cannot occur in stored text.
MATCH_START, MATCH_STOP = "\x02", "\x03"


class Field(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    TEXT = "text"


@dataclass(frozen=True)
class Snippet:
    """An excerpt around the match; `marks` are (start, end) offsets of matched words in it."""

    text: str
    marks: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class SearchHit:
    """One match. For added/removed text, the diff from `from_version` to `to_version`; for
    full text, the first and the last version of the story that contain the match."""

    story_id: int
    story_title: str | None
    site: str
    url: str
    field: Field
    from_version: int
    to_version: int
    observed_at: datetime
    """When the to-version was seen."""
    snippet: Snippet
    tags: tuple[str, ...] = ()
    significance: float | None = None


@dataclass(frozen=True)
class SearchFilter:
    """What `tracker search` narrows by; tags only apply to diffs, so they exclude full text."""

    fields: tuple[Field, ...] = (Field.ADDED, Field.REMOVED, Field.TEXT)
    tag: str | None = None
    site: str | None = None
    since: datetime | None = None
    limit: int = 50


def parse_snippet(marked: str) -> Snippet:
    """Turn text with sentinel-wrapped matches into plain text and match offsets. The runs of
    added or removed text are stored one per line; in a snippet they are joined by " … ".
    Matches with only spaces between them (the words of a phrase) become one mark."""
    parts: list[str] = []
    marks: list[tuple[int, int]] = []
    length = 0
    pieces = re.split(f"[{MATCH_START}{MATCH_STOP}]", marked.replace("\n", " … "))
    for index, piece in enumerate(pieces):
        if index % 2 and piece:
            gap = "".join(parts)[marks[-1][1]:] if marks else None
            if gap is not None and not gap.strip():
                marks[-1] = (marks[-1][0], length + len(piece))
            else:
                marks.append((length, length + len(piece)))
        parts.append(piece)
        length += len(piece)
    return Snippet("".join(parts), tuple(marks))
