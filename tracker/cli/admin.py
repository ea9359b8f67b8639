"""Commands that put stories into the database or open it: import, demo, tui, db (upgrade,
current, prune, optimize).

The importer and the log printer are imported inside the commands that use them, so that
`tracker tui` loads only the database and the TUI (issue 13: the first screen in under 1 s).
"""

import sys
from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tracker.cli import JsonOption, app, command, db_app, state
from tracker.config import display_url
from tracker.db import migrate, queries
from tracker.db.engine import Database, open_database
from tracker.errors import ExitCode, InvalidInput, TrackerError
from tracker.store.prune import PruneReport, Retention, parse_keep, prune
from tracker.text import display
from tracker.text.serialize import to_json

if TYPE_CHECKING:
    from tracker.sources.importer import ImportReport


@command(app, "import")
def import_command(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(
        metavar="PATH", help="Story folders, or text/HTML files.")],
    url: Annotated[str | None, typer.Option(
        metavar="URL", help="The story's URL, for loose files.")] = None,
    json: JsonOption = False,
) -> None:
    """Import story folders (seeds format) or files as successive versions of one story."""
    from tracker.sources.importer import import_paths

    for path in paths:
        if not path.exists():
            raise InvalidInput(f"{path}: no such file or folder")
    report = import_paths(state(ctx).database(create=True), paths, url=url)
    if json:
        typer.echo(to_json({"stories": report.stories}))
    else:
        _print_import(report)
    if report.failed:
        raise typer.Exit(ExitCode.ERROR)


@command(app)
def demo(
    ctx: typer.Context,
    no_tui: Annotated[bool, typer.Option("--no-tui", help="Print the log instead.")] = False,
) -> None:
    """Import the sample story (once) and open it in the terminal UI."""
    from tracker.cli.browse import print_log
    from tracker.sources.importer import import_paths, seeds_dir

    db = state(ctx).database(create=True)
    report = import_paths(db, [seeds_dir()])
    story_id = report.stories[0].story_id
    if story_id is None or report.failed:
        raise TrackerError(f"the sample story could not be imported: {report.failed[0].error}")
    if no_tui or not sys.stdout.isatty():
        print_log(story_id, db)
        typer.echo("(run `tracker demo` in a terminal to open the interactive view)", err=True)
        return
    _run_tui(db, story_id)


@command(app)
def tui(
    ctx: typer.Context,
    story: Annotated[str | None, typer.Argument(
        metavar="STORY", help="Open this story directly.")] = None,
) -> None:
    """Open the terminal UI."""
    db = state(ctx).db
    story_id = queries.find_story(db, story).id if story else None
    _run_tui(db, story_id)


@command(db_app, "upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Create the database or bring it to the current schema."""
    db = state(ctx).database(create=True)
    with db.connection() as connection:
        typer.echo(f"{display_url(db.url)}: at revision {migrate.current_revision(connection)}")


@command(db_app, "current")
def db_current(ctx: typer.Context, json: JsonOption = False) -> None:
    """Print the database's URL and schema revision, and whether that is the newest."""
    url = state(ctx).url
    db = open_database(url, upgrade=False, create=url is None)
    with db.connection() as connection:
        current = migrate.current_revision(connection)
    migrate.refuse_newer(db.engine, current)  # exit 4, as every other command would
    head = migrate.head_revision()
    if json:
        typer.echo(to_json({"url": display_url(db.url), "revision": current, "head": head,
                            "current": current == head}))
        return
    typer.echo(f"{display_url(db.url)}: revision {current or 'none (empty)'}"
               f"{' (head)' if current == head else f'; newest is {head}'}")


KeepOption = Annotated[str | None, typer.Option(
    metavar="AGE", help="Keep them this long: 90d, 12w... or forever.")]


@command(db_app, "prune")
def db_prune(
    ctx: typer.Context,
    checks: KeepOption = None,
    html: KeepOption = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Say what would go, and remove nothing.")] = False,
    json: JsonOption = False,
) -> None:
    """Delete old checks and old raw HTML (never a version's text), as the retention says.

    --checks defaults to $TRACKER_KEEP_CHECKS or 90d, --html to $TRACKER_KEEP_HTML or 30d.
    """
    retention = Retention.from_env()
    for option, value in (("checks", checks), ("html", html)):
        if value is not None:
            try:
                retention = replace(retention, **{option: parse_keep(value)})
            except InvalidInput as exc:
                raise InvalidInput(f"--{option}: {exc.message}") from None
    report = prune(state(ctx).db, retention, datetime.now(UTC), dry_run=dry_run)
    if json:
        typer.echo(to_json(asdict(report)))
        return
    for line in _prune_lines(report, state(ctx).db.is_sqlite):
        typer.echo(line)


@command(db_app, "optimize")
def db_optimize(ctx: typer.Context, json: JsonOption = False) -> None:
    """Make searches read less: merge the full-text index's segments (SQLite), or vacuum and
    analyse the search tables (PostgreSQL). Safe while snapshots run; weekly from cron."""
    from tracker.search.optimize import optimize

    report = optimize(state(ctx).db)
    if json:
        typer.echo(to_json(asdict(report)))
        return
    for table in report.tables:
        if table.segments_before is None:
            typer.echo(f"{table.table}: vacuumed and analysed")
        else:
            typer.echo(f"{table.table}: {table.segments_before} segments -> "
                       f"{table.segments_after} in {table.steps} transactions")
    typer.echo(f"done in {report.seconds:.1f} s")


def _prune_lines(report: PruneReport, sqlite: bool) -> list[str]:
    verb = ("would delete", "would drop") if report.dry_run else ("deleted", "dropped")
    lines = []
    if report.checks_before is not None:
        lines.append(f"{verb[0]} {report.checks:,} checks from before "
                     f"{report.checks_before:%Y-%m-%d %H:%M} UTC (kept: each story's latest "
                     "check and the checks that stored a version)")
    if report.html_before is not None:
        lines.append(f"{verb[1]} the raw HTML of {report.html_versions:,} versions "
                     f"({report.html_bytes / 1e6:.1f} MB compressed) observed before "
                     f"{report.html_before:%Y-%m-%d %H:%M} UTC (kept: each story's newest "
                     "version's; no version's text is ever touched)")
    if not report.dry_run and (report.checks or report.html_versions):
        lines.append("the space is reused by new rows; `sqlite3 FILE VACUUM` gives it back to "
                     "the disk" if sqlite else "the space is reused by new rows once "
                     "autovacuum has run (docs/deploy.md)")
    return lines


def _print_import(report: "ImportReport") -> None:
    for story in report.stories:
        if story.error:
            typer.echo(f"tracker: {story.error}", err=True)
            continue
        typer.echo(f"story {story.story_id} ({display.safe(story.url)}): {story.added} new "
                   f"version{'s' if story.added != 1 else ''}, {story.already} already stored"
                   + (f", {story.unchanged} unchanged" if story.unchanged else ""))


def _run_tui(db: Database, story_id: int | None) -> None:
    from tracker.tui.app import TrackerApp  # Textual loads only for the commands that need it

    TrackerApp(db, story_id=story_id).run()


