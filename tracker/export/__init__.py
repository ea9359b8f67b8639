"""Exports of what tracker found, for the tools people take it into.

One module per format (html, markdown, json, patch, atom), all rendering the same plain data
(history.StoryHistory, read through the query module). This module names the formats and says
which of them can hold many stories in one file; `output` writes files atomically.
"""

from enum import StrEnum

from tracker.db import queries
from tracker.db.engine import Database
from tracker.db.queries import StorySummary
from tracker.export import atom, html, json, markdown, patch
from tracker.export.atom import FeedLinks
from tracker.export.history import Selection, StoryHistory, load_history


class Format(StrEnum):
    HTML = "html"
    MARKDOWN = "md"
    JSON = "json"
    PATCH = "patch"
    ATOM = "atom"

    @property
    def suffix(self) -> str:
        """The file name extension for one story (or one combined file) in this format."""
        return ".xml" if self is Format.ATOM else f".{self.value}"

    @property
    def combines(self) -> bool:
        """True when many stories fit in one file (a JSON document, a feed)."""
        return self in (Format.JSON, Format.ATOM)


def select_stories(db: Database, selection: Selection) -> list[StorySummary]:
    """The stories to export: the one named, or those matching the filters that have a version
    (a story added but not checked yet has nothing to show; see `unversioned_stories`)."""
    if selection.story is not None:
        return [selection.story]
    return [story for story in _matching(db, selection) if story.version_count]


def unversioned_stories(db: Database, selection: Selection) -> list[StorySummary]:
    """The stories matching the filters that an export leaves out: they have no version yet."""
    if selection.story is not None:
        return []
    return [story for story in _matching(db, selection) if not story.version_count]


def _matching(db: Database, selection: Selection) -> list[StorySummary]:
    return queries.list_stories(db, site=selection.site, changed_since=selection.since)


def render_story(history: StoryHistory, fmt: Format) -> str:
    """One story in a per-story format (or as a one-story JSON document)."""
    if fmt is Format.HTML:
        return html.render_html(history)
    if fmt is Format.MARKDOWN:
        return markdown.render_markdown(history)
    if fmt is Format.PATCH:
        return patch.render_patch(history)
    if fmt is Format.JSON:
        return json.render_json([history])
    raise ValueError(f"{fmt} covers many stories at once: use render_combined")


def render_combined(
    db: Database, selection: Selection, fmt: Format, links: FeedLinks | None = None
) -> str:
    """Every selected story in one file: a JSON document or an Atom feed (`links` says where
    the feed and the reports it links to are published)."""
    if fmt is Format.ATOM:
        return atom.render_atom(atom.load_feed(db, selection), selection, links or FeedLinks())
    if fmt is Format.JSON:
        stories = select_stories(db, selection)
        return json.render_json([load_history(db, story.id) for story in stories])
    raise ValueError(f"{fmt} holds one story per file: use render_story")
