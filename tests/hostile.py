"""Helpers for the hazard tests: plain article pages to serve, snapshots at a test's clock, and
the command line run in this process."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from typer.testing import CliRunner, Result

from tracker.cli import app
from tracker.db.engine import Database
from tracker.sources.fetch import FetchLimits
from tracker.sources.snapshot import SnapshotOptions, SnapshotReport, run_snapshot
from tracker.sources.tracking import track_stories
from tracker.store.schedule import Policy

T0 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
FAST = FetchLimits(per_host=8, host_delay=0, connect_timeout=5, read_timeout=5, total_timeout=10)
PARAGRAPHS = [
    f"Paragraph {n} of the report: officials met on Tuesday and agreed on a plan to rebuild "
    "the harbour, a spokesman for the council said after the meeting." for n in range(1, 6)
]


def article(paragraphs: list[str] = PARAGRAPHS, title: str = "Harbour plan agreed",
            head: str = "", meta: str = '<meta charset="utf-8">') -> str:
    """A news page: furniture around one <article> with a headline and paragraphs."""
    body = "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
    return (f"<!doctype html><html><head>{meta}<title>{title}</title>{head}</head><body>"
            "<nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
            f"<main><article><h1>{title}</h1>{body}</article></main>"
            "<footer>(c) The Daily Example</footer></body></html>")


@dataclass
class Snapshots:
    """Runs snapshots on one database, the clock moving an hour before each run."""

    db: Database
    now: datetime = T0

    def add(self, url: str) -> int:
        return track_stories(self.db, [url], self.now)[0].story_id

    def run(self, **options: object) -> SnapshotReport:
        self.now += timedelta(hours=1)
        chosen: dict[str, object] = {"limits": FAST, "policy": Policy(),
                                     "extract_processes": 0, **options}
        settings = SnapshotOptions(**chosen)  # type: ignore[arg-type]
        return run_snapshot(self.db, settings, clock=lambda: self.now)


def tracker(db_url: str, *args: str) -> Result:
    """`tracker --db DB_URL ARGS...` in this process, as a user would run it."""
    return CliRunner().invoke(app, ["--db", db_url, *args], catch_exceptions=False)


def one_line(result: Result) -> str:
    """The command's error, checked to be the one line on stderr that every failure gives."""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("tracker: error: ")
    return lines[0]
