"""Snapshot runs against a real loopback news site whose pages change on their own.

Only real edits become versions: the navigation, ads, timestamps and related links that change on
every request (also inside the article body) never do, and a one-word edit always does.
"""

import os
import signal
import subprocess
import sys
import threading
import time
import zlib
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import func, select
from werkzeug import Request, Response

from tests.newssite import NewsSite, StoryPage, render, story_paragraphs
from tracker.db import queries
from tracker.db.engine import Database, open_database
from tracker.db.models import Check, Diff, Story, StoryStatus, Version
from tracker.history import compare
from tracker.sources.extract import extract_article
from tracker.sources.fetch import FetchLimits
from tracker.sources.snapshot import SnapshotOptions, SnapshotReport, run_snapshot
from tracker.sources.tracking import track_feed, track_stories
from tracker.store.schedule import Policy
from tracker.text.normalise import normalise_text, strip_volatile

T0 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
# Generous timeouts: a loaded machine must not turn a slow answer into a failure. The timeout
# test sets its own.
FAST = FetchLimits(per_host=8, host_delay=0, connect_timeout=5, read_timeout=5,
                   total_timeout=10)


@dataclass
class Clock:
    now: datetime = T0

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Runner:
    """Runs snapshots on one database at a clock that only moves when the test says so."""

    db: Database
    clock: Clock = field(default_factory=Clock)
    policy: Policy = field(default_factory=Policy)

    def add(self, *urls: str) -> list[int]:
        return [story.story_id for story in track_stories(self.db, urls, self.clock.now)]

    def run(self, after_minutes: float = 60, **options: object) -> SnapshotReport:
        self.clock.advance(minutes=after_minutes)
        chosen: dict[str, object] = {"limits": FAST, "policy": self.policy,
                                     "extract_processes": 0, **options}
        settings = SnapshotOptions(**chosen)  # type: ignore[arg-type]
        return run_snapshot(self.db, settings, clock=self.clock)

    def versions(self, story_id: int) -> int:
        return queries.find_story(self.db, story_id).version_count

    def outcomes(self, story_id: int) -> list[str]:
        return [check.outcome for check in reversed(queries.list_checks(self.db, story_id))]


@pytest.fixture
def runner(any_db: Database) -> Runner:
    return Runner(any_db)


def test_the_page_furniture_reaches_the_extracted_text() -> None:
    """Without volatile-line handling, each of these renders would be a new version."""
    page = StoryPage("Storm hits coast", story_paragraphs("Storm hits coast"))
    first, second = (extract_article(render(page, n)).text for n in (17, 18))
    assert first != second
    assert "Updated 18 minutes ago" in first and "Advertisement" in first
    assert strip_volatile(normalise_text(first)) == strip_volatile(normalise_text(second))


def test_only_real_edits_become_versions(site: NewsSite, runner: Runner) -> None:
    plain = site.add("/world/storm", "Storm hits coast")
    tagged = site.add("/politics/budget", "Budget passes", etag=True)
    static = site.add("/sport/final", "Cup final", static=True)
    ids = runner.add(plain, tagged, static)

    first = runner.run()
    assert (first.checked, first.new_versions) == (3, 3)
    for _ in range(3):  # furniture changes on every request; the stories do not
        quiet = runner.run()
        assert (quiet.checked, quiet.new_versions, quiet.failed) == (3, 0, 0)
    site.edit("/world/storm", "witness said", "witness insisted")
    edited = runner.run()
    assert (edited.new_versions, edited.unchanged + edited.not_modified) == (1, 2)
    assert [runner.versions(story) for story in ids] == [2, 1, 1]
    view = compare.get_diff(runner.db, ids[0], 1, 2)
    assert [(op, text.strip()) for op, text in view.ops if op] == [(-1, "said"), (1, "insisted")]
    assert runner.outcomes(ids[1]) == ["new_version"] + ["not_modified"] * 4
    assert runner.outcomes(ids[2]) == ["new_version"] + ["unchanged"] * 4


