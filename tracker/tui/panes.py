"""Reading what the diff pane shows: one request in, one prepared content out, in a worker.

Only the texts a request needs are read: the two versions of a diff, one version for full text,
and the history up to a version for blame. Version metadata comes earlier, from the timeline.
"""

from collections import OrderedDict
from dataclasses import dataclass

from tracker.db import queries
from tracker.db.engine import Database
from tracker.history import compare
from tracker.history.blame import blame_version
from tracker.tui import texts
from tracker.tui.texts import Mode, PaneContent

CACHE_SIZE = 32


@dataclass(frozen=True)
class PaneRequest:
    """What to show: version `number` of a story in `mode`, compared with `base` when marked."""

    story_id: int
    number: int
    mode: Mode = Mode.INLINE
    base: int | None = None
    folded: bool = True
    only: bool = False
    """The story has only this one version (so say that changes will show up later)."""

    @property
    def pair(self) -> tuple[int, int] | None:
        """The versions compared, older first; None when there is nothing to compare with."""
        if self.base is not None and self.base != self.number:
            return min(self.base, self.number), max(self.base, self.number)
        return (self.number - 1, self.number) if self.number > 1 else None


def build(db: Database, request: PaneRequest) -> PaneContent:
    """Read what `request` needs and prepare it for the pane."""
    if request.mode is Mode.FULL or (request.pair is None and request.mode is not Mode.BLAME):
        detail = queries.get_version(db, request.story_id, request.number)
        return texts.full_text(detail, only=request.only)
    if request.mode is Mode.BLAME:
        info = queries.get_version(db, request.story_id, request.number).info
        return texts.blame_text(info, blame_version(db, request.story_id, request.number))
    assert request.pair is not None
    view = compare.get_diff(db, request.story_id, *request.pair)
    if request.mode is Mode.SIDE:
        return texts.side_by_side(view, folded=request.folded)
    return texts.inline_diff(view, folded=request.folded)


class PaneCache:
    """The last few prepared contents, so stepping back and forth does not read them again.

    Only the UI thread adds to it or reorders it; workers only ask whether it holds a request.
    """

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self.items: OrderedDict[PaneRequest, PaneContent] = OrderedDict()

    def __contains__(self, request: object) -> bool:
        """A read that changes nothing, so a worker thread may ask it."""
        return request in self.items

    def get(self, request: PaneRequest) -> PaneContent | None:
        content = self.items.get(request)
        if content is not None:
            self.items.move_to_end(request)
        return content

    def put(self, request: PaneRequest, content: PaneContent) -> None:
        self.items[request] = content
        self.items.move_to_end(request)
        while len(self.items) > self.size:
            self.items.popitem(last=False)
