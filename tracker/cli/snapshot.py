"""Commands for live tracking: add, remove, pause, resume, snapshot, watch, cron, status."""

import os
import shlex
import signal
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tracker import config
from tracker.cli import JsonOption, app, command, out, print_table, state
from tracker.db.models import StoryStatus
from tracker.errors import FetchError, InvalidInput, OutputError
from tracker.notify.send import TIMEOUT_ENV
from tracker.sources.fetch import FetchLimits
from tracker.sources.report import SnapshotReport, StoryResult, summary_line
from tracker.store.schedule import Policy, anything_due
from tracker.text import display
from tracker.text.serialize import to_json
from tracker.text.timespec import parse_duration

if TYPE_CHECKING:
    from tracker.db.engine import Database
    from tracker.sources.snapshot import SnapshotOptions

# The run, the write path and rich's progress bar are imported by the functions that use them:
# `tracker snapshot` under cron with nothing due loads none of them (tests/test_startup.py).

StoriesArg = Annotated[list[str], typer.Argument(metavar="STORY", help="Story ids or URLs.")]
FeedOption = Annotated[bool, typer.Option("--feed", help="The URLs are RSS/Atom feeds.")]


def _now() -> datetime:
    return datetime.now(UTC)


@command(app)
def add(
    ctx: typer.Context,
    urls: Annotated[list[str], typer.Argument(
        metavar="URL", help="http(s) URLs of stories (or feeds).")],
    feed: FeedOption = False,
    json: JsonOption = False,
) -> None:
    """Start tracking stories; with --feed, follow feeds whose new entries become stories."""
    from tracker.sources.tracking import track_feed, track_stories

    db = state(ctx).database(create=True)
    tracked = ([track_feed(db, url, _now()) for url in urls] if feed
               else track_stories(db, urls, _now()))
    if json:
        rows = [{"id": item.story_id, "url": item.url, "added": item.added} for item in tracked]
        typer.echo(to_json({"stories": [] if feed else rows, "feeds": rows if feed else []}))
        return
    if feed:
        for item in tracked:
            verb = "following" if item.added else "already following"
            typer.echo(f"feed {item.story_id} {display.safe(item.url)}: {verb}")
        return
    for story in tracked:
        verb = "tracking" if story.added else "already tracked"
        typer.echo(f"story {story.story_id} {display.safe(story.url)}: {verb}")
    typer.echo("They are checked on the next `tracker snapshot` (see `tracker cron`).", err=True)


@command(app)
def remove(
    ctx: typer.Context, stories: StoriesArg, feed: FeedOption = False,
    yes: Annotated[bool, typer.Option("--yes", help="Also delete stored versions.")] = False,
) -> None:
    """Stop tracking stories and delete them with their versions (or stop following feeds)."""
    from tracker.db import queries
    from tracker.sources.tracking import remove_feed, remove_story

    db = state(ctx).db
    if feed:
        for url in stories:
            remove_feed(db, url)
            typer.echo(f"feed {display.safe(url)}: removed (its stories stay tracked)")
        return
    # Exactly the stories named: an id or a story's own URL, never an alias of another.
    found = [queries.find_story(db, ref, exact=True) for ref in stories]
    keep = [story for story in found if story.version_count and not yes]
    if keep:
        raise InvalidInput(
            f"story {keep[0].id} has {keep[0].version_count} stored versions: add --yes to "
            "delete them too, or `tracker pause` it to stop checking and keep them")
    for story in found:
        remove_story(db, story.id)
        typer.echo(f"story {story.id} {display.safe(story.url)}: removed")


@command(app)
def pause(ctx: typer.Context, stories: StoriesArg) -> None:
    """Stop checking stories, keeping everything stored (`tracker resume` restarts them)."""
    _set_status(state(ctx).db, stories, StoryStatus.PAUSED, "paused")


