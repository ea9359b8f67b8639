"""Published and updated times keep their time of day when the page's metadata gives it."""

from datetime import UTC, datetime
from pathlib import Path

from pytest_httpserver import HTTPServer

from tests.hostile import Snapshots, article
from tracker.db import queries
from tracker.db.engine import Database
from tracker.sources.importer import import_paths
from tracker.sources.timestamps import page_times, parse_time

JSON_LD = """<script type="application/ld+json">{"@context": "https://schema.org", "@graph": [
  {"@type": "WebPage", "datePublished": "2019-01-01"},
  {"@type": "NewsArticle", "datePublished": "2020-01-07T23:15:00-05:00",
   "dateModified": "2020-01-08T06:45:30+01:00"}]}</script>"""
OPEN_GRAPH = """<meta property="article:published_time" content="2020-01-08T04:10:00Z">
<meta property="article:modified_time" content="2020-01-08T05:00:00.000+00:00">"""


def test_a_snapshot_keeps_the_time_of_day_from_json_ld(
    web_server: HTTPServer, db: Database
) -> None:
    web_server.clear()
    web_server.expect_request("/t").respond_with_data(article(head=JSON_LD),
                                                      content_type="text/html")
    runs = Snapshots(db)
    story = runs.add(web_server.url_for("/t"))
    runs.run()
    version = queries.get_version(db, story, 1).info
    assert version.published_at == datetime(2020, 1, 8, 4, 15, tzinfo=UTC)
    assert version.updated_at == datetime(2020, 1, 8, 5, 45, 30, tzinfo=UTC)


def test_an_import_keeps_the_time_of_day_from_open_graph(tmp_path: Path, db: Database) -> None:
    page = tmp_path / "v1.html"
    page.write_text(article(head=OPEN_GRAPH))
    report = import_paths(db, [page], url="https://news.example.com/harbour")
    version = queries.get_version(db, report.stories[0].story_id or 0, 1).info
    assert version.published_at == datetime(2020, 1, 8, 4, 10, tzinfo=UTC)
    assert version.updated_at == datetime(2020, 1, 8, 5, 0, tzinfo=UTC)


def test_json_ld_wins_over_meta_tags_and_broken_blocks_are_skipped() -> None:
    head = '<script type="application/ld+json">{not json</script>' + OPEN_GRAPH + JSON_LD
    times = page_times(article(head=head))
    assert times.published == datetime(2020, 1, 8, 4, 15, tzinfo=UTC)


def test_deeply_nested_json_ld_is_not_followed_for_ever() -> None:
    nested = "[" * 5000 + "]" * 5000
    head = f'<script type="application/ld+json">{nested}</script>'
    assert page_times(article(head=head)).published is None


def test_only_times_of_day_count() -> None:
    assert parse_time("2020-01-07") is None
    assert parse_time("yesterday") is None
    assert parse_time(42) is None
    assert parse_time("2020-01-07T10:00:00") == datetime(2020, 1, 7, 10, tzinfo=UTC)
    assert parse_time("2020-01-07 10:00+02:00") == datetime(2020, 1, 7, 8, tzinfo=UTC)
