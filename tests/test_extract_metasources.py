"""The fast path's metadata from remembered sources (tracker.sources.metasources).

A full extraction remembers where the title, byline, site name and URL came from; the next
changed page reads them there instead of running trafilatura's metadata pass. The result must be
the full extraction's on real pages with real edits, and the full path must take over when a
source is gone, the page's metadata layout changed, or the byline moved.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import trafilatura
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tracker.db import queries
from tracker.db.engine import Database
from tracker.sources import metasources, regions
from tracker.sources.extract import extract_article, extract_remembering
from tracker.sources.fetch import FetchLimits
from tracker.sources.snapshot import SnapshotOptions, run_snapshot
from tracker.sources.timestamps import page_times, times_of
from tracker.sources.tracking import track_stories
from tracker.store.schedule import Policy

from .test_extract_regions import DEV_SET, PARAGRAPHS, dev_checked, edited

URL = "https://quay.example.net/2026/12/02/ferry-terminal-flooding"
TITLE = "Floods close the ferry terminal"
BYLINE = "By Mara Lindqvist"


def page(paragraphs: list[str] = PARAGRAPHS, *, title: str = TITLE, author: str | None = None,
         byline: str | None = BYLINE, byline_first: bool = False, extra_meta: str = "",
         ld_type: str = "NewsArticle") -> str:
    """The story with its metadata in the head (`author` as a meta tag) or in the body (a byline
    element, after the headline or, with `byline_first`, before it)."""
    author_meta = f'<meta name="author" content="{author}">' if author else ""
    head = f"""<head><meta charset="utf-8"><title>{title} - Quay Post</title>