@command(app)
def resume(ctx: typer.Context, stories: StoriesArg) -> None:
    """Check paused, quiet or gone stories again, starting with the next snapshot."""
    _set_status(state(ctx).db, stories, StoryStatus.ACTIVE, "resumed")


def _set_status(db: "Database", refs: list[str], status: StoryStatus, verb: str) -> None:
    from tracker.db import queries
    from tracker.sources.tracking import set_status

    for story in [queries.find_story(db, ref) for ref in refs]:
        set_status(db, story.id, status, _now())
        typer.echo(f"story {story.id} {display.safe(story.url)}: {verb}")


ConcurrencyOption = Annotated[int, typer.Option(
    metavar="N", help="Pages fetched at once, in all.")]
PerHostOption = Annotated[int, typer.Option(
    metavar="N", help="Pages fetched at once from one site.")]
DelayOption = Annotated[float, typer.Option(
    metavar="SECONDS", help="Seconds between requests to one site.")]


@command(app)
def snapshot(
    ctx: typer.Context,
    story: Annotated[list[str] | None, typer.Option(
        "--story", metavar="STORY", help="Check only this story (id or URL); repeatable.")
    ] = None,
    every: Annotated[bool, typer.Option("--all", help="Check every tracked story now.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="Print errors only.")] = False,
    concurrency: ConcurrencyOption = FetchLimits.concurrency,
    per_host: PerHostOption = FetchLimits.per_host,
    delay: DelayOption = FetchLimits.host_delay,
    json: JsonOption = False,
) -> None:
    """Fetch the stories that are due, store what changed, and print a summary.

    Exits with 5 when there was something to check and every check failed (the network is
    down), and 4 when the database cannot be reached, so cron and monitoring hear of it; a run
    with nothing due exits with 0.
    """
    _stop_on_sigterm()
    db = state(ctx).database(connections=1)  # its one writer thread (docs/deploy.md)
    ids = tuple(_find(db, ref) for ref in story or [])
    limits = FetchLimits(concurrency=concurrency, per_host=per_host, host_delay=delay)
    policy = Policy.from_env()
    if ids or anything_due(db, _now(), every=every):
        from tracker.sources.snapshot import SnapshotOptions

        options = SnapshotOptions(limits=limits, policy=policy, story_ids=ids, every=every)
        report = _run_with_progress(db, options, show=not (quiet or json) and sys.stderr.isatty())
    else:  # cron's usual run: nothing to claim, so nothing more to load
        report = SnapshotReport()
    if json:
        _print_errors(report)
        typer.echo(to_json(_report_data(report)))
    else:
        _print_report(report, quiet)
    if report.all_failed:
        raise FetchError(f"none of the {report.checked} checks got an answer: "
                         "is the network down?")


def _find(db: "Database", ref: str) -> int:
    from tracker.db import queries  # the read queries load the analysis: not for a cron run

    return queries.find_story(db, ref).id


def _stop_on_sigterm() -> None:
    """Stop on SIGTERM (systemd, kill) as on Ctrl-C: the run gives back the stories it holds
    at once, instead of leaving them to wait for the end of its lease."""
    signal.signal(signal.SIGTERM, signal.default_int_handler)


def _run_with_progress(db: "Database", options: "SnapshotOptions", *,
                       show: bool) -> SnapshotReport:
    """A progress bar on a terminal; under cron nothing until the summary."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from tracker.db import queries
    from tracker.sources.snapshot import run_snapshot

    if not show:
        return run_snapshot(db, options)
    status = queries.schedule_status(db, _now())
    every = (StoryStatus.ACTIVE, StoryStatus.QUIET)
    total = len(options.story_ids) or (
        sum(status.by_status.get(name, 0) for name in every) if options.every
        else status.due_now)
    columns = (TextColumn("checking"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("snapshot", total=total)

        def advance(_result: StoryResult) -> None:
            done = progress.tasks[0].completed + 1
            progress.update(task, completed=done, total=max(done, progress.tasks[0].total or 0))

        return run_snapshot(db, options, on_result=advance)


def _print_errors(report: SnapshotReport) -> None:
    for error in report.errors:
        typer.echo(f"tracker: {display.safe(error)}", err=True)


def _print_report(report: SnapshotReport, quiet: bool) -> None:
    """The errors, then one summary line that names the first few stories that changed."""
    _print_errors(report)
    if quiet:
        return
    typer.echo(summary_line(report, _now()))


def _report_data(report: SnapshotReport) -> dict[str, object]:
    """What `tracker snapshot --json` prints (the shape is tracker/cli/schemas/snapshot.json)."""
    return {
        "finished_at": _now(), "checked": report.checked,
        "changed": [{"id": r.story_id, "url": r.url, "title": r.title,
                     "version": r.version_number} for r in report.changed],
        "unchanged": report.unchanged, "not_modified": report.not_modified,
        "suspect": [{"id": r.story_id, "url": r.url} for r in report.suspects],
        "failed": [{"id": r.story_id, "url": r.url, "error": r.error} for r in report.failures],
        "gone": report.gone, "feeds_checked": report.feeds_checked,
        "stories_added": report.stories_added,
        "entries_skipped": [{"feed": e.feed, "link": e.link, "why": e.why}
                            for e in report.skipped_entries],
        "alerts_sent": report.alerts_sent, "errors": report.errors,
    }


@command(app)
def watch(
    ctx: typer.Context,
    every: Annotated[str, typer.Option(
        metavar="DURATION", help="How often to run, e.g. 5m, 10m, 1h.")] = "10m",
    quiet: Annotated[bool, typer.Option("--quiet", help="Print errors only.")] = False,
) -> None:
    """Run `tracker snapshot` every so often in the foreground (for those without cron)."""
    from tracker.sources.snapshot import SnapshotOptions, run_snapshot

    interval = parse_duration(every).total_seconds()
    _stop_on_sigterm()
    db = state(ctx).database(connections=1)
    typer.echo(f"snapshot every {every}; Ctrl-C stops", err=True)
    try:
        while True:
            started = time.monotonic()
            _print_report(run_snapshot(db, SnapshotOptions(policy=Policy.from_env())), quiet)
            time.sleep(max(0.0, interval - (time.monotonic() - started)))
    except KeyboardInterrupt:
        typer.echo("stopped", err=True)


@command(app)
def cron(
    ctx: typer.Context,
    every: Annotated[str | None, typer.Option(
        metavar="DURATION", help="How often: 1m to 59m, or whole hours.",
        show_default="TRACKER_MIN_INTERVAL, 5m unless set")] = None,
    log: Annotated[Path | None, typer.Option(
        metavar="FILE", help="Where the runs' output goes; its folder is created.",
        show_default="snapshot.log in the data directory")] = None,
) -> None:
    """Print a crontab line that runs `tracker snapshot` for this install and database.

    The line names this Python and the database, carries your TRACKER_* settings (cron starts
    with an empty environment) and escapes % (which cron reads as a line break). By default
    it runs as often as the shortest check interval, so young stories are checked on time.
    """
    interval = parse_duration(every) if every else _cron_interval(Policy.from_env().min_interval)
    schedule = _cron_schedule(interval)
    url = config.database_url(state(ctx).url)
    shown = config.without_password(url)
    log_path = (log or config.data_dir() / "snapshot.log").expanduser().absolute()
    _create_folder(log_path.parent)
    command_words = [sys.executable, "-m", "tracker", "--db", shown, "snapshot"]
    line = " ".join([schedule, *_settings(), *map(shlex.quote, command_words),
                     ">>", shlex.quote(str(log_path)), "2>&1"])
    typer.echo(line.replace("%", "\\%"))
    if shown != url:  # a crontab is readable by whoever reads the user's files
        typer.echo("The database password is left out of the line: give it to the cron job in "
                   "~/.pgpass (or the file $PGPASSFILE names).", err=True)
    typer.echo("Add it with `crontab -e`; overlapping runs are safe.", err=True)


def _settings() -> list[str]:
    """The user's settings as NAME=value words for the line (the schedule's limits, the data
    directory, the alerts' time-out): cron runs with none of the user's environment."""
    names = (config.DATA_DIR_ENV, *Policy.env_names(), TIMEOUT_ENV)
    return [f"{name}={shlex.quote(os.environ[name])}" for name in names if os.environ.get(name)]


def _create_folder(folder: Path) -> None:
    """The log's folder, so that cron's first run can write there (no error from cron is seen
    until then)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create {folder}: {exc.strerror or exc}") from None


def _cron_interval(shortest: timedelta) -> timedelta:
    """The longest interval cron can keep that is no longer than `shortest`."""
    fits = [minutes for minutes in _CRON_MINUTES if timedelta(minutes=minutes) <= shortest]
    return timedelta(minutes=max(fits, default=1))


_CRON_MINUTES = (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60, 120, 180, 240, 360, 720)


def _cron_schedule(interval: timedelta) -> str:
    minutes = int(interval.total_seconds() // 60)
    if interval.total_seconds() % 60 or minutes < 1:
        raise InvalidInput("cron runs at most once a minute: give whole minutes, e.g. 10m")
    if minutes < 60 and 60 % minutes == 0:
        return f"*/{minutes} * * * *" if minutes > 1 else "* * * * *"
    if minutes % 60 == 0 and 24 % (minutes // 60) == 0:
        hours = minutes // 60
        return "0 * * * *" if hours == 1 else f"0 */{hours} * * *"
    raise InvalidInput(f"cron cannot run every {minutes} minutes evenly: use one of 1m, 2m, 5m, "
                       "10m, 15m, 20m, 30m, 1h, 2h, 3h, 4h, 6h, 12h")


@command(app)
def status(ctx: typer.Context, json: JsonOption = False) -> None:
    """The schedule: stories by state, what is due, failing or suspect, and the feeds."""
    from tracker.db import queries

    now = _now()
    info = queries.schedule_status(state(ctx).db, now)
    if json:
        typer.echo(to_json(info))
        return
    console = out()
    counts = ", ".join(f"{count} {name}" for name, count in sorted(info.by_status.items()))
    console.print(f"tracked stories: {counts or 'none (tracker add URL)'}")
    console.print(f"due now: {info.due_now}; being checked: {info.claimed}; next due: "
                  f"{display.format_time(info.next_due_at)}; last check: "
                  f"{display.format_time(info.last_checked_at)}")
    if info.oldest_due_at is not None:
        console.print(f"oldest due story waiting since {display.format_time(info.oldest_due_at)}")
    if info.workers:
        console.print("workers: " + ", ".join(f"{display.safe(name)} ({count} stories)"
                                              for name, count in sorted(info.workers.items())))
    if info.failing:
        console.print("failing:")
        print_table(console, ["story", "failures", "next try", "error / url"], [
            [str(s.id), str(s.failure_count), display.format_time(s.next_check_at),
             f"{display.safe(s.last_error)}  {display.safe(s.url)}"] for s in info.failing])
    if info.suspect:
        console.print("suspect (the page gave no usable text; no version was stored):")
        print_table(console, ["story", "checked", "why / url"], [
            [str(s.id), display.format_time(s.checked_at),
             f"{display.safe(s.reason)}  {display.safe(s.url)}"] for s in info.suspect])
    if info.feeds:
        console.print("feeds:")
        print_table(console, ["feed", "stories", "last read", "url"], [
            [str(f.id), str(f.story_count), display.format_time(f.last_checked_at),
             display.safe(f.url) + (f"  ({display.safe(f.last_error)})" if f.last_error else "")]
            for f in info.feeds])
