"""`--json` output of diff, show, add, import, snapshot and db current, validated with jsonschema
against the shapes documented in tracker/cli/schemas/ (strict: a field the schema does not
name fails, so the documentation cannot fall behind the output)."""

import json
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from referencing import Registry, Resource
from typer.testing import CliRunner

from tests.conftest import SAMPLE_URL
from tests.newssite import NewsSite
from tracker.cli import app
from tracker.db import migrate
from tracker.errors import ExitCode
from tracker.export.json import schema as export_schema
from tracker.sources.importer import seeds_dir

FAST = ("--per-host", "8", "--delay", "0")
SHAPES = ("add", "alert-rules", "db-current", "diff", "import", "show", "snapshot")


def cli_schema(name: str) -> dict[str, Any]:
    text = (resources.files("tracker.cli") / "schemas" / f"{name}.json").read_text("utf-8")
    return dict(json.loads(text))


def registry() -> Registry:
    """The export schema and the CLI's shared story shape, which the shapes refer to by id."""
    documents = [export_schema(), cli_schema("story")]
    return Registry().with_resources(
        (document["$id"], Resource.from_contents(document)) for document in documents)


def validate(name: str, document: object) -> None:
    shape = cli_schema(name)
    jsonschema.Draft202012Validator.check_schema(shape)
    jsonschema.Draft202012Validator(
        shape, registry=registry(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    ).validate(document)


Run = Callable[..., tuple[int, Any]]


@pytest.fixture
def run(db_url: str) -> Run:
    """`tracker --db URL ARGS... --json`: the exit code and the parsed JSON on stdout."""

    def invoke(*args: str) -> tuple[int, Any]:
        result = CliRunner().invoke(app, ["--db", db_url, *args, "--json"],
                                    catch_exceptions=False)
        return result.exit_code, json.loads(result.stdout)

    return invoke


def test_every_shape_is_a_valid_schema_with_a_description() -> None:
    for name in (*SHAPES, "story"):
        shape = cli_schema(name)
        jsonschema.Draft202012Validator.check_schema(shape)
        assert shape["$id"] == f"urn:tracker:cli:{name}" and shape["title"]


def test_import_then_diff_and_show(run: Run, tmp_path) -> None:
    code, imported = run("import", str(seeds_dir()))
    validate("import", imported)
    assert code == 0 and imported["stories"][0]["added"] == 8
    assert imported["stories"][0]["url"] == SAMPLE_URL
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "story.toml").write_text('url = "javascript:alert(1)"\n')
    (bad / "v1.txt").write_text("text")
    code, failed = run("import", str(bad))
    validate("import", failed)
    assert code == ExitCode.ERROR and failed["stories"][0]["error"]

    code, diff = run("diff", "1", "3", "4")
    validate("diff", diff)
    assert diff["story"]["url"] == SAMPLE_URL
    assert (diff["diff"]["from_version"], diff["diff"]["to_version"]) == (3, 4)
    assert [-1, "at least 10"] in diff["diff"]["ops"] and "number" in diff["diff"]["tags"]
    code, whole = run("diff", "1", "1", "8")
    validate("diff", whole)
    assert whole["diff"]["stats"]["words_added"] > 500

    code, show = run("show", "1", "4")
    validate("show", show)
    assert show["version"]["number"] == 4 and "more than a dozen" in show["version"]["text"]
    code, latest = run("show", SAMPLE_URL)
    assert latest["version"]["number"] == 8


def test_db_current(run: Run, db_url: str) -> None:
    Path(db_url.removeprefix("sqlite:///")).touch()  # an empty SQLite database is an empty file
    code, empty = run("db", "current")
    validate("db-current", empty)
    assert code == 0 and (empty["revision"], empty["current"]) == (None, False)
    assert CliRunner().invoke(app, ["--db", db_url, "db", "upgrade"]).exit_code == 0
    _, current = run("db", "current")
    validate("db-current", current)
    assert current["revision"] == current["head"] == migrate.head_revision()
    assert current["current"] is True


def test_add_and_snapshot(site: NewsSite, run: Run) -> None:
    site.server.expect_request("/down").respond_with_data("no", status=503)
    urls = [site.add("/ok", "Storm batters the coast"), site.add("/empty", "Live blog"),
            site.server.url_for("/down")]
    site.pages["/empty"].paragraphs = []
    code, added = run("add", *urls)
    validate("add", added)
    assert [(s["url"], s["added"]) for s in added["stories"]] == [(u, True) for u in urls]
    assert added["feeds"] == []
    code, again = run("add", urls[0])
    assert again["stories"][0]["added"] is False
    code, feeds = run("add", "--feed", site.server.url_for("/feed.xml"))
    validate("add", feeds)
    assert feeds["stories"] == [] and feeds["feeds"][0]["added"] is True

    code, report = run("snapshot", *FAST)
    validate("snapshot", report)
    assert code == 0 and report["checked"] == 3
    assert [(s["url"], s["title"], s["version"]) for s in report["changed"]] == [
        (urls[0], "Storm batters the coast", 1)]
    assert [s["url"] for s in report["suspect"]] == [urls[1]]
    assert [s["url"] for s in report["failed"]] == [urls[2]]
    assert "503" in (report["failed"][0]["error"] or "")
