"""The documentation covers the command line, in the manner of sqlite-utils' test_docs.py:
every command as it is typed and every option of it appears in the README or a page under
docs/, and every command and option has help of its own."""

from pathlib import Path

import pytest
import typer

from tests.cli_support import commands
from tracker.cli import app

ROOT = Path(__file__).resolve().parent.parent
DOCS = "\n".join(path.read_text(encoding="utf-8")
                 for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))])
COMMANDS = dict(commands())


def options(command: typer.core.TyperCommand | typer.core.TyperGroup) -> list[str]:
    """The long name of each visible option (`--help` is click's own)."""
    return [max(param.opts, key=len) for param in command.params
            if param.param_type_name == "option" and not getattr(param, "hidden", False)]


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_is_documented(name: str) -> None:
    assert f"tracker {name}" in DOCS


@pytest.mark.parametrize(("name", "option"), [
    (name, option) for name, command in COMMANDS.items() for option in options(command)
] + [("", option) for option in options(typer.main.get_group(app))])
def test_every_option_is_documented(name: str, option: str) -> None:
    assert option in DOCS, f"tracker {name} {option}"


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_and_option_has_help(name: str) -> None:
    command = COMMANDS[name]
    assert command.help and command.help.strip()
    undocumented = [param.name for param in command.params
                    if not getattr(param, "hidden", False) and not getattr(param, "help", None)]
    assert undocumented == []
