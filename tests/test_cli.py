"""The command line through typer's runner, on real database files: what users see on stdout,
what goes to stderr, and the exit codes scripts rely on."""

import itertools
import json
import os
import pty
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.cli_support import commands
from tests.conftest import SAMPLE_URL
from tracker.cli import app
from tracker.db.engine import Database
from tracker.db.queries import StoryOrder
from tracker.errors import ExitCode


@pytest.fixture
def run_sample(run):
    assert run("demo", "--no-tui").exit_code == 0
    return run


def test_demo_imports_the_sample_once_and_prints_its_log(run) -> None:
    first = run("demo", "--no-tui")
    assert first.exit_code == 0
    assert "Iran launches more than a dozen missiles" in first.stdout
    rows = [line.split()[0] for line in first.stdout.splitlines()]
    assert rows[rows.index("version") + 1:] == [f"v{n}" for n in range(1, 9)]
    run("demo", "--no-tui")
    assert json.loads(run("stories", "--json").stdout)[0]["version_count"] == 8


def test_log_json_has_every_version_with_counts(run_sample) -> None:
    data = json.loads(run_sample("log", SAMPLE_URL, "--json").stdout)
    versions = data["versions"]
    assert [v["number"] for v in versions] == list(range(1, 9))
    assert versions[0]["words_added"] == versions[0]["word_count"]
    for older, newer in itertools.pairwise(versions):
        assert newer["word_count"] - older["word_count"] == (
            newer["words_added"] - newer["words_removed"])
    assert [v["number"] for v in versions if v["headline_changed"]] == [5]
    assert [v["number"] for v in versions if v["byline_changed"]] == [3]


def test_diff_defaults_to_the_last_two_versions(run_sample) -> None:
    result = run_sample("diff", "1", "--no-color")
    assert result.stdout.startswith("v7 -> v8")


def test_word_diff_marks_the_changed_number(run_sample) -> None:
    result = run_sample("diff", "1", "3", "4", "--no-color")
    assert "[-at least 10-]{+more than a dozen+}" in result.stdout
    assert "unchanged paragraph" in result.stdout


def test_headline_change_is_shown_above_the_body(run_sample) -> None:
    lines = run_sample("diff", "1", "4", "5", "--no-color").stdout.splitlines()
    assert lines[1].startswith("Headline:") and "{+" in lines[1]


def test_diff_of_any_two_versions(run_sample) -> None:
    result = run_sample("diff", "1", "1", "8", "--no-color", "--context", "-1")
    assert result.exit_code == 0
    assert "v1 -> v8" in result.stdout
    assert "[-It was not immediately clear whether there were any casualties.-]" in result.stdout


def test_unified_diff_applies_with_patch(
    run_sample, tmp_path: Path
) -> None:
    old = tmp_path / "story.txt"
    old.write_text(run_sample("show", "1", "6").stdout.split("\n", 1)[1].replace("\n\n", "\n"))
    patch = run_sample("diff", "1", "6", "7", "--format", "unified").stdout
    assert patch.startswith("--- v6")
    new_text = run_sample("show", "1", "7").stdout.split("\n", 1)[1].replace("\n\n", "\n")
    applied = subprocess.run(["patch", "-o", "-", str(old)], input=patch, text=True,
                             capture_output=True, check=True)
    assert applied.stdout.rstrip("\n") == new_text.rstrip("\n")


def test_show_prints_a_version(run_sample) -> None:
    result = run_sample("show", SAMPLE_URL, "1")
    assert result.stdout.startswith("Iran fires missiles at US forces in Iraq\n")
    assert "at least 10 missiles" in result.stdout


def test_checks_lists_each_import(run_sample) -> None:
    rows = json.loads(run_sample("checks", "1", "--json").stdout)
    assert len(rows) == 8 and {row["outcome"] for row in rows} == {"new_version"}


def test_empty_database_says_how_to_start(run) -> None:
    run("db", "upgrade")  # a --db that names no file is an error (tests/test_database_failures)
    result = run("stories")
    assert result.exit_code == 0 and result.stdout == ""
    assert "tracker demo" in result.stderr


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["log", "42"], ExitCode.NOT_FOUND, "no story '42'"),
        (["log", "https://nowhere.example/x"], ExitCode.NOT_FOUND, "no story"),
        (["diff", "1", "3", "9"], ExitCode.NOT_FOUND, "version"),
        (["diff", "1", "--format", "side"], ExitCode.USAGE, "unknown --format"),
        (["import", "/no/such/folder"], ExitCode.USAGE, "no such file or folder"),
    ],
)
def test_user_mistakes_are_one_line_on_stderr(
    run_sample, args: list[str], code: int, message: str
) -> None:
    result = run_sample(*args)
    assert result.exit_code == code
    assert result.stderr.startswith("tracker: error: ") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stdout + result.stderr


