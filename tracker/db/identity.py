"""Which story a URL names, for the write path, `tracker add` and lookups alike.

A URL in canonical form (tracker.text.urls) names the story with that URL; failing that, the
story it was merged into (an alias), or the story whose page declares it as its canonical URL.
Nothing looser: a URL that names no story this way names none, never a near miss.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.db.models import Story, StoryAlias


def story_id_for_url(session: Session, url: str, *, exact: bool = False) -> int | None:
    """The id of the story `url` (canonical form) names; with `exact`, only its own URL."""
    found = session.scalar(select(Story.id).where(Story.url == url))
    if found is not None or exact:
        return found
    return _named_elsewhere(session, url)


def story_for_url(session: Session, url: str) -> Story | None:
    """The story `url` (canonical form) names, loaded: the write path's usual case, a story's
    own URL, is one query for the row instead of one for its id and another for the row."""
    own = session.scalars(select(Story).where(Story.url == url)).one_or_none()
    if own is not None:
        return own
    other = _named_elsewhere(session, url)
    return session.get_one(Story, other) if other is not None else None


def _named_elsewhere(session: Session, url: str) -> int | None:
    """The story `url` is an alias of (merged into it), or declared canonical by."""
    found = session.scalar(select(StoryAlias.story_id).where(StoryAlias.url == url))
    if found is not None:
        return found
    declared = select(Story.id).where(Story.canonical_url == url).order_by(Story.id).limit(1)
    return session.scalar(declared)
