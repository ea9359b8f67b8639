"""Stories: listing, counting and finding them, with their version counts and top significance.

A list narrows and sorts in SQL (by any column a person can sort by), so a story list can follow
each key press without loading every story.
"""

from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, ScalarSelect, Select, Subquery, func, or_, select
from sqlalchemy.orm import QueryableAttribute, Session

from tracker.db.engine import Database
from tracker.db.identity import story_id_for_url
from tracker.db.models import Diff, Story, Version
from tracker.db.summaries import StoryOrder as StoryOrder
from tracker.db.summaries import StorySummary as StorySummary
from tracker.db.types import MAX_INTEGER
from tracker.errors import NotFoundError
from tracker.text.urls import story_key

"""The largest id a database integer holds; a larger number names no story."""
SelectT = TypeVar("SelectT", bound=Select[*tuple[Any, ...]])


def list_stories(
    db: Database, *, site: str | None = None, limit: int | None = None, offset: int = 0,
    contains: str | None = None, order: StoryOrder = StoryOrder.CHANGED, descending: bool = True,
    changed_since: datetime | None = None,
) -> list[StorySummary]:
    """Stories, most recently changed first unless `order` says otherwise.

    `contains` keeps the stories whose title, URL or site contains it (any case), so a list
    can narrow as a person types without loading every story; `changed_since` keeps those
    with a version newer than that.
    """
    query, counts = _story_query_and_counts()
    key = _order_column(order, counts)
    query = query.order_by(
        (key.desc() if descending else key.asc()).nulls_last(),
        Story.id.desc() if descending else Story.id.asc(),
    )
    if changed_since is not None:
        query = query.where(Story.last_changed_at >= changed_since)
    with db.reading() as session:
        query = _story_filters(query, site, contains)
        rows = session.execute(query.offset(offset).limit(limit)).all()
    return [_story_summary(*row) for row in rows]


def count_stories(db: Database, *, contains: str | None = None) -> int:
    """How many stories there are, or how many match `contains` (as in `list_stories`)."""
    query = _story_filters(select(func.count()).select_from(Story), None, contains)
    with db.reading() as session:
        return session.scalar(query) or 0


def find_story(db: Database, ref: str | int, *, exact: bool = False) -> StorySummary:
    """A story by id, or by URL: the story that URL names once in canonical form (see
    tracker.db.identity). With `exact`, only the story's own URL, not an alias or a declared
    canonical URL: what `tracker remove` asks for. Any other reference is not found."""
    with db.reading() as session:
        story_id = _story_id(session, str(ref).strip(), exact)
        row = (None if story_id is None else
               session.execute(_story_query().where(Story.id == story_id)).first())
    if row is None:
        raise NotFoundError(f"no story {ref!r}: give an id or a URL from `tracker stories`")
    return _story_summary(*row)


def _story_id(session: Session, ref: str, exact: bool) -> int | None:
    if ref.isascii() and ref.isdigit():
        return int(ref) if int(ref) <= MAX_INTEGER else None
    return story_id_for_url(session, story_key(ref), exact=exact)


def _story_query() -> Select[Story, int, float | None]:
    return _story_query_and_counts()[0]


def _story_query_and_counts() -> tuple[Select[Story, int, float | None], Subquery]:
    counts = (
        select(Version.story_id, func.count().label("n"))
        .group_by(Version.story_id)
        .subquery()
    )
    query = select(Story, func.coalesce(counts.c.n, 0), _top_significance()).outerjoin(
        counts, counts.c.story_id == Story.id
    )
    return query, counts


def _order_column(
    order: StoryOrder, counts: Subquery
) -> ColumnElement[Any] | QueryableAttribute[Any]:
    columns: dict[StoryOrder, ColumnElement[Any] | QueryableAttribute[Any]] = {
        StoryOrder.CHANGED: Story.last_changed_at, StoryOrder.CHECKED: Story.last_checked_at,
        StoryOrder.TITLE: func.lower(Story.title), StoryOrder.SITE: Story.site,
        StoryOrder.VERSIONS: func.coalesce(counts.c.n, 0), StoryOrder.STATUS: Story.status,
        StoryOrder.SIGNIFICANCE: _top_significance(),
    }
    return columns[order]


def _story_filters(query: SelectT, site: str | None, contains: str | None) -> SelectT:
    if site:
        query = query.where(Story.site == site)
    if contains and contains.strip():
        pattern = f"%{_escape_like(contains.strip().lower())}%"
        query = query.where(or_(*(func.lower(column).like(pattern, escape="\\")
                                  for column in (Story.title, Story.url, Story.site))))
    return query


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _top_significance() -> ScalarSelect[float | None]:
    """A story's highest diff significance, as a correlated scalar subquery."""
    return (
        select(func.max(Diff.significance)).where(Diff.story_id == Story.id)
        .correlate(Story).scalar_subquery()
    )


def _story_summary(story: Story, count: int, top: float | None = None) -> StorySummary:
    return StorySummary(
        id=story.id, url=story.url, site=story.site, title=story.title, status=story.status,
        first_seen_at=story.first_seen_at, last_changed_at=story.last_changed_at,
        last_checked_at=story.last_checked_at, version_count=count, top_significance=top,
        canonical_url=story.canonical_url if story.canonical_url != story.url else None,
    )
