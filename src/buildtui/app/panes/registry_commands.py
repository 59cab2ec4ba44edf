"""The Registry pane's commands: its bindings, footer keys and palette entries."""

from __future__ import annotations

from buildtui.app.commands import Command

PANE_COMMANDS = (
    Command("registry.refresh", "r", "refresh", "Refresh", "Read the registry again"),
    Command("registry.filter", "slash", "focus_filter", "Filter", "Filter repositories, tags"),
    Command("registry.raw", "v", "raw", "Raw JSON", "Show the selected manifest's JSON"),
    Command(
        "registry.zoom",
        "z",
        "zoom",
        "Zoom",
        "Show the manifest panel on the whole pane, or the lists beside it again",
    ),
    Command("registry.copy_digest", "c", "copy_digest", "Copy digest", "Copy the digest"),
    Command("registry.copy_ref", "y", "copy_ref", "Copy ref", "Copy the image reference"),
    Command("registry.open", "o", "open_registry", "Open…", "Open another registry"),
    Command("registry.login", "l", "login", "Log in", "Type registry credentials"),
)
