"""Paths of elements in a parsed page: how the fast path finds an element again on the next page.

A path is the (position among the parent's element children, tag) of each step from the root,
so a page whose layout moved an element (another sibling before it, another container) no
longer has it at that path, and the fast path falls back to the full extraction. Shared by
`regions` (the article's container) and `metasources` (a byline's element).
"""

from typing import Any

Path = tuple[tuple[int, str], ...]


def path_of(element: Any) -> Path:
    """The path from the root of `element`'s document to `element`."""
    steps = []
    while (parent := element.getparent()) is not None:
        steps.append((_children(parent).index(element), str(element.tag)))
        element = parent
    return tuple(reversed(steps))


def follow(root: Any, path: Path) -> Any:
    """The element at `path` under `root`, or None when a step is missing or of another tag."""
    element = root
    for position, tag in path:
        children = _children(element)
        if position >= len(children) or children[position].tag != tag:
            return None
        element = children[position]
    return element


def dumps(path: Path) -> str:
    """A path as one string ("3.div/0.p"), for a hint's JSON."""
    return "/".join(f"{position}.{tag}" for position, tag in path)


def loads(value: str) -> Path:
    """The path `dumps` wrote; ValueError when it is not one."""
    steps = [step.split(".", 1) for step in value.split("/") if step]
    return tuple((int(position), tag) for position, tag in steps)


def _children(element: Any) -> list[Any]:
    return [child for child in element if isinstance(child.tag, str)]
