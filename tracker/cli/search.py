"""Commands over the change index: search, reindex."""

import sys
from typing import Annotated

import typer
from rich.text import Text

from tracker.cli import (
    MAX_RESULTS,
    ColorMode,
    ColorOption,
    JsonOption,
    app,
    check_range,
    command,
    out,
    state,
    wants_color,
)
from tracker.errors import InvalidInput
from tracker.search import Field, SearchFilter, SearchHit, search
from tracker.store.reindex import reindex as reindex_all
from tracker.terminal import render
from tracker.text import display
from tracker.text.analysis import Tag
from tracker.text.serialize import to_json
from tracker.text.timespec import parse_since

SEARCH_TAGS = tuple(Tag)


@command(app, "search")
def search_command(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(
        metavar="QUERY",
        help='Words and "quoted phrases", all required (stemmed: missile finds missiles); '
             "a OR b; -word or NOT word to exclude; prefix* (see README, Searching).")],
    added: Annotated[bool, typer.Option(
        "--added", help="Only text that a change added.")] = False,
    removed: Annotated[bool, typer.Option(
        "--removed", help="Only text that a change removed.")] = False,
    tag: Annotated[str | None, typer.Option(
        metavar="TAG", help="Only changes with this tag: " + ", ".join(SEARCH_TAGS) + ".")
    ] = None,
    site: Annotated[str | None, typer.Option(
        metavar="SITE", help="Only stories from this site.")] = None,
    since: Annotated[str | None, typer.Option(
        metavar="WHEN", help="Only changes seen since: a date, a time or an age (12h, 3d, 2w).")
    ] = None,
    limit: Annotated[int, typer.Option(metavar="N", help="At most this many results.")] = 50,
    json: JsonOption = False,
    color: ColorOption = ColorMode.AUTO,
) -> None:
    """Search the text that changes added or removed, and the stories' full text.

    Results are newest first. A full-text result names the first and the last version that
    contain the match; a change names the version pair that added or removed it.
    """
    if tag is not None and tag not in {str(t) for t in SEARCH_TAGS}:
        raise InvalidInput(f"unknown --tag {tag!r}: use one of {', '.join(SEARCH_TAGS)}")
    check_range("--limit", limit, 1, MAX_RESULTS)
    fields = tuple(f for f, wanted in ((Field.ADDED, added), (Field.REMOVED, removed)) if wanted)
    where = SearchFilter(
        fields=fields or (Field.ADDED, Field.REMOVED, Field.TEXT), tag=tag, site=site,
        since=parse_since(since) if since else None, limit=limit,
    )
    hits = search(state(ctx).db, query, where)
    if json:
        typer.echo(to_json(hits))
        return
    if not hits:
        typer.echo("No matches.", err=True)
        return
    _print_hits(hits, color)


@command(app)
def reindex(ctx: typer.Context) -> None:
    """Recompute every diff's analysis and tags and rebuild the search index."""

    def progress(done: int, total: int) -> None:
        typer.echo(f"\r{done}/{total} diffs", err=True, nl=False)

    count = reindex_all(state(ctx).db, progress=progress)
    if count:
        typer.echo(err=True)
    typer.echo(f"Reindexed {count} diffs and every version's text.", err=True)


def _print_hits(hits: list[SearchHit], color: ColorMode) -> None:
    """Matches highlighted, or in [[...]] without colour; whole lines when piped."""
    console = out(color)
    plain = not wants_color(color)
    for hit in hits:
        console.print(_hit_header(hit), soft_wrap=not sys.stdout.isatty())
        console.print(Text("  ").append_text(render.snippet_text(hit.snippet, markers=plain)),
                      soft_wrap=not sys.stdout.isatty())


def _hit_header(hit: SearchHit) -> Text:
    versions = (f"v{hit.from_version}-v{hit.to_version}" if hit.field == Field.TEXT
                else f"v{hit.from_version} -> v{hit.to_version}")
    header = Text()
    header.append(f"story {hit.story_id}  {versions}  ", "bold")
    header.append(f"{hit.field.value}  {display.format_time(hit.observed_at)}")
    if hit.tags:
        header.append(f"  [{display.tags_label(hit.tags)}]", "cyan")
    header.append(f"  {display.safe(hit.story_title)}")
    return header
