"""The whole app with one registry client shared by the Registry and Clean-up panes, as
`make_services` builds them, on a fake registry behind a test's transport."""

from __future__ import annotations

import httpx
from textual.pilot import Pilot
from textual.widgets import Input

from buildtui.app.app import BuildTUI, make_app
from buildtui.app.registry.open_registry import OpenRegistryScreen
from buildtui.app.services import Services
from buildtui.cleanup.service import CleanupService
from buildtui.engine.registry_container import ContainerState
from buildtui.registry.auth import NoCredentials
from buildtui.registry.service import RegistryService
from buildtui.settings import Settings
from tests.fakes.cleanup import FakeContainer, WritableFakeRegistry
from tests.fakes.services import until
from tests.fakes.status import FakeStatusService, healthy_status


def shared_app(registry: WritableFakeRegistry, transport: httpx.AsyncBaseTransport) -> BuildTUI:
    """The app with one registry service shared by both panes, as `make_services` does."""
    settings = Settings(registry_url=f"http://{registry.host}")
    browser = RegistryService(settings, transport=transport, store=NoCredentials())
    cleanup = CleanupService(
        settings,
        registry=browser.share(),
        container=FakeContainer(registry),
        transport=transport,
        container_state=lambda: ContainerState("registry7", None),
    )
    status = FakeStatusService(healthy_status(settings.registry_url))
    services = Services(settings=settings, status=status, registry=browser, cleanup=cleanup)
    return make_app(settings, services)


async def open_registry(pilot: Pilot[None], url: str) -> None:
    """In the Registry pane: `o`, type `url`, Enter (as a user opens another registry)."""
    app = pilot.app
    await pilot.press("o")
    await until(pilot, lambda: isinstance(app.screen, OpenRegistryScreen), "asking")
    field = app.screen.query_one(Input)
    field.value = url
    field.focus()
    await pilot.pause()
    await pilot.press("enter")
