"""Blame: for each paragraph of a version, the version since which it has read exactly so.

A paragraph belongs to the earliest version from which it stood unchanged through every version
up to the one shown. So an edited paragraph belongs to the version that edited it, a paragraph
that moved keeps its age, and one cut and later restored belongs to the version that restored it.
Exact paragraph identity is used rather than word diffs: it needs no diff per version pair, so a
story with hundreds of versions is blamed in one pass over its texts.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the TUI's panes import this module before SQLAlchemy is loaded
    from tracker.db.engine import Database


@dataclass(frozen=True)
class BlamedParagraph:
    text: str
    version: int
    """The version number from which this paragraph has read exactly as it does now."""


def split_paragraphs(text: str) -> list[str]:
    """The non-blank lines of a stored text: stored texts keep one paragraph per line."""
    return [line for line in text.split("\n") if line.strip()]


def blame(texts: Sequence[str]) -> list[BlamedParagraph]:
    """Blame the last of `texts`, where `texts[i]` is version i + 1 of one story."""
    origins: dict[str, int] = {}
    for number, text in enumerate(texts, start=1):
        origins = {paragraph: origins.get(paragraph, number)
                   for paragraph in split_paragraphs(text)}
    last = split_paragraphs(texts[-1]) if texts else []
    return [BlamedParagraph(paragraph, origins[paragraph]) for paragraph in last]


def blame_version(db: "Database", story_id: int, number: int) -> list[BlamedParagraph]:
    """Blame version `number` of a story, reading the texts of the versions up to it."""
    from tracker.db import queries

    return blame(queries.version_texts(db, story_id, upto=number))
