"""The real services and the panes built on them.

The app imports this module in a thread worker after its first frame. Each service's
module is imported, and the service built, when its pane is first made (`load_pane`,
`Services.load`): drawing the pane in front loads only what that pane needs. No
service loads python-on-whales or pydantic before it is first used, and each pane's
module is imported only for that pane (`load_pane`, `make_pane`): the pane in front
is drawn before the others are loaded.
"""

from __future__ import annotations

import importlib
from functools import partial
from typing import TYPE_CHECKING

from textual.widget import Widget

from buildtui.app.services import Services
from buildtui.app.shared.screen_static import ScreenStatic
from buildtui.engine.status import EngineStatus
from buildtui.forms import FormMemory
from buildtui.i18n import _
from buildtui.settings import Settings

if TYPE_CHECKING:
    from buildtui.builds.history import BuildHistory

PANE_MODULES = {
    "builders": "buildtui.app.builders.pane",
    "build": "buildtui.app.builds.pane",
    "registry": "buildtui.app.registry.pane",
    "cleanup": "buildtui.app.cleanup.pane",
    "lab": "buildtui.app.lab.pane",
}
"""The module of each pane, imported when the pane is first made."""


class EngineStatusService:
    """The real engine and registry, probed with the docker CLI and HTTP."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def probe(self) -> EngineStatus:
        from buildtui.doctor import probe_engine  # python-on-whales and httpx

        return probe_engine(self.settings)


class RealServices:
    """Builds each real service when its pane first needs it (`Services.loader`)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._history: BuildHistory | None = None

    def history(self) -> BuildHistory:
        """One build history for the Build and Lab panes."""
        if self._history is None:
            from buildtui.builds.history import BuildHistory

            self._history = BuildHistory()
        return self._history

    def __call__(self, services: Services, pane_id: str) -> None:
        settings = self.settings
        if pane_id == "builders" and services.builders is None:
            from buildtui.buildx.builders import BuildersService

            services.builders = BuildersService(settings)
        elif pane_id == "build" and services.build is None:
            from buildtui.app.services import BuildServices
            from buildtui.builds.engine_facts import EngineFacts
            from buildtui.builds.forecaster import Forecaster
            from buildtui.builds.platforms import builder_platforms
            from buildtui.builds.runner import BuildRunner

            services.build = BuildServices(
                runner=BuildRunner(),
                history=self.history(),
                platforms=partial(builder_platforms, settings),
                forecasting=Forecaster(self.history(), EngineFacts(settings)),
            )
        elif pane_id == "registry" and services.registry is None:
            from buildtui.engine.registry_side import DockerSide
            from buildtui.registry.service import RegistryService

            services.registry = RegistryService(settings, engine=DockerSide(settings))
        elif pane_id == "cleanup" and services.cleanup is None:
            from buildtui.cleanup.service import CleanupService
            from buildtui.registry.service import RegistryService

            self(services, "registry")
            registry = services.registry
            assert isinstance(registry, RegistryService)
            # One client for both panes; each holds it open until done with it.
            services.cleanup = CleanupService(settings, registry=registry.share())
        elif pane_id == "lab" and services.lab is None:
            from buildtui.lab.service import LabService

            services.lab = LabService(settings, self.history())


def make_services(settings: Settings) -> Services:
    """The real services for `settings`; none of them does I/O until asked, and each
    is built (its modules imported) when its pane is first made (`Services.load`)."""
    from buildtui.engine.events import EngineEvents

    return Services(
        settings=settings,
        status=EngineStatusService(settings),
        forms=FormMemory(),
        loader=RealServices(settings),
        events=EngineEvents(settings),
    )


def load_pane(pane_id: str, services: Services) -> None:
    """Import a pane's module and build its service (from a thread worker, so that the
    UI keeps responding)."""
    importlib.import_module(PANE_MODULES[pane_id])
    services.load(pane_id)


def make_pane(pane_id: str, services: Services) -> Widget:
    """The widget for one pane; a pane whose service is missing says so."""
    services.load(pane_id)
    pane: Widget | None = None
    if pane_id == "builders" and services.builders is not None:
        from buildtui.app.builders.pane import BuildersPane

        pane = BuildersPane(services.builders, forms=services.forms)
    elif pane_id == "build" and services.build is not None:
        from buildtui.app.builds.pane import BuildPane
        from buildtui.builds.evidence import collect_evidence

        build = services.build
        pane = BuildPane(
            build.runner,
            build.history,
            services.settings,
            build.platforms,
            clock=build.clock,
            evidence=build.evidence or collect_evidence,
            forms=services.forms,
            forecasting=build.forecasting,
        )
    elif pane_id == "registry" and services.registry is not None:
        from buildtui.app.registry.pane import RegistryPane
        from buildtui.settings import cli_prefix

        pane = RegistryPane(services.registry, lab_cli=cli_prefix(services.settings))
    elif pane_id == "cleanup" and services.cleanup is not None:
        from buildtui.app.cleanup.pane import CleanupPane

        pane = CleanupPane(services.cleanup)
    elif pane_id == "lab" and services.lab is not None:
        from buildtui.app.lab.pane import LabPane

        pane = LabPane(services.lab)
    if pane is None:
        return ScreenStatic(
            _("The {pane} pane is not available.").format(pane=pane_id), classes="pane-missing"
        )
    return pane
