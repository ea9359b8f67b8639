"""A fleet of snapshot workers against a loopback site, shared by the tests that run one.

`Farm` serves distinct static story pages and counts the requests for each; `Workers` starts real
`python -m tracker` processes and makes sure none outlives its test. The `farm` fixture is in
conftest.py.
"""

import re
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from pytest_httpserver import HTTPServer
from sqlalchemy import text, update
from werkzeug import Request, Response

from tests.newssite import StoryPage, render, story_paragraphs
from tracker.db.engine import Database
from tracker.db.models import Story
from tracker.sources.tracking import track_stories

WORKER_OPTIONS = ("--per-host", "16", "--delay", "0")
"""Every page is on 127.0.0.1: without these, politeness towards one host would set the pace."""
CHECKED = re.compile(r"checked (\d+)")


@dataclass
class Farm:
    """Story pages on the loopback server; while `gate` is clear, requests wait for it."""

    server: HTTPServer
    hits: Counter[str] = field(default_factory=Counter)
    arrivals: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    gate: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def serve(self, count: int) -> list[str]:
        """Serve `count` distinct static stories; returns their URLs."""
        self.server.expect_request(re.compile(r"^/w/\d+$")).respond_with_handler(self._handle)
        return [self.server.url_for(f"/w/{n}") for n in range(count)]

    def _handle(self, request: Request) -> Response:
        with self._lock:
            self.hits[request.path] += 1
            self.arrivals[request.path].append(time.time())
        self.gate.wait(60)
        title = f"Story number {request.path.rsplit('/', 1)[1]}"
        page = StoryPage(title, story_paragraphs(title), static=True)
        return Response(render(page, 0), content_type="text/html; charset=utf-8")

    def wait_for_requests(self, count: int) -> None:
        wait_until(lambda: sum(self.hits.values()) >= count, f"{count} requests", timeout=60)


class Workers:
    """Starts tracker processes and makes sure none outlives the test."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.started: list[subprocess.Popen[str]] = []

    def start(self, *args: str) -> subprocess.Popen[str]:
        command = [sys.executable, "-m", "tracker", "--db", self.url, *args]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True)
        self.started.append(process)
        return process

    def snapshot(self) -> subprocess.Popen[str]:
        return self.start("snapshot", *WORKER_OPTIONS)

    def finish(self, processes: list[subprocess.Popen[str]], timeout: float = 90) -> list[str]:
        """Wait for each process; each must succeed. Returns their outputs."""
        outputs = []
        for process in processes:
            stdout, stderr = process.communicate(timeout=timeout)
            assert process.returncode == 0, f"{process.args!r} failed: {stderr}"
            outputs.append(stdout)
        return outputs

    def run(self, count: int) -> list[int]:
        """Start `count` snapshot workers together; returns how many stories each checked."""
        outputs = self.finish([self.snapshot() for _ in range(count)])
        return [int(CHECKED.search(output).group(1)) for output in outputs]  # type: ignore[union-attr]

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.kill()
            process.communicate()


def track(db: Database, urls: list[str]) -> dict[str, int]:
    """Put the URLs on the schedule, due now; returns each page's path -> story id."""
    tracked = track_stories(db, urls, datetime.now(UTC) - timedelta(seconds=1))
    return {urlsplit(story.url).path: story.story_id for story in tracked}


def per_story(db: Database, table: str) -> Counter[int]:
    """How many rows of `table` (checks, versions) each story has."""
    with db.reading() as session:
        rows = session.execute(text(f"SELECT story_id, count(*) FROM {table} GROUP BY story_id"))
        return Counter({story_id: count for story_id, count in rows})


def make_due(db: Database) -> None:
    """The interval passes: every story is due again."""
    with db.writing() as session:
        due = datetime.now(UTC) - timedelta(seconds=1)
        session.execute(update(Story).values(next_check_at=due))


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"waited {timeout:g} s for {what}"
        time.sleep(0.1)
