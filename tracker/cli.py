"""The `tracker` command line: thin typer commands over the domain functions.

Data goes to stdout (with `--json` where a script would want it), diagnostics to stderr. A
`TrackerError` becomes one line on stderr and its exit code; anything else is a bug and keeps
its traceback.
"""

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Column, Table

from tracker import __version__, render
from tracker.db import migrate, queries
from tracker.db.engine import Database, open_database
from tracker.diffing import unified_diff
from tracker.errors import ExitCode, InvalidInput, TrackerError
from tracker.serialize import to_json
from tracker.sources.importer import ImportReport, import_paths, seeds_dir

app = typer.Typer(
    help="Keep every version of a breaking news story and see how it changed.",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")
Command = Callable[..., None]


def command(target: typer.Typer, name: str | None = None) -> Callable[[Command], Command]:
    """Register a command whose TrackerErrors become one stderr line and their exit code."""

    def register(function: Command) -> Command:
        @functools.wraps(function)
        def run(*args: Any, **kwargs: Any) -> None:
            try:
                function(*args, **kwargs)
            except TrackerError as exc:
                typer.echo(f"tracker: error: {render.safe(exc.message)}", err=True)
                raise typer.Exit(exc.exit_code) from None

        return target.command(name)(run)

    return register

DbOption = Annotated[str | None, typer.Option(
    "--db", envvar="TRACKER_DATABASE_URL", show_envvar=True,
    help="Database URL or SQLite file path [default: a SQLite file in your data directory].",
)]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
StoryArg = Annotated[str, typer.Argument(help="A story id or URL (see `tracker stories`).")]


class State:
    """Per-invocation state: which database, opened on first use."""

    def __init__(self, url: str | None) -> None:
        self.url = url
        self._db: Database | None = None

    @property
    def db(self) -> Database:
        if self._db is None:
            self._db = open_database(self.url)
        return self._db


def out() -> Console:
    return Console(highlight=False, soft_wrap=False)


def state(ctx: typer.Context) -> State:
    return ctx.ensure_object(State) if ctx.obj else State(None)


@app.callback()
def main_options(
    ctx: typer.Context,
    db: DbOption = None,
    version: Annotated[bool, typer.Option("--version", help="Show the version and exit.")] = False,
) -> None:
    if version:
        typer.echo(f"tracker {__version__}")
        raise typer.Exit()
    ctx.obj = State(db)


@command(app, "import")
def import_command(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Story folders, or text/HTML files.")],
    url: Annotated[str | None, typer.Option(help="The story's URL, for loose files.")] = None,
) -> None:
    """Import story folders (seeds format) or files as successive versions of one story."""
    for path in paths:
        if not path.exists():
            raise InvalidInput(f"{path}: no such file or folder")
    report = import_paths(state(ctx).db, paths, url=url)
    _print_import(report)
    if report.failed:
        raise typer.Exit(ExitCode.ERROR)


@command(app)
def demo(
    ctx: typer.Context,
    no_tui: Annotated[bool, typer.Option("--no-tui", help="Print the log instead.")] = False,
) -> None:
    """Import the sample story (once) and open it in the terminal UI."""
    db = state(ctx).db
    report = import_paths(db, [seeds_dir()])
    story_id = report.stories[0].story_id
    if story_id is None or report.failed:
        raise TrackerError(f"the sample story could not be imported: {report.failed[0].error}")
    if no_tui or not sys.stdout.isatty():
        _print_log(story_id, db)
        typer.echo("(run `tracker demo` in a terminal to open the interactive view)", err=True)
        return
    _run_tui(db, story_id)


@command(app)
def tui(
    ctx: typer.Context,
    story: Annotated[str | None, typer.Argument(help="Open this story directly.")] = None,
) -> None:
    """Open the terminal UI."""
    db = state(ctx).db
    story_id = queries.find_story(db, story).id if story else None
    _run_tui(db, story_id)


@command(app)
def stories(ctx: typer.Context, json: JsonOption = False) -> None:
    """List tracked stories, most recently changed first."""
    rows = queries.list_stories(state(ctx).db)
    if json:
        typer.echo(to_json(rows))
        return
    if not rows:
        typer.echo("No stories yet: `tracker demo` loads a sample, `tracker import PATH` adds one.",
                   err=True)
        return
    out().print(_table(["id", "versions", "last change", "site", "title"], [
        [str(row.id), str(row.version_count), render.format_time(row.last_changed_at),
         render.safe(row.site), render.safe(row.title)] for row in rows
    ]))


@command(app)
def log(ctx: typer.Context, story: StoryArg, json: JsonOption = False) -> None:
    """A story's versions with time, headline and words added/removed."""
    db = state(ctx).db
    found = queries.find_story(db, story)
    if json:
        typer.echo(to_json({"story": found, "versions": queries.list_versions(db, found.id)}))
        return
    _print_log(found.id, db)


@command(app)
def diff(
    ctx: typer.Context,
    story: StoryArg,
    from_version: Annotated[int | None, typer.Argument(
        metavar="[FROM]", help="Older version number [default: the one before TO].")] = None,
    to_version: Annotated[int | None, typer.Argument(
        metavar="[TO]", help="Newer version number [default: the latest].")] = None,
    fmt: Annotated[str, typer.Option(
        "--format", help="word (coloured word diff) or unified (plain, for patch).")] = "word",
    context: Annotated[int, typer.Option(
        help="Unchanged paragraphs shown around each change; -1 shows all.")] = 1,
    color: Annotated[bool | None, typer.Option(
        "--color/--no-color", help="Colour [default: when printing to a terminal].")] = None,
) -> None:
    """Show what changed between two versions of a story (default: the last two)."""
    db = state(ctx).db
    found = queries.find_story(db, story)
    to_number = to_version or found.version_count
    from_number = from_version or max(to_number - 1, 1)
    view = queries.get_diff(db, found.id, from_number, to_number)
    if fmt == "unified":
        _print_unified(db, found, view)
    elif fmt == "word":
        _print_word_diff(view, context, color)
    else:
        raise InvalidInput(f"unknown --format {fmt!r}: use word or unified")


@command(app)
def show(
    ctx: typer.Context, story: StoryArg,
    version: Annotated[int, typer.Argument(help="Version number; -1 is the latest.")] = -1,
) -> None:
    """Print the text of one version."""
    db = state(ctx).db
    detail = queries.get_version(db, queries.find_story(db, story).id, version)
    typer.echo(render.safe(detail.info.title))
    typer.echo(render.safe("\n\n".join(detail.text.split("\n"))))


@command(app)
def checks(ctx: typer.Context, story: StoryArg, json: JsonOption = False) -> None:
    """Every time tracker looked at a story, newest first, and what came of it."""
    db = state(ctx).db
    rows = queries.list_checks(db, queries.find_story(db, story).id)
    if json:
        typer.echo(to_json(rows))
        return
    out().print(_table(["time", "source", "outcome", "http", "version", "error"], [
        [render.format_time(row.checked_at), row.source, row.outcome, str(row.http_status or ""),
         str(row.version_number or ""), render.safe(row.error)] for row in rows
    ]))


@command(db_app, "upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Create the database or bring it to the current schema."""
    db = state(ctx).db
    with db.engine.connect() as connection:
        typer.echo(f"{render.safe(db.url)}: at revision {migrate.current_revision(connection)}")


@command(db_app, "current")
def db_current(ctx: typer.Context) -> None:
    """Print the database's URL and schema revision, and whether that is the newest."""
    db = open_database(state(ctx).url, upgrade=False)
    with db.engine.connect() as connection:
        current = migrate.current_revision(connection)
    head = migrate.head_revision()
    typer.echo(f"{db.url}: revision {current or 'none (empty)'}"
               f"{' (head)' if current == head else f'; newest is {head}'}")


def _print_import(report: ImportReport) -> None:
    for story in report.stories:
        if story.error:
            typer.echo(f"tracker: {story.error}", err=True)
            continue
        typer.echo(f"story {story.story_id} ({render.safe(story.url)}): {story.added} new "
                   f"version{'s' if story.added != 1 else ''}, {story.already} already stored"
                   + (f", {story.unchanged} unchanged" if story.unchanged else ""))


def _print_log(story_id: int, db: Database) -> None:
    story = queries.find_story(db, story_id)
    console = out()
    console.print(f"[bold]{render.safe(story.title)}[/bold]\n{render.safe(story.url)}", markup=True)
    console.print(_table(["version", "observed", "words", "+added", "-removed", "headline"], [
        [f"v{version.number}", render.format_time(version.observed_at), str(version.word_count),
         f"+{version.words_added}", f"-{version.words_removed}", _headline_cell(version)]
        for version in queries.list_versions(db, story_id)
    ]))


def _table(headers: list[str], rows: list[list[str]]) -> Table:
    """A borderless table whose last column takes what width is left and is cut, not wrapped."""
    last = Column(headers[-1], no_wrap=True, overflow="ellipsis", ratio=1)
    table = Table(*headers[:-1], last, box=None, expand=True)
    for row in rows:
        table.add_row(*row)
    return table


def _headline_cell(version: queries.VersionSummary) -> str:
    """The headline where it is new (first version, or changed), so changes stand out."""
    if version.number == 1:
        return render.safe(version.title)
    return "changed: " + render.safe(version.title) if version.headline_changed else ""


def _print_word_diff(view: queries.DiffView, context: int, color: bool | None) -> None:
    console = Console(highlight=False, force_terminal=color, no_color=color is False)
    plain = not console.is_terminal or color is False
    style = render.DiffStyle(context=None if context < 0 else context, markers=plain)
    console.print(render.diff_view(view, style), soft_wrap=plain)


def _print_unified(db: Database, story: queries.StorySummary, view: queries.DiffView) -> None:
    old = queries.get_version(db, story.id, view.old.number)
    new = queries.get_version(db, story.id, view.new.number)
    sys.stdout.write(render.safe(unified_diff(
        old.text, new.text,
        from_label=f"v{old.info.number} {old.info.observed_at.isoformat()}",
        to_label=f"v{new.info.number} {new.info.observed_at.isoformat()}",
    )))


def _run_tui(db: Database, story_id: int | None) -> None:
    from tracker.tui.app import TrackerApp  # Textual loads only for the commands that need it

    TrackerApp(db, story_id=story_id).run()


def main() -> None:
    """Console-script entry point."""
    app()
