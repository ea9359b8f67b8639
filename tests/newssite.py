"""A small news site on a real loopback server, whose pages change on their own between requests.

Every request renders the page anew: the navigation, the ad boxes, the most-read list and the
footer change, and so do three lines inside the article body itself, where a generic extractor
keeps them: "Updated N minutes ago" above the first paragraph, a "Related: <other headline>" link
and an "Advertisement" label between paragraphs. Only `edit` changes the story itself.
"""

import hashlib
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

HEADLINES = [
    "Markets rally as inflation cools", "Storm batters the northern coast",
    "Parliament passes budget after all-night session", "Local team wins the cup final",
    "Scientists map a new deep-sea reef", "Rail strike called off at the last minute",
]
FILLER = (
    "Officials said the situation remained fluid and that more details would be released "
    "later in the day, as reporters gathered outside the ministry and residents waited for news"
)


@dataclass
class StoryPage:
    title: str
    paragraphs: list[str]
    etag: bool = False
    """Answer conditional requests with 304 while the story (not its furniture) is the same."""
    static: bool = False
    """No furniture that changes: the same bytes on every request."""


@dataclass
class NewsSite:
    server: HTTPServer
    pages: dict[str, StoryPage] = field(default_factory=dict)
    hits: Counter[str] = field(default_factory=Counter)
    conditional_hits: Counter[str] = field(default_factory=Counter)
    latency: float = 0.0
    """Seconds each answer takes, so concurrent runs really overlap."""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, path: str, title: str, paragraphs: list[str] | None = None, **kind: bool) -> str:
        """Serve a story at `path`; returns its URL."""
        self.pages[path] = StoryPage(title, paragraphs or story_paragraphs(title), **kind)
        self.server.expect_request(path).respond_with_handler(self._handler(path))
        return self.server.url_for(path)

    def edit(self, path: str, old: str, new: str) -> None:
        """Replace the first `old` in the story's paragraphs: a real edit."""
        paragraphs = self.pages[path].paragraphs
        index = next(i for i, paragraph in enumerate(paragraphs) if old in paragraph)
        paragraphs[index] = paragraphs[index].replace(old, new, 1)

    def _handler(self, path: str):
        def handle(request: Request) -> Response:
            time.sleep(self.latency)
            with self._lock:
                self.hits[path] += 1
                count = sum(self.hits.values())
            page = self.pages[path]
            tag = '"' + hashlib.sha256(repr(page.paragraphs).encode()).hexdigest()[:16] + '"'
            if page.etag and request.headers.get("If-None-Match"):
                self.conditional_hits[path] += 1
                if request.headers["If-None-Match"] == tag:
                    return Response(status=304, headers={"ETag": tag})
            html = render(page, 0 if page.static else count)
            headers = {"ETag": tag} if page.etag else {}
            return Response(html, content_type="text/html; charset=utf-8", headers=headers)

        return handle


def story_paragraphs(title: str, count: int = 5) -> list[str]:
    return [f"{title}: paragraph {n} of the report. {FILLER}, a witness said." for n in
            ("one", "two", "three", "four", "five", "six", "seven")[:count]]


def render(page: StoryPage, n: int) -> str:
    """The page as served on the n-th request: furniture depends on n, the story does not."""
    body = [f"<p>{paragraph}</p>" for paragraph in page.paragraphs]
    if n:
        body.insert(0, f"<p>Updated {n % 59 + 1} minutes ago</p>")
        body.insert(2, f'<p>Related: <a href="/other/{n}">{HEADLINES[n % len(HEADLINES)]}</a></p>')
        body.insert(4, "<p>Advertisement</p>")
    return f"""<!doctype html><html><head><meta charset="utf-8">
<title>{page.title} | The Daily Example</title></head><body>
<header><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a>
<span>{n * 37 % 1000} readers online</span></nav>
<div class="ad-banner">Sponsored: offer number {n}, buy now</div></header>
<main><article><h1>{page.title}</h1><p class="byline">By Jane Doe</p>
{"".join(body)}
</article></main>
<aside><h2>Most read</h2><ul>{"".join(f"<li><a href='/r/{i}'>{HEADLINES[(n + i) % 6]}</a></li>"
                                       for i in range(4))}</ul></aside>
<footer>(c) The Daily Example, page generated {n} ms after midnight</footer>
</body></html>"""
