"""The Build pane's commands: its bindings, footer keys and palette entries."""

from __future__ import annotations

from buildtui.app.commands import Command
from buildtui.i18n import N_

PANE_COMMANDS = (
    # While a replay is shown (run and cancel are off then); first in the footer.
    Command("replay.pause", "space", "pause", N_("Pause"), N_("Pause the replay")),
    Command("replay.play", "space", "play", N_("Play"), N_("Go on with the paused replay")),
    Command(
        "replay.step", "s", "step", N_("Step"), N_("Pause, and show the next batch of log lines")
    ),
    Command("replay.faster", "plus", "faster", N_("Faster"), N_("Replay faster (2x, 4x ...)")),
    Command(
        "replay.slower", "minus", "slower", N_("Slower"), N_("Replay slower (0.5x, 0.25x ...)")
    ),
    Command("replay.end", "e", "end_replay", N_("End"), N_("End the replay: F5 runs builds again")),
    Command("build.run", "f5", "run", N_("Run"), N_("Run the build the form describes")),
    Command("build.cancel", "f8", "cancel", N_("Cancel"), N_("Cancel the running build")),
    Command(
        "build.copy", "f9", "copy_command", N_("Copy"), N_("Copy the form's docker buildx command")
    ),
    Command(
        "build.preset",
        "ctrl+l",
        "apply_preset",
        N_("Lab"),
        N_("Fill the form with the lab's build: two platforms, push, registry7 cache mode=max"),
    ),
    Command("build.form", "f2", "show_view('form')", N_("Form"), N_("The build form")),
    Command(
        "build.steps", "f3", "show_view('steps')", N_("Steps"), N_("Steps by platform and stage")
    ),
    Command("build.log", "f4", "show_view('log')", N_("Log"), N_("The raw build log")),
    Command("build.history", "f6", "show_view('history')", N_("History"), N_("Builds run before")),
    Command(
        "build.graph", "g", "show_pictures('graph')", N_("Graph"), N_("The build's stage graph")
    ),
    Command(
        "build.timing",
        "t",
        "show_pictures('timing')",
        N_("Timing"),
        N_("Where the build's time went"),
    ),
    Command(
        "build.advice",
        "a",
        "show_pictures('advice')",
        N_("Advice"),
        N_("Dockerfile advice from where the cache broke in the kept builds"),
    ),
    Command(
        "build.refresh",
        "f7",
        "refresh",
        N_("Refresh"),
        N_("Reload the builder's platforms and history"),
        show=False,  # in the palette: at 100 columns the footer keeps the view's own keys
    ),
    Command("build.open", "o", "open_build", N_("Open"), N_("Open the selected build")),
    Command("build.rerun", "r", "rerun", N_("Re-run"), N_("Run the selected build again")),
    # The same key during a replay (its footer place is Re-run's).
    Command(
        "replay.restart", "r", "restart_replay", N_("Restart"), N_("Replay again from the start")
    ),
    Command(
        "build.compare",
        "c",
        "compare",
        N_("Compare"),
        N_("Mark a build, then compare with another"),
    ),
    Command(
        "build.replay",
        "p",
        "replay_build",
        N_("Replay"),
        N_("Replay the selected build at its recorded pace (c on two builds: p replays both)"),
    ),
    Command(
        "build.delete",
        "x",
        "delete_build",
        N_("Delete"),
        N_("Delete the selected build from the history"),
        show=False,  # in the palette: at 100 columns the footer keeps Replay and Compare
    ),
    Command(
        "build.values",
        "v",
        "toggle_build_arg_values",
        N_("Args"),
        N_("Show or hide the --build-arg values in the history and the build's command"),
    ),
)
