"""`tracker search`, `tracker reindex`, and the tags in `tracker log` and `tracker diff`,
through typer's runner on real SQLite files."""

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tracker.cli import app
from tracker.errors import ExitCode
from tracker.sources.importer import seeds_dir


@pytest.fixture
def run(db_url: str, tmp_path: Path):
    """`tracker --db <a SQLite file holding the sample story> ARGS...`; `run.tmp` is a scratch
    folder."""
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, ["--db", db_url, *args], catch_exceptions=False)

    assert invoke("import", str(seeds_dir())).exit_code == 0
    invoke.tmp = tmp_path  # type: ignore[attr-defined]
    return invoke


def test_search_names_story_versions_and_highlights_the_match(run) -> None:
    result = run("search", "Pray", "--added")
    assert result.exit_code == 0
    header, snippet = result.stdout.splitlines()
    assert header.startswith("story 1  v7 -> v8  added") and "[quote,attribution]" in header
    assert "“[[Pray]],” Pelosi told" in snippet


def test_search_json_gives_offsets_not_markup(run) -> None:
    [hit] = json.loads(run("search", '"at least 10"', "--removed", "--json").stdout)
    assert (hit["from_version"], hit["to_version"], hit["field"]) == (3, 4, "removed")
    start, end = hit["snippet"]["marks"][0]
    assert hit["snippet"]["text"][start:end] == "at least 10"
    assert "number" in hit["tags"]


def test_search_filters(run) -> None:
    tagged = json.loads(run("search", "dozen", "--tag", "number", "--json").stdout)
    # v5's headline gains "more than a dozen": the headline is analysed too (issue 12)
    assert [(h["from_version"], h["to_version"]) for h in tagged] == [(4, 5), (3, 4)]
    assert json.loads(run("search", "Pray", "--site", "elsewhere.org", "--json").stdout) == []
    late = json.loads(run("search", "Pray", "--since", "2020-01-08T03:30Z", "--json").stdout)
    assert {h["field"] for h in late} == {"added", "text"}


def test_no_match_says_so_on_stderr(run) -> None:
    result = run("search", "zeppelin")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "No matches.\n")


@pytest.mark.parametrize(("args", "message"), [
    (["search", "x", "--tag", "sports"], "unknown --tag 'sports'"),
    (["search", "x", "--since", "last week"], "--since 'last week'"),
    (["search", "!!"], "nothing to search for"),
    (["search", "x", "--limit", "0"], "--limit must be at least 1"),
])
def test_bad_search_input_is_one_line_on_stderr(run, args, message) -> None:
    result = run(*args)
    assert result.exit_code == ExitCode.USAGE
    assert result.stderr.startswith("tracker: error: ") and message in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_reindex_reports_and_keeps_results(run) -> None:
    before = run("search", "banner", "--json").stdout
    result = run("reindex")
    assert result.exit_code == 0 and "Reindexed 7 diffs" in result.stderr
    assert run("search", "banner", "--json").stdout == before


def test_log_shows_significance_and_tags(run) -> None:
    lines = run("log", "1").stdout.splitlines()
    rows = {line.split()[0]: line for line in lines[lines.index(next(
        line for line in lines if line.split()[:1] == ["version"])) + 1:]}
    assert list(rows) == [f"v{n}" for n in range(1, 9)]
    assert "number" in rows["v4"] and "minor" in rows["v7"]
    versions = json.loads(run("log", "1", "--json").stdout)["versions"]
    assert versions[3]["tags"][0] == "number" and versions[3]["significance"] > 50


def test_diff_lists_the_fact_changes(run) -> None:
    result = run("diff", "1", "3", "4", "--no-color")
    assert "number changed: “at least 10” -> “more than a dozen”" in result.stdout
    assert re.search(r"^Significance \d+(\.\d)?  1 edited, 5 added sentences$", result.stdout,
                     re.MULTILINE)
    typo = run("diff", "1", "6", "7", "--no-color").stdout
    assert "minor: 1 typo, punctuation or spacing fix" in typo


def import_pair(run, url: str, old: str, new: str, minutes: int) -> None:
    """Two versions of a one-paragraph story, `minutes` apart."""
    for when, body in ((0, old), (minutes, new)):
        path = Path(run.tmp) / f"{url.rsplit('/', 1)[1]}-{when}.txt"
        path.write_text(f"title: T\nobserved: 2024-05-01T10:{when:02}:00Z\n\n{body}\n")
        assert run("import", "--url", url, str(path)).exit_code == 0


def test_stories_sort_by_significance(run) -> None:
    lede = "Iran launched at least 10 missiles at two bases, the Pentagon said."
    typo = "The minstry gave no figure for the wounded."
    import_pair(run, "https://b.example/number", lede, lede.replace("at least 10", "15"), 10)
    import_pair(run, "https://a.example/typo", typo, typo.replace("minstry", "ministry"), 30)
    mine = ("https://a.example/typo", "https://b.example/number")

    def order(*args: str) -> list[str]:
        rows = json.loads(run("stories", *args, "--json").stdout)
        return [row["url"] for row in rows if row["url"] in mine]

    assert order() == list(mine)  # most recently changed first
    assert order("--sort", "significance") == list(reversed(mine))


def test_log_by_significance_puts_the_biggest_change_first(run) -> None:
    versions = json.loads(run("log", "1", "--by-significance", "--json").stdout)["versions"]
    scores = [v["significance"] for v in versions]
    assert scores[:-1] == sorted(scores[:-1], reverse=True) and versions[-1]["number"] == 1
    assert versions[0]["number"] == 4  # the changed figure in the lede
