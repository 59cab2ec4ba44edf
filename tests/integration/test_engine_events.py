"""On the real engine: `docker stop` and `docker start` of the lab registry's container,
and of a builder's BuildKit container, reach the app through `docker events`.

The registry is published on a fixed port (`-p 127.0.0.1:PORT:5000`), so that its address
stays across the restart. In the app, the periodic status probe is turned off: only
the events can make the status bar and the Clean-up pane follow. How soon they follow
is measured by `bench/engine_events.py`, not here.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
from textual.pilot import Pilot

from buildtui.app import app as app_module
from buildtui.app.app import BuildTUI, make_app
from buildtui.app.cleanup.message_box import CleanupMessage
from buildtui.app.cleanup.pane import CleanupPane
from buildtui.app.shared.status_bar import StatusBar
from buildtui.app.wiring import make_services
from buildtui.engine.events import ContainerChange, EngineEvents, registry_answers
from buildtui.settings import Settings
from tests.fakes.services import settle
from tests.integration.lab import REGISTRY_IMAGE, docker, unique
from tests.integration.registry_fixtures import free_port

PATIENCE = 30.0
"""Seconds a change may take here before the test fails (no figure: see the bench)."""


def answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/v2/", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture
def lab_registry(engine: None) -> Iterator[Settings]:
    """A registry:2 container on a fixed port; the settings that name it."""
    name = unique("buildtui-events")
    port = free_port()
    docker("run", "-d", "--name", name, "-p", f"127.0.0.1:{port}:5000",
           "-e", "REGISTRY_STORAGE_DELETE_ENABLED=true", REGISTRY_IMAGE)  # fmt: skip
    settings = Settings(registry_url=f"http://localhost:{port}", registry_container=name)
    try:
        deadline = time.monotonic() + 30
        while not answers(settings.registry_url):
            assert time.monotonic() < deadline, f"{name} did not answer"
            time.sleep(0.1)
        yield settings
    finally:
        docker("rm", "-f", "-v", name, check=False)


def wait_for(changes: list[ContainerChange], wanted: Callable[[ContainerChange], bool]) -> None:
    deadline = time.monotonic() + PATIENCE
    while not any(wanted(c) for c in changes):
        assert time.monotonic() < deadline, f"no such change among {changes}"
        time.sleep(0.05)


def test_the_registry_and_a_buildkit_container_are_followed(lab_registry: Settings) -> None:
    settings = lab_registry
    changes: list[ContainerChange] = []
    answered_when_reported: list[bool] = []
    lock = threading.Lock()

    def changed(change: ContainerChange) -> None:
        with lock:
            if change.registry and change.up:
                answered_when_reported.append(registry_answers(settings))
            changes.append(change)

    events = EngineEvents(settings, window=3.0)  # a few windows go by in this test
    events.start(changed)
    buildkit = f"buildx_buildkit_{unique('events')}0"
    other = unique("buildtui-not-watched")
    try:
        time.sleep(1.0)  # the first window is running
        docker("run", "-d", "--name", other, REGISTRY_IMAGE)
        docker("stop", settings.registry_container)
        wait_for(changes, lambda c: c.registry and c.action == "die")
        docker("start", settings.registry_container)
        wait_for(changes, lambda c: c.registry and c.action == "start")
        assert answered_when_reported == [True]  # reported once the registry answers
        time.sleep(4.0)  # across a window's end
        docker("run", "-d", "--name", buildkit, REGISTRY_IMAGE)
        wait_for(changes, lambda c: c.container == buildkit and c.action == "start")
        docker("stop", buildkit)
        wait_for(changes, lambda c: c.container == buildkit and c.action == "die")
    finally:
        events.stop()
        docker("rm", "-f", "-v", buildkit, other, check=False)
    assert not any(c.container == other for c in changes)
    assert all(c.registry == (c.container == settings.registry_container) for c in changes)


def bar_text(app: BuildTUI) -> str:
    return str(app.query_one(StatusBar).render())


async def follows(pilot: Pilot[None], condition: Callable[[], bool], what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + PATIENCE
    while not condition():
        assert loop.time() < deadline, f"still not {what}"
        await pilot.pause(0.05)


@pytest.mark.parametrize("size", [(160, 48), (100, 30)])
async def test_the_bar_and_the_clean_up_pane_follow_docker_stop_and_start(
    lab_registry: Settings, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    settings = lab_registry
    name = settings.registry_container
    monkeypatch.setattr(app_module, "STATUS_INTERVAL", 24 * 3600.0)  # events only
    app = make_app(settings, make_services(settings))
    async with app.run_test(size=size) as pilot:
        await settle(pilot, timeout=30)
        await pilot.press("4")
        message = app.query_one(CleanupMessage)
        pane = app.query_one(CleanupPane)
        await follows(pilot, lambda: pane.graph is not None, "read")
        assert app.status is not None and app.status.registry_up
        assert f"{name} up" in bar_text(app)
        await asyncio.to_thread(docker, "stop", name)
        await follows(pilot, lambda: f"{name} down" in bar_text(app), "down in the bar")
        await follows(pilot, lambda: message.has_class("shown"), "the pane's error")
        assert f"{name} exists but is stopped" in str(message.render())
        await asyncio.to_thread(docker, "start", name)
        await follows(pilot, lambda: f"{name} up" in bar_text(app), "up in the bar")
        await follows(pilot, lambda: not message.has_class("shown"), "the error gone")
        assert pane.graph is not None


async def test_the_status_probe_slows_while_the_engine_is_unchanged_and_follows_a_stop(
    lab_registry: Settings,
) -> None:
    """The real probe finds the same status twice (the pace slows to a probe a minute),
    and `docker stop` of the registry still shows at once and brings the pace back."""
    settings = lab_registry
    name = settings.registry_container
    app = make_app(settings, make_services(settings))
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot, timeout=30)
        await follows(pilot, lambda: f"{name} up" in bar_text(app), "up in the bar")
        poll = app.status_poll
        assert poll is not None and poll.scheduled
        for _ in range(2):
            probed = app.status
            await pilot.press("ctrl+r")  # as the timer does
            await follows(pilot, lambda probed=probed: app.status is not probed, "probed")  # type: ignore[misc]
        assert poll.delay == app_module.STATUS_INTERVAL_MAX  # nothing changed
        await asyncio.to_thread(docker, "stop", name)
        await follows(pilot, lambda: f"{name} down" in bar_text(app), "down in the bar")
        assert poll.delay < app_module.STATUS_INTERVAL_MAX and poll.scheduled
        await asyncio.to_thread(docker, "start", name)
        await follows(pilot, lambda: f"{name} up" in bar_text(app), "up in the bar")
