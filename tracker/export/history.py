"""A story's whole history as plain data: what every export format renders.

Read once (two queries: the versions, then their stored diffs decoded by history.compare), so
the formats never touch the database and render the same facts the same way.
"""

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from urllib.parse import urlsplit

from tracker.db import queries
from tracker.db.engine import Database
from tracker.db.queries import StorySummary, VersionDetail
from tracker.errors import NotFoundError
from tracker.history import compare
from tracker.history.compare import DiffView
from tracker.text import display
from tracker.text.analysis import Fact, Tag
from tracker.text.urls import without_credentials

#: Versions in an Atom feed unless the caller asks for another number: readers want recent ones.
FEED_LIMIT = 100
#: The tag of a version whose text is the same as an earlier version's.
REVERT = "revert"
_SHOWN_IN_FULL = (Tag.HEADLINE, Tag.BYLINE)


@dataclass(frozen=True)
class Change:
    """One revision: the diff that produced a version, with its analysis (tracker.analysis)."""

    view: DiffView

    @property
    def number(self) -> int:
        return self.view.new.number

    @property
    def tags(self) -> tuple[str, ...]:
        """The kinds of change a reader should notice, in the vocabulary of `tracker search
        --tag` (number, quote, attribution, negation, headline, lede, byline, minor), plus
        "revert" when the story went back to an earlier text."""
        found = self.view.analysis
        kinds = tuple(tag.value for tag in found.tags) if found else ()
        return (*kinds, REVERT) if self.view.new.reverts_to else kinds

    @property
    def facts(self) -> tuple[Fact, ...]:
        """The changed figures, quotes and sources, each once; headline and byline changes are
        left out because every format shows those in full."""
        found = self.view.analysis
        facts = (f for f in found.facts if f.tag not in _SHOWN_IN_FULL) if found else ()
        return tuple(dict.fromkeys(facts))

    @property
    def significance(self) -> float | None:
        return self.view.analysis.significance if self.view.analysis else None

    @property
    def sentences(self) -> str:
        """What the alignment found, as "2 added, 1 edited sentences" (empty when nothing)."""
        return display.kind_counts(self.view.analysis) if self.view.analysis else ""


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

    @property
    def corrections(self) -> list[tuple[Change, Fact]]:
        """Facts that were changed or taken out, and every changed figure: the silent edits a
        report should put up front (new quotes and sources are listed with each revision)."""
        return [(change, fact) for change in self.changes for fact in change.facts
                if fact.change != "added" or fact.tag is Tag.NUMBER]


@dataclass(frozen=True)
class Selection:
    """Which stories an export covers: one story, or those matching the filters."""

    story: StorySummary | None = None
    since: datetime | None = None
    """Stories (in a feed: versions) that changed at or after this time."""
    site: str | None = None
    limit: int = FEED_LIMIT
    """Feeds only: how many of the newest versions become entries."""


def load_history(db: Database, story_id: int) -> StoryHistory:
    """Everything an export shows about one story."""
    story = shareable(queries.find_story(db, story_id))
    versions = queries.list_version_texts(db, story_id)
    if not versions:
        raise NotFoundError(f"story {story_id} has no version yet: nothing to export until a "
                            "snapshot stores one")
    changes = [Change(view) for view in compare.list_diffs(db, versions)]
    return StoryHistory(story, versions, changes)


def shareable(story: StorySummary) -> StorySummary:
    """The story as a report may show it: a user name or password in its URL is left out, since
    reports are shared and the credentials are the user's."""
    return replace(story, url=without_credentials(story.url))


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
    """A file name stem for a story's export (see `story_slug`)."""
    return story_slug(history.story, length=length)


def story_slug(story: StorySummary, *, length: int = 60) -> str:
    """A file name stem for a story: its id then its headline in ASCII (ids keep it unique).
    Feeds use it too, to link to the reports written under these names."""
    title = unicodedata.normalize("NFKD", story.title or story.site)
    words = re.sub(r"[^a-z0-9]+", "-", title.encode("ascii", "ignore").decode().lower())
    return f"{story.id}-{words.strip('-')[:length].strip('-')}".rstrip("-")
