"""App-wide commands, defined once: each feeds a binding, the footer and the command palette."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True)
class AppCommand:
    id: str
    """Binding id, so users can remap the key with a keymap."""
    key: str
    action: str
    title: str
    help: str
    show: bool = True


PANES = (
    ("builders", "Builders", "1"),
    ("build", "Build", "2"),
    ("registry", "Registry", "3"),
    ("cleanup", "Clean-up", "4"),
)

APP_COMMANDS = (
    *(
        AppCommand(
            f"pane.{pane_id}",
            key,
            f"show_pane('{pane_id}')",
            title,
            f"Show the {title} pane",
            show=False,
        )
        for pane_id, title, key in PANES
    ),
    AppCommand("app.doctor", "d", "doctor", "Doctor", "Check the engine, buildx and registry"),
    AppCommand(
        "app.refresh_status", "ctrl+r", "refresh_status", "Status", "Refresh the status bar now"
    ),
)


def app_bindings() -> list[Binding | tuple[str, str] | tuple[str, str, str]]:
    return [
        Binding(c.key, c.action, c.title, show=c.show, id=c.id, tooltip=c.help)
        for c in APP_COMMANDS
    ]
