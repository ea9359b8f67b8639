"""Where a page's URL, title, byline, site name and date came from, remembered for the fast path.

trafilatura's metadata pass costs about as much as the fast path's text: it reads every meta
tag and JSON-LD block, runs the author search through a copy of the page, and htmldate (whose
extensive search runs dateparser over the page's text), the categories, the tags and the
licence, which tracker does not keep. A story's next page is almost always the same template,
so after a full extraction `learn` finds, for each of the fields tracker keeps, one source in
the page that gives exactly trafilatura's value (a JSON-LD key, a meta tag, a part of <title>,
the canonical link, the URL, a <time>, an element's path, htmldate's cheap search), and `read`
takes them straight from there on the next page.

A source is only as good as the template: `layout` digests what decides trafilatura's choice
(the meta tags' names, the JSON-LD types, the number of <h1>), and `read` gives None, so the
page goes to the full extraction, when the digest changed or a source is gone or empty.
"""

import hashlib
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from tracker.sources import treepaths

FIELDS = ("url", "title", "author", "sitename", "date")
"""trafilatura's fields that tracker keeps; the URL first, as a site name and a date may be
read from it. A date that no source gives exactly is searched for again ("search": htmldate's
extensive search, as the full path does); none is wanted when the page's metadata gives the
time of day (tracker.sources.timestamps)."""
Source = tuple[str, ...]
_ELEMENTS = "//h1|//h2|//*[@itemprop or @rel or @class or @id or self::author]"
_JSON_KEYS = ("headline", "name", "alternativeHeadline", "author", "creator", "publisher",
              "url", "mainEntityOfPage", "@id", "datePublished", "dateCreated", "dateModified")
_MAX_ELEMENT_TEXT = 200
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}(?!\d)")


def learn(page: Any, fields: dict[str, Any],
          default_url: str | None) -> tuple[tuple[Source, ...], str]:
    """A source for each of `FIELDS` giving trafilatura's value in `fields` (extracted with
    `default_url`), and the page's layout digest; ((), "") when one cannot be traced."""
    sources = []
    documents = list(_json_ld(page))
    known = {**fields, "default_url": default_url, "json_ld": documents}
    for field in FIELDS:
        wanted = fields.get(field)
        source = ("none",) if not wanted else next(
            (source for source, value in _candidates(page, field, known) if value == wanted),
            ("search",) if field == "date" else None)
        if source is None:
            return (), ""
        sources.append(source)
    return tuple(sources), layout(page, documents)


def read(page: Any, sources: tuple[Source, ...], digest: str,
         default_url: str | None) -> dict[str, Any] | None:
    """The fields from the remembered `sources`, or None when the page's layout changed or a
    source is gone: then trafilatura must choose again."""
    documents = list(_json_ld(page))
    if layout(page, documents) != digest:
        return None
    fields: dict[str, Any] = {"default_url": default_url, "json_ld": documents}
    for field, source in zip(FIELDS, sources, strict=True):
        value = None if source == ("none",) else _value(page, field, source, fields)
        if value is None and source not in (("none",), ("search",)):
            return None
        fields[field] = value
    del fields["default_url"], fields["json_ld"]
    return fields


def layout(page: Any, documents: list[Any]) -> str:
    """What trafilatura's choice of metadata depends on (`documents`: the page's JSON-LD), as
    a short digest."""
    metas = sorted({f"{name}={meta.get(name)}".lower() for meta in page.iterfind(".//head/meta")
                    for name in ("property", "name", "itemprop") if meta.get(name)})
    types = [_types(document) for document in documents]
    shape = json.dumps([metas, types, len(page.findall(".//h1")),
                        page.find(".//head//title") is not None])
    return hashlib.blake2b(shape.encode(), digest_size=8).hexdigest()


def _candidates(page: Any, field: str,
                known: dict[str, Any]) -> Iterator[tuple[Source, str | None]]:
    """Every source this page offers for `field`, JSON-LD first (trafilatura lets it override
    the meta tags), with the value trafilatura would make of it."""
    for number, document in enumerate(known["json_ld"]):
        for keys, raw in _json_scalars(document, ()):
            source = ("ld", str(number), *keys)
            yield source, _finished(field, raw, source)
    for meta in page.iterfind(".//head/meta[@content]"):
        for attribute in ("property", "name", "itemprop"):
            if meta.get(attribute):
                source = ("meta", attribute, meta.get(attribute))
                yield source, _value(page, field, source, known)
                break
    for source in [("title", "0"), ("title", "1"), ("title", "2"), ("link",), ("host",),
                   ("urldate",)]:
        yield source, _value(page, field, source, known)
    if field == "date":
        for element in page.iterfind(".//time[@datetime]"):
            source = ("time", treepaths.dumps(treepaths.path_of(element)))
            yield source, _value(page, field, source, known)
        yield ("cheap",), _value(page, field, ("cheap",), known)
    if field not in ("title", "author"):
        return
    for element in page.xpath(_ELEMENTS):
        path = treepaths.dumps(treepaths.path_of(element))
        for how in ("text", "block"):
            yield ("path", path, how), _value(page, field, ("path", path, how), known)


def _value(page: Any, field: str, source: Source, known: dict[str, Any]) -> str | None:
    """The value of `field` that `source` gives in `page` (`known`: the fields read before it,
    the URL the page was fetched from and the page's JSON-LD, parsed once a page), as
    trafilatura would store it."""
    return _finished(field, _READERS[source[0]](page, source, known), source)


