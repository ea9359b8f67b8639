"""Exports: each format on the sample story and on hostile stories stored through the real write
path, checked with the tools people use them with (a Markdown renderer, jsonschema, patch(1) and
git apply, feedparser, and Chromium for the HTML report)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import unquote

import cmarkgfm
import feedparser
import jsonschema
import pytest
from cmarkgfm.cmark import Options as CmarkOptions
from markdown_it import MarkdownIt
from typer.testing import CliRunner, Result

from tracker.cli import app
from tracker.db import queries
from tracker.db.engine import Database, open_database
from tracker.db.models import Source
from tracker.errors import OutputError
from tracker.export import Format, render_combined, render_story
from tracker.export.atom import FeedLinks
from tracker.export.chart import timeline_chart
from tracker.export.history import Change, Selection, StoryHistory, load_history, slug
from tracker.export.json import schema
from tracker.export.output import write_atomic
from tracker.export.patch import version_file
from tracker.history import compare
from tracker.store.write import Article, Candidate, Observation, store_candidate
from tracker.text import display
from tracker.text.diffing import DELETE, EQUAL, INSERT
from tracker.text.urls import canonical_url

from .conftest import SAMPLE_URL

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
INJECTION_URL = ('https://evil.example/news/injection?q="><script>window.__pwned=5</script>'
                 "&r='><img src=x onerror=alert(1)>)](javascript:alert(2))")
RTL_URL = "https://evil.example/news/rtl"
BIG_URL = "https://evil.example/news/big"
ANSI_URL = "https://evil.example/news/\x1b]0;retitled\x07ansi\x1b[31m?x=\x07"
PWNED = "window.__pwned"
INJECTION_V1 = "\n".join([
    "Officials said <script>window.__pwned = 1</script> nothing happened.",
    '<img src="http://127.0.0.1:9/pixel.png" onerror="window.__pwned = 2">',
    "# Not a heading",
    "- not a list item",
    "1. not an ordered list",
    "> not a quote",
    "[click me](javascript:alert(1)) and ![tracker](http://127.0.0.1:9/beacon.png)",
    "@everyone **not bold** _not italic_ ~~not struck~~ | not | a | table | <b>raw</b> &amp;",
    "$x^2$ is not math, `not code`, <!-- not a comment --> and [ref]: http://127.0.0.1:9/",
    "***",
    "```",
    "]]></content><entry><title>forged</title></entry>",
    "--- a/etc/passwd",
    "+++ b/etc/passwd",
])
INJECTION_V2 = INJECTION_V1.replace("nothing happened", "<iframe src=\"http://127.0.0.1:9/\">"
                                    "</iframe> something happened").replace(
    "not a list item", "still <style>body{display:none}</style> not a list item")
HOSTILE_TITLE_V1 = '<script>window.__pwned = 3</script> # "Quotes" & [links](javascript:x)'
HOSTILE_TITLE_V2 = '</title><script>window.__pwned = 4</script> @here ~~headline~~'


def store(db: Database, url: str, minutes: int, text: str, title: str | None,
          byline: str | None = None) -> None:
    store_candidate(db, Candidate(url, Article(text, title=title, byline=byline),
                                  Observation(T0 + timedelta(minutes=minutes), Source.SNAPSHOT)))


def big_text(seed: int) -> str:
    """About 200 KB of paragraphs, each different."""
    return "\n".join(f"Paragraph {i} of a very long live blog ({seed}): " + "word " * 14
                     for i in range(2400))


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """Stories with markup and Markdown injection, control characters and ANSI escapes,
    right-to-left text, emoji, and a 200 KB text, each in two or three versions. Built once
    per module (storing 200 KB versions takes a moment); the tests only read it."""
    db = open_database(f"sqlite:///{tmp_path_factory.mktemp('hostile') / 'tracker.db'}")
    _store_hostile(db)
    yield db
    db.close()


def _store_hostile(db: Database) -> None:
    store(db, INJECTION_URL, 0, INJECTION_V1, HOSTILE_TITLE_V1, "By <b>Mallory</b>")
    store(db, INJECTION_URL, 10, INJECTION_V2, HOSTILE_TITLE_V2, "By Mallory & Eve")
    store(db, ANSI_URL, 1,
          "Red \x1b[31malert\x1b[0m here.\nBell\x07 and \x1b]0;retitled\x07 title.\x00", "ANSI")
    store(db, ANSI_URL, 11,
          "Red \x1b[2J\x1b[Halert cleared here.\nBell\x07 and title.", "ANSI \x1b[1mbold\x1b[0m")
    arabic = "مرحبا بالعالم"
    store(db, RTL_URL, 2, f"שלום עולם: 10 טילים\n{arabic}\n\u202eevil override\n"
          "Emoji 🚀 👩‍👩‍👧 🏳️‍🌈 👍🏽", "כותרת 🚀")
    store(db, RTL_URL, 12, f"שלום עולם: 15 טילים\n{arabic} الجديد\n\u202eevil override\n"
          "Emoji 🚀 👩‍👩‍👧 👍🏿", "כותרת חדשה 🚀")
    big = big_text(0)
    store(db, BIG_URL, 3, big, "Long story")
    store(db, BIG_URL, 13,
          big.replace("Paragraph 1200 of", "Paragraph 1200, amended, of"), "Long story")
    store(db, BIG_URL, 23, big.replace("Paragraph 7 of", "Par 7 of"),
          "Long story, updated")


def histories(db: Database) -> list[StoryHistory]:
    return [load_history(db, story.id) for story in queries.list_stories(db)]


def history_of(db: Database, url: str) -> StoryHistory:
    return load_history(db, queries.find_story(db, url).id)


def injection(db: Database) -> StoryHistory:
    return history_of(db, INJECTION_URL)


class Tags(HTMLParser):
    """Every start tag of an HTML document, with its attributes."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def names(self) -> set[str]:
        return {name for name, _ in self.tags}


