"""Stories per second with 1, 2 and 4 snapshot workers on PostgreSQL, and 1 on SQLite.

Run: python -m bench.bench_workers [--stories N] [--postgres URL] [--workers 1,2,4]

A threaded loopback HTTP server in this process serves N distinct story pages (same bytes on
every request). Each configuration gets a fresh database (a throw-away PostgreSQL schema, or a
SQLite file) with the N stories tracked, then starts its workers as separate processes,
`python -m tracker --db URL snapshot`, all at once, and times two runs:

- changed: every story is new, so every page is extracted and stored as a version;
- unchanged: the interval passes and every page comes back with the same bytes (no extraction).

Stories per second is N over the wall time from starting the workers to the last one exiting,
process start-up included, as cron would see it, with its ratio to SQLite's figure measured in
the same run. The CPU time the worker processes used per story, changed / unchanged run, is
printed last: extraction excluded (it runs in a process pool), it is the figure least affected
by other load on the machine. PostgreSQL's URL comes from --postgres,
$TRACKER_TEST_POSTGRES_URL or the local default.
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sqlalchemy import update

from bench.common import machine, postgres_version, scratch_schema
from tracker.config import normalise_url
from tracker.db.engine import open_database
from tracker.db.models import Story
from tracker.sources.tracking import track_stories

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
WORKER_OPTIONS = ("--quiet", "--per-host", "32", "--delay", "0")
"""All pages are on one loopback host: politeness towards it would otherwise set the pace."""
FILLER = ("Officials said the situation remained fluid and that more details would be released "
          "later in the day, as reporters gathered outside the ministry and residents waited")


def page(number: int) -> bytes:
    """A plain news page, different for every story."""
    title = f"Story number {number} of the day"
    body = "".join(f"<p>{title}: paragraph {n} of the report. {FILLER} ({number}, {n}).</p>"
                   for n in range(1, 7))
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head>"
            f"<body><header><nav><a href='/'>Home</a></nav></header><main><article>"
            f"<h1>{title}</h1><p class='byline'>By Jane Doe</p>{body}</article></main>"
            f"<footer>(c) The Daily Example</footer></body></html>").encode()


class Site(ThreadingHTTPServer):
    """The loopback server; counts requests, so a run that fetched a story twice is caught."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests = 0
        self.lock = threading.Lock()

    def url(self, number: int) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/s/{number}"

    def seen(self) -> None:
        with self.lock:
            self.requests += 1


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Site

    def do_GET(self) -> None:
        self.server.seen()
        body = page(int(self.path.rsplit("/", 1)[1]))
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: thousands of requests would drown the figures."""


@dataclass(frozen=True)
class Timing:
    wall: float
    cpu: float
    """CPU seconds of the worker processes themselves (fetching, hashing, writing); extraction
    runs in grandchildren the kernel does not add to this. Unlike the wall time it barely
    depends on what else the machine is doing."""
    requests: int


@contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="tracker-bench-") as folder:
        yield f"sqlite:///{Path(folder) / 'tracker.db'}"


def run_workers(url: str, count: int, site: Site) -> Timing:
    """Start `count` snapshot workers together and wait for all of them."""
    site.requests = 0
    command = [sys.executable, "-m", "tracker", "--db", url, "snapshot", *WORKER_OPTIONS]
    started, cpu = time.monotonic(), _children_cpu()
    processes = [subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
                 for _ in range(count)]
    for process in processes:
        _, errors = process.communicate()
        if process.returncode != 0:
            raise SystemExit(f"a worker failed ({process.returncode}): {errors}")
    return Timing(time.monotonic() - started, _children_cpu() - cpu, site.requests)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(url: str, workers: int, stories: int, site: Site) -> tuple[Timing, Timing]:
    """The changed run, then the unchanged run, on a database holding `stories` due stories."""
    db = open_database(url)
    track_stories(db, [site.url(n) for n in range(stories)], datetime.now(UTC))
    changed = run_workers(url, workers, site)
    with db.writing() as session:
        session.execute(update(Story).values(next_check_at=datetime.now(UTC) - timedelta(1)))
    unchanged = run_workers(url, workers, site)
    db.close()
    for timing in (changed, unchanged):
        if timing.requests != stories:
            raise SystemExit(f"{timing.requests} requests for {stories} stories: a story was "
                             "fetched twice or not at all")
    return changed, unchanged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stories", type=int, default=2000)
    parser.add_argument("--workers", default="1,2,4", help="PostgreSQL worker counts")
    parser.add_argument("--repeat", type=int, default=1, help="runs per configuration (median)")
    parser.add_argument("--postgres", default=os.environ.get("TRACKER_TEST_POSTGRES_URL",
                                                              DEFAULT_POSTGRES))
    args = parser.parse_args()
    postgres = normalise_url(args.postgres)
    site = Site()
    threading.Thread(target=site.serve_forever, daemon=True).start()
    print(machine(f"PostgreSQL {postgres_version(postgres)}"))
    print(f"{args.stories} stories on a loopback server; each worker its own process; "
          f"median of {args.repeat} run(s); x = stories/s against SQLite's in this run\n")
    print(f"{'database':<12}{'workers':>8}{'changed s':>11}{'stories/s':>11}{'x':>6}"
          f"{'unchanged s':>13}{'stories/s':>11}{'x':>6}{'worker CPU ms/story':>21}")
    configurations = [("sqlite", 1)] + [("postgresql", int(n)) for n in args.workers.split(",")]
    peer: tuple[float, float] | None = None
    for name, workers in configurations:
        runs = []
        for _ in range(args.repeat):
            opened = scratch_schema(postgres) if name == "postgresql" else sqlite_database()
            with opened as url:
                runs.append(measure(url, workers, args.stories, site))
        changed = statistics.median(run[0].wall for run in runs)
        unchanged = statistics.median(run[1].wall for run in runs)
        cpu = [statistics.median(run[n].cpu for run in runs) * 1000 / args.stories
               for n in (0, 1)]
        peer = peer or (changed, unchanged)
        print(f"{name:<12}{workers:>8}{changed:>11.1f}{args.stories / changed:>11.0f}"
              f"{peer[0] / changed:>6.2f}{unchanged:>13.1f}{args.stories / unchanged:>11.0f}"
              f"{peer[1] / unchanged:>6.2f}{cpu[0]:>11.1f} / {cpu[1]:<7.1f}", flush=True)
    site.shutdown()


if __name__ == "__main__":
    main()
