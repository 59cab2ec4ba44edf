"""The app follows the engine's events: the registry's container or a builder's BuildKit
starting or stopping refreshes the status bar and the panes that show them, once per
burst, and never a pane in the middle of a deletion or collection."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from buildtui.app.app import make_app
from buildtui.app.cleanup.pane import CleanupPane
from buildtui.app.registry.pane import RegistryPane
from buildtui.engine.events import ContainerChange
from tests.fakes.builders import FakeBuildersService
from tests.fakes.services import fake_services, settle, until
from tests.fakes.status import FakeStatusService, healthy_status

SIZES = [(160, 48), (100, 30)]


class FakeEvents:
    """The engine's events on demand, delivered from a thread of their own as the real
    ones are."""

    def __init__(self) -> None:
        self.on_change: Callable[[ContainerChange], None] | None = None
        self.stopped = False

    def start(self, on_change: Callable[[ContainerChange], None]) -> None:
        self.on_change = on_change

    def stop(self) -> None:
        self.stopped = True

    def emit(self, *changes: ContainerChange) -> None:
        assert self.on_change is not None, "not started"
        callback = self.on_change
        thread = threading.Thread(target=lambda: [callback(c) for c in changes])
        thread.start()
        thread.join()


def counted(pane: RegistryPane | CleanupPane) -> list[int]:
    """Count the pane's refreshes (the app asks for them by `action_refresh`)."""
    calls = [0]
    original = pane.action_refresh

    def refresh() -> None:
        calls[0] += 1
        original()

    pane.action_refresh = refresh  # type: ignore[method-assign]  # on this pane only
    return calls


@pytest.mark.parametrize("size", SIZES)
async def test_a_registry_stop_and_a_builder_start_are_followed_at_once(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    status = FakeStatusService(healthy_status())
    settings, services = fake_services(tmp_path, status)
    events = FakeEvents()
    app = make_app(settings, replace(services, events=events))
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        registry = counted(app.query_one(RegistryPane))
        cleanup = counted(app.query_one(CleanupPane))
        probes = status.calls
        # `docker stop registry7`: kill, die and stop, handled once.
        events.emit(
            *(ContainerChange("registry7", a, registry=True) for a in ("kill", "die", "stop"))
        )
        await until(pilot, lambda: cleanup[0] == 1 and registry[0] == 1, "refreshed")
        await settle(pilot)
        assert status.calls == probes + 1
        assert (registry[0], cleanup[0]) == (1, 1)
        # A builder's BuildKit: the Builders pane lists again, the registry panes stay.
        builders = services.builders
        assert isinstance(builders, FakeBuildersService)
        listed = builders.list_calls
        events.emit(ContainerChange("buildx_buildkit_lab70", "start", registry=False))
        await until(pilot, lambda: builders.list_calls > listed, "builders listed")
        await settle(pilot)
        assert status.calls == probes + 2
        assert (registry[0], cleanup[0]) == (1, 1)
        # A deletion or collection in the Clean-up pane: it is left to finish.
        app.query_one(CleanupPane).busy = True
        events.emit(ContainerChange("registry7", "start", registry=True))
        await until(pilot, lambda: registry[0] == 2, "registry pane refreshed")
        await settle(pilot)
        assert cleanup[0] == 1
    assert events.stopped  # the app let go of them when it closed
