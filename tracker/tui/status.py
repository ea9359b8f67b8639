"""The story screen's status line: what is shown, the mark, what is found, and a key to the look.

Built from values alone (no widget), so the screen only places it and tests can read it whole.
"""

from rich.text import Text

from tracker.terminal import render
from tracker.tui.panes import PaneRequest
from tracker.tui.texts import Look, Mode


def status_line(request: PaneRequest, versions: int, base: int | None, found: Text) -> Text:
    """Mode, versions compared (or the one shown) out of `versions`, the mark, `found` (the
    find's state), the colour key and where help is."""
    status = Text(f"{request.mode}", "bold", no_wrap=True, overflow="ellipsis")
    pair = request.pair
    if pair and request.mode in (Mode.INLINE, Mode.SIDE):
        status.append(f"  v{pair[0]} → v{pair[1]}")
    else:
        status.append(f"  v{request.number}")
    status.append(f" of {versions}")
    if base is not None:
        status.append(f"  ·  marked v{base}", "yellow")
    status.append_text(found)
    status.append("  ·  ").append_text(legend(request.mode, request.look))
    status.append("  ·  ? help", "dim")
    return status


def legend(mode: Mode, look: Look) -> Text:
    """One line saying how added and removed words look (or what blame's colours mean)."""
    if mode is Mode.BLAME:
        return Text("colour: the version a paragraph dates from", "dim")
    legend = Text()
    legend.append("{+added+}" if look.markers else "added", render.INSERT_STYLE)
    legend.append(" ")
    legend.append("[-removed-]" if look.markers else "removed", render.DELETE_STYLE)
    return legend
