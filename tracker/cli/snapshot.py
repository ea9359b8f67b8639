"""Commands for live tracking: add, remove, pause, resume, snapshot, watch, cron, status."""

import shlex
import signal
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tracker import config
from tracker.cli import JsonOption, app, command, out, state, table
from tracker.db import queries
from tracker.db.engine import Database
from tracker.db.models import StoryStatus
from tracker.errors import InvalidInput
from tracker.sources.fetch import FetchLimits
from tracker.sources.snapshot import SnapshotOptions, SnapshotReport, StoryResult, run_snapshot
from tracker.sources.tracking import (
    remove_feed,
    remove_story,
    set_status,
    track_feed,
    track_stories,
)
from tracker.store.schedule import Policy
from tracker.text import display
from tracker.text.serialize import to_json
from tracker.text.timespec import parse_duration

StoriesArg = Annotated[list[str], typer.Argument(help="Story ids or URLs.")]
FeedOption = Annotated[bool, typer.Option("--feed", help="The URLs are RSS/Atom feeds.")]


def _now() -> datetime:
    return datetime.now(UTC)


@command(app)
def add(
    ctx: typer.Context,
    urls: Annotated[list[str], typer.Argument(help="http(s) URLs of stories (or feeds).")],
    feed: FeedOption = False,
) -> None:
    """Start tracking stories; with --feed, follow feeds whose new entries become stories."""
    db = state(ctx).database(create=True)
    if feed:
        for url in urls:
            tracked = track_feed(db, url, _now())
            verb = "following" if tracked.added else "already following"
            typer.echo(f"feed {tracked.story_id} {display.safe(url)}: {verb}")
        return
    for story in track_stories(db, urls, _now()):
        verb = "tracking" if story.added else "already tracked"
        typer.echo(f"story {story.story_id} {display.safe(story.url)}: {verb}")
    typer.echo("They are checked on the next `tracker snapshot` (see `tracker cron`).", err=True)


@command(app)
def remove(
    ctx: typer.Context, stories: StoriesArg, feed: FeedOption = False,
    yes: Annotated[bool, typer.Option("--yes", help="Also delete stored versions.")] = False,
) -> None:
    """Stop tracking stories and delete them with their versions (or stop following feeds)."""
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


def _set_status(db: Database, refs: list[str], status: StoryStatus, verb: str) -> None:
    for story in [queries.find_story(db, ref) for ref in refs]:
        set_status(db, story.id, status, _now())
        typer.echo(f"story {story.id} {display.safe(story.url)}: {verb}")


ConcurrencyOption = Annotated[int, typer.Option(help="Pages fetched at once, in all.")]
PerHostOption = Annotated[int, typer.Option(help="Pages fetched at once from one site.")]
DelayOption = Annotated[float, typer.Option(help="Seconds between requests to one site.")]


@command(app)
def snapshot(
    ctx: typer.Context,
    story: Annotated[list[str] | None, typer.Option(
        "--story", help="Check only this story (id or URL); repeatable.")] = None,
    every: Annotated[bool, typer.Option("--all", help="Check every tracked story now.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="Print errors only.")] = False,
    concurrency: ConcurrencyOption = FetchLimits.concurrency,
    per_host: PerHostOption = FetchLimits.per_host,
    delay: DelayOption = FetchLimits.host_delay,
) -> None:
    """Fetch the stories that are due, store what changed, and print a summary."""
    limits = FetchLimits(concurrency=concurrency, per_host=per_host, host_delay=delay)
    policy = Policy.from_env()
    _stop_on_sigterm()
    db = state(ctx).db
    ids = tuple(queries.find_story(db, ref).id for ref in story or [])
    options = SnapshotOptions(limits=limits, policy=policy, story_ids=ids, every=every)
    report = _run_with_progress(db, options, show=not quiet and sys.stderr.isatty())
    _print_report(report, quiet)


def _stop_on_sigterm() -> None:
    """Stop on SIGTERM (systemd, kill) as on Ctrl-C: the run gives back the stories it holds
    at once, instead of leaving them to wait for the end of its lease."""
    signal.signal(signal.SIGTERM, signal.default_int_handler)


def _run_with_progress(db: Database, options: SnapshotOptions, *, show: bool) -> SnapshotReport:
    """A progress bar on a terminal; under cron nothing until the summary."""
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


def _print_report(report: SnapshotReport, quiet: bool) -> None:
    for error in report.errors:
        typer.echo(f"tracker: {display.safe(error)}", err=True)
    if quiet:
        return
    unchanged = report.unchanged + report.not_modified
    parts = [f"{report.new_versions} changed", f"{unchanged} unchanged",
             f"{report.failed} failed"]
    if report.suspect:
        parts.append(f"{report.suspect} suspect")
    if report.gone:
        parts.append(f"{report.gone} gone")
    if report.stories_added:
        parts.append(f"{report.stories_added} new from feeds")
    typer.echo(f"{_now():%Y-%m-%d %H:%M:%S} UTC checked {report.checked}: {', '.join(parts)}")


@command(app)
def watch(
    ctx: typer.Context,
    every: Annotated[str, typer.Option(help="How often to run, e.g. 5m, 10m, 1h.")] = "10m",
    quiet: Annotated[bool, typer.Option("--quiet", help="Print errors only.")] = False,
) -> None:
    """Run `tracker snapshot` every so often in the foreground (for those without cron)."""
    interval = parse_duration(every).total_seconds()
    _stop_on_sigterm()
    db = state(ctx).db
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
    every: Annotated[str, typer.Option(help="How often: 1m to 59m, or whole hours.")] = "10m",
    log: Annotated[str | None, typer.Option(
        help="Log file [default: snapshot.log in the data directory].")] = None,
) -> None:
    """Print a crontab line that runs `tracker snapshot` for this install and database."""
    schedule = _cron_schedule(parse_duration(every))
    url = config.database_url(state(ctx).url)
    shown = config.without_password(url)
    log_path = log or str(config.data_dir() / "snapshot.log")
    command_line = " ".join(shlex.quote(part) for part in (sys.executable, "-m", "tracker"))
    typer.echo(f"{schedule} {command_line} --db {shlex.quote(shown)} snapshot "
               f">> {shlex.quote(log_path)} 2>&1")
    if shown != url:  # a crontab is readable by whoever reads the user's files
        typer.echo("The database password is left out of the line: give it to the cron job in "
                   "~/.pgpass (or the file $PGPASSFILE names).", err=True)
    typer.echo("Add it with `crontab -e`; overlapping runs are safe.", err=True)


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
    """The schedule: stories by state, what is due, what is failing, and the feeds."""
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
        console.print(table(["story", "failures", "next try", "error / url"], [
            [str(s.id), str(s.failure_count), display.format_time(s.next_check_at),
             f"{display.safe(s.last_error)}  {display.safe(s.url)}"] for s in info.failing]))
    if info.feeds:
        console.print("feeds:")
        console.print(table(["feed", "stories", "last read", "url"], [
            [str(f.id), str(f.story_count), display.format_time(f.last_checked_at),
             display.safe(f.url) + (f"  ({display.safe(f.last_error)})" if f.last_error else "")]
            for f in info.feeds]))
