"""A page with no article yet (navigation, a "Loading…" or "enable JavaScript" stub) never becomes
version 1 of a story: it is a suspect check until the real article appears."""

import pytest
from pytest_httpserver import HTTPServer

from tests.hostile import PARAGRAPHS, Snapshots, article
from tracker.db import queries
from tracker.db.engine import Database
from tracker.db.models import Outcome
from tracker.text.sentences import prose_sentences

NAVIGATION = ("<html><head><title>The Daily Example</title></head><body><main>"
              + "".join(f"<section><h2><a href='/s/{n}'>Section {n}</a></h2><ul>"
                        + "".join(f"<li><a href='/story/{n}/{i}'>Markets rally as inflation "
                                  f"cools in region {i}</a></li>" for i in range(6))
                        + "</ul></section>" for n in range(4))
              + "</main></body></html>")
STUBS = {
    "navigation": NAVIGATION,
    "javascript": article(["Please enable JavaScript to read this article."]),
    "loading": article(["Loading\u2026", "Subscribe to continue reading"]),
    "teaser": article(["Storm hits the coast.", "More soon."]),
}


@pytest.fixture
def server(web_server: HTTPServer) -> HTTPServer:
    web_server.clear()
    return web_server


@pytest.mark.parametrize("stub", sorted(STUBS))
def test_a_first_fetch_without_an_article_is_suspect_until_one_appears(
    server: HTTPServer, db: Database, stub: str
) -> None:
    runs = Snapshots(db)
    story = runs.add(server.url_for("/s"))
    for page in (STUBS[stub], STUBS[stub].replace("Example", "Example."), article()):
        server.clear()
        server.expect_request("/s").respond_with_data(page, content_type="text/html")
        runs.run()
    outcomes = [check.outcome for check in reversed(queries.list_checks(db, story))]
    assert outcomes[-1] == Outcome.NEW_VERSION
    assert Outcome.NEW_VERSION not in outcomes[:-1]
    assert queries.find_story(db, story).version_count == 1
    assert queries.get_version(db, story, 1).text.splitlines()[-1] == PARAGRAPHS[-1]


def test_the_suspect_check_says_why(server: HTTPServer, db: Database) -> None:
    server.expect_request("/j").respond_with_data(STUBS["javascript"], content_type="text/html")
    runs = Snapshots(db)
    story = runs.add(server.url_for("/j"))
    assert runs.run().suspect == 1
    error = queries.list_checks(db, story)[0].error or ""
    assert error.startswith("no article yet: 7 words in 1 sentences of prose")


def test_a_short_breaking_story_of_two_sentences_is_an_article(
    server: HTTPServer, db: Database
) -> None:
    flash = article(["A magnitude 7 earthquake struck off the coast on Tuesday, officials said.",
                     "Residents of coastal towns were told to move to higher ground."])
    server.expect_request("/b").respond_with_data(flash, content_type="text/html")
    runs = Snapshots(db)
    story = runs.add(server.url_for("/b"))
    assert runs.run().new_versions == 1
    assert queries.find_story(db, story).version_count == 1


def test_prose_sentences_leave_out_headings_links_and_one_word_lines() -> None:
    text = ("Storm hits coast\nLoading\u2026\nHome | World\n"
            "It rained. \u201cIt poured!\u201d he said.")
    assert prose_sentences(text) == ["It rained.", "\u201cIt poured!\u201d he said."]
