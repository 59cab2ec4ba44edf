"""An app that has shown everything and waits for the user runs no timers it does not
need: nothing animates or polls out of sight (the CPU an idle app uses,
`bench/registry_scale.py --app`)."""

from __future__ import annotations

import threading
from pathlib import Path

from textual.app import App, ComposeResult
from textual.widgets import ProgressBar

from buildtui.app.app import STATUS_INTERVAL, STATUS_INTERVAL_MAX, make_app
from buildtui.app.builders.pane import LONGEST_INTERVAL, REFRESH_INTERVAL
from buildtui.app.cleanup.progress import CleanupProgress
from buildtui.app.lab.pane import LONGEST_INTERVAL as LAB_LONGEST
from buildtui.app.lab.pane import REFRESH_INTERVAL as LAB_INTERVAL
from buildtui.app.lab.pane import LabPane
from buildtui.app.polling import next_delay
from tests.fakes.build import ReplayBuildService, captured_log
from tests.fakes.build_app import build_app, build_pane
from tests.fakes.builders import FakeBuildersService
from tests.fakes.builders_app import builders_app, builders_pane
from tests.fakes.lab import record_build
from tests.fakes.services import fake_services, settle, until
from tests.fakes.status import FakeStatusService, engine_down_status, healthy_status


class ProgressApp(App[None]):
    def compose(self) -> ComposeResult:
        yield CleanupProgress(id="activity")


async def test_the_clean_up_progress_bar_animates_only_while_shown() -> None:
    app = ProgressApp()
    async with app.run_test() as pilot:
        activity = app.query_one(CleanupProgress)
        bar = app.query_one("#cleanup-progress", ProgressBar)
        bar_part = bar.query_one("Bar")
        assert not bar.display or not bar.has_class("shown")
        assert bar_part.auto_refresh is None  # hidden: no 15-a-second redraw
        activity.show_progress(0, 0, "collecting garbage")  # an indeterminate bar
        await pilot.pause()
        assert bar.has_class("shown")
        assert bar_part.auto_refresh is not None  # animated while it runs
        activity.hide_progress()
        await pilot.pause()
        assert not bar.has_class("shown")
        assert bar_part.auto_refresh is None
        activity.show_progress(3, 10, "deleting")
        await pilot.pause()
        assert bar.has_class("shown") and bar_part.auto_refresh is None  # a known total


async def test_the_build_pane_ticks_only_while_a_build_runs(tmp_path: Path) -> None:
    release = threading.Event()
    service = ReplayBuildService(captured_log("lab-second-build.log"), batch=5, hold=release)
    app = build_app(service, tmp_path / "h.sqlite3")
    async with app.run_test(size=(150, 45)) as pilot:
        await settle(pilot)
        pane = build_pane(app)
        pane._tick()  # what the timer calls: nothing runs, so it stops
        assert not pane.ticking
        await pilot.click("#preset")
        await pilot.press("f5")
        await pilot.pause()
        assert pane.live is not None and pane.live.running
        assert pane.ticking  # the running steps' elapsed times move
        pane._tick()
        assert pane.ticking
        release.set()
        await settle(pilot)
        assert pane.live is not None and not pane.live.running
        pane._tick()
        assert not pane.ticking


def test_the_pace_slows_while_nothing_changes_and_starts_again_after_a_change() -> None:
    assert next_delay(15, changed=False, first=15, longest=60) == 30
    assert next_delay(30, changed=False, first=15, longest=60) == 60
    assert next_delay(60, changed=False, first=15, longest=60) == 60
    assert next_delay(60, changed=True, first=15, longest=60) == 15


async def test_the_status_probe_waits_longer_while_the_status_stays_the_same(
    tmp_path: Path,
) -> None:
    status = FakeStatusService(healthy_status())
    settings, services = fake_services(tmp_path, status)
    app = make_app(settings, services)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        poll = app.status_poll
        assert poll is not None and poll.scheduled
        assert poll.delay == STATUS_INTERVAL  # the first probe found something new
        delays = []
        for _ in range(3):  # ctrl+r, as the timer would: the same status each time
            calls = status.calls
            await pilot.press("ctrl+r")
            await until(pilot, lambda calls=calls: status.calls > calls, "probed")  # type: ignore[misc]
            await settle(pilot)
            delays.append(poll.delay)
        assert delays == [2 * STATUS_INTERVAL, STATUS_INTERVAL_MAX, STATUS_INTERVAL_MAX]
        assert poll.scheduled
        status.status = engine_down_status()  # the engine went away
        await pilot.press("ctrl+r")
        await until(pilot, lambda: app.status == engine_down_status(), "the change shown")
        assert poll.delay == STATUS_INTERVAL and poll.scheduled


async def test_the_builders_are_listed_less_often_while_unchanged_and_not_while_hidden() -> None:
    service = FakeBuildersService()
    app = builders_app(service)
    async with app.run_test(size=(130, 40)) as pilot:
        await settle(pilot)
        pane = builders_pane(app)
        poll = pane._poll
        assert poll is not None and poll.scheduled and poll.delay == REFRESH_INTERVAL
        for expected in (2 * REFRESH_INTERVAL, 4 * REFRESH_INTERVAL, LONGEST_INTERVAL):
            pane.refresh_builders()  # as the timer does: the same builders each time
            await settle(pilot)
            assert poll.delay == expected
        service.builders = [*service.builders[1:]]  # one removed in another terminal
        pane.refresh_builders()
        await settle(pilot)
        assert poll.delay == REFRESH_INTERVAL and poll.scheduled
        pane.refresh_builders()
        await settle(pilot)
        assert poll.delay == 2 * REFRESH_INTERVAL
        pane.refresh_builders()
        await settle(pilot)
        assert poll.delay == 4 * REFRESH_INTERVAL
        app.action_show_pane("build")  # hidden: no more listings
        await settle(pilot)
        assert not poll.scheduled
        listed = service.list_calls
        pane.refresh_builders()  # an engine event while hidden
        await settle(pilot)
        assert service.list_calls == listed + 1 and not poll.scheduled
        app.action_show_pane("builders")  # shown again: lists at once, then on the pace
        await until(pilot, lambda: service.list_calls > listed + 1, "listed when shown")
        await settle(pilot)
        # The pace started again: the first listing after it found nothing new.
        assert poll.scheduled and poll.delay == 2 * REFRESH_INTERVAL


async def test_the_lab_looks_less_often_while_its_items_stay_the_same(tmp_path: Path) -> None:
    settings, services = fake_services(tmp_path)
    assert services.build is not None
    app = make_app(settings, services)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        pane = app.query_one(LabPane)
        poll = pane._poll
        assert poll is not None and poll.scheduled
        # Shown, it looked at once and found what it saw while hidden: a slower pace.
        assert poll.delay == min(2 * LAB_INTERVAL, LAB_LONGEST) > LAB_INTERVAL
        record_build(services.build.history, "lab-first-build.log", 100.0)  # a build made
        pane.refresh_guide()  # as the timer does
        await settle(pilot)
        assert poll.delay == LAB_INTERVAL and poll.scheduled  # the items changed
        pane.refresh_guide()
        await settle(pilot)
        assert poll.delay == min(2 * LAB_INTERVAL, LAB_LONGEST)  # the same items
        await pilot.press("1")  # hidden: no more looks of its own
        await settle(pilot)
        assert not poll.scheduled
