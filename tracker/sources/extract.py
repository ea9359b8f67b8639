"""HTML page -> article text, title, byline and dates.

trafilatura does the work: on the 990-page development set it scores F1 0.92, well ahead of
readability-style extractors. The text comes back one paragraph per line, which is the shape
tracker stores and diffs. The rules in `cleanup` then finish it (a balanced pass when the precise
one lost the article, the site's name out of the title, no headline line, no teasers).
"""

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from tracker.errors import InvalidInput
from tracker.sources import cleanup, metasources, regions
from tracker.sources.encoding import decode_page, without_control_references
from tracker.sources.timestamps import times_of
from tracker.text import analysis
from tracker.text.normalise import normalise_line, normalise_text, stored_page, stored_text
from tracker.text.urls import canonical_url, same_site


@dataclass(frozen=True)
class Extracted:
    """What extraction found in a page; `text` is empty when it found no article."""

    text: str
    title: str | None = None
    byline: str | None = None
    published_at: datetime | None = None
    canonical_url: str | None = None
    """The URL the page declares for itself (see `declared_canonical`)."""
    updated_at: datetime | None = None
    updated_by: tuple[str, ...] = ()
    """Which of the page's declarations state `updated_at` (tracker.sources.timestamps)."""
    published_from_page: bool = False
    """Whether `published_at` is what the page's metadata states (timestamps.page_times), not
    trafilatura's date search: a region remembered then wants it so again (regions.Hint)."""


# trafilatura's precise pass, on the page (`extract_draft`) and on a region of it (`regions`).
_PRECISE: dict[str, Any] = {"include_comments": False, "include_tables": True,
                            "favor_precision": True, "deduplicate": False}


def extract_article(html: str, url: str | None = None) -> Extracted:
    """Extract the main text and metadata of an article page."""
    return _finished(*extract_draft(html, url))


def _finished(extracted: Extracted, draft: cleanup.Draft | None) -> Extracted:
    """The draft through the rules of `cleanup`."""
    if draft is None:
        return extracted
    draft = cleanup.tidy(draft)
    return replace(extracted, text=draft.text, title=draft.title)


def extract_draft(html: str, url: str | None = None) -> tuple[Extracted, cleanup.Draft | None]:
    """The precise pass alone: the article as trafilatura gives it, and the draft that the rules
    of `cleanup` finish (None when the page cannot be parsed); bench/bench_extract.py starts here.

    trafilatura (with lxml, htmldate, justext: ~40 MB) is imported here, on first use, so that a
    snapshot run whose pages did not change never loads it, and the extraction processes, which
    do, are the only ones that hold it. The page is parsed once: the precise pass, the rules and
    their balanced pass all read the same tree.
    """
    extracted, draft, _ = _full_draft(html, url)
    return extracted, draft


def _full_draft(html: str, url: str | None,
                ) -> tuple[Extracted, cleanup.Draft | None, dict[str, Any]]:
    """`extract_draft`, and trafilatura's fields, from which `metasources` learns."""
    import trafilatura

    html = without_control_references(html)
    page = trafilatura.load_html(html)
    if page is None:
        return Extracted(text=""), None, {}
    document = trafilatura.bare_extraction(page, url=url, with_metadata=True, **_PRECISE)
    if document is None:  # no text at all: the metadata alone, and the rules may find the text
        document = trafilatura.extract_metadata(page, default_url=url)
    fields = _fields(document)
    return *draft_of(page, html, url, fields), fields


def _fields(document: Any) -> dict[str, Any]:
    return document.as_dict() if hasattr(document, "as_dict") else dict(document)


def draft_of(page: Any, html: str, url: str | None,
             fields: dict[str, Any]) -> tuple[Extracted, cleanup.Draft]:
    """trafilatura's text and metadata (`fields`) of the parsed `page` as an extraction, and
    the draft the rules of `cleanup` finish; the full and the fast path share it."""
    canonical = declared_canonical(page, url) if url else None
    times = times_of(page, html)
    extracted = Extracted(
        text=normalise_text(fields.get("text") or ""),
        title=normalise_line(fields.get("title")),
        byline=normalise_line(fields.get("author")),
        published_at=times.published or _parse_date(fields.get("date")),
        updated_at=times.modified, updated_by=times.modified_by,
        canonical_url=canonical, published_from_page=times.published is not None,
    )
    draft = cleanup.Draft(text=extracted.text, title=extracted.title, page=page,
                          url=url or fields.get("url"), site_name=fields.get("sitename"))
    return extracted, draft