def test_import_reports_bad_stories_and_exits_non_zero(
    run, tmp_path: Path
) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "story.toml").write_text('url = "javascript:alert(1)"\n')
    (bad / "v1.txt").write_text("text")
    result = run("import", str(bad))
    assert result.exit_code == ExitCode.ERROR
    assert "http" in result.stderr


def test_not_a_database_is_refused_without_harm(tmp_path: Path) -> None:
    notes = tmp_path / "notes.db"
    notes.write_bytes(b"these are my notes, not a database\n" * 100)
    before = notes.read_bytes()
    result = CliRunner().invoke(app, ["--db", str(notes), "stories"])
    assert result.exit_code == ExitCode.DATABASE
    assert result.stderr.startswith("tracker: error: ")
    assert notes.read_bytes() == before


def test_db_commands(run, db_url: str) -> None:
    Path(db_url.removeprefix("sqlite:///")).touch()  # an empty SQLite database is an empty file
    assert "revision none (empty)" in run("db", "current").stdout
    assert "at revision" in run("db", "upgrade").stdout
    assert "(head)" in run("db", "current").stdout


def test_db_current_on_a_database_from_a_newer_tracker_exits_4(run, db: Database) -> None:
    with db.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = 'from_the_future'")
    for args in (["db", "current"], ["db", "current", "--json"], ["stories"]):
        result = CliRunner().invoke(app, ["--db", db.url, *args])
        assert result.exit_code == ExitCode.DATABASE, (args, result.stdout)
        assert "newer tracker" in result.stderr and not result.stdout


@pytest.mark.parametrize("args", [["stories", "--db", "{url}"], ["stories", "--db={url}"],
                                  ["db", "current", "--db", "{url}"],
                                  ["--db", "/nowhere/else.db", "stories", "--db", "{url}"]])
