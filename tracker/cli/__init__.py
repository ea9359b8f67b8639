"""The `tracker` command line: thin typer commands over the domain functions.

Data goes to stdout (with `--json` where a script would want it), diagnostics to stderr. A
`TrackerError` becomes one line on stderr and its exit code; anything else is a bug and keeps
its traceback. Each module here registers the commands of one area on `app`.

Help reads like git's and sqlite-utils': plain text, `STORY` rather than typer's `{STORY}` in
the usage line, and a metavar only after an option that takes a value (typer prints `<bool>`
after flags and `<str>` after everything else). Colour follows `--color auto|always|never`
and NO_COLOR; tables piped into another program print every value in full.
"""

import functools
import importlib
import io
import os
import sys
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, Protocol

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from tracker import __version__
from tracker.errors import InvalidInput, TrackerError
from tracker.text import display

if TYPE_CHECKING:  # imported where used: `tracker --version` loads neither (start-up time)
    from rich.console import Console
    from rich.table import Table

    from tracker.db.engine import Database


class _Formatter(Protocol):
    """What the help layout below needs of typer's help formatter."""

    def section(self, name: str) -> AbstractContextManager[None]: ...

    def write_dl(self, rows: Sequence[tuple[str, str]], col_max: int = ...,
                 col_spacing: int = ...) -> None: ...


def _param_label(param: Any) -> str:
    """An argument's name, or an option's names with a metavar only when it takes a value."""
    if isinstance(param, TyperArgument):
        return (param.metavar or (param.name or "").upper()) + ("..." if param.nargs != 1 else "")
    short_first = sorted(param.opts, key=lambda opt: opt.startswith("--"))
    label = ", ".join(short_first) + "".join(f" / {opt}" for opt in param.secondary_opts)
    if isinstance(param, TyperOption) and not (param.is_flag or param.count):
        label += f" {param.metavar or (param.name or '').upper()}"
    return label


def _format_params(command: TyperCommand | TyperGroup, ctx: Any, formatter: _Formatter) -> None:
    """The Arguments and Options sections, typer's help text with our labels."""
    sections: dict[str, list[tuple[str, str]]] = {"argument": [], "option": []}
    for param in command.get_params(ctx):
        record = param.get_help_record(ctx)
        if record is not None:
            sections[param.param_type_name].append((_param_label(param), record[1]))
    for title, kind in (("Arguments", "argument"), ("Options", "option")):
        if sections[kind]:
            with formatter.section(title):
                formatter.write_dl(sections[kind])


class _Command(TyperCommand):
    """A command whose help reads like git's (see the module docstring)."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if isinstance(param, TyperArgument):
                label = _param_label(param)
                pieces.append(label if param.required else f"[{label}]")
        return pieces

    def format_options(self, ctx: Any, formatter: Any) -> None:
        _format_params(self, ctx, formatter)
        with formatter.section("Database"):
            formatter.write_dl([("--db URL", "Also taken after the command (see tracker -h).")])

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        """Take `--db URL` after the command as well as before it (`tracker snapshot --db
        URL`, as the guide writes it); given twice, the one after the command wins."""
        url, rest = _take_db_option(ctx, args)
        if url is not None:
            state(ctx).url = url
        return super().parse_args(ctx, rest)


def _take_db_option(ctx: Any, args: list[str]) -> tuple[str | None, list[str]]:
    """The last `--db URL` or `--db=URL` among a command's own arguments (up to `--`), and
    the arguments without them."""
    url, rest, words = None, [], iter(args)
    for word in words:
        if word == "--":
            rest += [word, *words]
        elif word == "--db":
            url = next(words, None)
            if url is None:
                ctx.fail("Option '--db' requires an argument.")
        elif word.startswith("--db="):
            url = word.removeprefix("--db=")
        else:
            rest.append(word)
    return url, rest


class _Group(TyperGroup):
    """A command group whose help reads like git's (see the module docstring)."""

    def format_options(self, ctx: Any, formatter: Any) -> None:
        _format_params(self, ctx, formatter)
        self.format_commands(ctx, formatter)


