"""Text as it was published: pages decoded as browsers decode them, and characters that would
make the extractor give up, served by a real loopback server."""

from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from tests.hostile import PARAGRAPHS, Snapshots, article
from tracker.db import queries
from tracker.db.engine import Database
from tracker.db.models import Outcome
from tracker.sources.encoding import decode_page, whatwg_codec
from tracker.sources.importer import import_paths

# What windows-1252 has and latin-1 has not: curly quotes, dashes, an ellipsis.
WESTERN = ("\u201cWe will rebuild the harbour\u201d, the mayor said \u2013 it\u2019s a "
           "promise\u2026 The caf\u00e9 owners were na\u00efve, a resident said.")
QUOTED = [WESTERN, *PARAGRAPHS]


@pytest.fixture
def server(web_server: HTTPServer) -> HTTPServer:
    web_server.clear()
    return web_server


def latest_text(db: Database, story_id: int) -> str:
    return queries.get_version(db, story_id, -1).text


@pytest.mark.parametrize("label", ["iso-8859-1", "latin1", "us-ascii", "ISO_8859-1"])
def test_a_page_labelled_latin1_in_http_is_windows_1252(
    server: HTTPServer, db: Database, label: str
) -> None:
    page = article(QUOTED, meta="").encode("cp1252")
    server.expect_request("/a").respond_with_data(page, content_type=f"text/html; charset={label}")
    runs = Snapshots(db)
    story = runs.add(server.url_for("/a"))
    assert runs.run().new_versions == 1
    assert WESTERN in latest_text(db, story)


def test_a_page_labelled_latin1_in_its_meta_is_windows_1252(
    server: HTTPServer, db: Database
) -> None:
    meta = '<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">'
    server.expect_request("/m").respond_with_data(article(QUOTED, meta=meta).encode("cp1252"),
                                                  content_type="text/html")
    runs = Snapshots(db)
    story = runs.add(server.url_for("/m"))
    runs.run()
    assert WESTERN in latest_text(db, story)


def test_a_latin1_page_declaring_no_charset_is_detected(server: HTTPServer, db: Database) -> None:
    paragraphs = ["Le caf\u00e9 na\u00eff de la place du march\u00e9 a rouvert mardi, a "
                  "d\u00e9clar\u00e9 le maire.", *PARAGRAPHS]
    server.expect_request("/l").respond_with_data(
        article(paragraphs, meta="").encode("latin-1"), content_type="text/html")
    runs = Snapshots(db)
    story = runs.add(server.url_for("/l"))
    runs.run()
    assert "Le caf\u00e9 na\u00eff de la place du march\u00e9" in latest_text(db, story)


def test_short_undeclared_western_text_is_windows_1252() -> None:
    assert decode_page("Caf\u00e9 na\u00efve".encode("latin-1")) == "Caf\u00e9 na\u00efve"


def test_the_byte_order_mark_wins_over_the_http_charset() -> None:
    body = b"\xef\xbb\xbf" + "<p>Gr\u00fc\u00dfe \u2013 \u201cK\u00f6ln\u201d</p>".encode()
    assert decode_page(body, "iso-8859-1") == "<p>Gr\u00fc\u00dfe \u2013 \u201cK\u00f6ln\u201d</p>"


def test_the_http_charset_wins_over_the_meta_charset() -> None:
    html = '<meta charset="utf-8"><p>\u201cK\u00f6ln\u201d</p>'
    assert decode_page(html.encode("cp1252"), "windows-1252") == html


def test_a_meta_charset_after_the_first_1024_bytes_is_not_read() -> None:
    html = "<!--" + "x" * 1100 + '--><meta charset="koi8-r"><p>caf\u00e9 na\u00efve</p>'
    assert "caf\u00e9 na\u00efve" in decode_page(html.encode("cp1252"))


def test_a_page_cannot_declare_itself_utf16_in_its_meta() -> None:
    html = '<meta charset="utf-16"><p>Gr\u00fc\u00dfe</p>'
    assert decode_page(html.encode()) == html


@pytest.mark.parametrize("label", ["base64", "undefined", "rot13", "unicode_escape", "nonsense"])
def test_labels_that_name_no_web_encoding_are_ignored(label: str) -> None:
    html = f'<meta charset="{label}"><p>Gr\u00fc\u00dfe aus K\u00f6ln</p>'
    assert whatwg_codec(label) is None
    assert decode_page(html.encode(), label) == html


def test_a_latin1_file_is_imported_as_published(tmp_path: Path, db: Database) -> None:
    page = tmp_path / "v1.html"
    page.write_bytes(article(QUOTED, meta="").encode("cp1252"))
    report = import_paths(db, [page], url="https://news.example.com/harbour")
    assert not report.failed
    assert WESTERN in latest_text(db, report.stories[0].story_id or 0)


@pytest.mark.parametrize("reference", ["&#27;", "&#x1b;", "&#X1B;", "&#0027;", "&#27", "&#8;",
                                       "&#xFFFE;", "&#65535;", "&#xFDD0;", "&#127;"])
def test_a_control_character_reference_does_not_hide_later_edits(
    server: HTTPServer, db: Database, reference: str
) -> None:
    paragraphs = [*PARAGRAPHS, f"A stray {reference} character in the last paragraph here."]
    pages = [article(paragraphs), article([p.replace("Tuesday", "Wednesday") for p in paragraphs])]
    runs = Snapshots(db)
    story = runs.add(server.url_for("/c"))
    for page in pages:
        server.clear()
        server.expect_request("/c").respond_with_data(page, content_type="text/html")
        runs.run()
    outcomes = [check.outcome for check in queries.list_checks(db, story)]
    assert outcomes == [Outcome.NEW_VERSION, Outcome.NEW_VERSION]
    assert "officials met on Wednesday" in latest_text(db, story)
    assert "A stray character in the last paragraph here." in latest_text(db, story)


def test_references_to_printable_and_windows_1252_characters_stay() -> None:
    from tracker.sources.encoding import without_control_references

    html = "<p>&#9;&#10;&#65;&#150;&#x2014;&#x1F600;&#12345678901;</p>"
    assert without_control_references(html) == html
