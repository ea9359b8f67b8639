"""Where a page's article lives, remembered from one extraction to the next (the fast path).

Most changed pages of a story are the same page around a slightly different article. After a
full extraction, `remember` finds the element that holds every line of the text (the lowest
common ancestor of the elements each line came from) and describes it compactly: the path of
child positions and tags from the root, its id and class, and the sizes of the region and the
text. On the next changed page `locate` follows that path; when the element is there, unchanged
in kind and about the same size, trafilatura's precise pass runs on a copy of the page cut down
to that element and its ancestors (their tags and attributes kept, so the same containers match
trafilatura's rules): the same cleaning, on a region of a few kilobytes instead of the page.

Everything that would make the two paths disagree sends the page to the full extraction: a region
missing or moved, much shorter or longer than before, a text that collapsed or is too short for
the rules (`cleanup.recall_fallback` reads the whole page under 300 words), and every
`FULL_EVERY`-th version anyway, so a drift is caught. On the development set the fast text is the
full extraction's on the pages in bench/README.md.
"""

import json
from copy import deepcopy
from dataclasses import asdict, dataclass, replace
from typing import Any

from tracker.sources import treepaths
from tracker.text.normalise import normalise_line

HINT_VERSION = 2
"""Version 2 added the metadata sources (tracker.sources.metasources); a version-1 hint reads
as none, so a story's next page is extracted in full and remembers both."""
FULL_EVERY = 10
"""Every tenth extraction of a story is a full one, whatever the region says."""
SIZE_DRIFT = 1.25
"""The region's text and the extracted text may grow or shrink by this factor at most."""
MIN_WORDS = 300
"""Below this, the full path's rules read the whole page (cleanup.recall_fallback)."""
MATCHED_SHARE = 0.8
"""The share of the text's characters that must be found in the page to remember a region."""
_MIN_LINE = 20
_START = 40
_BLOCKS = frozenset(["p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "td",
                     "th", "dd", "dt", "figcaption", "div", "span", "section", "article",
                     "strong", "em", "b", "font", "center", "main", "table", "ul", "ol"])


@dataclass(frozen=True)
class Hint:
    """Where the article was, and how the last extraction went (stored per story as JSON)."""

    path: tuple[tuple[int, str], ...]
    """(position among the parent's element children, tag) from the root to the region; empty
    when no region is remembered, only the metadata's sources."""
    ident: str
    """The region's id and class attributes."""
    region_chars: int
    text_chars: int
    date_from_page: bool = False
    """Whether the publication time came from the page's metadata (timestamps.page_times): then
    the fast path needs no date search, and must find that time again."""
    fast_since_full: int = 0
    """Fast extractions since the last full one."""
    last: str = "full"
    """How the last extraction went: "fast", "full", or "full: <why the fast path was left>"."""
    sources: tuple[tuple[str, ...], ...] = ()
    """Where the title, byline, site name and URL came from (tracker.sources.metasources);
    empty when one of them could not be traced, and the fast path reads all the metadata."""
    layout: str = ""
    """A digest of the page's metadata layout when the sources were found."""
    version: int = HINT_VERSION

    def dumps(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))


def loads(value: str | None) -> Hint | None:
    """A stored hint, or None for none, an older format or anything unreadable."""
    if not value:
        return None
    try:
        data = json.loads(value)
        hint = Hint(**{**data, "path": tuple((int(i), str(t)) for i, t in data["path"]),
                       "sources": tuple(tuple(map(str, source)) for source in data["sources"])})
    except (ValueError, TypeError, KeyError):
        return None
    return hint if hint.version == HINT_VERSION else None


def remember(page: Any, text: str, *, date_from_page: bool = False) -> Hint | None:
    """The region that holds `text` in `page` (before extraction pruned it), or None when the
    text cannot be traced to one element (too few of its lines are found in the page).

    A line is found in the deepest element whose text starts as the line does (spaces aside:
    lxml's text and trafilatura's lines space inline markup differently; list and table
    markers aside); only elements no longer than the text are read.
    """
    lines = {_start(line): len(line) for line in text.split("\n") if len(line) >= _MIN_LINE}
    found: dict[str, Any] = {}
    for element in page.iter(*_BLOCKS):
        content = _squeezed(element, limit=len(text) + 1)
        if content is not None and content[:_START] in lines:
            found[content[:_START]] = element
    if not lines or sum(lines[key] for key in found) < MATCHED_SHARE * sum(lines.values()):
        return None
    region = _common_ancestor(list(found.values()))
    if region is None or region.tag in ("html", "body"):
        return None
    return Hint(treepaths.path_of(region), _ident(region), len(_words(_text(region))), len(text),
                date_from_page)


def locate(page: Any, hint: Hint) -> tuple[Any, str | None]:
    """The remembered region in a new page, or None and why it cannot be used."""
    element = treepaths.follow(page, hint.path)
    if element is None or _ident(element) != hint.ident:
        return None, "region moved"
    if not _near(len(_words(_text(element))), hint.region_chars):
        return None, "region size changed"
    return element, None


def cut_down(region: Any) -> Any:
    """A new document of the region and its ancestors alone, each ancestor with its tag and
    attributes (the containers trafilatura's rules look for) and nothing else."""
    copy = deepcopy(region)
    copy.tail = None
    for ancestor in region.iterancestors():
        shell = ancestor.makeelement(ancestor.tag, dict(ancestor.attrib))
        shell.append(copy)
        copy = shell
    return copy


def fast_enough(text: str, hint: Hint | None) -> str | None:
    """Why a fast text cannot stand in for a full extraction (or, without a hint, why no
    region is remembered for it), or None when it can."""
    if len(text.split()) < MIN_WORDS:
        return "text too short for the fast path"
    if hint is not None and not _near(len(text), hint.text_chars):
        return "text size changed"
    return None


def due_for_full(hint: Hint) -> bool:
    return hint.fast_since_full + 1 >= FULL_EVERY


def after_fast(hint: Hint, text: str) -> Hint:
    """The hint after a fast extraction: "fast" from the region, "fast: metadata" when the
    whole page was extracted and only the metadata came from remembered sources."""
    return replace(hint, text_chars=len(text), fast_since_full=hint.fast_since_full + 1,
                   last="fast" if hint.path else "fast: metadata")


def _near(size: int, before: int) -> bool:
    return before / SIZE_DRIFT <= size <= before * SIZE_DRIFT


def _start(line: str) -> str:
    return "".join(line.lstrip("-| ").split())[:_START]


def _squeezed(element: Any, limit: int) -> str | None:
    """The element's text without white space, or None when it is longer than `limit`."""
    text = "".join("".join(element.itertext()).split())
    return text if len(text) <= limit else None


def _text(element: Any) -> str:
    return " ".join(element.itertext())


def _words(text: str) -> str:
    return normalise_line(text) or ""


def _common_ancestor(elements: list[Any]) -> Any:
    if not elements:
        return None
    chain = [elements[0], *elements[0].iterancestors()]
    depth = {id(node): n for n, node in enumerate(chain)}
    deepest = 0
    for element in elements[1:]:
        node = element
        while node is not None and id(node) not in depth:
            node = node.getparent()
        if node is None:
            return None
        deepest = max(deepest, depth[id(node)])
    return chain[deepest]


def _ident(element: Any) -> str:
    return f"{element.get('id') or ''}#{element.get('class') or ''}"
