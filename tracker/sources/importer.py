"""Import versions from files: story folders in the seeds format, or loose text/HTML files.

The format is documented in seeds/README.md. Every file of a story is read and checked before
anything is stored, so a bad file stops its story with a clear message instead of leaving half of
it imported; other stories in the same import go on. Imports are idempotent: a version already
stored at the same observed time is skipped.
"""

import functools
import re
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

from tracker.db.engine import Database
from tracker.db.models import Outcome, Source
from tracker.errors import ImportFailed, InvalidInput, TrackerError
from tracker.sources.encoding import decode_page
from tracker.sources.extract import extract_article
from tracker.store.write import Article, Candidate, Observation, StoreResult, store_candidate
from tracker.text.normalise import stored_page
from tracker.text.urls import canonical_url

STORY_FILE = "story.toml"
TEXT_SUFFIXES = {".txt", ".md", ".text"}
HTML_SUFFIXES = {".html", ".htm"}
HEADER_KEYS = {"title", "byline", "observed", "published", "updated"}
MAX_FILE_BYTES = 20 * 1024 * 1024
_HEADER_LINE = re.compile(r"^([a-z_]+):\s?(.*)$")
_NAME_TIME = re.compile(r"(\d{4}-\d{2}-\d{2})T(\d{2})(\d{2})(\d{2})?Z")
Reader = Callable[[], list[Candidate]]


@dataclass
class StoryImport:
    """What importing one story did; `error` is set when the story was skipped."""

    source: str
    url: str | None = None
    story_id: int | None = None
    added: int = 0
    unchanged: int = 0
    already: int = 0
    error: str | None = None


@dataclass
class ImportReport:
    stories: list[StoryImport] = field(default_factory=list)

    @property
    def failed(self) -> list[StoryImport]:
        return [story for story in self.stories if story.error]

    @property
    def added(self) -> int:
        return sum(story.added for story in self.stories)


def seeds_dir() -> Path:
    """The sample stories that ship with tracker."""
    return Path(str(resources.files("tracker.seeds")))


def import_paths(db: Database, paths: Sequence[Path], *, url: str | None = None) -> ImportReport:
    """Import story folders, folders of story folders, and loose files (one story together).

    A path that holds no story is reported like a story that failed, so the other paths of the
    same import still go in.
    """
    loose = [path for path in paths if not path.is_dir()]
    if url and not loose:
        raise InvalidInput("--url names the story of loose files; story folders have story.toml")
    report = ImportReport()
    for folder in (path for path in paths if path.is_dir()):
        try:
            story_folders = _story_folders(folder)
        except TrackerError as exc:
            report.stories.append(StoryImport(source=str(folder), error=exc.message))
            continue
        for story_folder in story_folders:
            report.stories.append(
                _import_story(db, str(story_folder), functools.partial(_read_folder, story_folder))
            )
    if loose:
        label = ", ".join(str(path) for path in loose[:3]) + (" ..." if len(loose) > 3 else "")
        report.stories.append(_import_story(db, label, lambda: _read_loose(loose, url)))
    return report


def _story_folders(folder: Path) -> list[Path]:
    if (folder / STORY_FILE).is_file():
        return [folder]
    found = sorted(child for child in folder.iterdir() if (child / STORY_FILE).is_file())
    if not found:
        raise ImportFailed(
            f"{folder}: no {STORY_FILE} here or in its subfolders (see seeds/README.md)"
        )
    return found


def _import_story(db: Database, label: str, read: Reader) -> StoryImport:
    result = StoryImport(source=label)
    try:
        candidates = read()
        result.url = candidates[0].url
        for candidate in candidates:
            _count(result, store_candidate(db, candidate, idempotent=True))
    except TrackerError as exc:
        result.error = exc.message
    return result


def _count(result: StoryImport, stored: StoreResult) -> None:
    result.story_id = stored.story_id
    if stored.outcome is Outcome.NEW_VERSION:
        result.added += 1
    elif stored.outcome is Outcome.UNCHANGED:
        result.unchanged += 1
    else:
        result.already += 1


def _read_folder(folder: Path) -> list[Candidate]:
    meta = _read_story_toml(folder / STORY_FILE)
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in TEXT_SUFFIXES | HTML_SUFFIXES
                   and p.name.lower() != "readme.md")
    if not files:
        raise ImportFailed(f"{folder}: no version files (.txt, .md, .html) beside {STORY_FILE}")
    return _sorted_by_time([_read_version(path, meta["url"]) for path in files])


