"""The `tracker` command line: thin typer commands over the domain functions.

Data goes to stdout (with `--json` where a script would want it), diagnostics to stderr. A
`TrackerError` becomes one line on stderr and its exit code; anything else is a bug and keeps
its traceback. Each module here registers the commands of one area on `app`.
"""

import functools
from collections.abc import Callable
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Column, Table
from rich.text import Text

from tracker import __version__
from tracker.db.engine import Database, open_database
from tracker.errors import InvalidInput, TrackerError
from tracker.text import display

app = typer.Typer(
    help="Keep every version of a breaking news story and see how it changed.",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")
Command = Callable[..., None]

DbOption = Annotated[str | None, typer.Option(
    "--db", envvar="TRACKER_DATABASE_URL", show_envvar=True,
    help="Database URL or SQLite file path (default: a SQLite file in your data directory).",
)]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
StoryArg = Annotated[str, typer.Argument(
    metavar="STORY", help="A story id or URL (see `tracker stories`).")]


class State:
    """Per-invocation state: which database, opened on first use."""

    def __init__(self, url: str | None) -> None:
        self.url = url
        self._db: Database | None = None

    @property
    def db(self) -> Database:
        """The database to read: one named with --db must exist (the default one is created)."""
        return self.database()

    def database(self, *, create: bool = False) -> Database:
        """The database; `create` for the commands that put stories in (import, add...)."""
        if self._db is None:
            self._db = open_database(self.url, create=create or self.url is None)
        return self._db


def command(target: typer.Typer, name: str | None = None) -> Callable[[Command], Command]:
    """Register a command whose TrackerErrors become one stderr line and their exit code."""

    def register(function: Command) -> Command:
        @functools.wraps(function)
        def run(*args: Any, **kwargs: Any) -> None:
            try:
                function(*args, **kwargs)
            except TrackerError as exc:
                typer.echo(f"tracker: error: {display.safe(exc.message)}", err=True)
                raise typer.Exit(exc.exit_code) from None

        return target.command(name)(run)

    return register


MAX_RESULTS = 100_000
"""The most rows a --limit may ask for: more is every row tracker could show."""


def check_range(option: str, value: int, low: int, high: int) -> None:
    """A whole-number option within its range, checked before anything is read or claimed."""
    if value < low:
        raise InvalidInput(f"{option} must be at least {low}")
    if value > high:
        raise InvalidInput(f"{option} must be at most {high}")


def state(ctx: typer.Context) -> State:
    """The invocation's state; commands call `state(ctx).db` to open the database lazily."""
    root = ctx.find_root()
    if not isinstance(root.obj, State):
        root.obj = State(None)
    return root.obj


def out() -> Console:
    """The console for data on stdout. Strings printed to it are never read as rich markup or
    :emoji: codes: titles, URLs and errors come from the web, and `[link=...]` in a headline
    must print as it reads, not become a hyperlink (or crash on a stray `[/]`)."""
    return Console(highlight=False, soft_wrap=False, markup=False, emoji=False)


def table(headers: list[str], rows: list[list[str]]) -> Table:
    """A borderless table whose last column takes what width is left and is cut, not wrapped.

    Cells are plain text (rich `Text`), never markup, whatever console prints the table.
    """
    fixed = [Column(header, no_wrap=True) for header in headers[:-1]]
    last = Column(headers[-1], no_wrap=True, overflow="ellipsis", ratio=1)
    result = Table(*fixed, last, box=None, expand=True)
    for row in rows:
        result.add_row(*(Text(cell) for cell in row))
    return result


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"tracker {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    db: DbOption = None,
    version: Annotated[bool, typer.Option(
        "--version", help="Show the version and exit.", callback=_print_version, is_eager=True,
    )] = False,
) -> None:
    ctx.obj = State(db)


def main() -> None:
    """Console-script entry point."""
    app()


# Each module registers its commands on import; keep this list in help order.
from tracker.cli import admin, browse, export, search, snapshot  # noqa: E402,F401
