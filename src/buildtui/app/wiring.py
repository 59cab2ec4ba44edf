"""The real services and the panes built on them.

The app imports this module in a thread worker after its first frame. Each service's
module is imported, and the service built, when its pane is first made (`load_pane`,
`Services.load`): drawing the pane in front loads only what that pane needs. No
service loads python-on-whales or pydantic before it is first used, and each pane's
module is imported only for that pane (`load_pane`, `make_pane`): the pane in front
is drawn before the others are loaded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from textual.widget import Widget

from buildtui.app.panes import SPECS
from buildtui.app.services import Services
from buildtui.app.shared.screen_static import ScreenStatic
from buildtui.engine.status import EngineStatus
from buildtui.forms import FormMemory
from buildtui.i18n import _
from buildtui.pane_ids import PaneId
from buildtui.settings import Settings

if TYPE_CHECKING:
    from buildtui.builds.history import BuildHistory


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

    def __call__(self, services: Services, pane_id: PaneId) -> None:
        if SPECS[pane_id].service(services) is None:
            self.LOADERS[pane_id](self, services)

    def load_builders(self, services: Services) -> None:
        from buildtui.buildx.builders import BuildersService

        services.builders = BuildersService(self.settings)

    def load_build(self, services: Services) -> None:
        from buildtui.app.services import BuildServices
        from buildtui.builds.engine_facts import EngineFacts
        from buildtui.builds.forecaster import Forecaster
        from buildtui.builds.platforms import builder_platforms
        from buildtui.builds.runner import BuildRunner

        services.build = BuildServices(
            runner=BuildRunner(),
            history=self.history(),
            platforms=partial(builder_platforms, self.settings),
            forecasting=Forecaster(self.history(), EngineFacts(self.settings)),
        )

    def load_registry(self, services: Services) -> None:
        from buildtui.engine.registry_side import DockerSide
        from buildtui.registry.service import RegistryService

        services.registry = RegistryService(self.settings, engine=DockerSide(self.settings))

    def load_cleanup(self, services: Services) -> None:
        from buildtui.cleanup.service import CleanupService
        from buildtui.registry.service import RegistryService

        self(services, PaneId.REGISTRY)
        registry = services.registry
        assert isinstance(registry, RegistryService)
        # One client for both panes; each holds it open until done with it.
        services.cleanup = CleanupService(self.settings, registry=registry.share())

    def load_lab(self, services: Services) -> None:
        from buildtui.lab.service import LabService

        services.lab = LabService(self.settings, self.history())

    LOADERS: ClassVar[Mapping[PaneId, Callable[[RealServices, Services], None]]] = {
        PaneId.BUILDERS: load_builders,
        PaneId.BUILD: load_build,
        PaneId.REGISTRY: load_registry,
        PaneId.CLEANUP: load_cleanup,
        PaneId.LAB: load_lab,
    }
    """How the real service of each pane is built."""


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


def load_pane(pane_id: PaneId | str, services: Services) -> None:
    """Import a pane's module and build its service (from a thread worker, so that the
    UI keeps responding)."""
    pane_id = PaneId(pane_id)
    SPECS[pane_id].pane_class()
    services.load(pane_id)


def make_pane(pane_id: PaneId | str, services: Services) -> Widget:
    """The widget for one pane; a pane whose service is missing says so."""
    pane_id = PaneId(pane_id)
    services.load(pane_id)
    spec = SPECS[pane_id]
    available = spec.service(services) is not None
    pane = spec.pane_class().from_services(services) if available else None
    if pane is None:
        return ScreenStatic(
            _("The {pane} pane is not available.").format(pane=pane_id), classes="pane-missing"
        )
    return pane
