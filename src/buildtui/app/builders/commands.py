"""The Builders pane's commands: its bindings, footer keys and palette entries."""

from __future__ import annotations

from buildtui.app.commands import Command
from buildtui.i18n import N_

PANE_COMMANDS = (
    Command("builders.create", "n", "create", N_("New…"), N_("Create a builder")),
    Command(
        "builders.use", "u", "use", N_("Use"), N_("Make the highlighted builder the one in use")
    ),
    Command(
        "builders.bootstrap", "b", "bootstrap", N_("Bootstrap"), N_("Start the builder's BuildKit")
    ),
    Command("builders.stop", "s", "stop", N_("Stop"), N_("Stop the builder's BuildKit")),
    Command("builders.remove", "x", "remove", N_("Remove…"), N_("Remove the highlighted builder")),
    Command(
        "builders.inspect", "i", "inspect", N_("Inspect"), N_("Everything buildx inspect shows")
    ),
    Command("builders.du", "D", "disk_usage", N_("Usage"), N_("Build cache of the builder")),
    Command("builders.prune", "p", "prune", N_("Prune…"), N_("Remove build cache")),
    Command(
        "builders.append",
        "a",
        "append",
        N_("Add node…"),
        N_("Add a node to the builder"),
        show=False,
    ),
    Command(
        "builders.leave", "L", "leave", N_("Remove node…"), N_("Remove the highlighted node"), False
    ),
    Command("builders.refresh", "r", "refresh", N_("Refresh"), N_("List the builders again")),
)