_app = typer.Typer(
    cls=_Group, help="Keep every version of a breaking news story and see how it changed.",
    no_args_is_help=True, pretty_exceptions_enable=False, rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
db_app = typer.Typer(cls=_Group, help="Database maintenance.", no_args_is_help=True,
                     rich_markup_mode=None)
_app.add_typer(db_app, name="db")
Command = Callable[..., None]


_NO_LIMIT = 1_000_000
"""The width of a table piped into another program: its values are never cut."""


class ColorMode(StrEnum):
    """When to colour output, as git's `--color` takes it."""

    AUTO = "auto"
    """On a terminal, unless NO_COLOR is set (https://no-color.org)."""
    ALWAYS = "always"
    NEVER = "never"


DbOption = Annotated[str | None, typer.Option(
    "--db", envvar="TRACKER_DATABASE_URL", show_envvar=True, metavar="URL",
    help="Database URL or SQLite file path (default: a SQLite file in your data directory).",
)]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
StoryArg = Annotated[str, typer.Argument(
    metavar="STORY", help="A story id or URL (see `tracker stories`).")]
ColorOption = Annotated[ColorMode, typer.Option(
    "--color", metavar="WHEN",
    help="Colour: auto (on a terminal, unless NO_COLOR is set), always or never.")]


class State:
    """Per-invocation state: which database, opened on first use."""

    def __init__(self, url: str | None) -> None:
        self.url = url
        self._db: Database | None = None

    @property
    def db(self) -> "Database":
        """The database to read: one named with --db must exist (the default one is created)."""
        return self.database()

    def database(self, *, create: bool = False, connections: int | None = None) -> "Database":
        """The database; `create` for the commands that put stories in (import, add...),
        `connections` to cap the connections held (a snapshot worker needs one)."""
        from tracker.db.engine import open_database

        if self._db is None:
            self._db = open_database(self.url, create=create or self.url is None,
                                     connections=connections)
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

        return target.command(name, cls=_Command)(run)

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


def wants_color(mode: ColorMode = ColorMode.AUTO) -> bool:
    """Colour only when asked, or on a terminal where NO_COLOR is not set."""
    if mode is ColorMode.AUTO:
        return sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    return mode is ColorMode.ALWAYS


def out(color: ColorMode = ColorMode.AUTO) -> "Console":
    """The console for stdout: without colour it writes no escape codes at all, and piped into
    another program it wraps no line. Strings printed to it are never read as rich markup or
    :emoji: codes: titles, URLs and errors come from the web, and `[link=...]` in a headline
    must print as it reads, not become a hyperlink (or crash on a stray `[/]`)."""
    from rich.console import Console

    piped = not sys.stdout.isatty()
    if wants_color(color):
        return Console(highlight=False, soft_wrap=piped, force_terminal=True, markup=False,
                       emoji=False)
    return Console(highlight=False, soft_wrap=piped, color_system=None, markup=False,
                   emoji=False)


def print_table(console: "Console", headers: list[str], rows: list[list[str]]) -> None:
    """A borderless table. On a terminal it fits the width, its last column cut with "…";
    piped into another program every value is printed in full, as git and sqlite-utils do."""
    from rich.console import Console

    if sys.stdout.isatty():
        console.print(_table(headers, rows, fit=True))
        return
    buffer = io.StringIO()
    Console(file=buffer, width=_NO_LIMIT, color_system=None).print(_table(headers, rows, fit=False))
    console.file.write("".join(f"{line.rstrip()}\n" for line in buffer.getvalue().splitlines()))


def _table(headers: list[str], rows: list[list[str]], *, fit: bool) -> "Table":
    """Columns that never wrap; fitted, the last one takes the width left and is cut.
    Cells are plain text (rich `Text`), never markup, whatever console prints the table."""
    from rich.table import Column, Table
    from rich.text import Text

    fixed = [Column(header, no_wrap=True) for header in headers[:-1]]
    last = Column(headers[-1], no_wrap=True, overflow="ellipsis" if fit else "ignore",
                  ratio=1 if fit else None)
    result = Table(*fixed, last, box=None, expand=fit)
    for row in rows:
        result.add_row(*(Text(cell) for cell in row))
    return result


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"tracker {__version__}")
        raise typer.Exit()


@_app.callback()
def main_options(
    ctx: typer.Context,
    db: DbOption = None,
    version: Annotated[bool, typer.Option(
        "--version", help="Show the version and exit.", callback=_print_version, is_eager=True,
    )] = False,
) -> None:
    ctx.obj = State(db)


# The modules that register commands, in help order, and the module of each command: a run
# imports only the module of the command it runs (`tracker --version`, none), so a cron job
# with nothing due does not load what the other commands need (tests/test_startup.py).
COMMAND_MODULES = ("admin", "browse", "export", "notify", "search", "snapshot")
_MODULE_OF = {
    "import": "admin", "demo": "admin", "tui": "admin", "db": "admin",
    "stories": "browse", "log": "browse", "diff": "browse", "show": "browse", "checks": "browse",
    "export": "export", "notify": "notify", "search": "search", "reindex": "search",
    "add": "snapshot", "remove": "snapshot", "pause": "snapshot", "resume": "snapshot",
    "snapshot": "snapshot", "watch": "snapshot", "cron": "snapshot", "status": "snapshot",
}
_loading = False


def __getattr__(name: str) -> typer.Typer:
    """`tracker.cli.app`, every command registered on it (PEP 562): what tests and the command
    modules import. The command modules themselves get it as it is while they load."""
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    _load(COMMAND_MODULES)
    return _app


def _load(modules: Sequence[str]) -> None:
    global _loading
    if not _loading:
        _loading = True
        for module in modules:
            importlib.import_module(f"tracker.cli.{module}")


def modules_for(args: Sequence[str]) -> tuple[str, ...]:
    """The command modules a command line needs: its command's, none for a bare `--version`,
    every one for help or anything not recognised (so help and errors list every command)."""
    words = iter(args)
    for word in words:
        if word in ("--db",):
            next(words, None)
        elif word == "--version":
            return ()
        elif not word.startswith("-"):
            return (_MODULE_OF[word],) if word in _MODULE_OF else COMMAND_MODULES
    return COMMAND_MODULES


def main() -> None:
    """The full command line, for every command line tracker.launch does not answer itself;
    run as `python -m tracker` too, it must still be called tracker (in help, and in the
    shell completion it installs)."""
    _load(modules_for(sys.argv[1:]))
    _app(prog_name="tracker")
