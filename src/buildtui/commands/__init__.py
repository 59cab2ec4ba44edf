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


def command_modules() -> list[ModuleType]:
    """Every command module; one that fails to import is a packaging error and raises."""
    return [importlib.import_module(name) for name in COMMAND_MODULES]