def _read_loose(files: Sequence[Path], url: str | None) -> list[Candidate]:
    story_url = canonical_url(url) if url else _url_from_files(files)
    return [_read_version(path, story_url) for path in files]


def _sorted_by_time(candidates: Iterable[Candidate]) -> list[Candidate]:
    return sorted(candidates, key=lambda c: c.seen.observed_at)


def _read_story_toml(path: Path) -> dict[str, str]:
    try:
        meta = tomllib.loads(_read_text(path))
    except tomllib.TOMLDecodeError as exc:
        raise ImportFailed(f"{path}: not valid TOML: {exc}") from exc
    if not isinstance(meta.get("url"), str):
        raise ImportFailed(f"{path}: needs a url = \"https://...\" line")
    meta["url"] = canonical_url(meta["url"], where=str(path))
    return meta


def _read_version(path: Path, url: str) -> Candidate:
    content = _read_text(path)
    if path.suffix.lower() in HTML_SUFFIXES:
        return _html_version(path, url, content)
    header, body = _split_header(content)
    observed = _time_field(path, header, "observed") or _time_from_name(path) or _mtime(path)
    article = Article(
        body, title=header.get("title"), byline=header.get("byline"),
        published_at=_time_field(path, header, "published"),
        updated_at=_time_field(path, header, "updated"),
        updated_by=("header",) if header.get("updated") else (),
    )
    return Candidate(url, article, Observation(observed, Source.IMPORT))


def _html_version(path: Path, url: str, html: str) -> Candidate:
    found = extract_article(html, url)
    if not found.text:
        raise ImportFailed(f"{path}: no article text could be extracted from this page")
    article = Article(found.text, found.title, found.byline, found.published_at,
                      found.updated_at, found.updated_by, stored_html=stored_page(html),
                      canonical_url=found.canonical_url)
    seen = Observation(_time_from_name(path) or _mtime(path), Source.IMPORT)
    return Candidate(url, article, seen)


def _split_header(content: str) -> tuple[dict[str, str], str]:
    """A leading block of `key: value` lines with known keys, up to a blank line, is a header."""
    head, sep, body = content.replace("\r\n", "\n").partition("\n\n")
    matches = [_HEADER_LINE.match(line) for line in head.splitlines()]
    if sep and matches and all(m and m.group(1) in HEADER_KEYS for m in matches):
        return {m.group(1): m.group(2).strip() for m in matches if m}, body
    return {}, content


def _time_field(path: Path, header: dict[str, str], key: str) -> datetime | None:
    value = header.get(key)
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ImportFailed(f"{path}: {key}: {value!r} is not an ISO 8601 time") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _time_from_name(path: Path) -> datetime | None:
    match = _NAME_TIME.search(path.stem)
    if not match:
        return None
    day, hour, minute, second = match.groups()
    return datetime.fromisoformat(f"{day}T{hour}:{minute}:{second or '00'}+00:00")


def _mtime(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)


def _read_text(path: Path) -> str:
    """The file's text, decoded as a browser would (tracker.sources.encoding).

    At most the size limit plus one byte is read, so a device or a pipe that never ends
    (`/dev/zero`) is refused after 20 MB instead of being read to exhaustion.
    """
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ImportFailed(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if len(data) > MAX_FILE_BYTES:
        raise ImportFailed(f"{path}: larger than {MAX_FILE_BYTES // 2**20} MB; not an article")
    if b"\x00" in data[:8192]:
        raise ImportFailed(f"{path}: a binary file, not text or HTML")
    return decode_page(data)


def _url_from_files(files: Sequence[Path]) -> str:
    """Loose files without --url: the first HTML file's canonical link, else a file: URL."""
    for path in files:
        if path.suffix.lower() in HTML_SUFFIXES:
            match = re.search(r'<link[^>]+rel=["\']canonical["\'][^>]*href=["\']([^"\']+)',
                              _read_text(path), re.I)
            if match and urlsplit(match.group(1)).scheme in ("http", "https"):
                return canonical_url(match.group(1))
    return files[0].resolve().as_uri()
