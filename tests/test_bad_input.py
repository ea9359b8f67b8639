"""Every bad argument is one line on stderr and a documented exit code (2 bad input, 3 not found),
checked before anything is claimed or read, and nothing is lost."""

import subprocess
import sys
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from tests.hostile import article, one_line, tracker
from tracker.db import queries
from tracker.db.engine import Database, open_database
from tracker.errors import ExitCode, InvalidInput
from tracker.sources.fetch import FetchLimits
from tracker.sources.importer import MAX_FILE_BYTES
from tracker.store.schedule import Policy
from tracker.text.timespec import parse_duration, parse_since

HUGE = "99999999999999999999999"


@pytest.fixture
def sample_url(sample_db: Database, db_url: str) -> str:
    return db_url


@pytest.mark.parametrize(("args", "code", "message"), [
    (["diff", "1", HUGE, "1"], ExitCode.NOT_FOUND, f"story 1 has no version {HUGE}"),
    (["diff", "1", "1", HUGE], ExitCode.NOT_FOUND, "has no version"),
    (["show", "1", HUGE], ExitCode.NOT_FOUND, "has no version"),
    (["log", HUGE], ExitCode.NOT_FOUND, "no story"),
    (["log", "\u00b2"], ExitCode.NOT_FOUND, "no story"),
    (["search", "x", "--since", "99999999999d"], ExitCode.USAGE, "longer than 100 years"),
    (["search", "x", "--since", "0001-01-01T00:00+01:00"], ExitCode.USAGE, "out of range"),
    (["search", "x", "--limit", HUGE], ExitCode.USAGE, "--limit must be at most"),
    (["export", "1", "-f", "atom", "--limit", HUGE], ExitCode.USAGE, "--limit must be at most"),
    (["export", "1", "-f", "atom", "--limit", "0"], ExitCode.USAGE, "--limit must be at least"),
    (["export", "--all", "-f", "atom", "--since", "99999999999d"], ExitCode.USAGE, "100 years"),
    (["diff", "1", "--context", "-5"], ExitCode.USAGE, "--context must be -1"),
    (["watch", "--every", "99999999999d"], ExitCode.USAGE, "longer than 100 years"),
    (["cron", "--every", "1e999m"], ExitCode.USAGE, "not a duration"),
    (["snapshot", "--story", HUGE], ExitCode.NOT_FOUND, "no story"),
])
def test_a_bad_argument_is_one_line_and_its_exit_code(
    sample_url: str, args: list[str], code: int, message: str
) -> None:
    result = tracker(sample_url, *args)
    assert result.exit_code == code
    assert message in one_line(result)


@pytest.mark.parametrize(("option", "value"), [
    ("--per-host", "0"), ("--per-host", "-1"), ("--concurrency", "0"), ("--concurrency", HUGE),
    ("--delay", "-1"), ("--delay", "nan"), ("--delay", "inf"),
])
def test_fetch_limits_are_refused_before_anything_is_claimed(
    web_server: HTTPServer, db_url: str, option: str, value: str
) -> None:
    web_server.clear()
    web_server.expect_request("/a").respond_with_data(article(), content_type="text/html")
    assert tracker(db_url, "add", web_server.url_for("/a")).exit_code == 0
    result = tracker(db_url, "snapshot", option, value)
    assert result.exit_code == ExitCode.USAGE
    assert option in one_line(result)
    db = open_database(db_url)
    [story] = queries.list_stories(db)
    status = queries.schedule_status(db, story.first_seen_at)
    assert status.claimed == 0 and not status.failing and story.last_checked_at is None
    assert not web_server.log  # nothing was fetched
    db.close()


@pytest.mark.parametrize(("name", "value", "message"), [
    ("TRACKER_GONE_AFTER", "0", "from 1 to 1000"),
    ("TRACKER_REPORT_AFTER", "\u00b2", "from 1 to 1000"),
    ("TRACKER_LEASE", "99999999999d", "longer than 100 years"),
    ("TRACKER_MAX_INTERVAL", "1e999s", "not a duration"),
])
def test_schedule_settings_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(InvalidInput, match=f"^{name}: .*{message}"):
        Policy.from_env()


def test_durations_and_limits_that_would_overflow_are_refused() -> None:
    with pytest.raises(InvalidInput, match="100 years"):
        parse_duration("5300000w")
    with pytest.raises(InvalidInput, match="out of range"):
        parse_since("9999-12-31T23:59-01:00")
    with pytest.raises(InvalidInput, match="--per-host"):
        FetchLimits(per_host=0)
    with pytest.raises(InvalidInput, match="total_timeout"):
        FetchLimits(total_timeout=float("nan"))


def test_import_of_an_endless_stream_reads_only_the_limit(tmp_path: Path) -> None:
    """/dev/zero never ends: the import stops after the limit plus one byte (it read 24 GB)."""
    command = [sys.executable, "-m", "tracker", "--db", str(tmp_path / "t.db"), "import",
               "--url", "https://news.example.com/zero", "/dev/zero"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == ExitCode.ERROR
    assert done.stderr.strip() == (f"tracker: /dev/zero: larger than {MAX_FILE_BYTES // 2**20} "
                                   "MB; not an article")


def test_import_of_a_pipe_stops_reading_at_the_limit(tmp_path: Path, db: Database) -> None:
    """A writer that never stops is cut off: the import reads the limit plus one byte."""
    import os
    import threading

    from tracker.sources.importer import import_paths

    fifo = tmp_path / "endless.html"
    os.mkfifo(fifo)
    written = [0]

    def write() -> None:
        chunk = b"<p>" + b"x" * 65533
        try:
            with open(fifo, "wb") as pipe:
                while written[0] < 4 * MAX_FILE_BYTES:
                    pipe.write(chunk)
                    written[0] += len(chunk)
        except BrokenPipeError:
            pass

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    report = import_paths(db, [fifo], url="https://news.example.com/pipe")
    writer.join(timeout=30)
    assert "larger than 20 MB" in (report.failed[0].error or "")
    assert written[0] < 2 * MAX_FILE_BYTES
