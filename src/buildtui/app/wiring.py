"""The real services and the panes built on them.

Importing this module loads python-on-whales and httpx, so the app imports it
in a thread worker after its first frame.
"""

from __future__ import annotations

from functools import partial

from textual.widget import Widget
from textual.widgets import Static

from buildtui.app.panes.build import BuildPane
from buildtui.app.panes.builders import BuildersPane
from buildtui.app.panes.cleanup import CleanupPane
from buildtui.app.panes.lab import LabPane
from buildtui.app.panes.registry import RegistryPane
from buildtui.app.services import BuildServices, Services
from buildtui.build.history import BuildHistory
from buildtui.build.platforms import builder_platforms
from buildtui.build.runner import BuildRunner
from buildtui.buildx.builders import BuildersService
from buildtui.cleanup.service import CleanupService, cli_prefix
from buildtui.engine.probe import probe_engine
from buildtui.engine.status import EngineStatus
from buildtui.forms import FormMemory
from buildtui.lab.service import LabService
from buildtui.registry.service import RegistryService
from buildtui.settings import Settings


class EngineStatusService:
    """The real engine and registry, probed with the docker CLI and HTTP."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def probe(self) -> EngineStatus:
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


def make_pane(pane_id: str, services: Services) -> Widget:
    """The widget for one pane; a pane whose service is missing says so."""
    pane: Widget | None = None
    if pane_id == "builders" and services.builders is not None:
        pane = BuildersPane(services.builders, forms=services.forms)
    elif pane_id == "build" and services.build is not None:
        build = services.build
        pane = BuildPane(
            build.runner, build.history, services.settings, build.platforms, forms=services.forms
        )
    elif pane_id == "registry" and services.registry is not None:
        pane = RegistryPane(services.registry, lab_cli=cli_prefix(services.settings))
    elif pane_id == "cleanup" and services.cleanup is not None:
        pane = CleanupPane(services.cleanup)
    elif pane_id == "lab" and services.lab is not None:
        pane = LabPane(services.lab, language=services.settings.lab_language)
    if pane is None:
        return Static(f"The {pane_id} pane is not available.", classes="pane-missing")
    return pane
