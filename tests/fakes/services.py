"""The whole app on deterministic in-memory fakes: every pane has data, nothing touches Docker.

`fake_services` fills every pane; `pane_app` builds the app for one pane's tests (the
`*_app` modules beside this one). Both go through `make_app`, so the tests run the real
shell: tabs, status bar, bindings and the focus the app gives a pane.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot
from textual.worker import WorkerCancelled, WorkerFailed

from buildtui.app.app import BuildTUI, make_app
from buildtui.app.services import BuildServices, Services
from buildtui.builds.history import BuildHistory
from buildtui.settings import Settings
from tests.fakes.build import ReplayBuildService, captured_log, fixed_platforms
from tests.fakes.builders import FakeBuildersService
from tests.fakes.cleanup import fake_cleanup_service, lab_fake_registry
from tests.fakes.lab import fake_lab_service
from tests.fakes.registry import fake_service
from tests.fakes.status import FakeStatusService, healthy_status


def fake_services(
    data_dir: Path, status: FakeStatusService | None = None
) -> tuple[Settings, Services]:
    """Settings and services for the full app; `data_dir` holds the build history."""
    registry = lab_fake_registry()
    settings = Settings(registry_url=f"http://{registry.host}")
    browser = fake_service(registry, settings)
    history = BuildHistory(data_dir / "history.sqlite3")
    services = Services(
        settings=settings,
        status=status or FakeStatusService(healthy_status(settings.registry_url)),
        builders=FakeBuildersService(settings=settings, data_dir=data_dir),
        build=BuildServices(
            runner=ReplayBuildService(captured_log("lab-second-build.log")),
            history=history,
            platforms=fixed_platforms,
        ),
        registry=browser,
        # Shared as `make_services` shares them: one client for both panes.
        cleanup=fake_cleanup_service(registry, registry_service=browser),
        lab=fake_lab_service(data_dir, registry, settings=settings, history=history),
    )
    return settings, services


def healthy(settings: Settings) -> FakeStatusService:
    """A status probe that finds the engine, buildx and the registry of `settings`."""
    return FakeStatusService(healthy_status(settings.registry_url))


def pane_app(pane_id: str, services: Services) -> BuildTUI:
    """The app on `services` with `pane_id`'s tab in front, as if its key was pressed
    while the panes loaded; a pane without a service says it is not available."""
    app = make_app(services.settings, services)
    # Queued now, handled as soon as the app has mounted: before the panes load.
    app.call_later(app.action_show_pane, pane_id)
    return app


async def loaded(pilot: Pilot[None], timeout: float = 10.0) -> None:
    """Wait until the panes are mounted and one has the focus (no wait for workers)."""
    app = pilot.app
    assert isinstance(app, BuildTUI)
    deadline = asyncio.get_running_loop().time() + timeout
    while app.tabs is None and asyncio.get_running_loop().time() < deadline:
        await pilot.pause(0.01)
    await pilot.pause()  # the focus moves into the pane after the first layout


async def workers_done(pilot: Pilot[None]) -> None:
    """Wait for the app's workers. One cancelled meanwhile (an exclusive worker that a
    newer one replaced: a pane refreshed twice) is no failure; the newer one is waited for.
    Nor is one that raised: a worker the app lets fail (`exit_on_error=False`) has its
    failure handled by the app, which is what a test then checks; one that may not fail
    ends the app, and `run_test` raises that."""
    for _ in range(50):
        try:
            await pilot.app.workers.wait_for_complete()
            return
        except (WorkerCancelled, WorkerFailed):
            await pilot.pause()
    await pilot.app.workers.wait_for_complete()


async def settle(pilot: Pilot[None], timeout: float = 10.0) -> None:
    """Wait until the app has loaded its panes, probed the status, and gone quiet: the
    workers done and the messages they posted handled (which may start more workers),
    three rounds in a row with no worker running. (A registry read answers from the
    client's own thread: its worker may still run when the app's loop has nothing to do.)"""
    app = pilot.app
    assert isinstance(app, BuildTUI)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while app.status is None and loop.time() < deadline:
        await workers_done(pilot)
        await pilot.pause(0.02)
    quiet = rounds = 0
    while (rounds < 6 or quiet < 3) and loop.time() < deadline:
        busy = any(not worker.is_finished for worker in app.workers)
        await workers_done(pilot)
        await pilot.pause()
        rounds += 1
        quiet = 0 if busy else quiet + 1


async def until(pilot: Pilot[None], condition: Callable[[], bool], what: str) -> None:
    """Wait (at most 10 s) until the condition holds."""
    for _ in range(1000):
        if condition():
            return
        await pilot.pause(0.01)
    raise AssertionError(f"still not {what}; screen {pilot.app.screen}")