def test_an_etag_change_is_fetched_and_stored(site: NewsSite, runner: Runner) -> None:
    [story] = runner.add(site.add("/politics/budget", "Budget passes", etag=True))
    runner.run()
    site.edit("/politics/budget", "paragraph two", "paragraph 2")
    assert runner.run().new_versions == 1
    assert runner.versions(story) == 2
    assert site.conditional_hits["/politics/budget"] == 1


def serve(server: HTTPServer, path: str, response: Response | None = None, **kw: object) -> str:
    if response is not None:
        server.expect_request(path).respond_with_response(response)
    else:
        server.expect_request(path).respond_with_data(**kw)  # type: ignore[arg-type]
    return server.url_for(path)


@pytest.mark.parametrize("status", [404, 410])
def test_a_missing_page_is_gone_after_several_answers(
    web_server: HTTPServer, runner: Runner, status: int
) -> None:
    [story] = runner.add(serve(web_server, "/missing", Response("no", status=status)))
    reports = [runner.run(after_minutes=600) for _ in range(3)]
    assert [report.failed for report in reports] == [1, 1, 1]
    assert [len(report.errors) for report in reports] == [0, 1, 1]
    assert "gone" in reports[2].errors[0] and reports[2].gone == 1
    assert queries.find_story(runner.db, story).status == StoryStatus.GONE
    assert runner.run(after_minutes=6000).checked == 0
    web_server.clear()


def test_a_failing_page_backs_off_and_is_reported_once(
    web_server: HTTPServer, runner: Runner
) -> None:
    [story] = runner.add(serve(web_server, "/broken", Response("oops", status=500)))
    reports = [runner.run(after_minutes=600) for _ in range(4)]
    assert [len(report.errors) for report in reports] == [0, 1, 0, 0]
    assert "HTTP 500" in reports[1].errors[0]
    assert runner.outcomes(story) == ["error"] * 4
    assert runner.run(after_minutes=1).checked == 0  # backing off
    assert queries.list_checks(runner.db, story)[0].http_status == 500
    web_server.clear()


def test_one_failing_story_does_not_stop_the_others(site: NewsSite, runner: Runner) -> None:
    site.server.expect_request("/broken").respond_with_response(Response("x", status=500))
    ids = runner.add(site.add("/a", "Story A"), site.server.url_for("/broken"),
                     site.add("/b", "Story B"))
    report = runner.run()
    assert (report.new_versions, report.failed) == (2, 1)
    assert [runner.versions(story) for story in ids] == [1, 0, 1]


def test_a_timeout_is_an_error_check(web_server: HTTPServer, runner: Runner) -> None:
    def slow(_request: Request) -> Response:
        time.sleep(1.2)
        return Response(render(StoryPage("Late", story_paragraphs("Late")), 0),
                        content_type="text/html")

    web_server.expect_request("/slow").respond_with_handler(slow)
    [story] = runner.add(web_server.url_for("/slow"))
    report = runner.run(limits=replace(FAST, read_timeout=0.5, total_timeout=5))
    assert report.failed == 1
    assert "timed out" in (queries.list_checks(runner.db, story)[0].error or "")
    web_server.clear()


def test_a_redirect_is_followed_and_its_target_recorded(site: NewsSite, runner: Runner) -> None:
    target = site.add("/2026/new-home", "Moved story")
    site.server.expect_request("/old-home").respond_with_response(
        Response(status=301, headers={"Location": target}))
    [story] = runner.add(site.server.url_for("/old-home"))
    assert runner.run().new_versions == 1
    with runner.db.reading() as session:
        assert session.get_one(Story, story).final_url == target
    assert queries.find_story(runner.db, story).url.endswith("/old-home")


