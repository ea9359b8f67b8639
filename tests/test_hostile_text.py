"""Hostile text is text: what a page says is shown as it reads, in every command and in the TUI.

A page served by a real loopback server puts rich markup (`[link=...]`, `[/]`), an :emoji:
code, bidirectional overrides and a terminal escape in its headline and text. tracker fetches it
the way it fetches any story, then each command runs in a real pseudo-terminal, where rich
writes colours and hyperlinks (OSC 8) as it would for a person, and its output is read back.
"""

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
from collections.abc import Iterator

import pytest
from textual.widgets import Input, Static

from tests.test_snapshot import Runner
from tests.tui_support import SIZE, settle, table_rows
from tracker.db.engine import Database
from tracker.db.models import Outcome, Source
from tracker.sources.tracking import track_stories
from tracker.store.schedule import Policy
from tracker.store.write import (
    Article,
    Candidate,
    CheckFacts,
    Observation,
    Scheduling,
    record_checks,
    store_candidate,
)
from tracker.text.control import strip_control
from tracker.tui.app import TrackerApp
from tracker.tui.screens.story import StoryScreen

LINK = "[link=https://evil.example/]CLICK ME[/link]"
HEADLINE = f"{LINK} :warning: [/] \u202eevil\u202c"
OSC8 = "\x1b]8;"
BIDI = ("\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068",
        "\u2069")
PARAGRAPH = ("The council voted [bold]seven[/bold] to two on Tuesday night, and the mayor said "
             "the plan would go ahead in spring, whatever the court decides next month, with "
             "the first works on the old harbour front.")


def hostile_page() -> str:
    body = "".join(f"<p>{PARAGRAPH} Paragraph {n}.</p>" for n in range(4))
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{HEADLINE}</title></head>"
            f"<body><article><h1>{HEADLINE}</h1>{body}</article></body></html>")


@pytest.fixture
def hostile(web_server, db: Database) -> Iterator[tuple[Database, int, str]]:
    """A database holding the hostile page as a fetched story whose URL has `[/]` in it (story
    1), a failing story whose URL and error carry markup (2), and a story whose title and text
    hold bidirectional overrides (3): (database, story id, story URL)."""
    web_server.clear()
    web_server.expect_request("/news/a[/]b").respond_with_data(
        hostile_page(), content_type="text/html; charset=utf-8")
    url = web_server.url_for("/news/a[/]b")
    runner = Runner(db)
    [story_id] = runner.add(url)
    assert runner.run().new_versions == 1
    [failing] = track_stories(db, [web_server.url_for("/gone[/][link=x]")], runner.clock.now)
    error = CheckFacts(runner.clock.now, Source.SNAPSHOT, Outcome.ERROR,
                       error="HTTP 500 [/] [link=https://evil.example/]details[/link]")
    for _ in range(2):
        record_checks(db, [(failing.story_id, error)], Scheduling(Policy(), "test"))
    store_candidate(db, Candidate("https://news.example/bidi", Article(
        "The \u2066vote\u2069 passed.\nThe mayor \u202bresigned\u202c.", title=BIDI_TITLE),
        Observation(runner.clock.now)))  # story 3: what an import or another extractor keeps
    yield db, story_id, url
    web_server.clear()


def in_terminal(db: Database, *args: str) -> tuple[int, str]:
    """Run `tracker ARGS` in a pseudo-terminal 200 columns wide; its exit code and output."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
    env = {key: value for key, value in os.environ.items()
           if key not in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "COLUMNS", "LINES")}
    env["TERM"] = "xterm-256color"
    process = subprocess.Popen([sys.executable, "-m", "tracker", "--db", db.url, *args],
                               stdin=slave, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    code = process.wait(60)
    os.close(master)
    return code, b"".join(chunks).decode("utf-8", "replace")


def plain(output: str) -> str:
    """What a person reads: the output without the colour sequences rich wrote."""
    return strip_control(output, keep_newlines=True)


SHOWN = f"{LINK} :warning: [/] evil"
BIDI_TITLE = "Mayor \u202eresigns\u202c over \u2067budget\u2069"
EXPECTED = {  # what each command must print literally
    "stories": [SHOWN, "Mayor resigns over budget"], "log": [SHOWN, "/news/a[/]b"],
    "show": [SHOWN, "voted [bold]seven"], "show3": ["Mayor resigns over budget", "The vote"],
    "checks": ["HTTP 500 [/] [link=https://evil.example/]details[/link]"],
    "status": ["HTTP 500 [/] [link=https://evil.example/]details[/link]", "/gone[/][link=x]"],
}


@pytest.mark.parametrize("command", [["stories"], ["log", "URL"], ["show", "1"], ["show", "3"],
                                     ["checks", "2"], ["status"]])
def test_web_text_prints_as_it_reads_in_a_terminal(
    hostile: tuple[Database, int, str], command: list[str]
) -> None:
    """No hyperlink, no bidi override, no crash on `[/]`: the words, as the page wrote them."""
    db, _, url = hostile
    code, output = in_terminal(db, *(url if arg == "URL" else arg for arg in command))
    assert code == 0, output
    assert OSC8 not in output
    assert not any(mark in output for mark in BIDI)
    for expected in EXPECTED[command[0] + ("3" if command[1:] == ["3"] else "")]:
        assert expected in plain(output)
    assert "\x1b[" in output or command[0] == "show"  # a terminal: rich styled what it wrote


@pytest.mark.slow
async def test_the_tui_shows_hostile_text_literally(hostile: tuple[Database, int, str]) -> None:
    db, story_id, url = hostile
    async with TrackerApp(db).run_test(size=SIZE) as pilot:
        await settle(pilot)
        titles = [row[1] for row in table_rows(pilot)]
        assert f"{LINK} :warning: [/] evil" in titles
        await pilot.press("slash", *"[/]")
        await settle(pilot)
        assert "matching “[/]”" in str(pilot.app.screen.query_one("#list-status", Static).content)
        pilot.app.screen.query_one("#filter", Input).value = ""
        await settle(pilot)
    async with TrackerApp(db, story_id=story_id).run_test(size=SIZE) as pilot:
        await settle(pilot)
        title = str(pilot.app.screen.query_one("#story-title", Static).content)
        assert title.startswith(f"{LINK} :warning: [/] evil") and url in title
        await pilot.press("y")  # "Copied URL": a notification, which Textual reads as markup
        await settle(pilot)
        assert isinstance(pilot.app.screen, StoryScreen)
