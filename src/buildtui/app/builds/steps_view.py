"""The Build pane's step view: the command, a problem, then the build's steps, phases,
failure, summary and notes, each drawn from the live build's model."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from buildtui.app.builds.steps import BuildSteps
from buildtui.app.shared.screen_static import ScreenStatic
from buildtui.buildlog.presentation import (
    explanations_text,
    failure_text,
    phases_text,
    step_layout,
    steps_text,
    summary_text,
)
from buildtui.builds.live import LiveBuild
from buildtui.builds.options import shown_command
from buildtui.builds.outcome import outcome_lines
from buildtui.i18n import _

OUTCOME = ("failure", "summary", "outcome", "explanations")
"""The parts drawn once the build is over."""


class BuildStepsView(VerticalScroll):
    """Steps by platform and stage while the build runs; its outcome once it is over."""

    DEFAULT_CSS = """
    BuildStepsView { padding: 0 1; scrollbar-gutter: stable; }
    BuildStepsView > Static { margin: 1 0 0 0; }
    BuildStepsView > #build-problem { color: $text-error; display: none; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._command: tuple[str, Sequence[str]] = ("", ())
        self.build_arg_values = False
        """Show `--build-arg` values (else `NAME=…`) in the command."""
        self._drawn: tuple[LiveBuild, Sequence[float]] | None = None
        """What was drawn last, to draw again at another width."""

    def compose(self) -> ComposeResult:
        yield ScreenStatic("", id="build-command")
        yield ScreenStatic("", id="build-problem")
        yield BuildSteps(id="steps")
        yield BuildSteps(id="phases")
        for part in OUTCOME:
            yield BuildSteps(id=part)

    def show_command(self, prefix: str, argv: Sequence[str]) -> None:
        """`{prefix}$ {command}`: the command the build runs (or ran)."""
        self._command = (prefix, tuple(argv))
        self._draw_command()

    def show_build_arg_values(self, shown: bool) -> None:
        self.build_arg_values = shown
        self._draw_command()

    def _draw_command(self) -> None:
        prefix, argv = self._command
        if argv:
            line = shown_command(argv, build_arg_values=self.build_arg_values)
            self.query_one("#build-command", Static).update(f"{prefix}$ {line}")
        elif prefix:
            text = prefix + _("(the command that made it was not recorded)")
            self.query_one("#build-command", Static).update(text)

    def show_problem(self, problem: str) -> None:
        widget = self.query_one("#build-problem", Static)
        widget.update(problem)
        widget.display = bool(problem)

    def clear_outcome(self) -> None:
        """A new build: no failure, summary or notes yet."""
        for part in OUTCOME:
            self.query_one(f"#{part}", BuildSteps).show(Text())

    def draw(self, live: LiveBuild, now: float, speeds: Sequence[float] = ()) -> None:
        """Redraw from the live build's model (the caller holds `live.lock`). `speeds`:
        it is a replay, run at those speeds (the summary says its times are recorded)."""
        self._drawn = (live, speeds)
        model = live.model
        summary = live.summary
        succeeded = summary is not None and summary.succeeded
        misses = summary.first_misses if summary is not None else ()
        width, mark_under = step_layout(self.scrollable_content_region.width)
        self._show(
            "steps",
            steps_text(
                model,
                now,
                succeeded=succeeded,
                misses=misses,
                instruction_width=width,
                mark_under=mark_under,
            ),
        )
        self._show("phases", phases_text(model, now))
        if not live.running:
            self._show("failure", failure_text(model))
            if summary is not None:
                self._show("summary", summary_text(summary, replayed_at=speeds))
                outcome = "\n".join(outcome_lines(live))
                self._show("outcome", Text(outcome))
                self.query_one("#outcome", BuildSteps).display = bool(outcome)
            self._show("explanations", explanations_text(live.explanations))

    def on_resize(self) -> None:
        if self._drawn is not None and not self._drawn[0].running:
            live, speeds = self._drawn
            with live.lock:
                self.draw(live, live.clock(), speeds)

    def _show(self, part: str, text: Text) -> None:
        self.query_one(f"#{part}", BuildSteps).show(text)
