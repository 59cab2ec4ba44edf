"""The Build pane's form view: the form, what stops it from running, the exact command
it runs with its buttons, and the forecast of its cache misses.

The forecast follows the form: half a second after the last change, a thread worker
collects the command's evidence and forecasts it (`Forecasting`, the same as
`buildtui build --forecast`); a forecast for a command the form no longer shows is
dropped."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Button, Static
from textual.worker import Worker, WorkerState

from buildtui.app.builds.form import BuildForm
from buildtui.app.shared.screen_static import ScreenStatic
from buildtui.builds.errors import BuildError, OptionsError
from buildtui.builds.forecast import Forecast, Forecasting
from buildtui.builds.options import build_argv, shell_command, validate
from buildtui.i18n import _
from buildtui.settings import Settings

FORECAST_DELAY = 0.5
"""Seconds after the form's last change before its build is forecast."""


class BuildFormView(Vertical):
    """`BuildForm` with a problem line above and, below, the command it describes with
    the buttons (their presses, and the form's `Changed`, go on to the pane), and the
    forecast of what will miss the cache."""

    DEFAULT_CSS = """
    BuildFormView > #command-bar { height: auto; padding: 0 1; }
    BuildFormView #command-preview { width: 1fr; color: $text-muted; padding: 1 0; }
    BuildFormView #command-bar Button { margin: 0 0 0 1; }
    BuildFormView > #form-problem { color: $text-warning; padding: 0 1; height: auto; }
    BuildFormView > #forecast-preview { padding: 0 1; height: auto; max-height: 4; }
    """

    @dataclass
    class ForecastMade(Message):
        argv: list[str]
        forecast: Forecast | None
        problem: str | None = None

    def __init__(
        self,
        settings: Settings,
        *,
        forecasting: Forecasting | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.settings = settings
        self.forecasting = forecasting
        self._forecast_timer: Timer | None = None
        self.forecast: Forecast | None = None
        """The forecast shown (of the form's current command)."""

    def compose(self) -> ComposeResult:
        yield ScreenStatic("", id="form-problem")
        yield BuildForm(id="build-form")
        with Horizontal(id="command-bar"):
            yield ScreenStatic("", id="command-preview")
            yield Button(_("Lab preset"), id="preset", tooltip=_("registry7 cache, mode max"))
            yield Button(_("Copy (F9)"), id="copy", tooltip=_("Copy the command"))
            yield Button(_("Run (F5)"), id="run", variant="primary")
        yield ScreenStatic("", id="forecast-preview")

    def retranslate(self) -> None:
        for button_id, label, tooltip in (
            ("preset", _("Lab preset"), _("registry7 cache, mode max")),
            ("copy", _("Copy (F9)"), _("Copy the command")),
            ("run", _("Run (F5)"), None),
        ):
            button = self.query_one(f"#{button_id}", Button)
            button.label = label
            if tooltip is not None:
                button.tooltip = tooltip
        if self.forecasting is not None and self.forecast is not None:
            self._forecast_now()  # its sentences are made in the language they are shown in

    def command(self) -> list[str]:
        """The exact command the form describes; `OptionsError` says why there is none."""
        options = self.query_one(BuildForm).options()
        validate(options)
        return build_argv(options, self.settings)

    @on(BuildForm.Changed)
    def update_preview(self) -> None:
        """Show the command, or why the form cannot run; forecast it a moment later."""
        try:
            preview = shell_command(self.command())
        except OptionsError as error:
            preview = f"⚠ {error}"
        self.query_one("#command-preview", Static).update(preview)
        if self.forecasting is not None:
            if self._forecast_timer is not None:
                self._forecast_timer.stop()
            self._forecast_timer = self.set_timer(FORECAST_DELAY, self._forecast_now)

    def _forecast_now(self) -> None:
        try:
            argv = self.command()
        except OptionsError:
            self.query_one("#forecast-preview", Static).update("")
            return
        self.query_one("#forecast-preview", Static).update(
            Text(_("Forecast: looking at the context and the kept builds …"), style="dim")
        )
        self._forecast(argv)

    @work(thread=True, exclusive=True, group="build-forecast", exit_on_error=False)
    def _forecast(self, argv: list[str]) -> None:
        assert self.forecasting is not None
        try:
            forecast = self.forecasting(argv, None)
        except (BuildError, OSError) as error:
            self.post_message(self.ForecastMade(argv, None, str(error)))
            return
        self.post_message(self.ForecastMade(argv, forecast))

    @on(ForecastMade)
    def _forecast_made(self, message: ForecastMade) -> None:
        try:
            current = self.command()
        except OptionsError:
            return
        if current != message.argv:
            return  # the form changed meanwhile: a newer forecast is on its way
        self.forecast = message.forecast
        preview = self.query_one("#forecast-preview", Static)
        if message.forecast is None:
            preview.update(
                _("Forecast unavailable: {problem}").format(problem=message.problem or "")
            )
            return
        preview.update(forecast_text(message.forecast))

    @on(Worker.StateChanged)
    def _forecast_failed(self, event: Worker.StateChanged) -> None:
        """A bug in the forecast: say so where the forecast goes, not as a traceback."""
        if event.state is WorkerState.ERROR and event.worker.node is self:
            self.query_one("#forecast-preview", Static).update(
                _("Forecast unavailable: {error}; please report this.").format(
                    error=repr(event.worker.error)
                )
            )

    def show_problem(self, problem: str) -> None:
        self.query_one("#form-problem", Static).update(problem)


def forecast_text(forecast: Forecast) -> Text:
    """The forecast's headline, and the other stages that will miss (three at most)."""
    out = Text(forecast.headline(), style="bold")
    missing = [s for s in forecast.stages if s.miss is not None][1:3]
    for stage in missing:
        out.append(f"\n  {stage.sentence()}")
    for warning in forecast.warnings[:1]:
        out.append(f"\n⚠ {warning}", style="bold")
    return out  # made screen text by the ScreenStatic that shows it
