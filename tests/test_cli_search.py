"""`tracker search`, `tracker reindex`, and the tags in `tracker log` and `tracker diff`,
through typer's runner on real SQLite files."""

import json

import pytest
from typer.testing import CliRunner

from tracker.cli import app
from tracker.errors import ExitCode


@pytest.fixture
def run(db_url: str):  # type: ignore[no-untyped-def]
    """`tracker --db <a SQLite file holding the sample story> ARGS...`."""
    runner = CliRunner()

    def invoke(*args: str):  # type: ignore[no-untyped-def]
        return runner.invoke(app, ["--db", db_url, *args], catch_exceptions=False)

    assert invoke("import", "seeds/iran-missiles-2020-01-07").exit_code == 0
    return invoke


def test_search_names_story_versions_and_highlights_the_match(run) -> None:  # type: ignore[no-untyped-def]
    result = run("search", "Pray", "--added")
    assert result.exit_code == 0
    header, snippet = result.stdout.splitlines()
    assert header.startswith("story 1  v7 -> v8  added") and "[quote,attribution]" in header
    assert "“[[Pray]],” Pelosi told" in snippet


def test_search_json_gives_offsets_not_markup(run) -> None:  # type: ignore[no-untyped-def]
    [hit] = json.loads(run("search", '"at least 10"', "--removed", "--json").stdout)
    assert (hit["from_version"], hit["to_version"], hit["field"]) == (3, 4, "removed")
    start, end = hit["snippet"]["marks"][0]
    assert hit["snippet"]["text"][start:end] == "at least 10"
    assert "number" in hit["tags"]


def test_search_filters(run) -> None:  # type: ignore[no-untyped-def]
    tagged = json.loads(run("search", "dozen", "--tag", "number", "--json").stdout)
    assert [(h["from_version"], h["to_version"]) for h in tagged] == [(3, 4)]
    assert json.loads(run("search", "Pray", "--site", "elsewhere.org", "--json").stdout) == []
    late = json.loads(run("search", "Pray", "--since", "2020-01-08T03:30Z", "--json").stdout)
    assert {h["field"] for h in late} == {"added", "text"}


def test_no_match_says_so_on_stderr(run) -> None:  # type: ignore[no-untyped-def]
    result = run("search", "zeppelin")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "No matches.\n")


@pytest.mark.parametrize(("args", "message"), [
    (["search", "x", "--tag", "sports"], "unknown --tag 'sports'"),
    (["search", "x", "--since", "last week"], "--since 'last week'"),
    (["search", "!!"], "nothing to search for"),
    (["search", "x", "--limit", "0"], "--limit must be at least 1"),
])
def test_bad_search_input_is_one_line_on_stderr(run, args, message) -> None:  # type: ignore[no-untyped-def]
    result = run(*args)
    assert result.exit_code == ExitCode.USAGE
    assert result.stderr.startswith("tracker: error: ") and message in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_reindex_reports_and_keeps_results(run) -> None:  # type: ignore[no-untyped-def]
    before = run("search", "banner", "--json").stdout
    result = run("reindex")
    assert result.exit_code == 0 and "Reindexed 7 diffs" in result.stderr
    assert run("search", "banner", "--json").stdout == before


def test_log_shows_significance_and_tags(run) -> None:  # type: ignore[no-untyped-def]
    lines = run("log", "1").stdout.splitlines()
    rows = {line.split()[0]: line for line in lines[lines.index(next(
        line for line in lines if line.split()[:1] == ["version"])) + 1:]}
    assert list(rows) == [f"v{n}" for n in range(1, 9)]
    assert "number" in rows["v4"] and "minor" in rows["v7"]
    versions = json.loads(run("log", "1", "--json").stdout)["versions"]
    assert versions[3]["tags"][0] == "number" and versions[3]["significance"] > 50


def test_diff_lists_the_fact_changes(run) -> None:  # type: ignore[no-untyped-def]
    result = run("diff", "1", "3", "4", "--no-color")
    assert "number changed: “at least 10” -> “more than a dozen”" in result.stdout
    assert "Significance 85" in result.stdout
    typo = run("diff", "1", "6", "7", "--no-color").stdout
    assert "minor: 1 typo, punctuation or spacing fix" in typo
