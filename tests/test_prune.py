"""Retention (`tracker db prune`): old checks and old raw HTML go; the checks that stored a
version, each story's latest check and newest version's HTML stay; no version's text is ever
touched; a dry run counts exactly what a prune then removes, and changes nothing."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from tracker.cli import app
from tracker.db.engine import Database
from tracker.db.models import Check, Outcome, Source, Version
from tracker.errors import ExitCode, InvalidInput
from tracker.store.prune import Retention, parse_keep, prune
from tracker.store.write import Article, Candidate, Observation, store_candidate
from tracker.text.normalise import stored_page

T0 = datetime(2026, 1, 1, tzinfo=UTC)
URLS = ("https://news.example.com/a", "https://news.example.com/b")


def fill(db: Database) -> None:
    """Two stories seen every day for 40 days; a new text on days 0, 10 and 20 (with its
    page), the same text on the other days (an unchanged check each)."""
    for day in range(40):
        for url in URLS:
            text = f"The story at {url}, edition {min(day // 10, 2)}.\n\nMore words here."
            article = Article(text, title="A story",
                              stored_html=stored_page(f"<html><p>{text}</p>{'x' * 500}"))
            seen = Observation(T0 + timedelta(days=day), Source.SNAPSHOT, http_status=200)
            store_candidate(db, Candidate(url, article, seen))


def snapshot_of(db: Database) -> tuple[list[tuple], list[tuple]]:
    with db.reading() as session:
        versions = session.execute(select(Version.story_id, Version.number, Version.text,
                                          Version.raw_html.is_not(None))
                                   .order_by(Version.id)).all()
        checks = session.execute(select(Check.story_id, Check.checked_at, Check.outcome)
                                 .order_by(Check.id)).all()
    return [tuple(row) for row in versions], [tuple(row) for row in checks]


def test_prune_keeps_texts_version_checks_and_the_latest(any_db: Database) -> None:
    fill(any_db)
    versions_before, checks_before = snapshot_of(any_db)
    with any_db.reading() as session:
        pages = session.scalars(select(Version.raw_html).where(Version.number < 3)).all()
    now = T0 + timedelta(days=45)
    retention = Retention(checks=timedelta(days=30), html=timedelta(days=30))
    dry = prune(any_db, retention, now, dry_run=True)
    assert snapshot_of(any_db) == (versions_before, checks_before)  # a dry run changes nothing

    done = prune(any_db, retention, now, window=7)  # many small windows
    assert (done.checks, done.html_versions, done.html_bytes) == (
        dry.checks, dry.html_versions, dry.html_bytes)
    versions, checks = snapshot_of(any_db)
    cutoff = now - timedelta(days=30)
    # Every version and its text stay; the HTML of versions 1 and 2 (days 0 and 10) goes, the
    # newest's (day 20, before the cutoff too) stays.
    assert [row[:3] for row in versions] == [row[:3] for row in versions_before]
    assert [(number, html) for _, number, _, html in versions] == [
        (1, False), (1, False), (2, False), (2, False), (3, True), (3, True)]
    assert done.html_versions == 4 and done.html_bytes == sum(len(page or b"") for page in pages)
    kept = [(checked_at, outcome) for _, checked_at, outcome in checks]
    expected = [(at, outcome) for _, at, outcome in checks_before
                if at >= cutoff or outcome == Outcome.NEW_VERSION]
    assert kept == expected and done.checks == len(checks_before) - len(checks)
    assert done.checks == 2 * (15 - 2)  # days 1-14 but 10, per story
    assert prune(any_db, retention, now).checks == 0  # again: nothing more to do


def test_a_story_keeps_its_latest_check_however_old(any_db: Database) -> None:
    fill(any_db)
    prune(any_db, Retention(checks=timedelta(days=1), html=None), T0 + timedelta(days=400))
    _, checks = snapshot_of(any_db)
    latest = T0 + timedelta(days=39)
    assert [(at, outcome) for story, at, outcome in checks if story == 1] == [
        (T0, Outcome.NEW_VERSION), (T0 + timedelta(days=10), Outcome.NEW_VERSION),
        (T0 + timedelta(days=20), Outcome.NEW_VERSION), (latest, Outcome.UNCHANGED)]


def test_retention_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Retention.from_env() == Retention(timedelta(days=90), timedelta(days=30))
    monkeypatch.setenv("TRACKER_KEEP_CHECKS", "2w")
    monkeypatch.setenv("TRACKER_KEEP_HTML", "forever")
    assert Retention.from_env() == Retention(timedelta(weeks=2), None)
    assert parse_keep("Forever") is None
    monkeypatch.setenv("TRACKER_KEEP_HTML", "soon")
    with pytest.raises(InvalidInput, match="TRACKER_KEEP_HTML"):
        Retention.from_env()


def test_db_prune_command(db: Database) -> None:
    fill(db)
    before = snapshot_of(db)
    dry = CliRunner().invoke(app, ["db", "prune", "--db", db.url, "--dry-run", "--checks",
                                   "1d", "--html", "forever"])
    assert dry.exit_code == 0, dry.stderr
    assert dry.stdout.startswith("would delete 72 checks from before ")  # 80 - 6 - 2
    assert "HTML" not in dry.stdout and snapshot_of(db) == before
    done = CliRunner().invoke(app, ["--db", db.url, "db", "prune", "--html", "1d"])
    assert done.exit_code == 0, done.stderr
    assert "dropped the raw HTML of 4 versions" in done.stdout and "VACUUM" in done.stdout
    bad = CliRunner().invoke(app, ["--db", db.url, "db", "prune", "--checks", "soon"])
    assert bad.exit_code == ExitCode.USAGE and "--checks" in bad.stderr
