"""When a page says its article was published and last updated, to the second.

trafilatura (through htmldate) gives dates only, so every story would look published at midnight.
News pages state the full time in their metadata for search engines and social sites: JSON-LD
(`datePublished`, `dateModified`, schema.org) and the Open Graph article tags
(`article:published_time`, `article:modified_time`). Those are read here, JSON-LD first because
it describes the article itself, while a page's meta tags sometimes describe the page.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

_META = {
    "published": ("article:published_time", "og:published_time", "datepublished",
                  "pubdate", "publishdate"),
    "modified": ("article:modified_time", "og:updated_time", "datemodified", "lastmod"),
}
_JSON_LD = {"published": "datePublished", "modified": "dateModified"}
MAX_DEPTH = 8


@dataclass(frozen=True)
class PageTimes:
    """The times the page claims, in UTC; None where it gives none with a time of day."""

    published: datetime | None = None
    modified: datetime | None = None


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
    documents = list(_json_ld(tree))
    metas = _meta_values(tree)
    return PageTimes(*(_first_time(documents, metas, which) for which in ("published", "modified")))


def _first_time(documents: list[Any], metas: dict[str, str], which: str) -> datetime | None:
    candidates = [*_json_ld_values(documents, _JSON_LD[which]),
                  *(metas[name] for name in _META[which] if name in metas)]
    return next((found for value in candidates if (found := parse_time(value))), None)


def parse_time(value: object) -> datetime | None:
    """An ISO 8601 time of day in UTC (no offset means UTC); None for a bare date or garbage."""
    if not isinstance(value, str) or len(value.strip()) <= len("2020-01-07"):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


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
