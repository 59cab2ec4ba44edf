"""The Registry and Clean-up panes share one HTTP client: `o` in one never breaks the other."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
from textual.pilot import Pilot
from textual.widgets import Input, Static

from buildtui.app.app import BuildTUI, make_app
from buildtui.app.panes.registry import RegistryPane
from buildtui.app.screens.confirm import ConfirmScreen
from buildtui.app.screens.open_registry import OpenRegistryScreen
from buildtui.app.services import Services
from buildtui.app.widgets.cleanup_items import CleanupItems
from buildtui.cleanup.service import CleanupService
from buildtui.engine.registry_container import ContainerState
from buildtui.registry.auth import NoCredentials
from buildtui.registry.service import RegistryService
from buildtui.settings import Settings
from tests.fakes.cleanup import FakeContainer, WritableFakeRegistry, lab_fake_registry
from tests.fakes.services import settle
from tests.fakes.status import FakeStatusService, healthy_status


class GatedTransport(httpx.MockTransport):
    """The fake registry behind a gate that holds every DELETE until opened, so that a
    deletion stays in flight. Like a closed httpx client, it refuses requests once closed
    (by the close of any client built on it)."""

    def __init__(self, registry: WritableFakeRegistry) -> None:
        super().__init__(self.handle)
        self.registry = registry
        self.open = asyncio.Event()
        self.waiting = asyncio.Event()
        self.closed = False

    async def handle(self, request: httpx.Request) -> httpx.Response:
        if self.closed:
            raise RuntimeError("Cannot send a request, as the client has been closed.")
        if request.method == "DELETE":
            self.waiting.set()
            await self.open.wait()
        return self.registry.handle(request)

    async def aclose(self) -> None:
        self.closed = True


def shared_app(registry: WritableFakeRegistry, transport: GatedTransport) -> BuildTUI:
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


async def until(pilot: Pilot[None], condition: Callable[[], bool], what: str) -> None:
    """Wait (at most 10 s) until the condition holds."""
    for _ in range(1000):
        if condition():
            return
        await pilot.pause(0.01)
    raise AssertionError(f"still not {what}; screen {pilot.app.screen}")


async def workers_done(pilot: Pilot[None], group: str) -> None:
    await until(
        pilot,
        lambda: not any(w.group == group and not w.is_finished for w in pilot.app.workers),
        f"done: {group}",
    )


async def test_opening_another_registry_during_a_deletion_keeps_its_client_open() -> None:
    registry = lab_fake_registry()
    gate = GatedTransport(registry)
    app = shared_app(registry, gate)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(pilot)
        # Clean-up: delete the cache image; its DELETE requests wait at the gate.
        await pilot.press("4")
        table = app.query_one(CleanupItems)
        table.focus()
        rows = [str(row.key.value) for row in table.ordered_rows]
        table.move_cursor(row=rows.index("cachedata1:latest"))
        await pilot.pause()
        await pilot.press("space", "x")
        await workers_done(pilot, "cleanup-plan")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirming")
        await pilot.click("#confirm-ok")
        await asyncio.wait_for(gate.waiting.wait(), 10)

        # Registry: `o` opens another registry, which closes the pane's old service.
        await pilot.press("3")
        await pilot.press("o")
        await until(pilot, lambda: isinstance(app.screen, OpenRegistryScreen), "asking")
        field = app.screen.query_one(Input)
        field.value = "http://other.test:5000"
        field.focus()
        await pilot.pause()
        await pilot.press("enter")
        await until(pilot, lambda: not isinstance(app.screen, OpenRegistryScreen), "opened")
        await pilot.pause()
        await workers_done(pilot, "registry-close")
        assert app.query_one(RegistryPane).service.registry == "other.test:5000"

        # The deletion goes on with its client and finishes.
        gate.open.set()
        await settle(pilot)
        assert "latest" not in registry.tags.get("cachedata1", {})
        message = app.query_one("#cleanup-message", Static)
        assert not message.has_class("shown"), str(message.render())
        assert not gate.closed
