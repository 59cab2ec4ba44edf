"""The Registry pane's commands: its bindings, footer keys and palette entries."""

from __future__ import annotations

from buildtui.app.commands import Command
from buildtui.i18n import N_

PANE_COMMANDS = (
    Command("registry.refresh", "r", "refresh", N_("Refresh"), N_("Read the registry again")),
    Command(
        "registry.filter", "slash", "focus_filter", N_("Filter"), N_("Filter repositories, tags")
    ),
    Command("registry.raw", "v", "raw", N_("Raw JSON"), N_("Show the selected manifest's JSON")),
    Command(
        "registry.zoom",
        "z",
        "zoom",
        N_("Zoom"),
        N_("Show the manifest panel on the whole pane, or the lists beside it again"),
    ),
    Command("registry.copy_digest", "c", "copy_digest", N_("Copy digest"), N_("Copy the digest")),
    Command("registry.copy_ref", "y", "copy_ref", N_("Copy ref"), N_("Copy the image reference")),
    Command("registry.open", "o", "open_registry", N_("Open…"), N_("Open another registry")),
    Command("registry.login", "l", "login", N_("Log in"), N_("Type registry credentials")),
)
