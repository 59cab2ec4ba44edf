"""The Build pane's pictures of a build, beside the step view: the stage graph (`g`), the
timing waterfall (`t`) and the Dockerfile advice across the kept builds (`a`).

The graph and the waterfall are drawn from the build's summary (while it runs, from a
summary of what it did so far) and the Dockerfile it started from; the advice is read
from the build history in a thread worker. What is shown comes from the pure
presentation of `buildtui.builds.pictures` and `buildtui.builds.advice`, in the theme's
colours through `BuildSteps`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static

from buildtui.app.builds.steps import BuildSteps
from buildtui.app.shared.screen_static import ScreenStatic
from buildtui.buildlog.model import StepState
from buildtui.buildlog.summary import BuildSummary, summarize
from buildtui.builds.advice import Advice, advise
from buildtui.builds.errors import BuildError
from buildtui.builds.history import BuildHistory
from buildtui.builds.live import LiveBuild
from buildtui.builds.pictures import graph_text, waterfall_text
from buildtui.builds.stage_graph import stage_graph
from buildtui.builds.waterfall import native_platform, waterfall
from buildtui.i18n import N_, _, ngettext

MODES = ("graph", "timing", "advice")
TITLES = {
    "graph": N_("Stage graph"),
    "timing": N_("Where the time went"),
    "advice": N_("Advice across builds"),
}
HINT = N_("g: stage graph · t: timing · a: advice · F3: steps")


class BuildPicturesView(VerticalScroll):
    """One picture of the build in front: its stage graph, its timing or the advice."""

    DEFAULT_CSS = """
    BuildPicturesView { padding: 0 1; }
    BuildPicturesView > #pictures-title { text-style: bold; color: $text-primary; }
    BuildPicturesView > #pictures-hint { color: $text-muted; }
    BuildPicturesView > #picture { margin: 1 0 0 0; }
    """

    @dataclass
    class AdviceRead(Message):
        advice: Advice
        project: tuple[str | None, str | None] | None

    def __init__(self, history: BuildHistory, registry_host: str, *, id: str | None = None):
        super().__init__(id=id)
        self.history = history
        self.registry_host = registry_host
        self.mode = "graph"
        self._advice_for: tuple[str | None, str | None] | None = None
        self._advice: Advice | None = None
        self._live: LiveBuild | None = None
        """The build last drawn (the advice is about its Dockerfile and context)."""

    def compose(self) -> ComposeResult:
        yield ScreenStatic(_(TITLES[self.mode]), id="pictures-title")
        yield ScreenStatic(_(HINT), id="pictures-hint")
        yield BuildSteps(id="picture")

    def show_mode(self, mode: str, live: LiveBuild | None, now: float) -> None:
        if mode in MODES:
            self.mode = mode
        self.query_one("#pictures-title", Static).update(_(TITLES[self.mode]))
        self.query_one("#pictures-hint", Static).update(_(HINT))
        self.draw(live, now)

    def draw(self, live: LiveBuild | None, now: float) -> None:
        """Redraw the picture in front from `live` (taking its lock)."""
        picture = self.query_one("#picture", BuildSteps)
        self._live = live
        if self.mode == "advice":
            self._draw_advice(live)
            return
        if live is None:
            picture.show(Text(_("No build yet: run one (F5) or open one from the history (F6).")))
            return
        with live.lock:
            summary = _summary_so_far(live, now)
            dockerfile = live.evidence.dockerfile_text if live.evidence is not None else None
        width = max(60, self.scrollable_content_region.width or self.size.width or 100)
        if self.mode == "graph":
            picture.show(graph_text(stage_graph(summary, dockerfile), width=width))
        else:
            picture.show(waterfall_text(waterfall(summary, native_platform()), width))

    def _draw_advice(self, live: LiveBuild | None) -> None:
        project = live.evidence.project if live is not None and live.evidence else None
        picture = self.query_one("#picture", BuildSteps)
        if self._advice is not None and self._advice_for == project:
            picture.show(_advice_text(self._advice))
            return
        picture.show(Text(_("Reading the kept builds …")))
        self._read_advice(project)

    @work(thread=True, exclusive=True, group="build-advice", exit_on_error=False)
    def _read_advice(self, project: tuple[str | None, str | None] | None) -> None:
        try:
            builds = self.history.of_project(project, 50)
        except BuildError as error:
            self.post_message(self.AdviceRead(Advice(0, (), problem=str(error)), project))
            return
        self.post_message(
            self.AdviceRead(advise(builds, registry_host=self.registry_host), project)
        )

    def on_build_pictures_view_advice_read(self, message: AdviceRead) -> None:
        self._advice, self._advice_for = message.advice, message.project
        if self.mode == "advice":
            self.query_one("#picture", BuildSteps).show(_advice_text(message.advice))

    def retranslate(self) -> None:
        """The titles in the app's language; the advice is made again in it when shown."""
        self._advice = None
        self.query_one("#pictures-title", Static).update(_(TITLES[self.mode]))
        self.query_one("#pictures-hint", Static).update(_(HINT))
        if self.mode == "advice":
            self._draw_advice(self._live)

    def forget_advice(self) -> None:
        """A build was kept: the advice is read again when next shown."""
        self._advice = None


def _summary_so_far(live: LiveBuild, now: float) -> BuildSummary:
    """The build's summary, or while it runs, one of what it did so far (caller holds
    the lock)."""
    if live.summary is not None:
        return live.summary
    summary = summarize(
        live.model, exit_code=None, wall_seconds=now - live.started_at, started_at=live.started_at
    )
    running = {
        (s.platform, s.stage, s.index): s.elapsed(now)
        for s in live.model.steps
        if s.state is StepState.RUNNING
    }
    steps = tuple(
        replace(s, status="running", seconds=running[(s.platform, s.stage, s.index)])
        if (s.platform, s.stage, s.index) in running
        else s
        for s in summary.steps
    )
    return replace(summary, steps=steps)


def _advice_text(advice: Advice) -> Text:
    out = Text()
    if advice.builds:
        heading = (
            ngettext(
                "From where the cache broke in {count} kept build of {dockerfile} and its context:",
                "From where the cache broke in {count} kept builds of {dockerfile} and its "
                "context:",
                advice.builds,
            ).format(count=advice.builds, dockerfile=advice.dockerfile)
            if advice.dockerfile
            else ngettext(
                "From where the cache broke in {count} kept build of this Dockerfile and its "
                "context:",
                "From where the cache broke in {count} kept builds of this Dockerfile and its "
                "context:",
                advice.builds,
            ).format(count=advice.builds)
        )
        out.append(heading + "\n", style="dim")
    for line in advice.lines():
        out.append(f"\n• {line}")  # made screen text by the BuildSteps that shows it
    return out
