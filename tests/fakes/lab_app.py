"""The app with the Lab pane in front, for Pilot and snapshot tests."""

from __future__ import annotations

from dataclasses import replace

from buildtui.app.app import BuildTUI
from buildtui.app.lab.pane import LabPane
from buildtui.app.services import Services
from buildtui.lab.service import LabService
from tests.fakes.services import healthy, pane_app


def lab_app(service: LabService, language: str = "en") -> BuildTUI:
    """The pane on `service`, in `language` (the setting the app reads it from)."""
    settings = replace(service.settings, language=language)
    services = Services(settings=settings, status=healthy(settings), lab=service)
    return pane_app("lab", services)


def lab_pane(app: BuildTUI) -> LabPane:
    return app.query_one(LabPane)