def assert_no_active_markup(text: str) -> None:
    """Nothing that runs or fetches: no scripts, frames, images or event handlers."""
    tags = Tags(text)
    assert not tags.names() & {"script", "iframe", "img", "object", "embed", "link", "b"}
    assert not [attrs for _, attrs in tags.tags if any(k.startswith("on") for k in attrs)]
    assert not [attrs for _, attrs in tags.tags if "src" in attrs]


def assert_no_control_characters(text: str) -> None:
    assert not [c for c in text if (ord(c) < 32 and c not in "\n\t") or 0x7F <= ord(c) < 0xA0]


# --- the queries behind the exports ---------------------------------------------------------


def test_history_queries_on_both_databases(any_db: Database) -> None:
    for minutes, text in [(0, "One."), (5, "One. Two."), (9, "One. Two. Three.")]:
        store(any_db, "https://a.example/story", minutes, text, "A")
    store(any_db, "https://b.example/story", 7, "Bee.", "B")
    history = history_of(any_db, "https://a.example/story")
    assert [c.view for c in history.changes] == [compare.get_diff(any_db, 1, n - 1, n)
                                                 for n in (2, 3)]
    assert all(c.view.stored for c in history.changes)
    newest = queries.list_versions_since(any_db, since=T0 + timedelta(minutes=5))
    assert [(v.story_id, v.number) for v in newest] == [(1, 3), (2, 1), (1, 2)]
    assert [v.number for v in queries.list_versions_since(any_db, site="a.example", limit=2)] \
        == [3, 2]
    assert [v.number for v in queries.list_versions_since(any_db, story_id=2)] == [1]
    changed = queries.list_stories(any_db, changed_since=T0 + timedelta(minutes=8))
    assert [story.url for story in changed] == ["https://a.example/story"]


# --- HTML --------------------------------------------------------------------------------------


def test_html_report_of_the_sample_story(sample_db: Database) -> None:
    report = render_story(load_history(sample_db, 1), Format.HTML)
    tags = Tags(report)
    assert SAMPLE_URL in report
    assert "2020-01-07 23:05 UTC" in report and "2020-01-08 03:40 UTC" in report
    assert "svg" in tags.names() and len([t for t, _ in tags.tags if t == "circle"]) == 8
    assert len([t for t, a in tags.tags if t == "article" and "revision" in str(a)]) == 7
    assert "<del>at least 10</del>" in report and "<ins>more than a dozen</ins>" in report
    headline = report[report.index('id="headlines"'):report.index('id="revisions"')]
    assert "<del>Iran fires missiles at US forces in Iraq</del>" in headline
    assert "Content-Security-Policy" in report
    assert_no_active_markup(report)


def test_html_escapes_hostile_story_text(hostile_db: Database) -> None:
    report = render_story(injection(hostile_db), Format.HTML)
    assert_no_active_markup(report)
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in report
    assert "&lt;/title&gt;&lt;script&gt;" in report
    assert "<style>" not in report.split("</style>", 1)[1]  # only our own stylesheet
    for history in histories(hostile_db):
        assert_no_control_characters(render_story(history, Format.HTML))
        assert_no_control_characters(render_story(history, Format.PATCH))
    assert_no_control_characters(render_combined(hostile_db, Selection(), Format.ATOM))


