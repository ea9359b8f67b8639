"""When a page says its article was published and last updated, to the second.

trafilatura (through htmldate) gives dates only, so every story would look published at midnight.
News pages state the full time in their metadata for search engines and social sites: JSON-LD
(`datePublished`, `dateModified`, schema.org) and the Open Graph article tags
(`article:published_time`, `article:modified_time`). Those are read here, JSON-LD first because
it describes the article itself, while a page's meta tags sometimes describe the page.

The modification time is also read from the visible "Updated ..." line, which the write path
strips from the text as volatile: a newsroom that edits a story without saying so leaves all
three unchanged, and that is how tracker tells a silent edit (tracker.text.analysis) from a
declared one. The time kept is the one the sources agree on, with the names of those that state
it; where they disagree, the newest, since a page that moved any of them declared an update.
"""

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

_META = {
    "published": ("article:published_time", "og:published_time", "datepublished",
                  "pubdate", "publishdate"),
    "modified": ("article:modified_time", "og:updated_time", "datemodified", "lastmod"),
}
_JSON_LD = {"published": "datePublished", "modified": "dateModified"}
MAX_DEPTH = 8
MAX_VISIBLE_CHARS = 120
"""An "Updated ..." line longer than this is a sentence that mentions an update, not a label."""
MAX_VISIBLE_CANDIDATES = 20
# Time zone names that news pages write after a visible time, with their daylight saving rules
# (IST, CST and the like are ambiguous and left out: such a time is read in the page's zone).
_ZONES = {"utc": "UTC", "gmt": "UTC", "z": "UTC", "bst": "Europe/London",
          "et": "America/New_York", "est": "America/New_York", "edt": "America/New_York",
          "ct": "America/Chicago", "cdt": "America/Chicago", "pt": "America/Los_Angeles",
          "pst": "America/Los_Angeles", "pdt": "America/Los_Angeles",
          "cet": "Europe/Berlin", "cest": "Europe/Berlin"}
_VISIBLE_LABEL = re.compile(
    r"^\W*(?:last updated|updated|last modified|modified|amended)\b(?:\s+(?:on|at))?\s*:?\s*",
    re.IGNORECASE)
_CLOCK = re.compile(r"\b\d{1,2}[:.]\d{2}\b|\b\d{1,2}\s*[ap]\.?m\b", re.IGNORECASE)
# A label starts a text node: found in the markup first (a regular expression over the page
# costs a tenth of what asking lxml about every text node does), then looked up in the tree.
_LABEL_IN_MARKUP = re.compile(r">\s*(?:last\s+)?(?:updated|modified|amended)\b", re.IGNORECASE)
_LABEL_TEXT = "//body//text()[{}]".format(" or ".join(
    f"contains(., '{word}')" for word in ("pdated", "PDATED", "odified", "ODIFIED", "mended",
                                          "MENDED")))


@dataclass(frozen=True)
class PageTimes:
    """The times the page claims, in UTC; None where it gives none with a time of day."""

    published: datetime | None = None
    modified: datetime | None = None
    modified_by: tuple[str, ...] = ()
    """Which of "json-ld", "meta" and "visible" state `modified` (to the minute)."""


def page_times(html: str) -> PageTimes:
    """The published and modified times the page's metadata states with a time of day.

    lxml is imported here, as trafilatura is in extract, so a run whose pages did not change
    never loads it.
    """
    from lxml import html as lxml_html
    from lxml.etree import ParserError

    try:
        tree = lxml_html.document_fromstring(html)
    except (ParserError, ValueError):
        return PageTimes()
    return times_of(tree, html)


def times_of(tree: Any, html: str) -> PageTimes:
    """`page_times` of a page already parsed (`tree`, from `html`): extraction parses a page
    once, and reads its times from the tree trafilatura reads."""
    documents = list(_json_ld(tree))
    metas = _meta_values(tree)
    published = _first_time([*_json_ld_values(documents, _JSON_LD["published"]),
                             *_named(metas, "published")])
    declared = {"json-ld": _first_time(_json_ld_values(documents, _JSON_LD["modified"])),
                "meta": _first_time(_named(metas, "modified"))}
    if _LABEL_IN_MARKUP.search(html):
        declared["visible"] = _visible_modified(tree, _page_zone(documents, metas))
    modified, sources = agreed_time(declared)
    return PageTimes(published, modified, sources)


def agreed_time(declared: dict[str, datetime | None]) -> tuple[datetime | None, tuple[str, ...]]:
    """The newest of the declared times, to the minute, and the sources that state it; the
    first of those (in the order given) gives the time, to the second where it has seconds."""
    minutes = {name: _minute(time) for name, time in declared.items() if time is not None}
    if not minutes:
        return None, ()
    newest = max(minutes.values())
    sources = tuple(name for name, minute in minutes.items() if minute == newest)
    return declared[sources[0]], sources


