"""The app with the Builders pane in front, for Pilot and snapshot tests."""

from __future__ import annotations

from buildtui.app.app import BuildTUI
from buildtui.app.builders.pane import BuildersPane
from buildtui.app.services import Services
from buildtui.buildx.builders import BuildersBackend
from buildtui.engine.status import EngineStatus
from buildtui.settings import Settings
from tests.fakes.services import healthy, pane_app
from tests.fakes.status import FakeStatusService


def builders_app(
    service: BuildersBackend, settings: Settings | None = None, status: EngineStatus | None = None
) -> BuildTUI:
    """The pane on `service`; the status probe answers `status` (default: all is well)."""
    settings = settings or Settings()
    probe = healthy(settings) if status is None else FakeStatusService(status)
    services = Services(settings=settings, status=probe, builders=service)
    return pane_app("builders", services)


def builders_pane(app: BuildTUI) -> BuildersPane:
    return app.query_one(BuildersPane)
