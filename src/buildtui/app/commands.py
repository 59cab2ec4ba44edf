"""Commands, each defined once: one definition feeds a binding, the footer and the palette.

The app has its own (`APP_COMMANDS`); each pane lists its own in a `COMMANDS` class
attribute and builds its `BINDINGS` from them with `bindings()`. The command palette
offers the app's commands and those of the pane in front.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from textual.binding import Binding, BindingType


@dataclass(frozen=True)
class Command:
    id: str
    """Binding id, so users can remap the key with a keymap."""
    key: str
    action: str
    title: str
    help: str
    show: bool = True
    priority: bool = False
    """Checked before the focused widget's keys (so it works while typing in a field)."""


def palette_text(command: Command, key: str) -> tuple[str, str]:
    """The command palette's name and help line for `command`, bound to `key`.

    A command shown in the footer is named by its short title there; one only in the
    palette by its help sentence, with its key as the help line (never the same
    sentence twice).
    """
    if command.show:
        return command.title, command.help
    return command.help, f"Key: {key}"


def bindings(commands: Iterable[Command]) -> list[BindingType]:
    return [
        Binding(c.key, c.action, c.title, show=c.show, id=c.id, tooltip=c.help, priority=c.priority)
        for c in commands
    ]


PANES = (
    ("builders", "Builders", "1"),
    ("build", "Build", "2"),
    ("registry", "Registry", "3"),
    ("cleanup", "Clean-up", "4"),
    ("lab", "Lab", "5"),
)

APP_COMMANDS = (
    # 1-5 switch panes outside text fields; alt+1-5 also from inside one.
    *(
        Command(
            f"pane.{pane_id}",
            key,
            f"show_pane('{pane_id}')",
            title,
            f"Show the {title} pane",
            show=False,
        )
        for pane_id, title, key in PANES
    ),
    *(
        Command(
            f"pane.{pane_id}.alt",
            f"alt+{key}",
            f"show_pane('{pane_id}')",
            title,
            f"Show the {title} pane",
            show=False,
            priority=True,
        )
        for pane_id, title, key in PANES
    ),
    Command(
        "app.leave_field",
        "escape",
        "leave_field",
        "Leave field",
        "Leave the text field, so that 1-5 switch panes again",
    ),
    Command("app.doctor", "d", "doctor", "Doctor", "Check the engine, buildx and registry"),
    Command(
        "app.refresh_status",
        "ctrl+r",
        "refresh_status",
        "Status",
        "Refresh the status bar now",
        show=False,  # in the palette: the footer keeps its room for the pane's keys at 100 columns
    ),
)