def extract_remembering(html: str, url: str | None,
                        hint: str | None) -> tuple[Extracted, str | None]:
    """Extract the page by the fast path when the story's `hint` (tracker.sources.regions)
    still fits it, else in full; returns the extraction and the hint for the next page."""
    known = regions.loads(hint)
    why = "scheduled" if known is not None and regions.due_for_full(known) else None
    if known is not None and why is None:
        fast, why = _extract_fast(html, url, known)
        if fast is not None:
            return fast, regions.after_fast(known, fast.text).dumps()
    extracted, draft, fields = _full_draft(html, url)
    found = _finished(extracted, draft)
    remembered = _remember(draft, found, fields) if draft is not None else None
    if remembered is None:
        return found, None
    return found, replace(remembered, last=f"full: {why}" if why else "full").dumps()


@dataclass(frozen=True)
class FetchedPage:
    """What a snapshot run's extraction process makes of one fetched page."""

    found: Extracted
    hint: str | None
    revision: analysis.Revision | None
    stored_html: bytes | None
    """The page as its version keeps it (`stored_page`); None for an empty page."""


def extract_fetched(
    body: bytes, charset: str | None, url: str | None, hint: str | None,
    latest: analysis.Side | None,
) -> FetchedPage:
    """What a snapshot run's extraction processes do with a changed page: decode it,
    `extract_remembering`, diff the text against the story's `latest` version, and compress
    the page. The diff and its analysis (a third of a version's cost) so run on every core,
    not on the run's one writer thread, which compresses nothing either; and the run's process
    never holds a decoded page (two to four times its bytes) while it waits for a worker."""
    html = decode_page(body, charset) if body else ""
    found, remembered = extract_remembering(html, url, hint)
    return FetchedPage(found, remembered, revision_against(found, latest),
                       stored_page(html) if html else None)


def revision_against(found: Extracted, latest: analysis.Side | None) -> analysis.Revision | None:
    """The diff the write path would store for `found`, or None when it would store none."""
    if latest is None:
        return None
    new = analysis.Side(stored_text(found.text), normalise_line(found.title),
                        normalise_line(found.byline), found.updated_at)
    if not new.text or (new.text, new.title, new.byline) == (
            latest.text, latest.title, latest.byline):
        return None
    return analysis.revise(latest, new)


def _remember(draft: cleanup.Draft, found: Extracted,
              fields: dict[str, Any]) -> regions.Hint | None:
    """Where this page's article is, if the fast path finds the same text there (a region
    whose text differs on the very page it was found on is not remembered), and where its
    metadata came from (`metasources`): a hint without a region still spares the next page
    the metadata pass, and the search for a region until the next scheduled full one."""
    hint = None
    if regions.fast_enough(found.text, None) is None:
        hint = regions.remember(draft.page, found.text, date_from_page=found.published_from_page)
    region = regions.locate(draft.page, hint)[0] if hint is not None else None
    if hint is not None and region is not None:
        text = normalise_text(_region_text(region, draft.url))
        if cleanup.tidy(replace(draft, text=text)).text != found.text:
            hint = None
    wanted = {**fields, "date": None} if found.published_from_page else fields
    sources, layout = metasources.learn(draft.page, wanted, draft.url)
    if hint is None:  # the metadata alone, when its sources are known
        return regions.Hint((), "", 0, len(found.text), found.published_from_page,
                            sources=sources, layout=layout) if sources else None
    return replace(hint, sources=sources, layout=layout)


