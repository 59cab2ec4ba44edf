"""The real services and the panes built on them.

The app imports this module in a thread worker after its first frame. Making the
services loads neither python-on-whales nor pydantic (each service loads them when
first used), and each pane's module is imported only for that pane (`import_pane`,
`make_pane`): the pane in front is drawn before the others are loaded.
"""

from __future__ import annotations

import importlib
from functools import partial

from textual.widget import Widget
from textual.widgets import Static

from buildtui.app.services import BuildServices, Services
from buildtui.build.evidence import collect_evidence
from buildtui.build.history import BuildHistory
from buildtui.build.platforms import builder_platforms
from buildtui.build.runner import BuildRunner
from buildtui.buildx.builders import BuildersService
from buildtui.cleanup.service import CleanupService, cli_prefix
from buildtui.engine.status import EngineStatus
from buildtui.forms import FormMemory
from buildtui.lab.service import LabService
from buildtui.registry.service import RegistryService
from buildtui.settings import Settings

PANE_MODULES = {
    "builders": "buildtui.app.panes.builders",
    "build": "buildtui.app.panes.build",
    "registry": "buildtui.app.panes.registry",
    "cleanup": "buildtui.app.panes.cleanup",
    "lab": "buildtui.app.panes.lab",
}
"""The module of each pane, imported when the pane is first made."""


class EngineStatusService:
    """The real engine and registry, probed with the docker CLI and HTTP."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def probe(self) -> EngineStatus:
        from buildtui.engine.probe import probe_engine  # python-on-whales and httpx

        return probe_engine(self.settings)


def make_services(settings: Settings) -> Services:
    """The real services for `settings`; none of them does I/O until asked."""
    registry = RegistryService(settings)
    history = BuildHistory()
    return Services(
        settings=settings,
        status=EngineStatusService(settings),
        builders=BuildersService(settings),
        build=BuildServices(
            runner=BuildRunner(),
            history=history,
            platforms=partial(builder_platforms, settings),
        ),
        registry=registry,
        # One client for both panes; each holds it open until done with it.
        cleanup=CleanupService(settings, registry=registry.share()),
        lab=LabService(settings, history),
        forms=FormMemory(),
    )


def import_pane(pane_id: str) -> None:
    """Import a pane's module (from a thread worker, so that the UI keeps responding)."""
    importlib.import_module(PANE_MODULES[pane_id])


def make_pane(pane_id: str, services: Services) -> Widget:
    """The widget for one pane; a pane whose service is missing says so."""
    pane: Widget | None = None
    if pane_id == "builders" and services.builders is not None:
        from buildtui.app.panes.builders import BuildersPane

        pane = BuildersPane(services.builders, forms=services.forms)
    elif pane_id == "build" and services.build is not None:
        from buildtui.app.panes.build import BuildPane

        build = services.build
        pane = BuildPane(
            build.runner,
            build.history,
            services.settings,
            build.platforms,
            clock=build.clock,
            evidence=build.evidence or collect_evidence,
            forms=services.forms,
        )
    elif pane_id == "registry" and services.registry is not None:
        from buildtui.app.panes.registry import RegistryPane

        pane = RegistryPane(services.registry, lab_cli=cli_prefix(services.settings))
    elif pane_id == "cleanup" and services.cleanup is not None:
        from buildtui.app.panes.cleanup import CleanupPane

        pane = CleanupPane(services.cleanup)
    elif pane_id == "lab" and services.lab is not None:
        from buildtui.app.panes.lab import LabPane

        pane = LabPane(services.lab, language=services.settings.lab_language)
    if pane is None:
        return Static(f"The {pane_id} pane is not available.", classes="pane-missing")
    return pane
