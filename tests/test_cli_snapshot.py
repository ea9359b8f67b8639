"""The live-tracking commands as a user runs them: add, snapshot, log, pause, cron, status."""

import json
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.newssite import HEADLINES, NewsSite
from tracker.cli import app
from tracker.errors import ExitCode


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


def test_summary_names_the_stories_that_changed(site: NewsSite, db_url: str) -> None:
    urls = [site.add(f"/n/{n}", title) for n, title in enumerate(HEADLINES[:4])]
    tracker(db_url, "add", *urls)
    code, stdout, _ = tracker(db_url, "snapshot", "--all", *FAST)
    assert code == 0 and "checked 4: 4 changed" in stdout
    named = re.findall(r'(\d+) "([^"]+)"', stdout.split("; changed: ")[1])
    assert len(named) == 3 and stdout.rstrip().endswith("and 1 more")
    assert {title for _, title in named} <= set(HEADLINES[:4])
    site.edit("/n/2", "witness said", "witness insisted")
    code, stdout, _ = tracker(db_url, "snapshot", "--all", *FAST)
    assert stdout.rstrip().endswith(f'; changed: 3 "{HEADLINES[2]}"')


def test_snapshot_fails_when_nothing_could_be_checked(site: NewsSite, db_url: str) -> None:
    """cron and monitoring must hear when no check got an answer, or the database is gone;
    a run with nothing due is not a failure."""
    site.server.expect_request("/down").respond_with_data("no", status=503)
    tracker(db_url, "add", site.server.url_for("/down"))
    code, stdout, stderr = tracker(db_url, "snapshot", *FAST)
    assert code == ExitCode.FETCH and "checked 1: 0 changed, 0 unchanged, 1 failed" in stdout
    assert "none of the 1 checks got an answer" in stderr
    code, stdout, _ = tracker(db_url, "snapshot", *FAST)
    assert code == 0 and "checked 0" in stdout  # the failed story is not due yet
    site.add("/up", "Up")
    tracker(db_url, "add", site.server.url_for("/up"))
    assert tracker(db_url, "snapshot", "--all", *FAST)[0] == 0  # one of two answered
    for unreachable in ("postgresql://tracker@127.0.0.1:1/none", "/proc/no-such-folder/t.db"):
        code, _, stderr = tracker(unreachable, "snapshot")
        assert code == ExitCode.DATABASE and stderr.startswith("tracker: error: ")


def test_status_lists_suspect_stories(site: NewsSite, db_url: str) -> None:
    url = site.add("/blank", "Blank page")
    site.pages["/blank"].paragraphs = []
    tracker(db_url, "add", url, site.add("/fine", "Fine"))
    tracker(db_url, "snapshot", *FAST)
    _, stdout, _ = tracker(db_url, "status")
    lines = stdout[stdout.index("suspect"):].splitlines()
    assert url in lines[2] and "no article text" in lines[2]
    assert len(lines) == 3, lines
    status = json.loads(tracker(db_url, "status", "--json")[1])
    assert [story["url"] for story in status["suspect"]] == [url]


def cron_command(line: str) -> tuple[str, str]:
    """What cron hands to /bin/sh for a crontab line (crontab(5)): the command after the five
    time fields, cut at the first % not escaped by a backslash (what follows is its standard
    input), each \\% turned into %."""
    text = line.split(None, 5)[5]
    command: list[str] = []
    escaped = False
    for index, char in enumerate(text):
        if escaped and char == "%":
            command[-1] = "%"
        elif char == "%":
            return "".join(command), text[index + 1:].replace("%", "\n")
        else:
            command.append(char)
        escaped = char == "\\" and not escaped
    return "".join(command), ""


def run_like_cron(line: str, home: Path) -> subprocess.CompletedProcess[str]:
    """The line as cron runs it: /bin/sh with cron's few variables and nothing of ours."""
    command, stdin = cron_command(line)
    return subprocess.run(
        ["env", "-i", f"HOME={home}", "LOGNAME=tracker", "PATH=/usr/bin:/bin", "SHELL=/bin/sh",
         "/bin/sh", "-c", command], input=stdin, capture_output=True, text=True, timeout=300,
        check=False)


def test_the_cron_line_runs_in_crons_empty_environment(
    site: NewsSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A data directory with a % in its name (cron would cut the line there), a setting of the
    user's (TRACKER_MIN_INTERVAL) and a log folder that does not exist yet."""
    data = tmp_path / "news 100%"
    monkeypatch.setenv("TRACKER_DATA_DIR", str(data))
    monkeypatch.setenv("TRACKER_MIN_INTERVAL", "2m")
    runner = CliRunner()
    url = site.add("/cron", "Cron story")
    assert runner.invoke(app, ["add", url]).exit_code == 0
    log = tmp_path / "logs" / "tracker" / "snapshot.log"
    line = runner.invoke(app, ["cron", "--every", "1m", "--log", str(log)]).stdout.strip()
    assert log.parent.is_dir() and "TRACKER_MIN_INTERVAL=2m" in line
    assert "%" not in line.replace("\\%", "")
    ran = run_like_cron(line, tmp_path)
    assert ran.returncode == 0, ran.stderr + log.read_text()
    assert "checked 1: 1 changed" in log.read_text() and site.hits == {"/cron": 1}
    status = json.loads(runner.invoke(app, ["status", "--json"]).stdout)
    due, checked = (datetime.fromisoformat(status[key].replace("Z", "+00:00"))
                    for key in ("next_due_at", "last_checked_at"))
    assert timedelta(minutes=1.5) < due - checked < timedelta(minutes=2.5)  # the user's 2m
    ran = run_like_cron(line, tmp_path)  # nothing due: an empty schedule is not a failure
    last = log.read_text().splitlines()[-1]
    assert ran.returncode == 0 and last.endswith("checked 0: 0 changed, 0 unchanged, 0 failed")


def test_cron_runs_as_often_as_the_shortest_check_interval(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/deploy.md: cron at least as often as TRACKER_MIN_INTERVAL (5 minutes unless set)."""
    assert tracker(db_url, "cron")[1].startswith("*/5 * * * * ")
    for setting, schedule in (("2m", "*/2 "), ("7m", "*/6 "), ("2h", "0 */2 ")):
        monkeypatch.setenv("TRACKER_MIN_INTERVAL", setting)
        assert tracker(db_url, "cron")[1].startswith(schedule), setting
    deploy = (Path(__file__).parent.parent / "docs" / "deploy.md").read_text()
    assert "at least as often as `TRACKER_MIN_INTERVAL` (5 minutes by default)" in deploy
    assert "[default: (TRACKER_MIN_INTERVAL" in " ".join(tracker(db_url, "cron", "-h")[1].split())
    assert "[default: (snapshot.log in the data directory)]" in " ".join(
        tracker(db_url, "cron", "-h")[1].split())