def warm_up() -> None:
    """Load what extraction otherwise loads on its first pages: trafilatura's lazy imports,
    the stoplist of every language that its justext pass builds (~27 MB of Python objects),
    and every locale of dateparser with its patterns (~40 MB and ~1 s; htmldate's date search
    loads them all on the first date string no locale reads, in most workers within a hundred
    pages). Done once in the forkserver, the workers forked from it share one copy of all that
    instead of each building its own (measured in bench/README.md)."""
    from htmldate.extractors import get_external_parser
    from justext.core import define_stoplist
    from trafilatura import external

    define_stoplist(external.JT_STOPLIST or external.jt_stoplist_init())
    get_external_parser().get_date_data("Warm-up 1 2")  # no locale reads it: all are tried
    paragraph = "<p>The council met on Tuesday evening and approved the budget for the year.</p>"
    page = (f"<html><head><title>Warm-up</title></head><body><article><h1>Warm-up</h1>"
            f"{paragraph * 6}</article></body></html>")
    extract_remembering(page, "https://example.org/news/warm-up", None)


def _extract_fast(html: str, url: str | None,
                  hint: regions.Hint) -> tuple[Extracted | None, str | None]:
    """The fast path: trafilatura's precise pass on the remembered region alone (on the whole
    page when no region is remembered), the title, byline and site name from their remembered
    sources (else trafilatura's metadata pass); the date search only when the page's metadata
    did not give the time last time (if it did, it must again); None and why when the page
    needs the full path."""
    import trafilatura

    html = without_control_references(html)
    page = trafilatura.load_html(html)
    if page is None:
        return None, "page unreadable"
    region, why = regions.locate(page, hint) if hint.path else (None, None)
    if why is not None:
        return None, why
    fields = _remembered_fields(page, url, hint)
    if fields is None:
        return None, "metadata source gone"
    fields["text"] = _page_text(page, url) if region is None else _region_text(region, url)
    if not fields["text"]:
        return None, "no text"
    found = _finished(*draft_of(page, html, url, fields))
    why = regions.fast_enough(found.text, hint) if region is not None else None
    if why is None and hint.date_from_page and found.published_at is None:
        why = "date source gone"
    return (None, why) if why else (found, None)


def _remembered_fields(page: Any, url: str | None, hint: regions.Hint) -> dict[str, Any] | None:
    """The page's metadata from the hint's sources, and its date unless the page's metadata
    gives the time; None when a source is gone."""
    import trafilatura

    if hint.sources:
        return metasources.read(page, hint.sources, hint.layout, url)
    if not hint.path:
        return None
    fields = _fields(trafilatura.extract_metadata(page, default_url=url, extensive=False))
    if not hint.date_from_page:
        fields["date"] = metasources.searched_date(page, fields.get("url") or url)
    return fields


def _page_text(page: Any, url: str | None) -> str:
    """The whole page's text through the full path's precise pass, without its metadata
    pass (the text does not depend on it when the page's URL is known)."""
    import trafilatura

    document = trafilatura.bare_extraction(page, url=url, **_PRECISE)
    return getattr(document, "text", None) or ""


def _region_text(region: Any, url: str | None) -> str:
    """The region's text through the precise pass, without trafilatura's second opinions
    (readability, justext), which judge a whole page and not a part of one."""
    import trafilatura

    document = trafilatura.bare_extraction(regions.cut_down(region), url=url, fast=True,
                                           **_PRECISE)
    return getattr(document, "text", None) or ""


def declared_canonical(tree: Any, page_url: str) -> str | None:
    """The URL a page declares for itself: its <link rel="canonical">, else its og:url, resolved
    against the page's URL and in canonical form.

    Only a URL on the page's own site counts (a page cannot claim to be another site's story),
    and never the site's front page: consent walls, error pages and paywalls declare that, and
    taking it would merge every story behind the wall into one.
    """
    links = tree.xpath('.//head//link[contains(concat(" ", normalize-space(translate(@rel, '
                       '"CANONICAL", "canonical")), " "), " canonical ")]/@href')
    metas = tree.xpath('.//head//meta[@property="og:url" or @name="og:url"]/@content')
    declared = [*links, *metas]
    if not declared:
        return None
    try:
        url = canonical_url(urljoin(page_url, str(declared[0]).strip()))
    except InvalidInput:
        return None
    return url if same_site(url, page_url) and urlsplit(url).path != "/" else None


def _parse_date(value: str | None) -> datetime | None:
    """trafilatura gives dates as YYYY-MM-DD: midnight UTC, for pages whose metadata states no
    time of day (tracker.sources.timestamps), or None if unparsable."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
