"""A story's whole history as plain data: what every export format renders.

Read once through the query module (two queries for the versions and their stored diffs), so the
formats never touch the database and render the same facts the same way.
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from tracker.db import queries
from tracker.db.engine import Database
from tracker.db.queries import DiffView, StorySummary, VersionDetail


@dataclass(frozen=True)
class Tag:
    """A kind of change a reader should notice (a headline rewrite, a revert).

    `kind` is a short machine name; `note` says more where the kind alone does not (which
    version a revert went back to). Tags from the change analysis take the same shape.
    """

    kind: str
    note: str | None = None

    @property
    def label(self) -> str:
        """How a report shows the tag to a person."""
        return f"{self.kind}: {self.note}" if self.note else self.kind


@dataclass(frozen=True)
class Change:
    """One revision: the diff that produced a version, and what kinds of change it holds."""

    view: DiffView
    tags: tuple[Tag, ...]

    @property
    def number(self) -> int:
        return self.view.new.number


@dataclass(frozen=True)
class StoryHistory:
    """A story, every version with its text (oldest first) and the change into each."""

    story: StorySummary
    versions: list[VersionDetail]
    changes: list[Change]

    @property
    def first(self) -> VersionDetail:
        return self.versions[0]

    @property
    def latest(self) -> VersionDetail:
        return self.versions[-1]

    @property
    def headline_changes(self) -> list[Change]:
        return [change for change in self.changes if change.view.headline_changed]


def load_history(db: Database, story_id: int) -> StoryHistory:
    """Everything an export shows about one story."""
    story = queries.find_story(db, story_id)
    versions = queries.list_version_texts(db, story_id)
    changes = [Change(view, change_tags(view)) for view in queries.list_stored_diffs(db, versions)]
    return StoryHistory(story, versions, changes)


def change_tags(view: DiffView) -> tuple[Tag, ...]:
    """The tags the stored diff itself supports: headline, byline and reverts."""
    tags = []
    if view.headline_changed:
        tags.append(Tag("headline"))
    if view.byline_changed:
        tags.append(Tag("byline"))
    if view.new.reverts_to:
        tags.append(Tag("revert", f"same text as v{view.new.reverts_to}"))
    return tuple(tags)


def format_utc(moment: datetime | None) -> str:
    """Reports are shared across time zones, so they give times in UTC and say so."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


def iso_utc(moment: datetime) -> str:
    """RFC 3339 in UTC with a Z, the form Atom and JSON readers expect."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def is_web_url(url: str) -> bool:
    """Only http(s) URLs become links: a stored `javascript:` URL must never be clickable."""
    return urlsplit(url).scheme in ("http", "https")


def slug(history: StoryHistory, *, length: int = 60) -> str:
    """A file name stem for a story: its id then its headline in ASCII (ids keep it unique)."""
    title = unicodedata.normalize("NFKD", history.story.title or history.story.site)
    words = re.sub(r"[^a-z0-9]+", "-", title.encode("ascii", "ignore").decode().lower())
    return f"{history.story.id}-{words.strip('-')[:length].strip('-')}".rstrip("-")
