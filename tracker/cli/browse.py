"""Commands that read: stories, log, diff, show, checks."""

import sys
from typing import Annotated

import typer
from rich.text import Text

from tracker.cli import (
    ColorMode,
    ColorOption,
    JsonOption,
    StoryArg,
    app,
    command,
    out,
    print_table,
    state,
    wants_color,
)
from tracker.db import queries
from tracker.db.engine import Database
from tracker.errors import InvalidInput
from tracker.export.history import Change
from tracker.export.json import diff_data, version_data
from tracker.history import compare
from tracker.history.compare import DiffView
from tracker.terminal import render
from tracker.text import display
from tracker.text.diffing import unified_diff
from tracker.text.serialize import to_json


@command(app)
def stories(
    ctx: typer.Context,
    sort: Annotated[queries.StoryOrder, typer.Option(
        metavar="ORDER", help="changed (most recent change first), significance (most "
        "substantive change first), checked, title, site, versions or status."
    )] = queries.StoryOrder.CHANGED,
    json: JsonOption = False,
) -> None:
    """List tracked stories, most recently (or most substantively) changed first."""
    rows = queries.list_stories(state(ctx).db, order=sort)
    if json:
        typer.echo(to_json(rows))
        return
    if not rows:
        typer.echo("No stories yet: `tracker demo` loads a sample, `tracker import PATH` adds one.",
                   err=True)
        return
    print_table(out(), ["id", "versions", "last change", "site", "title"], [
        [str(row.id), str(row.version_count), display.format_time(row.last_changed_at),
         display.safe(row.site), display.safe(row.title)] for row in rows
    ])


@command(app)
def log(
    ctx: typer.Context, story: StoryArg,
    by_significance: Annotated[bool, typer.Option(
        "--by-significance", help="Most substantive change first instead of oldest first.")
    ] = False,
    json: JsonOption = False,
    color: ColorOption = ColorMode.AUTO,
) -> None:
    """A story's versions with time, words added/removed, significance and fact-change tags."""
    db = state(ctx).db
    found = queries.find_story(db, story)
    if json:
        versions = _in_order(queries.list_versions(db, found.id), by_significance)
        typer.echo(to_json({"story": found, "versions": versions}))
        return
    print_log(found.id, db, by_significance=by_significance, color=color)


@command(app)
def diff(
    ctx: typer.Context,
    story: StoryArg,
    from_version: Annotated[int | None, typer.Argument(
        metavar="FROM", help="Older version number (default: the one before TO).")] = None,
    to_version: Annotated[int | None, typer.Argument(
        metavar="TO", help="Newer version number (default: the latest).")] = None,
    fmt: Annotated[str, typer.Option(
        "--format", metavar="FORMAT",
        help="word (coloured word diff) or unified (plain, for patch).")] = "word",
    context: Annotated[int, typer.Option(
        metavar="N", help="Unchanged paragraphs shown around each change; -1 shows all.")] = 1,
    color: ColorOption = ColorMode.AUTO,
    no_color: Annotated[bool, typer.Option("--no-color", hidden=True)] = False,
    json: JsonOption = False,
) -> None:
    """Show what changed between two versions of a story (default: the last two)."""
    if context < -1:
        raise InvalidInput(f"--context must be -1 (all) or more, not {context}")
    db = state(ctx).db
    found = queries.find_story(db, story)
    to_number = to_version or found.version_count
    from_number = from_version or max(to_number - 1, 1)
    view = compare.get_diff(db, found.id, from_number, to_number)
    if json:
        typer.echo(to_json({"story": story_ref(found), "diff": diff_data(Change(view))}))
    elif fmt == "unified":
        _print_unified(db, found, view)
    elif fmt == "word":
        _print_word_diff(view, context, ColorMode.NEVER if no_color else color)
    else:
        raise InvalidInput(f"unknown --format {fmt!r}: use word or unified")


@command(app)
def show(
    ctx: typer.Context, story: StoryArg,
    version: Annotated[int, typer.Argument(help="Version number; -1 is the latest.")] = -1,
    json: JsonOption = False,
) -> None:
    """Print the text of one version."""
    db = state(ctx).db
    found = queries.find_story(db, story)
    detail = queries.get_version(db, found.id, version)
    if json:
        typer.echo(to_json({"story": story_ref(found), "version": version_data(detail)}))
        return
    typer.echo(display.safe(detail.info.title))
    typer.echo(display.safe("\n\n".join(detail.text.split("\n"))))


@command(app)
def checks(ctx: typer.Context, story: StoryArg, json: JsonOption = False) -> None:
    """Every time tracker looked at a story, newest first, and what came of it."""
    db = state(ctx).db
    rows = queries.list_checks(db, queries.find_story(db, story).id)
    if json:
        typer.echo(to_json(rows))
        return
    print_table(out(), ["time", "source", "outcome", "http", "ms", "version", "error"], [
        [display.format_time(row.checked_at), row.source, row.outcome, str(row.http_status or ""),
         "" if row.duration_ms is None else str(row.duration_ms),
         str(row.version_number or ""), display.safe(row.error)] for row in rows
    ])


def print_log(story_id: int, db: Database, *, by_significance: bool = False,
              color: ColorMode = ColorMode.AUTO) -> None:
    story = queries.find_story(db, story_id)
    console = out(color)
    console.print(Text(display.safe(story.title), "bold"))
    console.print(Text(display.safe(story.url)))
    print_table(console,
        ["version", "observed", "words", "+added", "-removed", "score", "what changed"], [
            [f"v{version.number}", display.format_time(version.observed_at),
             str(version.word_count), f"+{version.words_added}", f"-{version.words_removed}",
             _significance_cell(version), _changes_cell(version)]
            for version in _in_order(queries.list_versions(db, story_id), by_significance)
        ])


def _in_order(
    versions: list[queries.VersionSummary], by_significance: bool
) -> list[queries.VersionSummary]:
    """Oldest first, or the most substantive change first (version 1 last: it changed nothing)."""
    if not by_significance:
        return versions
    return sorted(versions, key=lambda v: (v.significance is None, -(v.significance or 0)))


def _significance_cell(version: queries.VersionSummary) -> str:
    return "" if version.significance is None else f"{version.significance:.0f}"


def _changes_cell(version: queries.VersionSummary) -> str:
    """The fact-change tags, then the headline where it is new (first version, or changed)."""
    if version.number == 1:
        return f"first seen: {display.safe(version.title)}"
    tags = display.tags_label(version.tags)
    if version.headline_changed:
        return f"{tags} | headline now: {display.safe(version.title)}"
    return tags


def story_ref(story: queries.StorySummary) -> dict[str, object]:
    """The story a `--json` result is about, as every such result names it."""
    return {"id": story.id, "url": story.url, "site": story.site, "title": story.title}


def _print_word_diff(view: DiffView, context: int, color: ColorMode) -> None:
    """Coloured, or with git's [-deleted-]{+inserted+} markers when there is no colour; lines
    wrap to a terminal, and stay whole when piped."""
    style = render.DiffStyle(context=None if context < 0 else context,
                             markers=not wants_color(color))
    out(color).print(render.diff_view(view, style), soft_wrap=not sys.stdout.isatty())


def _print_unified(db: Database, story: queries.StorySummary, view: DiffView) -> None:
    old = queries.get_version(db, story.id, view.old.number)
    new = queries.get_version(db, story.id, view.new.number)
    sys.stdout.write(display.safe(unified_diff(
        old.text, new.text,
        from_label=f"v{old.info.number} {old.info.observed_at.isoformat()}",
        to_label=f"v{new.info.number} {new.info.observed_at.isoformat()}",
    )))


