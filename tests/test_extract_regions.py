"""The extraction fast path (tracker.sources.regions): the same stored text as a full extraction.

A full extraction remembers where the article was; the next changed page is extracted from that
region alone. The fast text must be the full extraction's on real pages with real edits (pages
written for these tests, and a sample of the development set in ../shared when it is there), and
the full path must take over whenever the region moved, emptied or changed shape, so a site's
redesign never shows up as a version.
"""

import json
import lzma
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tracker.db import queries
from tracker.db.engine import Database
from tracker.sources import regions
from tracker.sources.extract import extract_article, extract_remembering
from tracker.sources.fetch import FetchLimits
from tracker.sources.snapshot import SnapshotOptions, run_snapshot
from tracker.sources.tracking import track_stories
from tracker.store.schedule import Policy

DEV_SET = Path(__file__).resolve().parents[2] / "shared/extraction-dev/trafilatura-eval.jsonl.xz"
URL = "https://harbour.example.org/news/2026/12/01/ferry-terminal-flooding"
# Written for these tests: a report long enough for the fast path (300 words and more).
PARAGRAPHS = [
    "Flood water reached the ferry terminal on Tuesday evening after the river broke its banks "
    "upstream, forcing the harbour authority to suspend all crossings until further notice.",
    "The authority said about 300 passengers had been moved to a sports hall on higher ground, "
    "where volunteers handed out blankets and hot drinks while engineers inspected the ramps.",
    "Residents of the lower town described water rising faster than in the floods of 2013. One "
    "shop owner said she had lifted her stock onto shelves only to watch the water climb past "
    "them within the hour.",
    "The regional weather service had issued an amber warning on Monday, and upgraded it to red "
    "shortly after noon on Tuesday, when rain gauges in the hills recorded their wettest day "
    "since records began in 1931.",
    "Emergency crews used boats to reach houses along the canal, where about 40 people had "
    "stayed behind. Nobody was reported injured, although two firefighters were treated for "
    "exhaustion after working through the night.",
    "The harbour master said the terminal's electrics would have to be checked before any ferry "
    "could berth again, which could take several days. Freight traffic is being diverted to the "
    "northern port in the meantime.",
    "Local councillors have called for an inquiry into why flood barriers ordered after the last "
    "major flood had still not been installed. The council said the contract had been delayed "
    "by a dispute over the design of the barrier gates.",
    "Insurers said it was too early to estimate the cost of the damage, but warned that claims "
    "from businesses along the waterfront were likely to run into millions, as many of them "
    "were still recovering from last winter's storms.",
    "Forecasters expect the rain to ease on Thursday, but said river levels could keep rising "
    "for another day as water drains from the hills. Residents have been asked to follow the "
    "advice of the emergency services and to avoid the riverside paths.",
    "The ferry company said passengers with tickets for crossings this week could rebook free "
    "of charge or ask for a refund, and that it would publish a new timetable once the terminal "
    "had been declared safe.",
]
HEADLINE = "Floods close the ferry terminal as the river bursts its banks"


def page(paragraphs: list[str], layout: str = "classic", visit: int = 0) -> str:
    """The story in one of the site's layouts; `visit` changes the furniture around it."""
    body = "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
    head = f"""<head><meta charset="utf-8"><title>{HEADLINE} | Harbour Herald</title>
<meta property="og:site_name" content="Harbour Herald">
<meta name="author" content="Mara Lindqvist">
<script type="application/ld+json">{{"@type": "NewsArticle",
 "datePublished": "2026-12-01T18:30:00Z", "dateModified": "2026-12-01T21:05:00Z"}}</script>
</head>"""
    furniture = (f"<nav><a href='/'>Home</a> <a href='/news'>News</a> <span>{visit} online"
                 "</span></nav>")
    teasers = "".join(f"<li><a href='/news/{n}'>Other story number {n + visit}</a></li>"
                      for n in range(5))
    if layout == "classic":
        main = (f"<div class='page'><header>{furniture}</header><div class='content'>"
                f"<article class='story'><h1>{HEADLINE}</h1><div class='story-body'>{body}"
                f"</div></article></div><aside><ul>{teasers}</ul></aside></div>")
    elif layout == "moved":  # the same markup one level deeper, after a new banner
        main = (f"<div class='page'><header>{furniture}</header><div class='banner'>Live</div>"
                f"<div class='wrap'><div class='content'><article class='story'><h1>{HEADLINE}"
                f"</h1><div class='story-body'>{body}</div></article></div></div>"
                f"<aside><ul>{teasers}</ul></aside></div>")
    else:  # "redesign": new class names and structure around the same article
        main = (f"<main id='top'>{furniture}<section class='grid'><div class='col-8'>"
                f"<h1 class='headline'>{HEADLINE}</h1><div class='article__text'>{body}</div>"
                f"</div><div class='col-4'><ul>{teasers}</ul></div></section></main>")
    return f"<!doctype html><html>{head}<body>{main}</body></html>"


