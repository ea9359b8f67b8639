"""The command line through typer's runner, on real database files: what users see on stdout,
what goes to stderr, and the exit codes scripts rely on."""

import itertools
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import SAMPLE_URL
from tracker.cli import app
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
