"""The app with the Build pane in front, for Pilot, snapshot and benchmark runs."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

from buildtui.app.app import BuildTUI
from buildtui.app.builds.pane import BuildPane
from buildtui.app.services import BuildServices, Services
from buildtui.builds.evidence import EvidenceCollector, collect
from buildtui.builds.forecast import Forecasting
from buildtui.builds.history import BuildHistory
from buildtui.builds.runner import BuildService
from buildtui.settings import Settings
from tests.fakes.build import fixed_platforms
from tests.fakes.services import healthy, pane_app


def build_app(
    service: BuildService,
    history_path: Path,
    platforms: Callable[[], Sequence[str]] = fixed_platforms,
    settings: Settings | None = None,
    clock: Callable[[], float] = time.monotonic,
    evidence: EvidenceCollector | None = None,
    forecasting: Forecasting | None = None,
) -> BuildTUI:
    """The Build pane on `service`, its history in `history_path`; the evidence of a
    build is read under the history's folder (not the working directory)."""
    folder = history_path.parent
    settings = settings or Settings()
    build = BuildServices(
        runner=service,
        history=BuildHistory(history_path),
        platforms=platforms,
        clock=clock,
        evidence=evidence or (lambda argv: collect(list(argv), cwd=folder, data_dir=folder)),
        forecasting=forecasting,
    )
    return pane_app("build", Services(settings=settings, status=healthy(settings), build=build))


def build_pane(app: BuildTUI) -> BuildPane:
    return app.query_one(BuildPane)
