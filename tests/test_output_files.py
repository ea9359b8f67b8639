"""Exports land where the user said, as the user had it: through symbolic links, keeping a
file's permissions, into pipes and devices in place; stories with no version yet are left out
and named, never a crash or a document that breaks its own schema."""

import json
import os
import stat
import threading
from pathlib import Path

import jsonschema
import pytest

from tests.hostile import T0, tracker
from tracker.db.engine import Database
from tracker.errors import ExitCode
from tracker.export.json import schema
from tracker.sources.tracking import track_stories


@pytest.fixture
def with_unchecked(sample_db: Database, db_url: str) -> str:
    """The sample story and a story added under cron but not yet checked (no version)."""
    track_stories(sample_db, ["https://news.example.com/not-yet"], T0)
    return db_url


@pytest.mark.parametrize("fmt", ["html", "md", "patch"])
def test_a_folder_export_skips_stories_without_a_version_and_says_so(
    with_unchecked: str, tmp_path: Path, fmt: str
) -> None:
    result = tracker(with_unchecked, "export", "--all", "-f", fmt, "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.stderr
    assert [path.name[:2] for path in (tmp_path / "out").iterdir()] == ["1-"]
    assert "wrote 1 of 1 stories" in result.stderr
    assert "skipped 1 story with no version yet (story 2)" in result.stderr


def test_the_json_export_of_all_stories_stays_valid(with_unchecked: str) -> None:
    result = tracker(with_unchecked, "export", "--all", "-f", "json")
    document = json.loads(result.stdout)
    jsonschema.validate(document, schema())
    assert [story["id"] for story in document["stories"]] == [1]
    assert "skipped 1 story with no version yet (story 2)" in result.stderr


def test_one_story_without_a_version_is_not_found(with_unchecked: str) -> None:
    for fmt in ("html", "md", "patch", "json"):
        result = tracker(with_unchecked, "export", "2", "-f", fmt)
        assert result.exit_code == ExitCode.NOT_FOUND
        assert result.stderr.strip() == ("tracker: error: story 2 has no version yet: nothing to "
                                         "export until a snapshot stores one")


def test_an_atom_feed_of_all_stories_has_the_versions_there_are(with_unchecked: str) -> None:
    result = tracker(with_unchecked, "export", "--all", "-f", "atom")
    assert result.exit_code == 0 and result.stdout.count("<entry>") == 8


def test_writing_through_a_symbolic_link_replaces_its_target(
    sample_db: Database, db_url: str, tmp_path: Path
) -> None:
    target = tmp_path / "reports" / "iran.md"
    target.parent.mkdir()
    target.write_text("old")
    link = tmp_path / "latest.md"
    link.symlink_to(target)
    assert tracker(db_url, "export", "1", "-o", str(link)).exit_code == 0
    assert link.is_symlink() and link.resolve() == target
    assert target.read_text().startswith("# ")


def test_a_private_file_stays_private(sample_db: Database, db_url: str, tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    report.write_text("old")
    report.chmod(0o600)
    assert tracker(db_url, "export", "1", "-o", str(report)).exit_code == 0
    assert stat.S_IMODE(report.stat().st_mode) == 0o600
    assert "<html" in report.read_text()


def test_a_new_file_follows_the_umask(sample_db: Database, db_url: str, tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        assert tracker(db_url, "export", "1", "-o", str(tmp_path / "new.md")).exit_code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.md").stat().st_mode) == 0o644


def test_a_fifo_is_written_to_not_replaced(
    sample_db: Database, db_url: str, tmp_path: Path
) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    assert tracker(db_url, "export", "1", "-f", "md", "-o", str(fifo)).exit_code == 0
    reader.join(timeout=30)
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert received and received[0].startswith(b"# ")


def test_a_device_is_written_to_not_replaced(
    sample_db: Database, db_url: str, tmp_path: Path
) -> None:
    """A device that takes no bytes (/dev/full's own node, made in tmp_path, so a regression
    replaces that node and not the system's): one line, and the node is still a device. As
    root, renaming over /dev/full replaced it with a file."""
    full = tmp_path / "full"
    try:
        os.mknod(full, 0o666 | stat.S_IFCHR, os.makedev(1, 7))
    except PermissionError:
        pytest.skip("making a device node needs root")
    result = tracker(db_url, "export", "1", "-f", "md", "-o", str(full))
    assert result.exit_code == ExitCode.ERROR
    assert result.stderr.strip() == f"tracker: error: cannot write {full}: No space left on device"
    assert stat.S_ISCHR(full.stat().st_mode)