@pytest.mark.parametrize(("path", "response", "error"), [
    ("/report.pdf", Response(b"%PDF-1.4 ...", content_type="application/pdf"), "not a page"),
    ("/huge", Response(b"<html><body><p>" + b"x" * (20 * 1024 * 1024), content_type="text/html"),
     "larger than 10 MB"),
])
def test_unreadable_pages_are_error_checks(
    web_server: HTTPServer, runner: Runner, path: str, response: Response, error: str
) -> None:
    [story] = runner.add(serve(web_server, path, response))
    assert runner.run().failed == 1
    assert error in (queries.list_checks(runner.db, story)[0].error or "")
    assert runner.versions(story) == 0
    web_server.clear()


def test_malformed_html_still_yields_the_article(web_server: HTTPServer, runner: Runner) -> None:
    paragraphs = story_paragraphs("Broken markup")
    html = ("<html><head><title>Broken markup</title><body><article><h1>Broken markup</h2>"
            + "".join(f"<p>{p}<b><i>" for p in paragraphs) + "</div></td></html></html>")
    [story] = runner.add(serve(web_server, "/malformed", response_data=html,
                               content_type="text/html"))
    assert runner.run().new_versions == 1
    assert "paragraph five" in queries.get_version(runner.db, story, 1).text
    web_server.clear()


def test_a_page_in_its_declared_charset_is_kept_decoded(
    web_server: HTTPServer, runner: Runner
) -> None:
    """The extraction process decodes and compresses the page; the version keeps the decoded
    page, as the write path compresses an imported one."""
    paragraphs = [f"Абзац {n}: мэр города заявил, что дороги откроют к вечеру." * 3
                  for n in range(6)]
    html = ("<html><head><title>Шторм</title></head><body><article><h1>Шторм</h1>"
            + "".join(f"<p>{p}</p>" for p in paragraphs) + "</article></body></html>")
    [story] = runner.add(serve(web_server, "/cp1251", response_data=html.encode("cp1251"),
                               content_type="text/html; charset=windows-1251"))
    assert runner.run().new_versions == 1
    assert "мэр города" in queries.get_version(runner.db, story, 1).text
    with runner.db.reading() as session:
        stored = session.scalars(select(Version.raw_html)).one()
    assert stored is not None and zlib.decompress(stored).decode() == html
    web_server.clear()


def test_an_empty_or_collapsed_extraction_is_suspect_not_a_version(
    site: NewsSite, runner: Runner
) -> None:
    """A page that extracts to nothing, or to a sliver, must never look like a deleted story."""
    url = site.add("/live", "Live blog")
    site.pages["/live"].paragraphs = []
    [story] = runner.add(url)
    assert runner.run().suspect == 1 and runner.versions(story) == 0
    site.pages["/live"].paragraphs = story_paragraphs("Live blog", 7)
    assert runner.run().new_versions == 1
    site.pages["/live"].paragraphs = ["Loading..."]
    report = runner.run()
    assert (report.suspect, report.new_versions) == (1, 0)
    assert runner.outcomes(story) == ["suspect", "new_version", "suspect"]
    assert "collapsed" in (queries.list_checks(runner.db, story)[0].error or "")
    assert runner.versions(story) == 1


def test_the_same_bytes_are_not_extracted_again(site: NewsSite, runner: Runner) -> None:
    """Like a 304: identical bytes give an unchanged check, even after a suspect extraction."""
    [good, empty] = runner.add(site.add("/same", "Same bytes", static=True),
                               site.add("/same-empty", "Nothing", static=True))
    site.pages["/same-empty"].paragraphs = []
    runner.run()
    runner.run()
    assert runner.outcomes(good) == ["new_version", "unchanged"]
    assert runner.outcomes(empty) == ["suspect", "unchanged"]


