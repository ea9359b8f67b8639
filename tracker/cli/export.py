"""`tracker export`: a story's history (or many stories') as HTML, Markdown, JSON, patch or Atom."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from tracker.cli import MAX_RESULTS, app, check_range, command, state
from tracker.db import queries
from tracker.db.engine import Database
from tracker.db.queries import StorySummary
from tracker.errors import ExitCode, InvalidInput, TrackerError
from tracker.export import (
    Format,
    render_combined,
    render_story,
    select_stories,
    unversioned_stories,
)
from tracker.export.atom import FeedLinks
from tracker.export.history import FEED_LIMIT, Selection, load_history, slug
from tracker.export.output import prepare_folder, write_atomic
from tracker.text import display
from tracker.text.timespec import parse_since


@command(app)
def export(
    ctx: typer.Context,
    story: Annotated[str | None, typer.Argument(
        metavar="STORY",
        help="A story id or URL (see `tracker stories`); or use --all / --since / --site.")] = None,
    fmt: Annotated[Format | None, typer.Option(
        "--format", "-f", metavar="FORMAT",
        help="html, md, json, patch or atom (default: from the -o file's "
        "extension, else html).")] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", metavar="PATH",
        help="File to write (default: stdout); with many stories in html, md "
        "or patch, the folder for one file per story.")] = None,
    every: Annotated[bool, typer.Option("--all", help="Every story.")] = False,
    since: Annotated[str | None, typer.Option(
        metavar="WHEN",
        help="Stories changed at or after this UTC date or time (2020-01-07, 2020-01-07T23:00); "
        "atom: versions seen since then (also with a STORY).")] = None,
    site: Annotated[str | None, typer.Option(
        metavar="SITE", help="Stories of this site (example.com).")] = None,
    limit: Annotated[int, typer.Option(
        metavar="N", help="atom: how many of the newest versions become entries.")
    ] = FEED_LIMIT,
    feed_url: Annotated[str | None, typer.Option(
        metavar="URL", help="atom: the address the feed is published at, its rel=\"self\" link "
        "(default: the -o file).")] = None,
    reports_url: Annotated[str | None, typer.Option(
        metavar="URL", help="atom: where the HTML reports of `export --all -f html -o FOLDER` "
        "are published; each entry links to its version there (default: to the article).")
    ] = None,
) -> None:
    """Export stories' histories: an HTML report, Markdown, JSON, patches or an Atom feed."""
    check_range("--limit", limit, 1, MAX_RESULTS)
    db = state(ctx).db
    fmt = fmt or _format_of(output)
    selection = _selection(db, story, every, since, site, limit, fmt)
    if selection.story is None and not fmt.combines:
        _export_folder(db, selection, fmt, output)
    elif fmt.combines:
        links = FeedLinks(feed_url or (output.resolve().as_uri() if output else None),
                          reports_url)
        _emit(render_combined(db, selection, fmt, links), output)
    else:
        assert selection.story is not None
        _emit(render_story(load_history(db, selection.story.id), fmt), output)
    _say_skipped(unversioned_stories(db, selection))


def _selection(
    db: Database, story: str | None, every: bool, since: str | None, site: str | None,
    limit: int, fmt: Format,
) -> Selection:
    """One story, or the filters for many; a story's feed can also start at --since."""
    if story is not None and (every or site is not None):
        raise InvalidInput("give either a STORY or --all / --site, not both")
    if story is not None and since is not None and fmt is not Format.ATOM:
        raise InvalidInput("--since with a STORY only applies to an atom feed; "
                           f"{fmt} exports the story's whole history")
    if story is None and not (every or since is not None or site is not None):
        raise InvalidInput("give a STORY to export, or --all / --since / --site for many")
    found = queries.find_story(db, story) if story is not None else None
    return Selection(story=found, since=parse_since(since) if since is not None else None,
                     site=site, limit=limit)


def _format_of(output: Path | None) -> Format:
    """The format a file name asks for (report.md, feed.xml), so -o alone is enough."""
    suffix = output.suffix.lower() if output else ""
    return _SUFFIXES.get(suffix, Format.HTML)


_SUFFIXES = {".html": Format.HTML, ".htm": Format.HTML, ".md": Format.MARKDOWN,
             ".markdown": Format.MARKDOWN, ".json": Format.JSON, ".patch": Format.PATCH,
             ".diff": Format.PATCH, ".xml": Format.ATOM, ".atom": Format.ATOM}


def _emit(text: str, output: Path | None) -> None:
    """To the file (atomically) when given, else to stdout."""
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    write_atomic(output, text)
    typer.echo(f"wrote {output}", err=True)


def _say_skipped(stories: list[StorySummary]) -> None:
    """Stories added but not yet checked have no version: say they were left out, and which."""
    if stories:
        ids = ", ".join(str(story.id) for story in stories[:10])
        more = f" and {len(stories) - 10} more" if len(stories) > 10 else ""
        count = "1 story" if len(stories) == 1 else f"{len(stories)} stories"
        typer.echo(f"skipped {count} with no version yet (story {ids}{more})", err=True)


def _export_folder(db: Database, selection: Selection, fmt: Format, output: Path | None) -> None:
    """One file per story; a story that fails is reported and the others still get written."""
    if output is None:
        raise InvalidInput(f"-o FOLDER is needed: {fmt} writes one file per story "
                           "(json and atom can hold many stories in one file)")
    folder = prepare_folder(output)
    stories = select_stories(db, selection)
    failed = 0
    for story in stories:
        try:
            history = load_history(db, story.id)
            write_atomic(folder / f"{slug(history)}{fmt.suffix}", render_story(history, fmt))
        except TrackerError as exc:
            failed += 1
            typer.echo(f"tracker: story {story.id}: {display.safe(exc.message)}", err=True)
    typer.echo(f"wrote {len(stories) - failed} of {len(stories)} stories to {folder}", err=True)
    if failed:
        raise typer.Exit(ExitCode.ERROR)
