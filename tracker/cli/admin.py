"""Commands that put stories into the database or open it: import, demo, tui, db."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from tracker.cli import JsonOption, app, command, db_app, state
from tracker.cli.browse import print_log
from tracker.config import display_url
from tracker.db import migrate, queries
from tracker.db.engine import Database, open_database
from tracker.errors import ExitCode, InvalidInput, TrackerError
from tracker.sources.importer import ImportReport, import_paths, seeds_dir
from tracker.text import display
from tracker.text.serialize import to_json


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


def _print_import(report: ImportReport) -> None:
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


