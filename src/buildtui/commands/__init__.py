"""Command-line twins of the panes: one module per pane, each with `register(subparsers)`.

A module's `register` adds its subcommand parser(s) and sets `handler=` on each,
a callable `(args: argparse.Namespace, settings: Settings) -> int` (the exit code).
Handlers print results (JSON with `--json`) and raise nothing a user can cause:
they print a one-line message to stderr with what to do, and return non-zero.
"""

from __future__ import annotations

import importlib
from types import ModuleType

# Modules that provide subcommands, in the order `--help` lists them.
COMMAND_MODULES = (
    "buildtui.commands.doctor",
    "buildtui.commands.builders",
    "buildtui.commands.build",
    "buildtui.commands.history",
    "buildtui.commands.registry",
    "buildtui.commands.cleanup",
    "buildtui.commands.lab",
    "buildtui.commands.classroom",
    "buildtui.commands.completion",
)


COMMANDS = {
    "doctor": "buildtui.commands.doctor",
    "builders": "buildtui.commands.builders",
    "build": "buildtui.commands.build",
    "history": "buildtui.commands.history",
    "inspect": "buildtui.commands.registry",
    "registry": "buildtui.commands.registry",
    "rm": "buildtui.commands.cleanup",
    "gc": "buildtui.commands.cleanup",
    "lab": "buildtui.commands.lab",
    "class": "buildtui.commands.classroom",
}
"""Each subcommand and the module that registers it (a test checks every one is here)."""


def command_modules(command: str | None = None) -> list[ModuleType]:
    """The module of `command` when it names one: a command starts without importing the
    others' modules (`buildtui doctor` half as fast otherwise); every command module for
    the top-level help, completion or a name that is not a command. One that fails to
    import is a packaging error and raises."""
    module = COMMANDS.get(command or "")
    return [importlib.import_module(name) for name in ([module] if module else COMMAND_MODULES)]