def test_html_keeps_right_to_left_text_and_emoji(hostile_db: Database) -> None:
    history = history_of(hostile_db, RTL_URL)
    report = render_story(history, Format.HTML)
    assert "<del>10</del><ins>15</ins>" in report.replace(" ", "")
    assert "🚀" in report and "👍🏿" in report and "الجديد</ins>" in report
    assert 'dir="auto"' in report


def test_html_calls_out_fact_changes_and_reverts(sample_db: Database, db: Database) -> None:
    report = render_story(load_history(sample_db, 1), Format.HTML)
    v4 = report[report.index('id="v4"'):report.index('id="v5"')]
    assert '<li class="tag tag-number">number</li>' in v4 and "significance <strong>" in v4
    assert "number changed:</span> “at least 10” -&gt; “more than a dozen”" in v4
    corrections = report[report.index('id="corrections"'):report.index('id="revisions"')]
    assert 'href="#v4">v4</a> <span class="fact">number changed:' in corrections
    for minutes, text in [(20, "The first text."), (25, "A second text."), (30, "The first text.")]:
        store(db, "https://example.org/revert", minutes, text, "Revert")
    history = history_of(db, "https://example.org/revert")
    assert history.changes[-1].tags[-1] == "revert"
    for fmt in (Format.HTML, Format.MARKDOWN):
        assert "went back to that of v1" in render_story(history, fmt)
    assert json.loads(render_story(history, Format.JSON))["stories"][0]["diffs"][1]["tags"][-1] \
        == "revert"


def test_timeline_chart_layout(sample_db: Database, hostile_db: Database) -> None:
    chart = timeline_chart(load_history(sample_db, 1))
    xs = [point.x for point in chart.points]
    assert xs == sorted(xs) and len(set(xs)) == 8
    assert chart.points[-1].y < chart.points[0].y  # the story grew: its line rises
    assert len(chart.bars) == 14 and all(bar.height >= 0 for bar in chart.bars)
    tallest = max(chart.bars, key=lambda bar: bar.height)
    assert tallest.kind == "added" and "v7" in tallest.title


def test_chart_of_a_single_version_and_of_versions_seen_at_once(db: Database) -> None:
    store(db, "https://example.org/one", 0, "Only text.", "One")
    one = timeline_chart(load_history(db, 1))
    assert len(one.points) == 1 and one.bars == []
    for n in range(3):
        store_candidate(db, Candidate("https://example.org/same",
                                      Article(f"Text {n}.", title="Same"), Observation(T0)))
    same = timeline_chart(load_history(db, 2))
    assert len({point.x for point in same.points}) == 3


# --- HTML in a real browser -------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if CHROMIUM is None:
        pytest.skip("no chromium on PATH: `apt-get install chromium` to check the HTML report")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the dev extra")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield launched
        launched.close()


def open_report(
    browser: Browser, path: Path, *, media: Literal["screen", "print"] = "screen"
) -> tuple[Page, list[str]]:
    """The report in a fresh page; returns the page and every URL the page requested."""
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.emulate_media(media=media)
    page.goto(path.as_uri(), wait_until="load")
    return page, requests


@pytest.mark.parametrize("keep_csp", [True, False], ids=["as-written", "without-csp"])
def test_browser_renders_hostile_report_without_running_or_fetching(
    browser: Browser, hostile_db: Database, tmp_path: Path, keep_csp: bool
) -> None:
    """Escaping alone must hold: the same checks pass with the CSP meta tag taken out."""
    report = render_story(injection(hostile_db), Format.HTML)
    if not keep_csp:
        report = report.replace('http-equiv="Content-Security-Policy"', 'name="removed"')
    path = tmp_path / "report.html"
    path.write_text(report, encoding="utf-8")
    page, requests = open_report(browser, path)
    assert requests == [path.as_uri()]
    assert page.evaluate(PWNED) is None
    assert page.evaluate("document.querySelectorAll('script, iframe, img').length") == 0
    body = page.inner_text("body")
    assert "<script>window.__pwned = 1</script>" in body
    assert page.title().startswith("</title><script>")
    page.close()


def test_browser_shows_the_sample_report_and_its_diff(
    browser: Browser, sample_db: Database, tmp_path: Path
) -> None:
    path = tmp_path / "sample.html"
    path.write_text(render_story(load_history(sample_db, 1), Format.HTML), encoding="utf-8")
    page, requests = open_report(browser, path)
    assert requests == [path.as_uri()]
    assert page.title().startswith("Iran launches more than a dozen missiles")
    assert page.is_visible("svg.chart")
    assert page.locator("#v4 del").first.inner_text() == "at least 10"
    assert page.locator("#v4 ins").first.inner_text() == "more than a dozen"
    style = page.evaluate(
        "getComputedStyle(document.querySelector('#v4 del')).textDecorationLine")
    assert "line-through" in style
    page.close()


