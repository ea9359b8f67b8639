"""Geometry of the report's timeline chart: story length and change sizes over time.

Computed here as plain numbers so the HTML template only draws shapes, and so the layout can be
tested without a browser. The top panel plots the story's length in words at each version; the
bottom panel is a diverging bar chart, words added above the axis and words removed below it, so
the two read apart by position (and hatching) as well as by colour.
"""

from dataclasses import dataclass
from datetime import datetime

from tracker.export.history import StoryHistory, format_utc

WIDTH, HEIGHT = 760, 290
LEFT, RIGHT = 64, 24
LENGTH_TOP, LENGTH_BOTTOM = 28, 128
CHANGE_TOP, CHANGE_BOTTOM = 160, 248
MAX_BAR_WIDTH = 14.0
MAX_VERSION_LABELS = 24


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    version: int
    words: int


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    kind: str
    """"added" or "removed": the CSS class and the hatching that tell them apart."""
    title: str


@dataclass(frozen=True)
class Tick:
    x: float
    y: float
    label: str
    anchor: str = "middle"


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    points: list[Point]
    bars: list[Bar]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    axis_y: float
    """Where the bars start: words added rise from it, words removed hang from it."""
    plot_left: int = LEFT
    plot_right: int = WIDTH - RIGHT

    @property
    def line(self) -> str:
        """The length line as an SVG polyline `points` attribute."""
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


def timeline_chart(history: StoryHistory) -> Chart:
    """Lay out the chart for a story: one point per version, two bars per change."""
    xs = _x_positions([v.info.observed_at for v in history.versions])
    top_words = max(v.info.word_count for v in history.versions) or 1
    points = [
        Point(x, _scale(v.info.word_count, top_words, LENGTH_BOTTOM, LENGTH_TOP), v.info.number,
              v.info.word_count)
        for x, v in zip(xs, history.versions, strict=True)
    ]
    return Chart(
        width=WIDTH, height=HEIGHT, points=points, bars=_bars(history, xs),
        x_ticks=_x_ticks(history, xs), y_ticks=_y_ticks(top_words, _largest_change(history)),
        axis_y=_axis_y(),
    )


def _x_positions(times: list[datetime]) -> list[float]:
    """Proportional to time; evenly spread when every version has the same time."""
    span = (times[-1] - times[0]).total_seconds()
    width = WIDTH - LEFT - RIGHT
    if len(times) == 1:
        return [LEFT + width / 2]
    if span <= 0:
        return [LEFT + width * i / (len(times) - 1) for i in range(len(times))]
    return [LEFT + width * (t - times[0]).total_seconds() / span for t in times]


def _scale(value: float, top: float, low: float, high: float) -> float:
    """Map 0..top onto the pixel range low..high (SVG y grows downwards)."""
    return low + (high - low) * value / top


def _axis_y() -> float:
    return (CHANGE_TOP + CHANGE_BOTTOM) / 2


def _largest_change(history: StoryHistory) -> int:
    sizes = [max(c.view.stats.words_added, c.view.stats.words_removed) for c in history.changes]
    return max(sizes, default=0) or 1


def _bars(history: StoryHistory, xs: list[float]) -> list[Bar]:
    largest = _largest_change(history)
    width = min(MAX_BAR_WIDTH, (WIDTH - LEFT - RIGHT) / (2 * max(len(xs), 1)))
    axis, reach = _axis_y(), (CHANGE_BOTTOM - CHANGE_TOP) / 2
    bars = []
    for change, x in zip(history.changes, xs[1:], strict=True):
        added, removed = change.view.stats.words_added, change.view.stats.words_removed
        label = f"v{change.number}: +{added} / -{removed} words"
        up, down = reach * added / largest, reach * removed / largest
        bars.append(Bar(x - width / 2, axis - up, width, up, "added", label))
        bars.append(Bar(x - width / 2, axis, width, down, "removed", label))
    return bars


def _x_ticks(history: StoryHistory, xs: list[float]) -> list[Tick]:
    """The first and last times at the ends; version numbers under the points (every n-th
    one when there are too many to label without overlap)."""
    y = HEIGHT - 6
    step = -(-len(xs) // MAX_VERSION_LABELS)
    ticks = [Tick(x, CHANGE_BOTTOM + 16, f"v{v.info.number}")
             for x, v in list(zip(xs, history.versions, strict=True))[::step]]
    ticks.append(Tick(LEFT, y, format_utc(history.first.info.observed_at), "start"))
    if len(xs) > 1:
        ticks.append(Tick(WIDTH - RIGHT, y, format_utc(history.latest.info.observed_at), "end"))
    return ticks


def _y_ticks(top_words: int, largest: int) -> list[Tick]:
    x = LEFT - 8
    return [
        Tick(x, LENGTH_TOP + 4, f"{top_words} words", "end"),
        Tick(x, LENGTH_BOTTOM + 4, "0", "end"),
        Tick(x, CHANGE_TOP + 4, f"+{largest}", "end"),
        Tick(x, _axis_y() + 4, "0", "end"),
        Tick(x, CHANGE_BOTTOM + 4, f"-{largest}", "end"),
    ]
