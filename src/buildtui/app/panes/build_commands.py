"""The Build pane's commands: its bindings, footer keys and palette entries."""

from __future__ import annotations

from buildtui.app.commands import Command

PANE_COMMANDS = (
    # While a replay is shown (run and cancel are off then); first in the footer.
    Command("replay.pause", "space", "pause", "Pause", "Pause the replay"),
    Command("replay.play", "space", "play", "Play", "Go on with the paused replay"),
    Command("replay.step", "s", "step", "Step", "Pause, and show the next batch of log lines"),
    Command("replay.faster", "plus", "faster", "Faster", "Replay faster (2x, 4x ...)"),
    Command("replay.slower", "minus", "slower", "Slower", "Replay slower (0.5x, 0.25x ...)"),
    Command("replay.end", "e", "end_replay", "End", "End the replay: F5 runs builds again"),
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
    Command("build.graph", "g", "show_pictures('graph')", "Graph", "The build's stage graph"),
    Command(
        "build.timing", "t", "show_pictures('timing')", "Timing", "Where the build's time went"
    ),
    Command(
        "build.advice",
        "a",
        "show_pictures('advice')",
        "Advice",
        "Dockerfile advice from where the cache broke in the kept builds",
    ),
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
    # The same key during a replay (its footer place is Re-run's).
    Command("replay.restart", "r", "restart_replay", "Restart", "Replay again from the start"),
    Command("build.compare", "c", "compare", "Compare", "Mark a build, then compare with another"),
    Command(
        "build.replay",
        "p",
        "replay_build",
        "Replay",
        "Replay the selected build at its recorded pace (c on two builds: p replays both)",
    ),
    Command(
        "build.delete",
        "x",
        "delete_build",
        "Delete",
        "Delete the selected build from the history",
        show=False,  # in the palette: at 100 columns the footer keeps Replay and Compare
    ),
    Command(
        "build.values",
        "v",
        "toggle_build_arg_values",
        "Args",
        "Show or hide the --build-arg values in the history and the build's command",
    ),
)