def edited(paragraphs: list[str], index: int, old: str, new: str) -> list[str]:
    changed = list(paragraphs)
    assert old in changed[index]
    changed[index] = changed[index].replace(old, new, 1)
    return changed


def last(hint: str | None) -> str:
    loaded = regions.loads(hint)
    assert loaded is not None
    return loaded.last


def test_the_fast_path_gives_the_full_extractions_text_after_an_edit() -> None:
    _, hint = extract_remembering(page(PARAGRAPHS), URL, None)
    assert last(hint) == "full"
    for n, (index, old, new) in enumerate([(1, "about 300", "more than 350"),
                                           (4, "about 40", "about 45"),
                                           (6, "design", "cost")]):
        html = page(edited(PARAGRAPHS, index, old, new), visit=n + 1)
        fast, hint = extract_remembering(html, URL, hint)
        assert last(hint) == "fast"
        assert fast == extract_article(html, URL)
        assert new in fast.text


def test_a_paragraph_added_or_removed_still_takes_the_fast_path() -> None:
    _, hint = extract_remembering(page(PARAGRAPHS), URL, None)
    added = [*PARAGRAPHS[:3], "Update: the ferry company said refunds would be offered to "
             "everyone booked on a cancelled crossing this week.", *PARAGRAPHS[3:]]
    for paragraphs in (added, PARAGRAPHS[:-1]):
        html = page(paragraphs, visit=7)
        fast, next_hint = extract_remembering(html, URL, hint)
        assert last(next_hint) == "fast"
        assert fast == extract_article(html, URL)


@pytest.mark.parametrize(("layout", "paragraphs", "why"), [
    ("moved", PARAGRAPHS, "full: region moved"),
    ("redesign", PARAGRAPHS, "full: region moved"),
    ("classic", PARAGRAPHS[:2], "full: region size changed"),
    ("classic", [], "full: region size changed"),
    ("classic", PARAGRAPHS + PARAGRAPHS[:4], "full: region size changed"),
])
def test_the_full_path_takes_over_when_the_region_moved_emptied_or_changed_shape(
    layout: str, paragraphs: list[str], why: str,
) -> None:
    _, hint = extract_remembering(page(PARAGRAPHS), URL, None)
    html = page(paragraphs, layout)
    found, next_hint = extract_remembering(html, URL, hint)
    assert found == extract_article(html, URL)
    assert next_hint is None or last(next_hint) == why


def test_every_tenth_extraction_is_a_full_one() -> None:
    _, hint = extract_remembering(page(PARAGRAPHS), URL, None)
    paths = []
    for visit in range(1, 12):
        _, hint = extract_remembering(page(PARAGRAPHS, visit=visit), URL, hint)
        paths.append(last(hint))
    assert paths == ["fast"] * 9 + ["full: scheduled"] + ["fast"]


def test_a_region_is_remembered_only_when_it_gives_the_same_text() -> None:
    """A short story never takes the region's fast path: below 300 words the full path's rules
    read the whole page (a balanced pass), which a region cannot stand in for; only its
    metadata's sources are remembered, and its next page is extracted whole."""
    short = PARAGRAPHS[:3]
    hint = regions.loads(extract_remembering(page(short), URL, None)[1])
    assert hint is not None and hint.path == () and hint.sources
    html = page(edited(short, 1, "about 300", "about 320"), visit=1)
    found, next_hint = extract_remembering(html, URL, hint.dumps())
    assert last(next_hint) == "fast: metadata" and found == extract_article(html, URL)
    assert regions.loads('{"path": 3}') is None and regions.loads("not json") is None


