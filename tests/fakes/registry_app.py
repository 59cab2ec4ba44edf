"""The app with the Registry pane in front, for Pilot and snapshot tests."""

from __future__ import annotations

from buildtui.app.app import BuildTUI
from buildtui.app.registry.pane import RegistryPane
from buildtui.app.services import Services
from buildtui.registry.service import RegistryService
from tests.fakes.services import healthy, pane_app


def registry_app(service: RegistryService) -> BuildTUI:
    """The pane on `service`, with the settings it was made with."""
    settings = service.settings
    services = Services(settings=settings, status=healthy(settings), registry=service)
    return pane_app("registry", services)


def registry_pane(app: BuildTUI) -> RegistryPane:
    return app.query_one(RegistryPane)
