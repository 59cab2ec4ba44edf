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
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from textual.widget import Widget

from buildtui.app.panes import SPECS, Pane
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
            WIRING[pane_id].load(self, services)


def _builders_pane() -> type[Pane]:
    from buildtui.app.builders.pane import BuildersPane

    return BuildersPane


def _builders_service(real: RealServices, services: Services) -> None:
    from buildtui.buildx.builders import BuildersService

    services.builders = BuildersService(real.settings)


def _build_pane() -> type[Pane]:
    from buildtui.app.builds.pane import BuildPane

    return BuildPane


def _build_services(real: RealServices, services: Services) -> None:
    from buildtui.app.services import BuildServices
    from buildtui.builds.engine_facts import EngineFacts
    from buildtui.builds.forecaster import Forecaster
    from buildtui.builds.platforms import builder_platforms
    from buildtui.builds.runner import BuildRunner

    services.build = BuildServices(
        runner=BuildRunner(),
        history=real.history(),
        platforms=partial(builder_platforms, real.settings),
        forecasting=Forecaster(real.history(), EngineFacts(real.settings)),
    )


def _registry_pane() -> type[Pane]:
    from buildtui.app.registry.pane import RegistryPane

    return RegistryPane


def _registry_service(real: RealServices, services: Services) -> None:
    from buildtui.engine.registry_side import DockerSide
    from buildtui.registry.service import RegistryService

    services.registry = RegistryService(real.settings, engine=DockerSide(real.settings))


def _cleanup_pane() -> type[Pane]:
    from buildtui.app.cleanup.pane import CleanupPane

    return CleanupPane


def _cleanup_service(real: RealServices, services: Services) -> None:
    from buildtui.cleanup.service import CleanupService
    from buildtui.registry.service import RegistryService

    real(services, PaneId.REGISTRY)
    registry = services.registry
    assert isinstance(registry, RegistryService)
    # One client for both panes; each holds it open until done with it.
    services.cleanup = CleanupService(real.settings, registry=registry.share())


def _lab_pane() -> type[Pane]:
    from buildtui.app.lab.pane import LabPane

    return LabPane


def _lab_service(real: RealServices, services: Services) -> None:
    from buildtui.lab.service import LabService

    services.lab = LabService(real.settings, real.history())


@dataclass(frozen=True)
class PaneWiring:
    pane_class: Callable[[], type[Pane]]
    """Imports the pane's module and gives its class."""
    load: Callable[[RealServices, Services], None]
    """Builds the pane's real service into `Services`."""


WIRING: Mapping[PaneId, PaneWiring] = {
    PaneId.BUILDERS: PaneWiring(_builders_pane, _builders_service),
    PaneId.BUILD: PaneWiring(_build_pane, _build_services),
    PaneId.REGISTRY: PaneWiring(_registry_pane, _registry_service),
    PaneId.CLEANUP: PaneWiring(_cleanup_pane, _cleanup_service),
    PaneId.LAB: PaneWiring(_lab_pane, _lab_service),
}
"""Each pane's class and real service, imported when the pane is first made."""


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
    WIRING[pane_id].pane_class()
    services.load(pane_id)


def make_pane(pane_id: PaneId | str, services: Services) -> Widget:
    """The widget for one pane; a pane whose service is missing says so."""
    pane_id = PaneId(pane_id)
    services.load(pane_id)
    spec = SPECS[pane_id]
    available = spec.service(services) is not None
    pane = WIRING[pane_id].pane_class().from_services(services) if available else None
    if pane is None:
        return ScreenStatic(
            _("The {pane} pane is not available.").format(pane=pane_id), classes="pane-missing"
        )
    return pane