def test_feed_entries_become_tracked_stories(site: NewsSite, runner: Runner) -> None:
    entries = [site.add("/feed-story-1", "First entry"), site.add("/feed-story-2", "Second")]

    def feed(_request: Request) -> Response:
        items = "".join(f"<item><title>t</title><link>{url}</link></item>" for url in entries)
        rss = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Example feed</title>' \
              f"{items}<item><title>mail</title><link>mailto:x@example.org</link></item>" \
              "</channel></rss>"
        return Response(rss, content_type="application/rss+xml")

    site.server.expect_request("/feed.xml").respond_with_handler(feed)
    track_feed(runner.db, site.server.url_for("/feed.xml"), runner.clock.now)
    first = runner.run()
    assert (first.feeds_checked, first.stories_added, first.new_versions) == (1, 2, 2)
    entries.append(site.add("/feed-story-3", "Third"))
    second = runner.run()
    assert (second.stories_added, second.new_versions, second.checked) == (1, 1, 3)
    assert {story.url for story in queries.list_stories(runner.db)} == set(entries)


def count(db: Database, model: type) -> int:
    with db.reading() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_overlapping_runs_never_fetch_a_story_twice(site: NewsSite, any_db: Database) -> None:
    """Two runs started together over 40 slow-ish pages share them out: each fetched once."""
    clock = Clock()
    urls = [site.add(f"/s/{n}", f"Story number {n}") for n in range(40)]
    track_stories(any_db, urls, clock.now)
    clock.advance(minutes=1)
    site.latency = 0.03
    barrier = threading.Barrier(2)
    reports: list[SnapshotReport] = []

    def run() -> None:
        own = open_database(any_db.url)
        barrier.wait()
        options = SnapshotOptions(limits=FAST, extract_processes=0, batch_size=4)
        reports.append(run_snapshot(own, options, clock=clock))
        own.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(site.hits.values()) == [1] * 40
    assert sum(report.checked for report in reports) == 40
    assert all(report.checked > 0 for report in reports), "one run did all the work"
    assert count(any_db, Version) == 40 and count(any_db, Diff) == 0


@pytest.mark.slow
def test_a_killed_run_loses_nothing_and_its_stories_are_taken_after_the_lease(
    site: NewsSite, any_db: Database, tmp_path: Path
) -> None:
    """SIGKILL a `tracker snapshot` mid-run: what it stored is whole, what it held comes back."""
    urls = [site.add(f"/k/{n}", f"Killed run story {n}") for n in range(16)]
    for path in list(site.pages):
        site.server.expect_request(path).respond_with_handler(slow(site, path))
    now = datetime.now(UTC)
    track_stories(any_db, urls, now)
    env = dict(os.environ, TRACKER_MIN_INTERVAL="2h")
    command = [sys.executable, "-m", "tracker", "--db", any_db.url, "snapshot", "--quiet",
               "--per-host", "4", "--delay", "0"]
    process = subprocess.Popen(command, env=env, cwd=tmp_path, start_new_session=True)
    deadline = time.monotonic() + 30
    while count(any_db, Version) < 4 and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)  # the run and its extraction processes, all at once
    process.wait()
    with any_db.reading() as session:
        stories = session.scalars(select(Story)).all()
        versions = session.scalar(select(func.count()).select_from(Version))
        new_checks = session.scalar(select(func.count()).select_from(Check)
                                    .where(Check.outcome == "new_version"))
    held = [story for story in stories if story.claimed_by]
    assert 0 < len(held) < 16 and versions == new_checks  # no version without its check
    fetched_before = dict(site.hits)
    policy = Policy(min_interval=timedelta(hours=2))
    options = SnapshotOptions(limits=FAST, policy=policy, extract_processes=0)
    assert run_snapshot(any_db, options, clock=lambda: now + timedelta(minutes=1)).checked == 0
    after_lease = now + policy.lease + timedelta(minutes=1)
    report = run_snapshot(any_db, options, clock=lambda: after_lease)
    assert report.checked == len(held)
    assert count(any_db, Version) == 16 and count(any_db, Diff) == 0
    refetched = {path for path, hits in site.hits.items() if hits > fetched_before.get(path, 0)}
    assert len(refetched) == len(held)


def slow(site: NewsSite, path: str):
    """The site's handler for `path`, a little slow, so a run can be killed halfway."""
    handle = site._handler(path)

    def respond(request: Request) -> Response:
        time.sleep(0.15)
        return handle(request)

    return respond
