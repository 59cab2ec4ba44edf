"""Commands, each defined once: one definition feeds a binding, the footer and the palette.

The app has its own (`APP_COMMANDS`); each pane lists its own in a `COMMANDS` class
attribute and builds its `BINDINGS` from them with `bindings()`. The command palette
offers the app's commands and those of the pane in front.

Titles and help lines are English, marked with `N_()`: the footer (`TranslatedFooter`)
and the palette (`palette_text`) translate them when they show them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from textual.binding import Binding, BindingType

from buildtui.app.panes import PANE_SPECS
from buildtui.i18n import N_, _


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
        return _(command.title), _(command.help)
    return _(command.help), _("Key: {key}").format(key=key)


def bindings(commands: Iterable[Command]) -> list[BindingType]:
    return [
        Binding(c.key, c.action, c.title, show=c.show, id=c.id, tooltip=c.help, priority=c.priority)
        for c in commands
    ]


APP_COMMANDS = (
    # 1-5 switch panes outside text fields; alt+1-5 also from inside one.
    *(
        Command(
            f"pane.{spec.id}",
            spec.key,
            f"show_pane('{spec.id}')",
            spec.title,
            spec.help,
            show=False,
        )
        for spec in PANE_SPECS
    ),
    *(
        Command(
            f"pane.{spec.id}.alt",
            f"alt+{spec.key}",
            f"show_pane('{spec.id}')",
            spec.title,
            spec.help,
            show=False,
            priority=True,
        )
        for spec in PANE_SPECS
    ),
    Command(
        "app.leave_field",
        "escape",
        "leave_field",
        N_("Leave field"),
        N_("Leave the text field, so that 1-5 switch panes again"),
    ),
    Command("app.doctor", "d", "doctor", N_("Doctor"), N_("Check the engine, buildx and registry")),
    Command(
        "app.refresh_status",
        "ctrl+r",
        "refresh_status",
        N_("Status"),
        N_("Refresh the status bar now"),
        show=False,  # in the palette: the footer keeps its room for the pane's keys at 100 columns
    ),
)