def _minute(time: datetime) -> datetime:
    return time.replace(second=0, microsecond=0)


def _named(metas: dict[str, str], which: str) -> list[str]:
    return [metas[name] for name in _META[which] if name in metas]


def _first_time(values: Iterable[Any]) -> datetime | None:
    return next((found for value in values if (found := parse_time(value))), None)


def parse_time(value: object) -> datetime | None:
    """An ISO 8601 time of day in UTC (no offset means UTC); None for a bare date or garbage."""
    if not isinstance(value, str) or len(value.strip()) <= len("2020-01-07"):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _page_zone(documents: list[Any], metas: dict[str, str]) -> tzinfo:
    """The UTC offset the page's metadata writes its times in: a visible time that names no
    zone is the site's local time, which is the zone its metadata uses (else UTC)."""
    values = [*_json_ld_values(documents, _JSON_LD["modified"]),
              *_json_ld_values(documents, _JSON_LD["published"]),
              *_named(metas, "modified"), *_named(metas, "published")]
    for value in values:
        try:
            parsed = datetime.fromisoformat(str(value).strip())
        except ValueError:
            continue
        if parsed.tzinfo is not None:
            return parsed.tzinfo
    return UTC


def _visible_modified(tree: Any, zone: tzinfo) -> datetime | None:
    """The time of the page's visible "Updated ..." line: a <time datetime> in it, else the
    date and time of day written after the label. A relative time ("2 hours ago") or a bare
    date is not a time of day, and is no declaration to compare."""
    for node in tree.xpath(_LABEL_TEXT)[:MAX_VISIBLE_CANDIDATES]:
        holder = node.getparent()  # a tail's parent is the node the text follows
        line = _label_line(holder.getparent() if node.is_tail else holder)
        if line is not None:
            found = _line_time(line, zone)
            if found is not None:
                return found
    return None


def _label_line(element: Any) -> Any:
    """The element that holds a whole "Updated ..." line: the label's own element, or its
    parent when the label stands alone in a <span> beside the time."""
    for candidate in (element, element.getparent() if element is not None else None):
        if candidate is None or not isinstance(candidate.tag, str):  # the document, a comment
            return None
        text = " ".join(candidate.text_content().split())
        if len(text) > MAX_VISIBLE_CHARS or not _VISIBLE_LABEL.match(text):
            return None
        if _VISIBLE_LABEL.sub("", text):
            return candidate
    return None


def _line_time(line: Any, zone: tzinfo) -> datetime | None:
    for stamp in line.xpath(".//time[@datetime]/@datetime"):
        if found := parse_time(stamp):
            return found
    words = _VISIBLE_LABEL.sub("", " ".join(line.text_content().split()))
    if not _CLOCK.search(words) or "ago" in words.lower().split():
        return None
    return _parse_written(words, zone)


def _parse_written(words: str, zone: tzinfo) -> datetime | None:
    """A date and time as a page writes it ("8 January 2020, 14:05 GMT", "Jan. 8, 2020 at
    2:05 p.m. ET"), in UTC; None when it is not one."""
    from dateutil import parser

    cleaned = re.sub(r"\b([ap])\.m\.", r"\1m", words, flags=re.IGNORECASE)
    cleaned = re.sub(r"\s+at\s+", " ", cleaned.replace("|", " "))
    try:
        parsed: datetime = parser.parse(cleaned, tzinfos=_zone_named, default=datetime(1, 1, 1))
    except (ValueError, OverflowError):
        return None
    if parsed.year == 1:  # a time of day without a date
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)).astimezone(UTC)


def _zone_named(name: str | None, offset: int | None) -> tzinfo | None:
    if offset is not None:
        return timezone(timedelta(seconds=offset))
    zone = _ZONES.get((name or "").lower())
    return ZoneInfo(zone) if zone else None


def _json_ld(tree: Any) -> Iterator[Any]:
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            yield json.loads(script.text_content())
        except (ValueError, RecursionError):  # a broken block says nothing; the others may
            continue


def _json_ld_values(node: Any, key: str, depth: int = 0) -> Iterator[Any]:
    """Every value of `key` in a JSON-LD document, outer objects (the article) before what is
    nested in them, down to a depth no real page needs (`@graph` lists sit at depth 2)."""
    if depth > MAX_DEPTH:
        return
    if isinstance(node, dict):
        if key in node:
            yield node[key]
        node = list(node.values())
    if isinstance(node, list):
        for child in node:
            yield from _json_ld_values(child, key, depth + 1)


def _meta_values(tree: Any) -> dict[str, str]:
    """`<meta property|name|itemprop=... content=...>` by lower-cased name, first one wins."""
    found: dict[str, str] = {}
    for meta in tree.xpath("//meta[@content]"):
        for attribute in ("property", "name", "itemprop"):
            name = (meta.get(attribute) or "").strip().lower()
            if name:
                found.setdefault(name, meta.get("content"))
    return found
