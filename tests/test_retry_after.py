"""A server that says "not now" (429 or 503 with Retry-After) is not asked again before then."""

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import select
from werkzeug import Response

from tests.hostile import Snapshots
from tracker.db.engine import Database
from tracker.db.models import Feed, Story
from tracker.sources.fetch import MAX_RETRY_AFTER, retry_after
from tracker.sources.tracking import track_feed
from tracker.store.schedule import Policy


@pytest.fixture
def server(web_server: HTTPServer) -> HTTPServer:
    web_server.clear()
    return web_server


def next_check(db: Database, model: type[Story] | type[Feed] = Story) -> datetime:
    with db.reading() as session:
        found = session.scalars(select(model.next_check_at)).one()
    assert found is not None
    return found


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_in_seconds_sets_the_earliest_next_check(
    server: HTTPServer, db: Database, status: int
) -> None:
    server.expect_request("/a").respond_with_response(
        Response("slow down", status=status, headers={"Retry-After": "7200"}))
    runs = Snapshots(db)
    runs.add(server.url_for("/a"))
    report = runs.run()
    assert report.failed == 1
    assert next_check(db) == runs.now + timedelta(hours=2)  # the backoff alone says 10 minutes


def test_retry_after_as_a_date_is_honoured(server: HTTPServer, db: Database) -> None:
    """The date counts from the answer's Date header (the server's clock, not the test's)."""
    runs = Snapshots(db)
    runs.add(server.url_for("/d"))
    later = datetime.now(UTC) + timedelta(minutes=90)
    server.expect_request("/d").respond_with_response(
        Response("", status=429, headers={"Retry-After": format_datetime(later, usegmt=True)}))
    runs.run()
    wait = next_check(db) - runs.now
    assert timedelta(minutes=89) <= wait <= timedelta(minutes=90)


def test_a_retry_after_of_years_waits_stop_after(server: HTTPServer, db: Database) -> None:
    server.expect_request("/y").respond_with_response(
        Response("", status=429, headers={"Retry-After": "9" * 40}))
    runs = Snapshots(db)
    runs.add(server.url_for("/y"))
    runs.run()
    assert next_check(db) == runs.now + Policy().stop_after


def test_a_feed_that_says_retry_after_is_read_no_earlier(server: HTTPServer, db: Database) -> None:
    server.expect_request("/feed").respond_with_response(
        Response("", status=429, headers={"Retry-After": "3600"}))
    runs = Snapshots(db)
    track_feed(db, server.url_for("/feed"), runs.now)
    runs.run()
    assert next_check(db, Feed) == runs.now + timedelta(hours=1)


def test_retry_after_values() -> None:
    assert retry_after("120") == timedelta(seconds=120)
    assert retry_after("9" * 5000) == MAX_RETRY_AFTER
    assert retry_after("soon") is None
    assert retry_after("\u00b2") is None
    assert retry_after(None) is None
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == timedelta(0)
