"""The Build pane's commands: its bindings, footer keys and palette entries."""

from __future__ import annotations

from buildtui.app.commands import Command

PANE_COMMANDS = (
    Command("build.run", "f5", "run", "Run", "Run the build the form describes"),
    Command("build.cancel", "f8", "cancel", "Cancel", "Cancel the running build"),
    Command("build.copy", "f9", "copy_command", "Copy", "Copy the form's docker buildx command"),
    Command(
        "build.preset",
        "ctrl+l",
        "apply_preset",
        "Lab",
        "Fill the form with the lab's build: two platforms, push, registry7 cache mode=max",
    ),
    Command("build.form", "f2", "show_view('form')", "Form", "The build form"),
    Command("build.steps", "f3", "show_view('steps')", "Steps", "Steps by platform and stage"),
    Command("build.log", "f4", "show_view('log')", "Log", "The raw build log"),
    Command("build.history", "f6", "show_view('history')", "History", "Builds run before"),
    Command(
        "build.refresh",
        "f7",
        "refresh",
        "Refresh",
        "Reload the builder's platforms and history",
        show=False,  # in the palette: at 100 columns the footer keeps the view's own keys
    ),
    Command("build.open", "o", "open_build", "Open", "Open the selected build"),
    Command("build.rerun", "r", "rerun", "Re-run", "Run the selected build again"),
    Command("build.compare", "c", "compare", "Compare", "Mark a build, then compare with another"),
    Command(
        "build.values",
        "v",
        "toggle_build_arg_values",
        "Args",
        "Show or hide the --build-arg values in the history and the build's command",
    ),
)