<meta property="og:title" content="{title}">
<meta property="og:site_name" content="Quay Post">{author_meta}{extra_meta}
<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "{ld_type}",
 "datePublished": "2026-12-02T08:30:00Z"}}</script></head>"""
    line = f"<p class='byline'>{byline}</p>" if byline else ""
    top = f"{line}<h1>{title}</h1>" if byline_first else f"<h1>{title}</h1>{line}"
    body = "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
    return (f"<!doctype html><html>{head}<body><div class='page'><article class='story'>{top}"
            f"<div class='story-body'>{body}</div></article><aside><ul><li><a href='/a'>Other"
            f"</a></li></ul></aside></div></body></html>")


def remembered(html: str) -> str:
    _, hint = extract_remembering(html, URL, None)
    loaded = regions.loads(hint)
    assert hint is not None and loaded is not None and loaded.sources
    return hint


def after(hint: str, html: str) -> str:
    """How the page after `hint` was extracted; it must be the full extraction either way."""
    found, next_hint = extract_remembering(html, URL, hint)
    assert found == extract_article(html, URL)
    loaded = regions.loads(next_hint)
    assert loaded is not None
    return loaded.last


SECOND = edited(PARAGRAPHS, 1, "about 300", "more than 350")


def test_a_full_extraction_remembers_a_source_for_each_field() -> None:
    loaded = regions.loads(remembered(page()))
    assert loaded is not None
    sources = dict(zip(metasources.FIELDS, loaded.sources, strict=True))
    assert sources["title"][0] in ("meta", "ld", "title", "path")
    assert sources["author"][0] == "path"  # the byline element: no meta tag names an author
    assert loaded.layout


@pytest.mark.parametrize("changes", [
    {},
    {"title": "Floods close the ferry terminal for a week"},
    {"byline": "By Tom Reyes"},
])
def test_the_fast_path_reads_new_values_from_the_remembered_sources(
        changes: dict[str, Any]) -> None:
    hint = remembered(page())
    html = page(SECOND, **changes)
    assert after(hint, html) == "fast"
    found = extract_article(html, URL)
    assert found.title == changes.get("title", TITLE)
    assert found.byline == changes.get("byline", BYLINE).removeprefix("By ")


def test_a_meta_author_is_read_from_its_tag() -> None:
    hint = remembered(page(author="Mara Lindqvist", byline=None))
    assert after(hint, page(SECOND, author="Tom Reyes", byline=None)) == "fast"
    assert extract_article(page(SECOND, author="Tom Reyes", byline=None), URL).byline == "Tom Reyes"


def test_the_full_path_takes_over_when_a_source_empties() -> None:
    hint = remembered(page(author="Mara Lindqvist", byline=None))
    assert after(hint, page(SECOND, author=" ", byline=None)) == "full: metadata source gone"


@pytest.mark.parametrize("changes", [
    {"extra_meta": '<meta name="twitter:title" content="Floods">'},
    {"ld_type": "LiveBlogPosting"},
])
def test_the_full_path_takes_over_when_the_metadata_layout_changes(
        changes: dict[str, Any]) -> None:
    hint = remembered(page())
    assert after(hint, page(SECOND, **changes)) == "full: metadata source gone"


def test_the_full_path_takes_over_when_the_byline_moves() -> None:
    hint = remembered(page())
    assert after(hint, page(SECOND, byline_first=True)) == "full: metadata source gone"


def test_an_older_hint_reads_as_none() -> None:
    loaded = regions.loads(remembered(page()))
    assert loaded is not None
    old = loaded.dumps().replace(f'"version":{regions.HINT_VERSION}', '"version":1')
    assert regions.loads(old) is None
    _, hint = extract_remembering(page(SECOND), URL, old)
    loaded = regions.loads(hint)
    assert loaded is not None and loaded.last == "full"


def test_page_times_read_from_the_parsed_page_are_the_pages_own() -> None:
    html = page()
    assert times_of(trafilatura.load_html(html), html) == page_times(html)
    assert page_times(html).published == datetime(2026, 12, 2, 8, 30, tzinfo=UTC)


@pytest.mark.skipif(not DEV_SET.exists(), reason="the development set (../shared) is not here")
def test_fast_metadata_is_the_full_extractions_on_real_pages() -> None:
    hints = list(dev_checked(every=15))
    assert sum(hint.last == "fast" and bool(hint.sources) for hint in hints) >= 15
    assert sum(hint.last == "fast: metadata" for hint in hints) >= 10


class Site:
    """One story at a loopback URL whose page the test sets."""

    def __init__(self, server: HTTPServer) -> None:
        self.html = page()
        server.expect_request("/quay").respond_with_handler(self.answer)
        self.url = server.url_for("/quay")

    def answer(self, _request: Request) -> Response:
        return Response(self.html, content_type="text/html; charset=utf-8")


def test_a_metadata_redesign_is_no_version(web_server: HTTPServer, any_db: Database) -> None:
    web_server.clear()
    site, now = Site(web_server), datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    [story] = [tracked.story_id for tracked in track_stories(any_db, [site.url], now)]

    def run(html: str) -> tuple[str, str]:
        nonlocal now
        site.html, now = html, now + timedelta(hours=1)
        options = SnapshotOptions(limits=FetchLimits(host_delay=0), policy=Policy(),
                                  every=True, extract_processes=0)
        report = run_snapshot(any_db, options, clock=lambda: now)
        outcome = [*report.changed, *report.suspects, *report.failures]
        with any_db.reading() as session:
            from tracker.db.models import Story

            hint = regions.loads(session.get_one(Story, story).extraction_hint)
        assert hint is not None
        return (outcome[0].outcome if outcome else "unchanged"), hint.last

    assert run(page()) == ("new_version", "full")
    assert run(page(SECOND)) == ("new_version", "fast")
    redesigned = page(SECOND, byline_first=True, extra_meta='<meta name="robots" content="all">')
    assert run(redesigned) == ("unchanged", "full: metadata source gone")
    third = edited(SECOND, 5, "several days", "a week")
    assert run(page(third, byline_first=True,
                    extra_meta='<meta name="robots" content="all">')) == ("new_version", "fast")
    assert "a week" in queries.get_version(any_db, story, 3).text
    assert queries.find_story(any_db, story).version_count == 3
    web_server.clear()
