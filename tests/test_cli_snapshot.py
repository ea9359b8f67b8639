"""The live-tracking commands as a user runs them: add, snapshot, log, pause, cron, status."""

import shlex
import signal
import subprocess
import sys
import threading
import time

from typer.testing import CliRunner

from tests.newssite import NewsSite
from tracker.cli import app


def tracker(db_url: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["--db", db_url, *args])
    return result.exit_code, result.stdout, result.stderr


FAST = ("--per-host", "8", "--delay", "0")


def test_add_snapshot_and_log_show_only_the_real_change(site: NewsSite, db_url: str) -> None:
    urls = [site.add(f"/s/{n}", f"Story {n}") for n in range(3)]
    code, stdout, _ = tracker(db_url, "add", *urls)
    assert code == 0 and stdout.count(": tracking") == 3
    code, stdout, _ = tracker(db_url, "snapshot", "--all", *FAST)
    assert code == 0 and "checked 3: 3 changed, 0 unchanged, 0 failed" in stdout
    site.edit("/s/1", "witness said", "witness insisted")
    code, stdout, _ = tracker(db_url, "snapshot", "--all", *FAST)
    assert "checked 3: 1 changed, 2 unchanged, 0 failed" in stdout
    code, stdout, _ = tracker(db_url, "log", urls[1])
    assert "v2" in stdout and "+1" in stdout and "v3" not in stdout
    code, stdout, _ = tracker(db_url, "checks", urls[1])
    assert stdout.count("new_version") == 2


def test_snapshot_of_one_story_and_quiet_output(site: NewsSite, db_url: str) -> None:
    urls = [site.add("/a", "Story A"), site.add("/b", "Story B")]
    tracker(db_url, "add", *urls)
    code, stdout, stderr = tracker(db_url, "snapshot", "--story", urls[0], "--quiet", *FAST)
    assert (code, stdout, stderr) == (0, "", "")
    assert site.hits == {"/a": 1}


def test_only_http_urls_can_be_added(db_url: str) -> None:
    code, _, stderr = tracker(db_url, "add", "https://example.org/ok", "ftp://example.org/x")
    assert code == 2 and "'ftp://example.org/x' is not an http(s) URL" in stderr
    code, stdout, _ = tracker(db_url, "stories")
    assert "example.org/ok" not in stdout  # nothing added when one URL is bad


def test_pause_resume_and_remove(site: NewsSite, db_url: str) -> None:
    url = site.add("/p", "Paused story")
    tracker(db_url, "add", url)
    assert "paused" in tracker(db_url, "pause", url)[1]
    assert "checked 0" in tracker(db_url, "snapshot", "--all", *FAST)[1]
    assert "resumed" in tracker(db_url, "resume", url)[1]
    assert "checked 1: 1 changed" in tracker(db_url, "snapshot", *FAST)[1]
    code, _, stderr = tracker(db_url, "remove", url)
    assert code == 2 and "--yes" in stderr
    assert "removed" in tracker(db_url, "remove", url, "--yes")[1]
    assert tracker(db_url, "log", url)[0] == 3


def test_cron_prints_a_line_with_absolute_paths(db_url: str) -> None:
    code, stdout, _ = tracker(db_url, "cron", "--every", "15m", "--log", "/var/log/t.log")
    words = shlex.split(stdout)
    assert code == 0 and words[:5] == ["*/15", "*", "*", "*", "*"]
    words = [word for word in words if not word.startswith("TRACKER_")]  # the settings
    assert words[5] == sys.executable and words[6:8] == ["-m", "tracker"]
    assert words[8:10] == ["--db", db_url] and words[-3:] == [">>", "/var/log/t.log", "2>&1"]
    assert tracker(db_url, "cron", "--every", "2h")[1].startswith("0 */2 * * * ")
    assert tracker(db_url, "cron", "--every", "7m")[0] == 2


def test_status_shows_the_schedule_and_failures(site: NewsSite, db_url: str) -> None:
    site.server.expect_request("/down").respond_with_data("no", status=503)
    tracker(db_url, "add", site.add("/up", "Up"), site.server.url_for("/down"))
    code, stdout, _ = tracker(db_url, "status")
    assert code == 0 and "2 active" in stdout and "due now: 2" in stdout
    tracker(db_url, "snapshot", *FAST)
    code, stdout, _ = tracker(db_url, "status")
    assert "due now: 0" in stdout and "HTTP 503" in stdout


def test_watch_runs_snapshots_until_stopped(site: NewsSite, db_url: str) -> None:
    """`tracker watch` as a real process: it runs a snapshot each interval (the story is fetched
    once, then not again until it is due) and SIGTERM stops it cleanly, holding nothing."""
    url = site.add("/w", "Watched story")
    tracker(db_url, "add", url)
    process = subprocess.Popen(
        [sys.executable, "-m", "tracker", "--db", db_url, "watch", "--every", "1s"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout or []), daemon=True)
    reader.start()
    deadline = time.monotonic() + 60
    while sum("checked" in line for line in lines) < 2:
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        assert time.monotonic() < deadline, f"watch printed only {lines}"
        time.sleep(0.1)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0
    reader.join(timeout=10)
    assert "stopped" in (process.stderr.read() if process.stderr else "")
    assert "checked 1: 1 changed" in lines[0] and "checked 0" in lines[1]
    assert site.hits == {"/w": 1}
    log = tracker(db_url, "log", url)[1]
    assert "\n v1 " in log and "\n v2 " not in log
