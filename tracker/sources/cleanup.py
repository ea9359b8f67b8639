"""Rules that finish an extraction: the whole article, nothing else, and the headline alone.

trafilatura with `favor_precision` keeps little boilerplate but sometimes loses the article, and
what it keeps still carries the page's habits: a headline repeated as the first paragraph, a
title that ends in the site's name, a run of teasers for other posts. Each rule below takes a
`Draft` and returns it changed or as it was; `tidy` runs them in order. Each was measured on the
990-page development set (`bench/bench_extract.py`, figures in bench/README.md), and only rules
that helped there are in `RULES`.
"""

import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from itertools import takewhile
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

from tracker.text.normalise import normalise_line, normalise_text


@dataclass(frozen=True)
class Draft:
    """An extraction on its way to `Extracted`: normalised text and title, and the page."""

    text: str
    title: str | None
    page: Any
    """The parsed page (an lxml HtmlElement), read by the rules and never changed."""
    url: str | None
    site_name: str | None
    """trafilatura's site name: og:site_name, a publisher in JSON-LD, or a part of <title>."""


Rule = Callable[[Draft], Draft]


def tidy(draft: Draft, rules: Sequence[Rule] | None = None) -> Draft:
    """Apply `rules` (default: every rule that ships) in order."""
    for rule in RULES if rules is None else rules:
        draft = rule(draft)
    return draft


# --- 1. A precise extraction that lost the article --------------------------------------------

# Only a short precise text is checked against a balanced pass: the pass costs as much again as
# the first, and on the development set 27 of the 29 pages where it helped had under 300 words.
_FALLBACK_BELOW_WORDS = 300
_FALLBACK_LONGER = 1.5
_PROSE_PARAGRAPHS = 3
_PROSE_MIN_CHARACTERS = 80
# Sentence ends (with the CJK full stop, exclamation and question marks), then closing quotes.
_SENTENCE_END = re.compile("[.!?\u2026\u3002\uff01\uff1f][\"'\u201d\u2019\u00bb)\\]]*$")


def recall_fallback(draft: Draft) -> Draft:
    """Merge in a balanced (recall-leaning) pass when the precise one is much shorter.

    The balanced pass must look like an article (several paragraphs of prose) and be half as
    long again; its lines are merged with the precise ones in page order, so a precise text
    that found another part of the page (a recipe's ingredients, say) keeps it.
    """
    if len(draft.text.split()) >= _FALLBACK_BELOW_WORDS:
        return draft
    wider = _balanced_text(draft.page, draft.url)
    if len(wider.split()) < _FALLBACK_LONGER * len(draft.text.split()):
        return draft
    if _prose_paragraphs(wider) < _PROSE_PARAGRAPHS:
        return draft
    return replace(draft, text=merge_lines(draft.text, wider))


def _balanced_text(page: Any, url: str | None) -> str:
    import trafilatura

    document = trafilatura.bare_extraction(
        page, url=url, include_comments=False, include_tables=True, deduplicate=False,
    )
    return normalise_text(getattr(document, "text", None) or "")


def _prose_paragraphs(text: str) -> int:
    return sum(1 for line in text.split("\n")
               if len(line) >= _PROSE_MIN_CHARACTERS and _SENTENCE_END.search(line))


