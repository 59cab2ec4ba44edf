"""The Builders pane's commands: its bindings, footer keys and palette entries."""

from __future__ import annotations

from buildtui.app.commands import Command

PANE_COMMANDS = (
    Command("builders.create", "n", "create", "New…", "Create a builder"),
    Command("builders.use", "u", "use", "Use", "Make the highlighted builder the one in use"),
    Command("builders.bootstrap", "b", "bootstrap", "Bootstrap", "Start the builder's BuildKit"),
    Command("builders.stop", "s", "stop", "Stop", "Stop the builder's BuildKit"),
    Command("builders.remove", "x", "remove", "Remove…", "Remove the highlighted builder"),
    Command("builders.inspect", "i", "inspect", "Inspect", "Everything buildx inspect shows"),
    Command("builders.du", "D", "disk_usage", "Usage", "Build cache of the builder"),
    Command("builders.prune", "p", "prune", "Prune…", "Remove build cache"),
    Command("builders.append", "a", "append", "Add node…", "Add a node to the builder", show=False),
    Command("builders.leave", "L", "leave", "Remove node…", "Remove the highlighted node", False),
    Command("builders.refresh", "r", "refresh", "Refresh", "List the builders again"),
)
