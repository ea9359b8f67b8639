"""Stealth edits: a version records the page's declared modification time and its correction
notes; an edit under an unchanged declared time is tagged `silent`, a new or changed correction
note `correction`, on pages served by a loopback site, and nowhere in imported seeds."""

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest
from lxml import html as lxml_html
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.hostile import PARAGRAPHS, Snapshots, article, tracker
from tracker.db import migrate, queries
from tracker.db.engine import Database
from tracker.export.json import schema
from tracker.sources.importer import import_paths, seeds_dir
from tracker.sources.timestamps import page_times
from tracker.store.reindex import reindex
from tracker.text.analysis import Side, Tag, analyse
from tracker.text.corrections import correction_notes

NOON = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 25, 14, 30, tzinfo=UTC)
CORRECTION = ("Correction: an earlier version of this story said the council met on Monday; "
              "it met on Tuesday.")


@dataclass
class StealthPage:
    """A story page whose text, declared modification time and correction note the test sets;
    the visible "Updated" line and the JSON-LD always say the same time."""

    paragraphs: list[str] = field(default_factory=lambda: list(PARAGRAPHS))
    modified: datetime | None = NOON
    correction: str | None = None

    def html(self) -> str:
        paragraphs = list(self.paragraphs) + ([self.correction] if self.correction else [])
        if self.modified is None:
            return article(paragraphs)
        stamp = self.modified.isoformat()
        head = ('<script type="application/ld+json">{"@type": "NewsArticle", '
                f'"dateModified": "{stamp}"}}</script>')
        visible = f"Updated {self.modified:%d %B %Y, %H:%M} GMT"
        return article([visible, *paragraphs], head=head)

    def serve(self, server: HTTPServer, path: str) -> str:
        def handle(_: Request) -> Response:
            return Response(self.html(), content_type="text/html; charset=utf-8")
        server.expect_request(path).respond_with_handler(handle)
        return server.url_for(path)


def test_the_declared_time_is_the_one_its_sources_agree_on() -> None:
    times = page_times(StealthPage().html())
    assert (times.modified, times.modified_by) == (NOON, ("json-ld", "visible"))
    head = '<meta property="article:modified_time" content="2026-11-25T12:00:00Z">'
    later_visible = article(["Updated: 25 November 2026 at 2:30 p.m. GMT", *PARAGRAPHS], head=head)
    assert page_times(later_visible).modified_by == ("visible",)  # the newest declaration wins
    assert page_times(later_visible).modified == LATER


@pytest.mark.parametrize("line", [
    "Updated 3 hours ago", "Updated 25 November 2026", "Updated: soon",
    "Officials updated the toll at 14:05 on 25 November 2026, the ministry said in a statement "
    "published on its website this morning after a long night of talks with the unions.",
])
def test_a_relative_time_a_bare_date_or_a_sentence_declares_nothing(line: str) -> None:
    assert page_times(article([line, *PARAGRAPHS])).modified is None


def test_a_visible_time_without_a_zone_is_read_in_the_pages_zone() -> None:
    head = ('<meta property="article:published_time" content="2026-11-25T09:00:00+01:00">')
    page = article(['<span>Updated</span> <span>25.11.2026 13:30</span>', *PARAGRAPHS], head=head)
    assert page_times(page).modified == datetime(2026, 11, 25, 12, 30, tzinfo=UTC)


@pytest.mark.parametrize(("line", "note"), [
    (CORRECTION, True),
    ("Editor\u2019s note: this story has been updated to remove a name.", True),
    ("This article was amended on 26 November 2026 to correct the spelling of a name.", True),
    ("An earlier version of this article gave the wrong date for the vote.", True),
    ("The ministry issued a correction on Tuesday, officials said.", False),
    ("This story has been updated with more details.", False),
])
def test_correction_notes_are_known_by_their_opening(line: str, note: bool) -> None:
    assert bool(correction_notes(f"First paragraph.\n{line}")) is note


def _tags(old: Side, new: Side) -> tuple[Tag, ...]:
    return analyse(old, new).tags


def test_silent_needs_a_substantive_edit_under_the_same_declared_time() -> None:
    old = Side("Officials said 12 people died in the storm on Tuesday.", updated_at=NOON)
    edited = Side("Officials said 27 people died in the storm on Tuesday.", updated_at=NOON)
    typo = Side("Officials said 12 people died in the storm on Tuesdya.", updated_at=NOON)
    assert Tag.SILENT in _tags(old, edited)
    assert Tag.SILENT not in _tags(old, Side(edited.text, updated_at=LATER))
    assert Tag.SILENT not in _tags(typo, old)  # a fixed typo is no stealth edit
    assert Tag.SILENT not in _tags(Side(old.text), Side(edited.text))  # nothing declared


