"""URLs that must not be followed or shown: malformed ones refused at `tracker add`, feed entries
that point into the machine's own network, and credentials that must not leave in a report or a
crontab line."""

import asyncio
import json
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner
from werkzeug import Response

from tests.test_snapshot import FAST
from tracker.cli import app
from tracker.db import queries
from tracker.db.engine import Database
from tracker.errors import ExitCode
from tracker.sources.feeds import allowed_entry, parse_feed, poll_feeds
from tracker.sources.fetch import Fetcher, Page
from tracker.sources.tracking import track_feed
from tracker.store.schedule import Policy
from tracker.store.write import Article, Candidate, Observation, Scheduling, store_candidate

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(("url", "says"), [
    ("http://[not-ipv6/", "not a valid URL"),
    ("http://news.example:99999/a", "not a valid URL"),
    ("http://news.example:0/a", "port 0"),
    ("http://news.example/a\nb", "control characters"),
    ("http://news.example/a\rGET /admin", "control characters"),
    ("http://news.example/" + "a" * 3000, "longer than 2048"),
], ids=["bad-ipv6", "port-out-of-range", "port-0", "newline", "carriage-return", "too-long"])
def test_add_refuses_urls_that_cannot_be_fetched(run, db: Database, url: str, says: str) -> None:
    result = run("add", "http://news.example/fine", url)
    assert result.exit_code == ExitCode.USAGE
    [line] = result.stderr.splitlines()
    assert line.startswith("tracker: error: URL:") and says in line and len(line) < 300
    assert queries.count_stories(db) == 0  # one bad URL adds nothing


def feed_xml(*links: str) -> str:
    items = "".join(f"<item><title>t</title><link>{link}</link></item>" for link in links)
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>{items}'
            "</channel></rss>")


PRIVATE_ENTRIES = ["http://10.0.0.1/story", "http://0x0a000001/story", "http://10.1/story",
                   "http://[::ffff:10.0.0.1]/story", "http://169.254.169.254/latest/meta-data",
                   "http://192.168.1.1/admin", "http://[fd00::1]/story"]


def test_a_loopback_feed_adds_loopback_entries_but_no_private_ones(
    web_server, db: Database
) -> None:
    """The entries are only added, never fetched, here: nothing is sent to any of them."""
    web_server.clear()
    local = web_server.url_for("/local-story")
    web_server.expect_request("/feed.xml").respond_with_response(Response(
        feed_xml(*PRIVATE_ENTRIES, local, f"http://localhost:{web_server.port}/other"),
        content_type="application/rss+xml"))
    track_feed(db, web_server.url_for("/feed.xml"), NOW)

    async def poll() -> None:
        async def write(function, *args, **kwargs):
            return function(*args, **kwargs)

        async with Fetcher(FAST) as fetcher:
            await poll_feeds(db, fetcher, Scheduling(Policy(), "test"), lambda: NOW, write)

    asyncio.run(poll())
    web_server.clear()
    assert sorted(story.url for story in queries.list_stories(db)) == sorted([
        local, f"http://localhost:{web_server.port}/other"])


def test_a_public_feed_adds_no_entry_on_this_machine_or_its_network() -> None:
    page = Page(url="https://feeds.example.com/rss", final_url="https://feeds.example.com/rss",
                status=200, body=feed_xml(*PRIVATE_ENTRIES, "http://127.0.0.1:8080/x",
                                          "http://localhost/x", "https://news.example.com/a",
                                          "http://[::1]/x").encode(),
                charset="utf-8", content_type="application/rss+xml", etag=None,
                last_modified=None, duration_ms=1)
    assert parse_feed(page).links == ["https://news.example.com/a"]
    assert allowed_entry("http://10.0.0.2/a", "http://10.0.0.1/feed")
    assert not allowed_entry("http://127.0.0.1/a", "http://10.0.0.1/feed")


def test_a_run_says_which_feed_entries_it_skipped_and_why(run, web_server, db: Database) -> None:
    """Entries that become no story are counted on the summary line and listed, with the
    reason, in --json (as the schema says), so a feed never looks shorter than it is."""
    from tests.test_cli_json import validate

    web_server.clear()
    web_server.expect_request("/feed.xml").respond_with_response(Response(
        feed_xml("mailto:desk@news.example", "http://10.0.0.1/story"),
        content_type="application/rss+xml"))
    feed = web_server.url_for("/feed.xml")
    track_feed(db, feed, NOW)
    result = run("snapshot", "--json")
    web_server.clear()
    report = json.loads(result.stdout)
    validate("snapshot", report)
    assert report["stories_added"] == 0
    assert [(e["feed"], e["link"]) for e in report["entries_skipped"]] == [
        (feed, "mailto:desk@news.example"), (feed, "http://10.0.0.1/story")]
    mailto, private = (e["why"] for e in report["entries_skipped"])
    assert "not an http(s) URL" in mailto
    assert "private address" in private and "loopback address" in private
    track_feed(db, feed, NOW)  # due again
    web_server.expect_request("/feed.xml").respond_with_response(Response(
        feed_xml("mailto:desk@news.example"), content_type="application/rss+xml"))
    assert "1 feed entry skipped (--json says why)" in run("snapshot").stdout


SECRET = "s3cr3t-pass"


def test_credentials_in_a_story_url_stay_out_of_every_export(run, db: Database) -> None:
    url = f"https://reader:{SECRET}@paywall.example.com/story"
    for hour, text in ((8, "The first text."), (9, "The second text, longer.")):
        store_candidate(db, Candidate(url, Article(text, title="Paywalled"), Observation(
            NOW.replace(hour=hour))))
    for fmt in ("html", "md", "json", "patch", "atom"):
        result = run("export", "1", "--format", fmt)
        assert result.exit_code == 0
        assert SECRET not in result.stdout and "reader" not in result.stdout, fmt
        assert "paywall.example.com/story" in result.stdout, fmt
    combined = run("export", "--all", "--format", "json")
    assert SECRET not in combined.stdout
    assert json.loads(combined.stdout)["stories"][0]["url"] == \
        "https://paywall.example.com/story"


def test_the_cron_line_leaves_the_database_password_out(run) -> None:
    result = CliRunner().invoke(
        app, ["--db", f"postgresql://tracker:{SECRET}@db.example.com/news", "cron"],
        catch_exceptions=False)
    assert result.exit_code == 0
    assert SECRET not in result.stdout
    assert "postgresql+psycopg://tracker@db.example.com/news" in result.stdout
    assert ".pgpass" in result.stderr