def _finished(field: str, raw: str | None, source: Source) -> str | None:
    """trafilatura's treatment of a raw value for `field` (its author and site name rules and
    its final trimming), so that a source's value compares with what it stored."""
    from trafilatura.json_metadata import normalize_authors
    from trafilatura.metadata import Document

    if not isinstance(raw, str) or not raw.strip():
        return None
    if field == "date":
        found = _DAY.match(raw.strip())
        return found[0] if found else None
    if field == "author":
        raw = normalize_authors(None, raw)
        if not raw or (" " not in raw and source[0] == "meta"):  # then it looks further
            return None
    elif field == "sitename":
        raw = raw.lstrip("@")
        if raw and "." not in raw and not raw[0].isupper():
            raw = raw.title()
    document = Document()
    document.title = raw
    document.clean_and_trim()
    return document.title or None


def _meta(page: Any, source: Source, known: dict[str, Any]) -> str | None:
    from trafilatura.utils import HTML_STRIP_TAGS

    _, attribute, name = source
    for meta in page.iterfind(".//head/meta[@content]"):
        if meta.get(attribute) == name:
            content = meta.get("content") or ""
            return content if name.startswith("og:") else HTML_STRIP_TAGS.sub("", content).strip()
    return None


def _title(page: Any, source: Source, known: dict[str, Any]) -> str | None:
    from trafilatura.metadata import examine_title_element

    return examine_title_element(page)[int(source[1])]


def _link(page: Any, source: Source, known: dict[str, Any]) -> str | None:
    from trafilatura.metadata import extract_url

    return extract_url(page, known["default_url"])


def _host(page: Any, source: Source, known: dict[str, Any]) -> str | None:
    """The site name trafilatura takes from the URL when the page names none."""
    from trafilatura.metadata import META_URL

    found = META_URL.match(known.get("url") or "")
    return found[1] if found else None


def _url_date(page: Any, source: Source, known: dict[str, Any]) -> str | None:
    """The date written in the page's URL (/2019/05/03/), as htmldate reads it there."""
    from htmldate.extractors import COMPLETE_URL

    found = COMPLETE_URL.search(known.get("url") or known["default_url"] or "")
    return f"{int(found[1]):04d}-{int(found[2]):02d}-{int(found[3]):02d}" if found else None


def _time(page: Any, source: Source, known: dict[str, Any]) -> str | None:
    element = treepaths.follow(page, treepaths.loads(source[1]))
    return None if element is None or element.tag != "time" else element.get("datetime")


def _search(page: Any, source: Source, known: dict[str, Any]) -> str | None:
    return searched_date(page, known.get("url") or known["default_url"])


def _cheap_search(page: Any, source: Source, known: dict[str, Any]) -> str | None:
    """htmldate without its extensive search (dateparser on the page's text, most of a fast
    extraction's time where it runs), for a story where it found the full path's date."""
    return searched_date(page, known.get("url") or known["default_url"], extensive=False)


def searched_date(page: Any, url: str | None, *, extensive: bool = True) -> str | None:
    """htmldate's search, as the full path runs it (extensive): for a date no source gives
    exactly. The cheap search finds other dates on some pages (bench/README.md), so it is
    taken only for a story whose last full extraction it agreed with."""
    from htmldate import find_date
    from trafilatura.settings import set_date_params

    found: str | None = find_date(page, **{**set_date_params(extensive), "url": url})
    return found


def _element(page: Any, source: Source, known: dict[str, Any]) -> str | None:
    from trafilatura.baseline import block_text
    from trafilatura.utils import trim

    element = treepaths.follow(page, treepaths.loads(source[1]))
    if element is None:
        return None
    text = block_text(element) if source[2] == "block" else trim(" ".join(element.itertext()))
    return text if 2 < len(text) < _MAX_ELEMENT_TEXT else None


def _json_value(page: Any, source: Source, known: dict[str, Any]) -> str | None:
    documents = known["json_ld"]
    number = int(source[1])
    if number >= len(documents):
        return None
    node: Any = documents[number]
    for key in source[2:]:
        if isinstance(node, list):
            if not key.isdigit() or int(key) >= len(node):
                return None
            node = node[int(key)]
        elif isinstance(node, dict) and key in node:
            node = node[key]
        else:
            return None
    return node if isinstance(node, str) else None


_READERS: dict[str, Callable[[Any, Source, dict[str, Any]], str | None]] = {
    "meta": _meta, "title": _title, "link": _link, "host": _host, "path": _element,
    "ld": _json_value, "urldate": _url_date, "time": _time, "search": _search,
    "cheap": _cheap_search}


def _json_ld(page: Any) -> Iterator[Any]:
    for script in page.xpath('//script[@type="application/ld+json"]'):
        try:
            yield json.loads(script.text or "", strict=False)
        except (ValueError, RecursionError):
            yield None


def _json_scalars(node: Any, keys: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every string in a JSON-LD document under one of `_JSON_KEYS`, with its keys, two levels
    of nesting at most (an article's author's name, in a @graph)."""
    if len(keys) > 4:
        return
    items = enumerate(node) if isinstance(node, list) else (
        node.items() if isinstance(node, dict) else ())
    for key, child in items:
        step = (*keys, str(key))
        if isinstance(child, str) and isinstance(key, str) and key in _JSON_KEYS:
            yield step, child
        elif isinstance(child, list | dict):
            yield from _json_scalars(child, step)


def _types(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [str(node.get("@type")), *(t for child in node.values() for t in _types(child))]
    if isinstance(node, list):
        return [t for child in node for t in _types(child)]
    return []
