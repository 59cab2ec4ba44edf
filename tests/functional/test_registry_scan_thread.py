"""The Registry pane's reads decode off the UI thread, and leave no thread behind when
the pane switches registries or the app exits in the middle of them."""

from __future__ import annotations

import asyncio
import threading

import httpx
import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, OptionList

from buildtui.app.registry.pane import RegistryPane
from buildtui.registry import blobcache, client
from buildtui.registry.classify import parse_manifest
from buildtui.registry.models import Manifest
from buildtui.registry.requests_thread import THREAD_NAME
from tests.fakes.cleanup import WritableFakeRegistry, lab_fake_registry
from tests.fakes.gate import Gate
from tests.fakes.registry import fake_service, lab_registry
from tests.fakes.registry_app import registry_app, registry_pane
from tests.fakes.services import settle, until
from tests.fakes.shared_app import open_registry, shared_app


def requests_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(THREAD_NAME)]


async def test_manifests_are_decoded_and_checked_off_the_ui_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: set[str] = set()
    compute_digest = client.compute_digest

    def spy_parse(raw: bytes, digest: str, content_type: str | None = None) -> Manifest:
        seen.add(threading.current_thread().name)
        return parse_manifest(raw, digest, content_type)

    def spy_digest(data: bytes, algorithm: str = "sha256") -> str:
        seen.add(threading.current_thread().name)
        return compute_digest(data, algorithm)

    monkeypatch.setattr(blobcache, "parse_manifest", spy_parse)
    monkeypatch.setattr(client, "compute_digest", spy_digest)
    before = set(requests_threads())
    app = registry_app(fake_service(lab_registry()))
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        options = app.query_one("#registry-repos", OptionList)
        options.highlighted = [str(o.id) for o in options.options].index("lab")
        await settle(pilot)
        assert set(registry_pane(app).reports) == {"cachetest", "single", "v2"}
        ui = threading.current_thread().name
    assert seen and ui not in seen
    assert all(name.startswith(THREAD_NAME) for name in seen), seen
    assert set(requests_threads()) <= before  # the pane closed its client, and its thread


class Held(httpx.AsyncBaseTransport):
    """The fake registry, with one manifest held back: a read stays in flight."""

    def __init__(self, registry: WritableFakeRegistry, held: str) -> None:
        self.registry = registry
        self.held = held
        self.waiting = Gate()
        self.release = Gate()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith(self.held):
            self.waiting.set()
            await self.release.wait()
        return self.registry.handle(request)


async def reading_lab(pilot: Pilot[None], held: Held) -> RegistryPane:
    """The Registry pane shown, `lab` chosen, and its held read in flight."""
    app = pilot.app
    await pilot.press("3")
    await until(pilot, lambda: bool(app.query(RegistryPane)), "shown")
    pane = app.query_one(RegistryPane)
    await until(pilot, lambda: "lab" in pane.repositories, "listed")
    options = pane.query_one("#registry-repos", OptionList)
    options.highlighted = pane.repositories.index("lab")
    await asyncio.wait_for(held.waiting.wait(), 10)
    return pane


async def test_switching_registries_and_exiting_during_a_read_leave_no_thread() -> None:
    before = set(requests_threads())
    registry = lab_fake_registry()
    held = Held(registry, "/v2/lab/manifests/v2")
    app = shared_app(registry, held)
    async with app.run_test(size=(160, 45)) as pilot:
        pane = await reading_lab(pilot, held)
        await until(pilot, lambda: "cachetest" in pane.reports, "inspected")
        assert set(requests_threads()) - before  # the reads run (and decode) in the requests thread
        assert str(pane.query_one("#registry-tags", DataTable).get_row("v2")[1]) == "…"

        # `o` while lab:v2 is still being read: the read stops with the old registry.
        await open_registry(pilot, "http://other.test:5000")
        await until(pilot, lambda: pane.service.registry == "other.test:5000", "switched")
        await until(
            pilot,
            lambda: not any(w.group == "registry-tags" and not w.is_finished for w in app.workers),
            "stopped reading the old registry",
        )
    # The app closed both panes' clients: their requests threads are gone, none hangs.
    assert set(requests_threads()) <= before
    assert not held.release.is_set()


class SlowToCancel(Held):
    """A held read that takes a second to end once cancelled (a loaded machine, a
    connection slow to close): longer than the app's own shutdown takes."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await super().handle_async_request(request)
        except asyncio.CancelledError:
            await asyncio.sleep(1.0)
            raise


async def test_exiting_during_a_read_slow_to_cancel_still_leaves_no_thread() -> None:
    before = set(requests_threads())
    registry = lab_fake_registry()
    held = SlowToCancel(registry, "/v2/lab/manifests/v2")
    app = shared_app(registry, held)
    async with app.run_test(size=(160, 45)) as pilot:
        await reading_lab(pilot, held)
        assert set(requests_threads()) - before
    # The app waited for the cancelled reads to end before it let go of the client.
    assert set(requests_threads()) <= before
    assert not held.release.is_set()
