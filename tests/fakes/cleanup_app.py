"""The app with the Clean-up pane in front, for Pilot and snapshot tests."""

from __future__ import annotations

from textual.app import App

from buildtui.app.app import BuildTUI
from buildtui.app.cleanup.pane import CleanupPane
from buildtui.app.services import Services
from buildtui.cleanup.service import CleanupService
from tests.fakes.services import healthy, pane_app


def cleanup_app(service: CleanupService) -> BuildTUI:
    """The pane on `service`, with the settings it was made with."""
    settings = service.settings
    services = Services(settings=settings, status=healthy(settings), cleanup=service)
    return pane_app("cleanup", services)


def cleanup_pane(app: App[None]) -> CleanupPane:
    return app.query_one(CleanupPane)
