"""Importing story folders and loose files: what goes in, what is skipped, and what is refused
without leaving half a story behind."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_URL
from tracker.db import queries
from tracker.db.engine import Database
from tracker.errors import InvalidInput
from tracker.history import compare
from tracker.sources.importer import ImportReport, import_paths, seeds_dir

ARTICLE_HTML = """<!doctype html><html><head><title>Quake hits coast | Example News</title>
<link rel="canonical" href="https://news.example.com/2024/quake">
<meta name="author" content="Jane Reporter"></head><body>
<nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>Quake hits coast</h1>
<p>A strong earthquake struck the northern coast early on Tuesday, officials said, shaking
buildings in three provinces and sending residents into the streets.</p>
<p>There were no immediate reports of damage. Emergency services said they were assessing
the situation and urged people to stay away from damaged structures.</p>
<p>The quake had a magnitude of {magnitude}, according to the national seismology institute,
and struck at a depth of about ten kilometres.</p>
</article><footer>Copyright Example News</footer></body></html>"""


def story_of(report: ImportReport) -> int:
    """The id of the one story an import brought in."""
    story_id = report.stories[0].story_id
    assert story_id is not None
    return story_id


def write_story(folder: Path, url: str, versions: dict[str, str]) -> Path:
    folder.mkdir(parents=True)
    (folder / "story.toml").write_text(f'url = "{url}"\n', encoding="utf-8")
    for name, content in versions.items():
        (folder / name).write_text(content, encoding="utf-8")
    return folder


def version_file(title: str, body: str) -> str:
    return f"title: {title}\n\n{body}\n"


def test_sample_story_imports_all_versions_in_order(db: Database) -> None:
    report = import_paths(db, [seeds_dir()])
    assert not report.failed and report.added == 8
    story = queries.find_story(db, SAMPLE_URL)
    versions = queries.list_versions(db, story.id)
    assert [v.observed_at for v in versions] == sorted(v.observed_at for v in versions)
    assert versions[0].observed_at == datetime(2020, 1, 7, 23, 5, tzinfo=UTC)
    assert versions[0].byline == "By staff writers"
    assert versions[-1].title == story.title
    final = queries.get_version(db, story.id, -1).text
    assert "This is a breaking story and will be updated." in final


def test_reimport_adds_nothing(db: Database) -> None:
    import_paths(db, [seeds_dir()])
    again = import_paths(db, [seeds_dir()])
    assert again.added == 0 and again.stories[0].already == 8
    assert queries.count_stories(db) == 1


def test_loose_files_are_versions_in_the_order_given(db: Database, tmp_path: Path) -> None:
    first = tmp_path / "b.txt"
    second = tmp_path / "a.txt"
    first.write_text("version: one\n\nThe first version of the story.", encoding="utf-8")
    second.write_text("The first version of the story, now longer.", encoding="utf-8")
    report = import_paths(db, [first, second], url="https://example.org/story")
    assert report.added == 2
    texts = [queries.get_version(db, story_of(report), n).text for n in (1, 2)]
    # "version: one" is not a known header key, so the whole file is the text.
    assert texts[0].startswith("version: one")
    assert texts[1].endswith("now longer.")


def test_html_versions_are_extracted_and_find_their_canonical_url(
    db: Database, tmp_path: Path
) -> None:
    old = tmp_path / "2024-05-01T0800Z.html"
    new = tmp_path / "2024-05-01T0930Z.html"
    old.write_text(ARTICLE_HTML.replace("{magnitude}", "6.1"), encoding="utf-8")
    new.write_text(ARTICLE_HTML.replace("{magnitude}", "6.4"), encoding="utf-8")
    report = import_paths(db, [old, new])
    assert not report.failed and report.added == 2
    assert report.stories[0].url == "https://news.example.com/2024/quake"
    diff = compare.get_diff(db, story_of(report), 1, 2)
    assert [(op, text) for op, text in diff.ops if op] == [(-1, "6.1"), (1, "6.4")]
    assert "Home" not in queries.get_version(db, story_of(report), 1).text


def test_a_bad_story_is_skipped_whole_and_the_others_go_in(db: Database, tmp_path: Path) -> None:
    good = write_story(tmp_path / "all" / "good", "https://example.org/good",
                       {"2020-01-01T1000Z.txt": version_file("Good", "Fine text.")})
    write_story(tmp_path / "all" / "bad", "https://example.org/bad", {
        "2020-01-01T1000Z.txt": version_file("Bad", "This one is fine."),
        "2020-01-01T1100Z.txt": "observed: yesterday-ish\n\nBroken time.",
    })
    report = import_paths(db, [tmp_path / "all"])
    assert [s.error is None for s in report.stories] == [False, True]  # sorted: bad, good
    assert "not an ISO 8601 time" in (report.failed[0].error or "")
    assert [s.url for s in queries.list_stories(db)] == ["https://example.org/good"]
    assert good.exists()


def test_a_folder_without_stories_does_not_stop_the_others(db: Database, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    report = import_paths(db, [empty, seeds_dir()])
    assert report.added == 8
    assert "no story.toml" in (report.failed[0].error or "")


@pytest.mark.parametrize(
    ("story_toml", "message"),
    [
        ('url = "ftp://example.org/x"\n', "http"),
        ('title = "no url"\n', "needs a url"),
        ("url = \n", "not valid TOML"),
    ],
)
def test_bad_story_toml_is_reported(
    db: Database, tmp_path: Path, story_toml: str, message: str
) -> None:
    folder = tmp_path / "story"
    folder.mkdir()
    (folder / "story.toml").write_text(story_toml, encoding="utf-8")
    (folder / "v1.txt").write_text("Text.", encoding="utf-8")
    report = import_paths(db, [folder])
    assert message in (report.failed[0].error or "")
    assert queries.count_stories(db) == 0


def test_binary_and_empty_html_files_are_refused(db: Database, tmp_path: Path) -> None:
    binary = tmp_path / "photo.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    report = import_paths(db, [binary], url="https://example.org/x")
    assert "binary" in (report.failed[0].error or "")
    empty = tmp_path / "empty.html"
    empty.write_text("<html><head><title>Live</title></head><body></body></html>", encoding="utf-8")
    report = import_paths(db, [empty], url="https://example.org/x")
    assert "no article text" in (report.failed[0].error or "")
    assert queries.count_stories(db) == 0


def test_legacy_encodings_are_decoded(db: Database, tmp_path: Path) -> None:
    latin = tmp_path / "v1.txt"
    latin.write_bytes("Le président a déclaré que la situation était très grave.".encode("cp1252"))
    report = import_paths(db, [latin], url="https://example.org/fr")
    assert "président" in queries.get_version(db, story_of(report), 1).text


def test_url_option_is_for_loose_files_only(db: Database) -> None:
    with pytest.raises(InvalidInput, match="loose files"):
        import_paths(db, [seeds_dir()], url="https://example.org/x")
