"""Preparing what the diff pane shows: one request in, lines ready to paint out, in a worker.

Only the texts a request needs are read: the two versions of a diff, one version for full text,
and the history up to a version for blame. Version metadata comes earlier, from the timeline.

The content is also laid out here, wrapped into lines at the pane's width: for a 40 KB story
that is most of a step's cost, and done on the UI thread it held every key behind it (a step
took 86-94 ms; the read and diff alone 8-10 ms). The pane then only paints the lines in view.

A story opened directly (`tracker tui STORY`) shows its first pane from the start-up read
(`from_opening`), before SQLAlchemy is imported; the reads here import it when first needed.
"""

import io
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from rich.console import Console
from rich.text import Text
from textual.strip import Strip

from tracker.db.quick import StoryOpening
from tracker.history.diffview import DiffView, diff_view
from tracker.tui import texts
from tracker.tui.texts import Look, Mode, PaneContent

if TYPE_CHECKING:
    from tracker.db.engine import Database

CACHE_SIZE = 32
FALLBACK_WIDTH = 80
"""The width to lay out for before the pane has a size of its own."""
START_LINES = 80
"""About how many lines of a long text are laid out first: a tall terminal's height."""


@dataclass(frozen=True)
class PaneRequest:
    """What to show: version `number` of a story in `mode`, compared with `base` when marked."""

    story_id: int
    number: int
    mode: Mode = Mode.INLINE
    base: int | None = None
    look: Look = field(default_factory=Look)
    only: bool = False
    """The story has only this one version (so say that changes will show up later)."""
    width: int = FALLBACK_WIDTH
    """The pane's width in cells, which the lines are wrapped to."""

    @property
    def pair(self) -> tuple[int, int] | None:
        """The versions compared, older first; None when there is nothing to compare with."""
        if self.base is not None and self.base != self.number:
            return min(self.base, self.number), max(self.base, self.number)
        return (self.number - 1, self.number) if self.number > 1 else None


@dataclass(frozen=True)
class Laid:
    """Content wrapped to a width: the lines to paint, and where changes and matches are."""

    content: PaneContent
    lines: list[Strip]
    width: int
    changes: list[int] = field(default_factory=list)
    """The first line of each run of changed lines, for the next/previous change keys."""
    matches: list[int] = field(default_factory=list)
    """The lines holding a highlighted match, for n and N."""
    partial: bool = False
    """Only the content's first lines: the whole is being laid out (see `lay_out_start`)."""


def build(db: "Database", request: PaneRequest) -> PaneContent:
    """Read what `request` needs and prepare it for the pane."""
    from tracker.db import queries
    from tracker.history import compare
    from tracker.history.blame import blame_version

    look = request.look
    if _one_version(request):
        detail = queries.get_version(db, request.story_id, request.number)
        return texts.full_text(detail, only=request.only, look=look)
    if request.mode is Mode.BLAME:
        info = queries.get_version(db, request.story_id, request.number).info
        return texts.blame_text(info, blame_version(db, request.story_id, request.number), look)
    assert request.pair is not None
    return _compared(compare.get_diff(db, request.story_id, *request.pair), request)


def from_opening(opening: StoryOpening, request: PaneRequest) -> PaneContent | None:
    """What `request` shows, from the start-up read of a story opened directly; None when
    that read does not hold it (any version but the newest two, blame, a marked version)."""
    held = {detail.info.number: detail for detail in opening.newest}
    if _one_version(request) and request.number in held:
        return texts.full_text(held[request.number], only=request.only, look=request.look)
    pair = request.pair
    if (request.mode is Mode.BLAME or pair is None or request.base is not None
            or not set(pair) <= set(held)):
        return None
    return _compared(diff_view(held[pair[0]], held[pair[1]], opening.delta), request)


def _one_version(request: PaneRequest) -> bool:
    """Whether `request` shows a single version's text (its mode, or nothing to compare)."""
    return request.mode is Mode.FULL or (request.pair is None and request.mode is not Mode.BLAME)


def _compared(view: DiffView, request: PaneRequest) -> PaneContent:
    if request.mode is Mode.SIDE:
        return texts.side_by_side(view, request.look)
    return texts.inline_diff(view, request.look)


def lay_out(content: PaneContent, width: int) -> Laid:
    """Wrap `content` to `width` cells, as the pane would, and find its changes and matches.

    A console of its own, so this runs in a worker without touching the app's."""
    console = Console(file=io.StringIO(), width=width, force_terminal=True,
                      color_system="truecolor", legacy_windows=False, markup=False,
                      emoji=False, highlight=False)
    rendered = console.render_lines(content.renderable, console.options, pad=False)
    lines = [Strip(line) for line in rendered]
    changed = [any(seg.style is not None and (seg.style.strike or seg.style.underline)
                   for seg in line) for line in lines]
    changes = [y for y, flag in enumerate(changed) if flag and (y == 0 or not changed[y - 1])]
    matches = [y for y, line in enumerate(lines)
               if any(seg.style is not None and seg.style.reverse for seg in line)]
    return Laid(content, lines, width, changes, matches)


def lay_out_start(content: PaneContent, width: int) -> Laid | None:
    """The first paragraphs of a long text laid out alone, so that they show before the rest is
    laid out; None for content short enough to lay out at once (or not a single text).

    Wrapping is most of the cost of a long pane: a 40 KB story's full text or blame took
    100-170 ms to lay out whole, its first screen a tenth of that. Cut at a paragraph's end,
    the first lines are those of the whole, so the reader's place holds when the rest comes.
    """
    text = content.renderable
    budget = START_LINES * max(width, 1)
    if not isinstance(text, Text) or len(text) < 3 * budget:
        return None
    cut = text.plain.rfind("\n", 0, budget)
    if cut <= 0:
        return None
    return replace(lay_out(PaneContent.of(text[:cut]), width), content=content, partial=True)


class PaneCache:
    """The last few prepared contents, so stepping back and forth does not read them again.

    Only the UI thread adds to it or reorders it; workers only ask whether it holds a request.
    """

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self.items: OrderedDict[PaneRequest, Laid] = OrderedDict()

    def __contains__(self, request: object) -> bool:
        """A read that changes nothing, so a worker thread may ask it."""
        return request in self.items

    def get(self, request: PaneRequest) -> Laid | None:
        content = self.items.get(request)
        if content is not None:
            self.items.move_to_end(request)
        return content

    def put(self, request: PaneRequest, content: Laid) -> None:
        self.items[request] = content
        self.items.move_to_end(request)
        while len(self.items) > self.size:
            self.items.popitem(last=False)
