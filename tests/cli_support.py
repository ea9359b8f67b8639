"""The command tree as typer builds it, for tests that go through every command."""

from collections.abc import Iterator
from typing import Any

import typer
from typer.core import TyperGroup

from tracker.cli import app


def commands(group: TyperGroup | None = None, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Every command as it is typed (`db current`), with its click command."""
    group = group or typer.main.get_group(app)
    for name, command in group.commands.items():
        if isinstance(command, TyperGroup):
            yield from commands(command, f"{prefix}{name} ")
        else:
            yield f"{prefix}{name}", command
