"""Atom (RFC 4287): a feed of changes across stories, one entry per new version with its diff.

Run from cron (`tracker export --all --format atom -o feed.xml`), it lets people follow edits in
any feed reader. Entry ids are derived from the story URL, the version number and the time it
was seen, so they stay the same from one run to the next and across databases, and readers do
not show an entry twice. The XML is built with ElementTree, which escapes text (plain element
names under an xmlns on the root: ElementTree's default_namespace refuses unprefixed
attributes); characters that XML 1.0 forbids are dropped, so a hostile page cannot make the
feed unparseable.

A feed says where it lives (its rel="self" link: the URL given, else the file it was written
to), and each entry links to the version it announces: its anchor (#v7) in the story's HTML
report when the caller says where the reports are published, else the article itself.
"""

import re
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime

from tracker import __version__
from tracker.db import queries
from tracker.db.engine import Database
from tracker.db.queries import StorySummary, VersionSummary
from tracker.export.history import (
    Change,
    Selection,
    StoryHistory,
    is_web_url,
    iso_utc,
    load_history,
    plural,
    shareable,
    story_slug,
)
from tracker.export.html import change_fragment, text_fragment
from tracker.text import display

ATOM_NS = "http://www.w3.org/2005/Atom"
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class FeedEntry:
    """One new version: the change that produced it, or its text when it is the first."""

    story: StorySummary
    version: VersionSummary
    change: Change | None
    first_text: str | None


@dataclass(frozen=True)
class FeedLinks:
    """Where the feed and the reports its entries point to are published; both optional."""

    feed_url: str | None = None
    """The feed's own address, its rel="self" link: how a reader finds the feed again."""
    reports_url: str | None = None
    """The folder where the HTML reports (`export --all -f html -o FOLDER`) are published:
    each entry then links to its version's anchor in its story's report there."""

    def version_link(self, story: StorySummary, number: int) -> str | None:
        """The address of one version: its anchor in the story's report, when known."""
        if self.reports_url is None:
            return None
        return f"{self.reports_url.rstrip('/')}/{story_slug(story)}.html#v{number}"


def load_feed(db: Database, scope: Selection) -> list[FeedEntry]:
    """The newest versions in scope, newest first, each with its diff.

    Each story's history is read once (two queries) however many of its versions are entries.
    """
    versions = queries.list_versions_since(
        db, since=scope.since, site=scope.site,
        story_id=scope.story.id if scope.story else None, limit=scope.limit,
    )
    histories: dict[int, StoryHistory] = {}
    for version in versions:
        if version.story_id not in histories:
            histories[version.story_id] = load_history(db, version.story_id)
    return [_entry(histories[version.story_id], version.number) for version in versions]


def render_atom(entries: list[FeedEntry], scope: Selection, links: FeedLinks = FeedLinks()) -> str:
    feed = ET.Element("feed", xmlns=ATOM_NS)
    _add(feed, "id", _feed_id(scope))
    _add(feed, "title", _feed_title(scope))
    if links.feed_url is not None:
        _add(feed, "link", None, rel="self", type="application/atom+xml", href=links.feed_url)
    newest = max((entry.version.observed_at for entry in entries), default=datetime.now(UTC))
    _add(feed, "updated", iso_utc(newest))
    author = ET.SubElement(feed, "author")
    _add(author, "name", "tracker")
    _add(feed, "generator", "tracker", version=__version__)
    for entry in entries:
        feed.append(_entry_element(entry, links))
    ET.indent(feed)
    return ET.tostring(feed, encoding="unicode", xml_declaration=True) + "\n"


def _entry(history: StoryHistory, number: int) -> FeedEntry:
    version = history.versions[number - 1]
    if number == 1:
        return FeedEntry(history.story, version.info, None, version.text)
    return FeedEntry(history.story, version.info, history.changes[number - 2], None)


def _entry_element(entry: FeedEntry, links: FeedLinks) -> ET.Element:
    story, version = entry.story, entry.version
    element = ET.Element("entry")
    _add(element, "id", _urn(f"{story.url}#v{version.number}@{iso_utc(version.observed_at)}"))
    _add(element, "title", f"{version.title or story.url} (v{version.number})")
    _add(element, "updated", iso_utc(version.observed_at))
    _add_links(element, story, links.version_link(story, version.number))
    for tag in entry.change.tags if entry.change else ():
        _add(element, "category", None, term=tag)
    _add(element, "summary", _summary(entry))
    _add(element, "content", _content(entry), type="html")
    return element


def _add_links(element: ET.Element, story: StorySummary, version_link: str | None) -> None:
    """The version in the report as the entry's main (alternate) link, the article as a related
    one; without a report, the article is the main link."""
    article = story.url if is_web_url(story.url) else None
    if version_link is not None:
        _add(element, "link", None, rel="alternate", type="text/html", href=version_link)
    if article is not None:
        rel = "related" if version_link is not None else "alternate"
        _add(element, "link", None, rel=rel, type="text/html", href=article)


def _summary(entry: FeedEntry) -> str:
    if entry.change is None:
        return f"First version seen: {plural(entry.version.word_count, 'word')}."
    stats, tags = entry.change.view.stats, entry.change.tags
    notes = f" ({', '.join(tags)})" if tags else ""
    return (f"v{entry.change.view.old.number} -> v{entry.version.number}: "
            f"+{stats.words_added} / -{stats.words_removed} words{notes}.")


def _content(entry: FeedEntry) -> str:
    """The diff as HTML (escaped once more by ElementTree, as type="html" requires)."""
    if entry.change is not None:
        return change_fragment(entry.change)
    return text_fragment(entry.first_text or "")


def _feed_title(scope: Selection) -> str:
    if scope.story:
        return f"Changes to {scope.story.title or shareable(scope.story).url}"
    return f"Changes to stories on {scope.site}" if scope.site else "Changes to tracked stories"


def _feed_id(scope: Selection) -> str:
    """Stable for the same scope, whatever the entries: the scope is what a reader subscribes to."""
    if scope.story:
        return _urn(f"tracker feed story {shareable(scope.story).url}")
    return _urn(f"tracker feed site {scope.site}" if scope.site else "tracker feed all")


def _urn(name: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"


def _add(parent: ET.Element, name: str, text: str | None, **attributes: str) -> ET.Element:
    """A child element; text and attribute values lose characters XML cannot hold."""
    child = ET.SubElement(parent, name, {k: _xml_text(v) for k, v in attributes.items()})
    if text is not None:
        child.text = _xml_text(text)
    return child


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("", display.safe(text))