def merge_lines(first: str, second: str) -> str:
    """Both texts' lines once, in order: the lines they share, and each one's own where it has
    them (the first's before the second's where both differ)."""
    ours, theirs = first.split("\n") if first else [], second.split("\n")
    merged: list[str] = []
    matcher = SequenceMatcher(None, ours, theirs, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        merged += ours[i1:i2] if tag == "equal" else ours[i1:i2] + theirs[j1:j2]
    return "\n".join(merged)


# --- 2. The site's name in the title --------------------------------------------------------

# A bar, hyphen, en or em dash, middle dot, bullet, guillemet, "::" or "~" between spaces; a colon
# is not one: "Storm: what we know" is a headline.
_SEPARATOR = re.compile("\\s+(?:[|\u00b7\u2022\u00bb~\\-\u2013\u2014]|::)\\s+")
# Second-level labels under a country code: the site's own name is the label before them.
_SECOND_LEVEL = frozenset(["co", "com", "org", "net", "gov", "gv", "ac", "edu", "or", "ne", "go"])
_MIN_NAME = 4


def site_name_out_of_title(draft: Draft) -> Draft:
    """Drop the site's name from the title, or take the page's <h1> when it is the title's core.

    A part of the title after the last separator (or before the first) goes when it is the
    site's name: trafilatura's site name, og:site_name, the host or its main label, or the
    start of one of them ("Jäger" for "JÄGER Zeitschrift für das Jagdrevier"). A title that is
    nothing but the site's name stays. Then, when one of the page's <h1> headings is the title
    without some leading or trailing parts (a section, a site name we could not recognise), the
    heading is the headline; the longest, when a section heading is an <h1> too, and never a
    site title that links to the home page.
    """
    if not draft.title:
        return draft
    names = _site_names(draft)
    title = _without_site_name(draft.title, names)
    heading = _heading_for(title, _headings(draft.page, draft.url))
    return replace(draft, title=heading or title)


def _without_site_name(title: str, names: set[str]) -> str:
    if _key(title) in names:
        return title
    separators = list(_SEPARATOR.finditer(title))
    if not separators:
        return title
    last, first = separators[-1], separators[0]
    if _is_site_name(title[last.end():], names):
        return title[: last.start()]
    if _is_site_name(title[: first.start()], names):
        return title[first.end():]
    return title


def _is_site_name(part: str, names: set[str]) -> bool:
    key = _key(part).removeprefix("www")
    if key in names:
        return True
    return len(key) >= _MIN_NAME and any(name.startswith(key) for name in names)


def _site_names(draft: Draft) -> set[str]:
    names = {draft.site_name or ""}
    names.update(draft.page.xpath("//meta[@property='og:site_name']/@content"))
    names.update(_host_names(draft.url))
    return {key for key in map(_key, names) if len(key) >= _MIN_NAME}


def _host_names(url: str | None) -> list[str]:
    """The host without "www." and its main label: "autozeitung.de", "autozeitung"."""
    labels = (urlsplit(url).hostname or "").removeprefix("www.").split(".") if url else []
    if len(labels) < 2:
        return []
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL:
        return [".".join(labels), labels[-3]]
    return [".".join(labels), labels[-2]]


def _headings(page: Any, url: str | None) -> list[str]:
    """The page's <h1> texts, but for a site title (an <h1> that links to the home page)."""
    found = (normalise_line(" ".join(h1.itertext())) for h1 in page.iter("h1")
             if not any(_is_home(link.get("href"), url) for link in h1.iter("a")))
    return [heading for heading in found if heading]


def _is_home(href: str | None, url: str | None) -> bool:
    try:
        return urlsplit(urljoin(url or "", (href or "").strip())).path in ("", "/")
    except ValueError:  # a malformed href
        return False


def _heading_for(title: str, headings: list[str]) -> str | None:
    """The longest heading that is `title` less some separated parts at its start or end."""
    cores = set(_cores(title))
    matching = [heading for heading in headings if _key(heading) in cores]
    return max(matching, key=len) if matching else None


def _cores(title: str) -> Iterator[str]:
    """Keys of the title less some separated parts from its start or from its end."""
    for cut in _SEPARATOR.finditer(title):
        yield _key(title[: cut.start()])
        yield _key(title[cut.end():])


def _key(text: str) -> str:
    """Letters and digits only, case-folded and without accents: how titles are compared."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if char.isalnum())


# --- 3. The headline as the text's first line -------------------------------------------------


def drop_title_line(draft: Draft) -> Draft:
    """Drop a first line that is the title: it would double the headline in every diff."""
    first, _, rest = draft.text.partition("\n")
    if rest and draft.title and _key(first) == _key(draft.title):
        return replace(draft, text=rest)
    return draft


# --- 4. Teasers of other posts ------------------------------------------------------------------

_TEASER_MAX_WORDS = 30
_TEASER_RUN = 2
_TEASER_LINK_SHARE = 0.8
_HEADLINE_WORD = re.compile(r"[^\W\d_]{4,}")
_TEASER_LABEL = re.compile(r"(?:\S+\s+){0,5}\S+:")


def drop_teasers(draft: Draft) -> Draft:
    """Drop the run of teasers that ends a text: short paragraphs that each link to another page
    and share no word with the headline, kept by extraction under a blog post ("more posts").

    A paragraph links elsewhere when the page has a link to another URL whose text is most of
    that paragraph's (the paragraph is, or is inside, the link). List items and table rows are
    never teasers: a list of links is often the article's own. Only a run that ends the text
    goes: on the development set, runs inside the text were as often the article's own linked
    subheadings as teasers. A short label line ending in a colon just above them goes with them.
    """
    lines = draft.text.split("\n")
    headline = set(_HEADLINE_WORD.findall((draft.title or "").casefold()))
    run = len(list(takewhile(lambda line: _may_be_teaser(line, headline), reversed(lines))))
    if run < _TEASER_RUN or run == len(lines):
        return draft
    tail = [_key(line) for line in lines[-run:]]
    linked = _linked_blocks(draft.page, draft.url, set(tail))
    run = len(list(takewhile(lambda key: key in linked, reversed(tail))))
    if run < _TEASER_RUN:
        return draft
    kept = lines[:-run]
    if len(kept) > 1 and _TEASER_LABEL.fullmatch(kept[-1]):  # "More from the blog:" goes too
        kept.pop()
    return replace(draft, text="\n".join(kept))


def _may_be_teaser(line: str, headline: set[str]) -> bool:
    if line.startswith(("- ", "|")) or len(line.split()) > _TEASER_MAX_WORDS:
        return False
    return not headline & set(_HEADLINE_WORD.findall(line.casefold()))


def _linked_blocks(page: Any, url: str | None, wanted: set[str]) -> set[str]:
    """The keys in `wanted` that are the text of a link to another page, or of a parent of one
    mostly made of it. A link whose text is in none of them is passed over at once."""
    here = urldefrag(url)[0] if url else ""
    keys: dict[Any, str] = {}  # each element's text is read once, however many links it holds

    def key_of(element: Any) -> str:
        if element not in keys:
            keys[element] = _key(" ".join(element.itertext()))
        return keys[element]

    found: set[str] = set()
    for link in page.iter("a"):
        length, element = len(key_of(link)), link
        if not length or not any(keys[link] in key for key in wanted):
            continue
        if not _links_elsewhere(link.get("href"), url, here):
            continue
        # A parent's text holds its child's: once one is not mostly the link, none above is.
        while element is not None and length >= _TEASER_LINK_SHARE * len(key_of(element)):
            found.add(key_of(element))
            element = element.getparent()
    return found & wanted


def _links_elsewhere(href: str | None, url: str | None, here: str) -> bool:
    href = (href or "").strip()
    if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
        return False
    try:
        return urldefrag(urljoin(url or "", href))[0] != here
    except ValueError:  # a malformed href (an invalid IPv6 host and the like)
        return False


RULES: tuple[Rule, ...] = (recall_fallback, site_name_out_of_title, drop_title_line, drop_teasers)
