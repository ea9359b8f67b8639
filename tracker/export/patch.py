"""Patches: a story's versions as a series of unified diffs that patch(1) and git apply take.

The first diff creates the file from /dev/null with version 1; each next one turns version n-1
into version n. Applied in order, in an empty folder (`patch -p1 < story.patch` or
`git apply story.patch`), they leave the latest version, and any diff tool or code-review UI
can show each step. The file holds the headline, a blank line, then one paragraph per line, so
a headline change shows up as a change of line 1.
"""

from tracker.db.queries import VersionDetail
from tracker.export.history import StoryHistory, iso_utc, slug
from tracker.text import display
from tracker.text.control import strip_control
from tracker.text.diffing import unified_diff

NO_FILE = "/dev/null"


def render_patch(history: StoryHistory) -> str:
    """Every step from nothing to the latest version, each introduced by a comment line."""
    name = f"{slug(history)}.txt"
    steps = [_step(history, None, history.first, name)]
    steps += [_step(history, old, new, name)
              for old, new in zip(history.versions, history.versions[1:], strict=False)]
    return "".join(steps)


def version_file(version: VersionDetail) -> str:
    """The file a version becomes: headline, blank line, paragraphs; control characters gone."""
    return display.safe(f"{version.info.title or ''}\n\n{version.text}\n")


def _step(history: StoryHistory, old: VersionDetail | None, new: VersionDetail, name: str) -> str:
    return _comment(history, old, new) + unified_diff(
        version_file(old) if old else "", version_file(new),
        from_label=_label(old, name, "a"), to_label=_label(new, name, "b"),
    )


def _label(version: VersionDetail | None, name: str, side: str) -> str:
    """patch(1) reads an optional tab and timestamp after the file name."""
    return f"{side}/{name}\t{iso_utc(version.info.observed_at)}" if version else NO_FILE


def _comment(history: StoryHistory, old: VersionDetail | None, new: VersionDetail) -> str:
    """Text before a diff that patch and git apply skip: which step this is and its size, on
    lines of their own (control characters and line breaks in the URL become spaces)."""
    info = new.info
    what = "first version" if old is None else (
        f"v{old.info.number} -> v{info.number}: +{info.words_added} -{info.words_removed} words"
        + (f" [{', '.join(info.tags)}]" if info.tags else "")
    )
    return (f"tracker: {strip_control(history.story.url)}\n"
            f"tracker: {what}, seen {iso_utc(info.observed_at)}\n")