def test_browser_shows_the_latest_text_in_full_and_every_version_by_anchor(
    browser: Browser, sample_db: Database, tmp_path: Path
) -> None:
    history = load_history(sample_db, 1)
    path = tmp_path / "sample.html"
    path.write_text(render_story(history, Format.HTML), encoding="utf-8")
    page, _ = open_report(browser, path)
    assert page.locator("#latest .text p").all_inner_texts() == history.latest.text.split("\n")
    assert page.locator("#latest h3").inner_text() == history.latest.info.title
    assert page.locator("#v1 .text p").all_inner_texts() == history.first.text.split("\n")
    for number in range(1, len(history.versions) + 1):
        page.goto(f"{path.as_uri()}#v{number}")
        target = page.evaluate("[document.querySelector(':target')?.id, "
                               "document.querySelector(':target')?.getBoundingClientRect().top, "
                               "window.innerHeight]")
        assert target[0] == f"v{number}" and -1 < target[1] < target[2]
    page.close()


def test_browser_print_view_marks_changes_without_colour(
    browser: Browser, sample_db: Database, tmp_path: Path
) -> None:
    path = tmp_path / "sample.html"
    path.write_text(render_story(load_history(sample_db, 1), Format.HTML), encoding="utf-8")
    page, _ = open_report(browser, path, media="print")
    marker = "(s) => getComputedStyle(document.querySelector(s), '::before').content"
    assert page.evaluate(marker, "#v4 ins") == '"[+"'
    assert page.evaluate(marker, "#v4 del") == '"[-"'
    assert len(page.pdf()) > 10_000
    page.close()


def test_browser_opens_the_200kb_report(
    browser: Browser, hostile_db: Database, tmp_path: Path
) -> None:
    history = history_of(hostile_db, BIG_URL)
    path = tmp_path / "big.html"
    path.write_text(render_story(history, Format.HTML), encoding="utf-8")
    page, requests = open_report(browser, path)
    assert requests == [path.as_uri()]
    assert page.locator("#v2 .diff ins").inner_text() == ", amended,"
    assert page.locator("#v3 .diff del").first.inner_text() == "Paragraph"
    page.close()


# --- Markdown ---------------------------------------------------------------------------------


def markdown_html(text: str) -> str:
    """What GitHub-flavoured renderers make of it: CommonMark with tables and strikethrough."""
    return MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(text)


RENDERERS = {
    "markdown-it": markdown_html,
    # GitHub renders with cmark-gfm and raw HTML allowed, then sanitises (keeping ins and del).
    "cmark-gfm": lambda text: cmarkgfm.github_flavored_markdown_to_html(
        text, options=CmarkOptions.CMARK_OPT_UNSAFE),
}


def test_markdown_of_the_sample_story(sample_db: Database) -> None:
    text = render_story(load_history(sample_db, 1), Format.MARKDOWN)
    assert text.startswith("# Iran launches more than a dozen missiles")
    assert "launched <del>at least 10</del> <ins>more than a dozen</ins> missiles" in text
    (row,) = [line for line in text.splitlines() if line.startswith("| v5 |")]
    assert row.startswith("| v5 | 2020-01-08 00:52 UTC | 491 | +75 | -0 |") and "headline" in row
    rendered = markdown_html(text)
    assert "<del>at least 10</del> <ins>more than a dozen</ins>" in rendered
    assert rendered.count("<h1>") == 1 and rendered.count("<h3>") == 7
    assert "<strong>number changed:</strong> “at least 10” -&gt; “more than a dozen”" in rendered
    assert "- v4 **number changed:** “at least 10” -> “more than a dozen”" in text
    assert rendered.count("<tr>") == 9  # header and 8 versions


@pytest.mark.parametrize("renderer", RENDERERS)
def test_markdown_injection_stays_text(renderer: str, hostile_db: Database) -> None:
    text = render_story(injection(hostile_db), Format.MARKDOWN)
    rendered = RENDERERS[renderer](text)
    assert_no_active_markup(rendered)
    tags = Tags(rendered)
    links = [unquote(attrs["href"] or "") for name, attrs in tags.tags if name == "a"]
    assert links == [unquote(canonical_url(INJECTION_URL))]  # the stored (canonical) form
    assert rendered.count("<h1>") == 1 and rendered.count("<blockquote>") == 0
    assert rendered.count("<ol>") == 0 and rendered.count("<table>") == 1
    history = injection(hostile_db)
    lists = rendered.count("<li>")  # the story facts, headline changes and fact changes
    assert lists == 4 + 2 + len(history.corrections) + len(history.changes[0].facts)
    assert "\\@everyone" in text and not re.search(r"(?<!\\)@", text)  # no mentions
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in rendered
    assert "# Not a heading" in rendered and "1. not an ordered list" in rendered
    assert "$x^2$ is not math, `not code`, &lt;!-- not a comment --&gt;" in rendered
    assert "<hr" not in rendered and "<pre>" not in rendered and "<code>not" not in rendered