def test_db_is_taken_after_the_command_as_well_as_before(
    args: list[str], sample_db: Database
) -> None:
    """The guide writes `tracker snapshot --db URL` as often as `tracker --db URL snapshot`;
    named twice, the one after the command wins."""
    words = [word.format(url=sample_db.url) for word in args]
    result = CliRunner().invoke(app, words, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert ("Iran" in result.stdout) or ("(head)" in result.stdout)


def test_a_percent_sign_in_a_database_path_stays_a_percent_sign(tmp_path: Path) -> None:
    """SQLAlchemy decodes %XX in a URL's path: a folder named "100% a%41b" must not become
    "100% aAb" (nor the database be looked for at "100%25")."""
    path = tmp_path / "100% a%41b" / "tracker.db"
    for args in (["db", "upgrade"], ["stories"], ["db", "current"]):
        result = CliRunner().invoke(app, ["--db", str(path), *args], catch_exceptions=False)
        assert result.exit_code == 0, result.stderr
    assert path.is_file() and [p.name for p in tmp_path.iterdir()] == ["100% a%41b"]


def test_console_script_and_module_entry_points(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'x.db'}"
    subprocess.run([sys.executable, "-m", "tracker", "--db", db, "db", "upgrade"], check=True,
                   capture_output=True)
    result = subprocess.run([sys.executable, "-m", "tracker", "--db", db, "stories"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0 and "tracker demo" in result.stderr
    version = subprocess.run([sys.executable, "-m", "tracker", "--version"],
                             capture_output=True, text=True, check=True)
    assert version.stdout.startswith("tracker ")


# --- help, colour and piped output, as git and sqlite-utils behave ----------------------------


def help_of(*words: str, flag: str = "--help") -> str:
    result = CliRunner().invoke(app, [*words, flag], env={"COLUMNS": "80"},
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("name", [name for name, _ in commands()])
def test_help_reads_like_git(name: str) -> None:
    """Usage names arguments plainly, a metavar follows only options that take a value, lines
    fit 80 columns without cutting a word, and -h is --help."""
    text = help_of(*name.split())
    assert text == help_of(*name.split(), flag="-h")
    usage = text.splitlines()[0]
    assert usage.startswith("Usage: ") and f" {name} [OPTIONS]" in usage and "{" not in usage
    assert not re.search(r"<\w+>", text), text
    assert max(len(line) for line in text.splitlines()) <= 80
    command = dict(commands())[name]
    for param in command.params:
        longest = max(param.opts, key=len)
        if getattr(param, "is_flag", False) and not param.hidden:
            assert re.search(rf"{longest}( / --no-\S+)?\s{{2,}}\S", text), param.opts
        elif param.param_type_name == "option" and not param.hidden:
            assert re.search(rf"{longest} [A-Z]+\b", text), param.opts


def test_choices_are_listed_whole() -> None:
    stories = " ".join(help_of("stories").split())
    for order in StoryOrder:
        assert re.search(rf"\b{order.value}\b", stories)
    diff = " ".join(help_of("diff").split())
    assert "auto (on a terminal, unless NO_COLOR is set), always or never" in diff


def test_shell_completion_installs_the_typer_way(tmp_path: Path) -> None:
    """`tracker --install-completion` from bash writes bash's completion script, which asks
    tracker itself for completions. Typer finds the shell among tracker's parent processes,
    so bash must stay tracker's parent: given one command, `bash -c` becomes it, and the
    test passed only when the suite itself ran under a shell (not under nohup or cron)."""
    env = {**os.environ, "HOME": str(tmp_path), "SHELL": "/bin/bash"}
    subprocess.run(["bash", "-c", f"{shlex.quote(sys.executable)} -m tracker "
                    "--install-completion && true"], env=env, check=True, capture_output=True)
    script = (tmp_path / ".bash_completions" / "tracker.sh").read_text()
    assert "_TRACKER_COMPLETE=complete_bash" in script and script.rstrip().endswith(" tracker")
    assert "tracker.sh" in (tmp_path / ".bashrc").read_text()
    completion = subprocess.run(
        [sys.executable, "-m", "tracker"], capture_output=True, text=True, check=True,
        env={**env, "_TRACKER_COMPLETE": "complete_bash", "COMP_WORDS": "tracker diff --color ",
             "COMP_CWORD": "3"})
    assert completion.stdout.split() == ["auto", "always", "never"]


def in_terminal(db_url: str, *args: str, **env: str) -> str:
    """What `tracker ARGS` writes to a terminal (a pseudo-terminal, 80 columns by default)."""
    main, secondary = pty.openpty()
    environment = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    process = subprocess.Popen(
        [sys.executable, "-m", "tracker", "--db", db_url, *args], stdin=secondary,
        stdout=secondary, stderr=subprocess.DEVNULL,
        env={**environment, "TERM": "xterm-256color", **env})
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # EIO: the process closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    assert process.wait(timeout=60) == 0
    os.close(main)
    return b"".join(chunks).decode()


def squeezed(text: str) -> str:
    return "".join(text.split())


def test_colour_on_a_terminal_unless_no_color_or_never(run_sample, db_url: str) -> None:
    coloured = in_terminal(db_url, "diff", "1", "3", "4")
    assert "\x1b[" in coloured and "[-atleast10-]" not in squeezed(coloured)
    for plain in (in_terminal(db_url, "diff", "1", "3", "4", NO_COLOR="1"),
                  in_terminal(db_url, "diff", "1", "3", "4", "--color", "never")):
        assert "\x1b[" not in plain
        assert "[-atleast10-]{+morethanadozen+}" in squeezed(plain)
    for args in (["log", "1"], ["search", "dozen"], ["stories"]):
        assert "\x1b[" not in in_terminal(db_url, *args, NO_COLOR="1"), args
    assert "\x1b[" in in_terminal(db_url, "search", "dozen")


def test_colour_always_when_asked_even_piped(run_sample) -> None:
    assert "\x1b[" in run_sample("diff", "1", "3", "4", "--color", "always").stdout
    assert "\x1b[" in run_sample("search", "dozen", "--color", "always").stdout
    piped = run_sample("diff", "1", "3", "4").stdout
    assert "\x1b[" not in piped and "[-at least 10-]{+more than a dozen+}" in piped


def test_piped_tables_print_every_value_in_full(run_sample, run) -> None:
    title = "Iran launches more than a dozen missiles at two Iraqi bases housing US troops"
    stories = run_sample("stories").stdout
    assert title in stories and "…" not in stories
    log = run_sample("log", "1").stdout
    assert f"headline now: {title}" in log and "…" not in log
    assert all(line == line.rstrip() for line in log.splitlines())
