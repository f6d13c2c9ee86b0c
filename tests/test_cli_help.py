"""Every command's --help renders (typer formats help text as rich markup, so a stray "[...]" in a
help string crashes `--help` at run time, not at import)."""

from __future__ import annotations

from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from phiscope.cli import app


def _commands(group: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = [prefix]
    for name, cmd in group.commands.items():
        if hasattr(cmd, "commands"):  # a group (typer vendors its own click)
            out += _commands(cmd, (*prefix, name))
        else:
            out.append((*prefix, name))
    return out


COMMANDS = _commands(typer.main.get_command(app))


def test_every_command_is_listed() -> None:
    names = {" ".join(c) for c in COMMANDS}
    assert {"demo", "scan", "probe", "incident", "exposure snapshot", "fix plan", "fix rollback"} <= names


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "phiscope")
def test_help_renders(command: tuple[str, ...]) -> None:
    r = CliRunner().invoke(app, [*command, "--help"])
    assert r.exit_code == 0, r.output
    assert "Usage" in r.output