class Marks(HTMLParser):
    """The text of every <ins> and <del> in rendered HTML, in document order."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.marks: list[tuple[str, str]] = []
        self._open: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("ins", "del"):
            self._open = tag
            self.marks.append((tag, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == self._open:
            self._open = None
            self.marks[-1] = (tag, words(self.marks[-1][1]))

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self.marks[-1] = (self._open, self.marks[-1][1] + data)


def words(text: str) -> str:
    return " ".join(display.safe(text).split())


def diff_marks(change: Change) -> list[tuple[str, str]]:
    """What a revision inserts and deletes, run by run: headline, byline, then the body."""
    view = change.view
    runs = [view.title_ops] if view.headline_changed else []
    if view.byline_changed:
        runs.append([(DELETE, view.old.byline or ""), (INSERT, view.new.byline or "")])
    runs += display.paragraphs(view.ops)
    return [("ins" if op == INSERT else "del", words(text))
            for run in runs for op, text in run if op != EQUAL and words(text)]


@pytest.mark.parametrize("renderer", RENDERERS)
def test_markdown_changes_render_as_the_diff_in_every_renderer(
    renderer: str, db: Database, sample_db: Database, hostile_db: Database
) -> None:
    """Each revision's rendered insertions and deletions are the diff's, word for word: an
    insertion starting with punctuation right after a word, and markup around an unchanged
    word (<M7.1> -> M7.1), included."""
    store(db, "https://example.org/quake", 0, "The rescuers said.\nA magnitude <M7.1> quake.",
          "Quake")
    store(db, "https://example.org/quake", 5,
          'The rescuers said, and "dozens" were missing.\nA magnitude M7.1 quake.', "Quake")
    quake = history_of(db, "https://example.org/quake")
    assert [mark for _, mark in diff_marks(quake.changes[0])] == [
        ', and "dozens" were missing', "<", ">"]
    for history in [quake, load_history(sample_db, 1), *histories(hostile_db)]:
        rendered = RENDERERS[renderer](render_story(history, Format.MARKDOWN))
        revisions = rendered.split("<h3>")[1:]
        assert len(revisions) == len(history.changes)
        for change, section in zip(history.changes, revisions, strict=True):
            assert Marks(section).marks == diff_marks(change), (history.story.url, change.number)


def test_markdown_strips_control_characters_and_keeps_unicode(hostile_db: Database) -> None:
    for history in histories(hostile_db):
        assert_no_control_characters(render_story(history, Format.MARKDOWN))
    rtl = history_of(hostile_db, RTL_URL)
    assert "<del>10</del> <ins>15</ins>" in render_story(rtl, Format.MARKDOWN)


# --- JSON -------------------------------------------------------------------------------------


def validate(document: object) -> None:
    jsonschema.Draft202012Validator.check_schema(schema())
    jsonschema.Draft202012Validator(
        schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    ).validate(document)


def test_json_of_the_sample_story_follows_the_schema(sample_db: Database) -> None:
    document = json.loads(render_story(load_history(sample_db, 1), Format.JSON))
    validate(document)
    story = document["stories"][0]
    assert (document["schema_version"], story["url"], len(story["versions"])) == (1, SAMPLE_URL, 8)
    diff = story["diffs"][2]
    assert (diff["from_version"], diff["to_version"]) == (3, 4)
    assert [DELETE, "at least 10"] in diff["ops"] and [INSERT, "more than a dozen"] in diff["ops"]
    assert {"number", "lede"} <= set(diff["tags"]) and 0 < diff["significance"] <= 100
    assert {"tag": "number", "change": "changed", "old": "at least 10",
            "new": "more than a dozen", "who": None} in diff["facts"]
    assert "headline" in story["diffs"][3]["tags"]
    assert story["versions"][0]["observed_at"] == "2020-01-07T23:05:00Z"


def test_json_ops_rebuild_every_version(hostile_db: Database) -> None:
    document = json.loads(render_combined(hostile_db, Selection(), Format.JSON))
    validate(document)
    assert len(document["stories"]) == 4
    for story in document["stories"]:
        texts = {v["number"]: v["text"] for v in story["versions"]}
        for diff in story["diffs"]:
            old = "".join(t for op, t in diff["ops"] if op != INSERT)
            new = "".join(t for op, t in diff["ops"] if op != DELETE)
            assert (old, new) == (texts[diff["from_version"]], texts[diff["to_version"]])


def test_schema_rejects_what_the_export_never_writes(sample_db: Database) -> None:
    document = json.loads(render_story(load_history(sample_db, 1), Format.JSON))
    document["stories"][0]["diffs"][0]["ops"].append([2, "x"])
    with pytest.raises(jsonschema.ValidationError):
        validate(document)


# --- patch ------------------------------------------------------------------------------------


def apply(command: list[str], patch_text: str, folder: Path) -> str:
    folder.mkdir()
    result = subprocess.run(command, input=patch_text.encode(), cwd=folder, capture_output=True,
                            check=False)
    assert result.returncode == 0, result.stderr.decode() + result.stdout.decode()
    (made,) = [path for path in folder.iterdir() if path.name != ".git"]
    return made.read_text(encoding="utf-8")


@pytest.mark.skipif(shutil.which("patch") is None, reason="patch(1) is not installed")
@pytest.mark.parametrize("url", [SAMPLE_URL, INJECTION_URL, RTL_URL,
                                 BIG_URL, ANSI_URL])
def test_patch_series_applies_with_patch_and_git(
    sample_db: Database, hostile_db: Database, tmp_path: Path, url: str
) -> None:
    db = sample_db if url == SAMPLE_URL else hostile_db
    history = load_history(db, queries.find_story(db, url).id)
    series = render_story(history, Format.PATCH)
    assert series.count("\n--- ") == len(history.versions)
    expected = version_file(history.latest)
    assert apply(["patch", "-p1", "--batch", "--silent"], series, tmp_path / "patch") == expected
    if shutil.which("git"):
        git = tmp_path / "git"
        assert apply(["git", "apply", "-"], series, git) == expected


def test_patch_steps_rebuild_each_version(sample_db: Database, tmp_path: Path) -> None:
    """Applying the first n diffs gives version n (checked with patch(1) step by step)."""
    if shutil.which("patch") is None:
        pytest.skip("patch(1) is not installed")
    history = load_history(sample_db, 1)
    series = render_story(history, Format.PATCH)
    steps = series.split("tracker: " + SAMPLE_URL + "\n")[1:]
    assert len(steps) == 8
    for n in (1, 4, 8):
        text = "".join("tracker: " + SAMPLE_URL + "\n" + step for step in steps[:n])
        got = apply(["patch", "-p1", "--batch", "--silent"], text, tmp_path / f"v{n}")
        assert got == version_file(history.versions[n - 1])


# --- Atom -------------------------------------------------------------------------------------


def test_atom_feed_of_changes_across_stories(hostile_db: Database) -> None:
    xml = render_combined(hostile_db, Selection(), Format.ATOM)
    feed = feedparser.parse(xml)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10" and feed.feed.title == "Changes to tracked stories"
    assert len(feed.entries) == 9 and len({entry.id for entry in feed.entries}) == 9
    times = [entry.updated_parsed for entry in feed.entries]
    assert times == sorted(times, reverse=True)
    newest = feed.entries[0]
    assert newest.link == BIG_URL and "(v3)" in newest.title
    assert "<del>Paragraph</del>" in newest.content[0].value
    for entry in feed.entries:
        assert entry.id.startswith("urn:uuid:") and entry.content[0].type == "text/html"
        assert_no_active_markup(entry.content[0].value)
    assert_required_atom_elements(xml)


def assert_required_atom_elements(xml: str) -> None:
    """RFC 4287: a feed has id, title, updated and an author (or every entry has one); each
    entry has id, title and updated, and content here."""
    ns = {"a": "http://www.w3.org/2005/Atom"}
    root = ET.fromstring(xml)
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    for name in ("id", "title", "updated", "author/a:name"):
        assert root.find(f"a:{name}", ns) is not None, name
    for entry in root.findall("a:entry", ns):
        for name in ("id", "title", "updated", "content", "summary"):
            assert entry.find(f"a:{name}", ns) is not None, name
    for stamp in root.iter("{http://www.w3.org/2005/Atom}updated"):
        assert datetime.fromisoformat(stamp.text or "").tzinfo is not None


def test_atom_of_the_sample_story_and_hostile_content(hostile_db: Database) -> None:
    history = injection(hostile_db)
    xml = render_combined(hostile_db, Selection(story=history.story), Format.ATOM)
    feed = feedparser.parse(xml)
    assert not feed.bozo
    assert len(feed.entries) == 2 and "forged" not in [e.title for e in feed.entries]
    assert feed.entries[0].title.startswith("</title><script>window.__pwned = 4</script>")
    assert {"headline", "byline"} <= {tag.term for tag in feed.entries[0].tags}
    raw = ET.fromstring(xml).find("{http://www.w3.org/2005/Atom}entry/{http://www.w3.org/2005/Atom}content")
    assert raw is not None and raw.text is not None
    assert_no_active_markup(raw.text)
    assert "&lt;script&gt;" in raw.text


def test_atom_links_to_itself_and_each_entry_to_its_version(sample_db: Database) -> None:
    history = load_history(sample_db, 1)
    bare = feedparser.parse(render_combined(sample_db, Selection(), Format.ATOM))
    assert [link.href for link in bare.entries[0].links] == [SAMPLE_URL]
    links = FeedLinks("https://example.org/feeds/all.xml", "https://example.org/reports/")
    feed = feedparser.parse(render_combined(sample_db, Selection(), Format.ATOM, links))
    assert not feed.bozo
    assert [(link.rel, link.href) for link in feed.feed.links] == [
        ("self", "https://example.org/feeds/all.xml")]
    for entry in feed.entries:
        number = entry.title.rsplit("(v", 1)[1].rstrip(")")
        assert entry.link == f"https://example.org/reports/{slug(history)}.html#v{number}"
        assert [(link.rel, link.href) for link in entry.links][1] == ("related", SAMPLE_URL)


def test_atom_ids_are_stable_and_scopes_filter(hostile_db: Database) -> None:
    first = render_combined(hostile_db, Selection(), Format.ATOM)
    assert render_combined(hostile_db, Selection(), Format.ATOM) == first
    recent = feedparser.parse(render_combined(
        hostile_db, Selection(since=T0 + timedelta(minutes=13)), Format.ATOM))
    assert len(recent.entries) == 2
    assert {e.id for e in recent.entries} <= {e.id for e in feedparser.parse(first).entries}
    limited = feedparser.parse(render_combined(hostile_db, Selection(limit=3), Format.ATOM))
    assert len(limited.entries) == 3
    other = feedparser.parse(render_combined(hostile_db, Selection(site="nowhere.example"),
                                             Format.ATOM))
    assert not other.bozo and other.entries == []


# --- every format -----------------------------------------------------------------------------


def test_a_story_with_one_version_and_no_headline_in_every_format(db: Database,
                                                                  tmp_path: Path) -> None:
    store(db, "https://example.org/quiet", 0, "Nothing ever changed here.", None)
    history = history_of(db, "https://example.org/quiet")
    assert "Only one version has been seen so far." in render_story(history, Format.HTML)
    assert "(no headline)" in render_story(history, Format.MARKDOWN)
    validate(json.loads(render_story(history, Format.JSON)))
    feed = feedparser.parse(render_combined(db, Selection(story=history.story), Format.ATOM))
    assert not feed.bozo and len(feed.entries) == 1
    assert "Nothing ever changed here." in feed.entries[0].content[0].value
    if shutil.which("patch"):
        made = apply(["patch", "-p1", "--batch", "--silent"], render_story(history, Format.PATCH),
                     tmp_path / "patch")
        assert made == "\n\nNothing ever changed here.\n"


# --- writing files ----------------------------------------------------------------------------


def test_write_atomic_replaces_whole_files_and_leaves_nothing_behind(tmp_path: Path) -> None:
    target = tmp_path / "feed.xml"
    write_atomic(target, "first")
    write_atomic(target, "second")
    assert target.read_text() == "second" and oct(target.stat().st_mode & 0o777) != "0o600"
    with pytest.raises(UnicodeEncodeError):
        write_atomic(target, "half \ud800 written")
    assert target.read_text() == "second" and os.listdir(tmp_path) == ["feed.xml"]
    with pytest.raises(OutputError, match="cannot write"):
        write_atomic(tmp_path / "missing" / "feed.xml", "x")
    (tmp_path / "folder").mkdir()
    with pytest.raises(OutputError):
        write_atomic(tmp_path / "folder", "x")
    assert sorted(os.listdir(tmp_path)) == ["feed.xml", "folder"]


# --- the command ------------------------------------------------------------------------------


def run(db: Database, *args: str) -> Result:
    return CliRunner().invoke(app, ["--db", db.url, "export", *args], catch_exceptions=False)


def test_cli_prints_text_formats_to_stdout(sample_db: Database) -> None:
    for fmt, start in [("md", "# Iran"), ("html", "<!DOCTYPE html>"), ("json", "{"),
                       ("patch", "tracker: "), ("atom", "<?xml")]:
        result = run(sample_db, "1", "--format", fmt)
        assert result.exit_code == 0, result.stderr
        assert result.stdout.startswith(start)


def test_cli_writes_a_file_and_a_folder(sample_db: Database, tmp_path: Path) -> None:
    store(sample_db, "https://example.org/other", 0, "Other text.", "Other story")
    report = tmp_path / "report.html"
    result = run(sample_db, SAMPLE_URL, "-o", str(report))
    assert result.exit_code == 0 and report.read_text().startswith("<!DOCTYPE html>")
    folder = tmp_path / "stories"
    result = run(sample_db, "--all", "--format", "md", "-o", str(folder))
    assert result.exit_code == 0, result.stderr
    names = sorted(path.name for path in folder.iterdir())
    assert names == ["1-iran-launches-more-than-a-dozen-missiles-at-two-iraqi-bases.md",
                     "2-other-story.md"]
    combined = tmp_path / "all.json"
    result = run(sample_db, "--site", "example.org", "-f", "json", "-o", str(combined))
    assert result.exit_code == 0
    assert [s["url"] for s in json.loads(combined.read_text())["stories"]] == [
        "https://example.org/other"]


def test_cli_feed_of_one_story_since_a_time(sample_db: Database) -> None:
    result = run(sample_db, SAMPLE_URL, "--since", "2020-01-08T01:00", "-f", "atom")
    feed = feedparser.parse(result.stdout)
    assert [entry.title[-4:] for entry in feed.entries] == ["(v8)", "(v7)", "(v6)"]


def test_cli_feed_links_to_where_it_is(sample_db: Database, tmp_path: Path) -> None:
    target = tmp_path / "feed.xml"
    assert run(sample_db, "--all", "-o", str(target)).exit_code == 0
    self_link = ET.fromstring(target.read_text()).find("{http://www.w3.org/2005/Atom}link")
    assert self_link is not None and self_link.attrib == {
        "rel": "self", "type": "application/atom+xml", "href": target.as_uri()}
    result = run(sample_db, "--all", "-f", "atom", "--feed-url", "https://example.org/f.xml",
                 "--reports-url", "https://example.org/r")
    feed = feedparser.parse(result.stdout)
    assert feed.feed.links[0].href == "https://example.org/f.xml"
    assert feed.entries[0].link.startswith("https://example.org/r/1-iran-launches-")
    assert feed.entries[0].link.endswith(".html#v8")


def test_cli_takes_the_format_from_the_file_name(sample_db: Database, tmp_path: Path) -> None:
    for name, start in [("feed.xml", "<?xml"), ("story.md", "# Iran"), ("s.patch", "tracker:"),
                        ("s.json", "{"), ("report.htm", "<!DOCTYPE"), ("report", "<!DOCTYPE")]:
        assert run(sample_db, "1", "-o", str(tmp_path / name)).exit_code == 0
        assert (tmp_path / name).read_text().startswith(start)
    assert run(sample_db, "1", "-f", "md", "-o", str(tmp_path / "x.xml")).exit_code == 0
    assert (tmp_path / "x.xml").read_text().startswith("# Iran")


def test_cli_one_bad_story_does_not_stop_the_others(hostile_db: Database, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    history = injection(hostile_db)
    (folder / f"{slug(history)}.patch").mkdir()  # something in the way of one story's file
    result = run(hostile_db, "--all", "--format", "patch", "-o", str(folder))
    assert result.exit_code == 1
    assert f"story {history.story.id}: cannot write" in result.stderr
    assert len([p for p in folder.iterdir() if p.is_file()]) == 3
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize(("args", "code", "message"), [
    (["999"], 3, "no story '999'"),
    (["https://nowhere.example/x"], 3, "no story"),
    (["1", "--all"], 2, "not both"),
    ([], 2, "give a STORY"),
    (["--all", "--format", "html"], 2, "-o FOLDER is needed"),
    (["--since", "yesterday", "-f", "atom"], 2, "is not a date"),
    (["1", "--since", "2020-01-08", "-f", "md"], 2, "only applies to an atom feed"),
    (["1", "--site", "example.org"], 2, "not both"),
    (["1", "-o", "/nonexistent-folder/report.html"], 1, "cannot write /nonexistent-folder"),
])
def test_cli_errors_are_one_clear_line(sample_db: Database, args: list[str], code: int,
                                       message: str) -> None:
    result = run(sample_db, *args)
    assert result.exit_code == code
    assert message in result.stderr and result.stderr.count("\n") == 1
    assert result.stdout == ""