def dev_pages(every: int) -> Iterator[tuple[str, str, str]]:
    """(url, html, passage) for every `every`-th page of the development set whose marked
    article text appears in the HTML, edited as bench/bench_snapshot.py edits them."""
    with lzma.open(DEV_SET, "rt") as lines:
        for number, line in enumerate(lines):
            if number % every == 0:
                record = json.loads(line)
                passage = next((text for text in record["with"]
                                if len(text) > 20 and text in record["html"]), None)
                if passage:
                    yield record["url"], record["html"], passage


def dev_checked(every: int) -> Iterator[regions.Hint]:
    """The hint after the second edition of every `every`-th usable dev-set page that had one
    after its first, the second's extraction checked against the full one on the way."""
    for url, html, passage in dev_pages(every):
        before, _, after = html.rpartition(passage)
        _, hint = extract_remembering(f"{before}{passage} 1{after}", url, None)
        if hint is None:
            continue
        changed = f"{before}{passage} 2{after}"
        found, next_hint = extract_remembering(changed, url, hint)
        assert found == extract_article(changed, url), url
        loaded = regions.loads(next_hint)
        if loaded is not None:
            yield loaded


@pytest.mark.skipif(not DEV_SET.exists(), reason="the development set (../shared) is not here")
def test_the_fast_path_matches_the_full_one_on_real_pages() -> None:
    assert sum(hint.last == "fast" for hint in dev_checked(every=20)) >= 10


# --- Through snapshot runs: a redesign is not a version ---------------------------------------


class Site:
    """One story at a loopback URL whose layout and paragraphs the test sets."""

    def __init__(self, server: HTTPServer) -> None:
        self.paragraphs, self.layout, self.visits = list(PARAGRAPHS), "classic", 0
        server.expect_request("/story").respond_with_handler(self.answer)
        self.url = server.url_for("/story")

    def answer(self, _request: Request) -> Response:
        self.visits += 1
        return Response(page(self.paragraphs, self.layout, self.visits),
                        content_type="text/html; charset=utf-8")


def test_a_redesign_keeps_the_versions_right(web_server: HTTPServer, any_db: Database) -> None:
    web_server.clear()
    site, now = Site(web_server), datetime(2026, 12, 1, 19, 0, tzinfo=UTC)
    [story] = [tracked.story_id for tracked in track_stories(any_db, [site.url], now)]

    def run(paragraphs: list[str], layout: str) -> tuple[str, str]:
        nonlocal now
        site.paragraphs, site.layout, now = paragraphs, layout, now + timedelta(hours=1)
        options = SnapshotOptions(limits=FetchLimits(host_delay=0), policy=Policy(),
                                  every=True, extract_processes=0)
        report = run_snapshot(any_db, options, clock=lambda: now)
        outcome = [*report.changed, *report.suspects, *report.failures]
        with any_db.reading() as session:
            from tracker.db.models import Story

            hint = session.get_one(Story, story).extraction_hint
        return (outcome[0].outcome if outcome else "unchanged"), last(hint)

    assert run(PARAGRAPHS, "classic") == ("new_version", "full")
    second = edited(PARAGRAPHS, 1, "about 300", "about 320")
    assert run(second, "classic") == ("new_version", "fast")
    assert run(second, "redesign") == ("unchanged", "full: region moved")
    third = edited(second, 5, "several days", "a week")
    assert run(third, "redesign") == ("new_version", "fast")
    assert run(third, "classic") == ("unchanged", "full: region moved")
    texts = [queries.get_version(any_db, story, n).text for n in (1, 2, 3)]
    assert "about 320" in texts[1] and "a week" in texts[2]
    assert queries.find_story(any_db, story).version_count == 3
    web_server.clear()
