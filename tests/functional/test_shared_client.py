"""The Registry and Clean-up panes share one HTTP client: `o` in one never breaks the other."""

from __future__ import annotations

import asyncio

import httpx
from textual.pilot import Pilot
from textual.widgets import Static

from buildtui.app.cleanup.items import CleanupItems
from buildtui.app.registry.open_registry import OpenRegistryScreen
from buildtui.app.registry.pane import RegistryPane
from buildtui.app.shared.confirm import ConfirmScreen
from tests.fakes.cleanup import WritableFakeRegistry, lab_fake_registry
from tests.fakes.gate import Gate
from tests.fakes.services import settle, until
from tests.fakes.shared_app import open_registry, shared_app


class GatedTransport(httpx.MockTransport):
    """The fake registry behind a gate that holds every DELETE until opened, so that a
    deletion stays in flight. Like a closed httpx client, it refuses requests once closed
    (by the close of any client built on it)."""

    def __init__(self, registry: WritableFakeRegistry) -> None:
        super().__init__(self.handle)
        self.registry = registry
        self.open = Gate()
        self.waiting = Gate()
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
        await open_registry(pilot, "http://other.test:5000")
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
