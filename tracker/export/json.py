"""JSON: every version and diff with its stats and tags, for research pipelines and scripts.

The document follows `schema.json` (shipped beside this module, JSON Schema 2020-12), whose
`schema_version` changes only when a field is removed or changes meaning. Several stories go into
one document, so `--all` gives one file to load. Output is deterministic (no generation time):
exporting the same data twice gives the same bytes, which suits archives kept in git.
"""

import dataclasses
import json
from datetime import datetime
from importlib import resources
from typing import Any

from tracker import __version__
from tracker.db.queries import VersionDetail
from tracker.export.history import Change, StoryHistory, iso_utc
from tracker.text.diffing import Ops

SCHEMA_VERSION = 1
FORMAT_NAME = "tracker-export"


def render_json(histories: list[StoryHistory]) -> str:
    document = {
        "format": FORMAT_NAME, "schema_version": SCHEMA_VERSION,
        "generator": f"tracker {__version__}",
        "stories": [story_data(history) for history in histories],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def schema() -> dict[str, Any]:
    """The JSON Schema the export follows, as shipped in the package."""
    text = resources.files("tracker.export").joinpath("schema.json").read_text("utf-8")
    return dict(json.loads(text))


def story_data(history: StoryHistory) -> dict[str, Any]:
    story = history.story
    return {
        "id": story.id, "url": story.url, "site": story.site, "title": story.title,
        "status": story.status, "first_seen_at": iso_utc(story.first_seen_at),
        "last_changed_at": _time(story.last_changed_at),
        "last_checked_at": _time(story.last_checked_at),
        "versions": [version_data(version) for version in history.versions],
        "diffs": [diff_data(change) for change in history.changes],
    }


def version_data(version: VersionDetail) -> dict[str, Any]:
    """One version as the schema's `version` (`tracker show --json` prints it too)."""
    info = version.info
    return {
        "number": info.number, "observed_at": iso_utc(info.observed_at), "title": info.title,
        "byline": info.byline, "published_at": _time(info.published_at),
        "updated_at": _time(info.updated_at), "updated_by": list(info.updated_by),
        "correction": info.correction, "word_count": info.word_count,
        "char_count": info.char_count, "source": info.source, "reverts_to": info.reverts_to,
        "text": version.text,
    }


def diff_data(change: Change) -> dict[str, Any]:
    """One diff as the schema's `diff` (`tracker diff --json` prints it too)."""
    view = change.view
    return {
        "from_version": view.old.number, "to_version": view.new.number,
        "observed_at": iso_utc(view.new.observed_at), "stats": dataclasses.asdict(view.stats),
        "headline_changed": view.headline_changed, "byline_changed": view.byline_changed,
        "tags": list(change.tags), "significance": change.significance,
        "facts": [dataclasses.asdict(fact) for fact in change.facts],
        "title_ops": _ops(view.title_ops), "ops": _ops(view.ops),
    }


def _ops(ops: Ops) -> list[list[Any]]:
    return [[op, text] for op, text in ops]


def _time(moment: datetime | None) -> str | None:
    return iso_utc(moment) if moment else None