def test_correction_is_tagged_when_a_note_appears_or_changes() -> None:
    text = "Officials said 12 people died in the storm on Tuesday."
    noted = f"{text}\n{CORRECTION}"
    assert Tag.CORRECTION in _tags(Side(text), Side(noted))
    assert Tag.CORRECTION in _tags(Side(noted), Side(noted.replace("Monday", "Sunday")))
    assert Tag.CORRECTION not in _tags(Side(noted), Side(noted.replace("12", "13")))


def test_a_loopback_story_edited_with_and_without_saying_so(
    web_server: HTTPServer, db: Database, db_url: str
) -> None:
    web_server.clear()
    page = StealthPage()
    runs = Snapshots(db)
    story = runs.add(page.serve(web_server, "/stealth"))
    runs.run()
    page.paragraphs[0] = page.paragraphs[0].replace("Tuesday", "Wednesday")  # time unchanged
    runs.run()
    page.paragraphs[1] = page.paragraphs[1].replace("rebuild", "sell")
    page.modified = LATER  # declared
    runs.run()
    page.correction, page.modified = CORRECTION, datetime(2026, 11, 25, 16, 0, tzinfo=UTC)
    runs.run()

    history = queries.list_versions(db, story)
    assert [v.tags for v in history][1:] == [("lede", "silent"), (), ("attribution", "correction")]
    assert history[0].updated_at == NOON and history[0].updated_by == ("json-ld", "visible")
    assert history[3].correction == CORRECTION and history[2].correction is None

    log = tracker(db_url, "log", str(story)).stdout
    assert "silent" in log and "correction" in log
    found = json.loads(tracker(db_url, "search", "Wednesday", "--tag", "silent", "--json").stdout)
    assert [(hit["from_version"], hit["to_version"]) for hit in found] == [(1, 2)]
    exported = json.loads(tracker(db_url, "export", str(story), "--format", "json").stdout)
    jsonschema.validate(exported, schema())
    [data] = exported["stories"]
    assert data["diffs"][0]["tags"] == ["lede", "silent"]
    assert data["versions"][3]["correction"] == CORRECTION
    _every_face_says_silent(db_url, story)
    reindex(db)  # recomputed from the stored times and texts: the same tags
    assert [v.tags for v in queries.list_versions(db, story)] == [v.tags for v in history]


def _every_face_says_silent(db_url: str, story: int) -> None:
    """`tracker diff` (and the TUI's diff pane, which shares its header) and every export."""
    assert "silent: the text changed, but the page's declared update time did not" in tracker(
        db_url, "diff", str(story), "1", "2", "--color", "never").stdout
    exported = {fmt: tracker(db_url, "export", str(story), "--format", fmt).stdout
                for fmt in ("html", "md", "patch", "atom")}
    assert "v1 -> v2: +1 -1 words [lede, silent]" in exported["patch"]
    assert "`silent`" in exported["md"] and "`correction`" in exported["md"]
    assert '<category term="silent"' in exported["atom"]
    tags = lxml_html.document_fromstring(exported["html"]).xpath("//ul[@class='tags']/li/text()")
    assert "silent" in [tag.strip() for tag in tags]


def test_imported_seeds_keep_their_header_times_and_have_no_silent_edits(db: Database) -> None:
    """Every file of the sample story declares a newer `updated:` than the one before."""
    report = import_paths(db, [seeds_dir()])
    history = queries.list_versions(db, report.stories[0].story_id or 0)
    assert all(v.updated_by == ("header",) for v in history)
    assert not [v.number for v in history if "silent" in v.tags or "correction" in v.tags]


def test_imported_texts_without_times_are_never_silent(db: Database, tmp_path: Path) -> None:
    for n, text in enumerate(("Officials said 12 people died.", "Officials said 27 people died.")):
        (tmp_path / f"2026-11-25T0{n}00Z.txt").write_text(f"{text} {PARAGRAPHS[0]}\n")
    report = import_paths(db, sorted(tmp_path.glob("*.txt")), url="https://news.example.com/a")
    history = queries.list_versions(db, report.stories[0].story_id or 0)
    assert history[1].tags and "silent" not in history[1].tags


def test_upgrading_from_search_at_scale_keeps_every_version(any_db: Database) -> None:
    """0008 and 0009 go down to 0007_search_at_scale and up again with the sample story in the
    database; versions stored before them have no sources or notes recorded."""
    story = import_paths(any_db, [seeds_dir()]).stories[0].story_id or 0
    before = [(v.number, v.tags, v.updated_at) for v in queries.list_versions(any_db, story)]
    migrate.downgrade(any_db.engine, "0007_search_at_scale")
    migrate.upgrade(any_db.engine)
    after = queries.list_versions(any_db, story)
    assert [(v.number, v.tags, v.updated_at) for v in after] == before
    assert {(v.updated_by, v.correction) for v in after} == {((), None)}
