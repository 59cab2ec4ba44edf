"""The Builders pane driven with Pilot against the in-memory builders service."""

from __future__ import annotations

import threading

import pytest
from textual.message import Message
from textual.notifications import Notify
from textual.pilot import Pilot
from textual.widgets import Button, Checkbox, DataTable, Input, Log, Select, Static

from buildtui.app.app import BuildTUI
from buildtui.app.builders.bootstrap import BootstrapScreen
from buildtui.app.builders.create import CreateBuilderScreen
from buildtui.app.builders.inspect_screen import InspectBuilderScreen
from buildtui.app.builders.pane import BuildersPane
from buildtui.app.builders.prune import PruneScreen
from buildtui.app.builders.remove import RemoveBuilderScreen
from buildtui.app.builders.usage import DiskUsageScreen
from buildtui.app.shared.confirm import ConfirmScreen
from buildtui.buildx.errors import (
    BuilderNotFound,
    BuildxCommandFailed,
    BuildxError,
    BuildxMissing,
    EngineUnavailable,
)
from tests.fakes.builders import FakeBuildersService
from tests.fakes.builders_app import builders_app, builders_pane
from tests.fakes.services import loaded, settle

SIZE = (130, 40)


def text_of(app: BuildTUI, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def row_keys(app: BuildTUI) -> list[str]:
    table = builders_pane(app).query_one("#builders-table", DataTable)
    return [str(row.key.value) for row in table.ordered_rows]


def notes(posted: list[Message]) -> list[tuple[str, str]]:
    return [
        (m.notification.severity, m.notification.message) for m in posted if isinstance(m, Notify)
    ]


async def highlight(app: BuildTUI, pilot: Pilot[None], key: str) -> None:
    table = builders_pane(app).query_one("#builders-table", DataTable)
    table.focus()
    table.move_cursor(row=row_keys(app).index(key))
    await settle(pilot)


async def test_list_marks_current_nodes_hand_set_platforms_and_errors() -> None:
    app = builders_app(FakeBuildersService())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert row_keys(app) == [
            "b:default",
            "n:default/default",
            "b:lab7",
            "n:lab7/lab70",
            "b:cachebox",
            "n:cachebox/cachebox0",
            "n:cachebox/cachebox-arm",
            "b:farbox",
            "n:farbox/farbox0",
        ]
        table = builders_pane(app).query_one("#builders-table", DataTable)
        assert str(table.get_cell("b:default", "NAME/NODE")) == "default*"
        assert str(table.get_cell("n:lab7/lab70", "PLATFORMS")) == "linux/amd64*, linux/arm64*"
        assert str(table.get_cell("n:farbox/farbox0", "STATUS")) == "error"
        assert str(table.get_cell("n:farbox/farbox0", "PLATFORMS")) == "connection refused"
        assert "in use: default" in text_of(app, "#builders-title")
        await highlight(app, pilot, "n:lab7/lab70")
        details = text_of(app, "#builders-details")
        assert "Builder: lab7" in details and "network=host" in details


async def test_refresh_runs_off_the_ui_thread_and_typing_stays_responsive() -> None:
    service = FakeBuildersService()
    service.gate = threading.Event()  # `buildx ls` that does not answer yet
    app = builders_app(service)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        assert "refreshing" in text_of(app, "#builders-title")
        # Until the first list comes, the pane is its title: no empty table, and the
        # pane holds the focus, so its keys work.
        table = builders_pane(app).query_one("#builders-table", DataTable)
        assert not table.display
        assert app.focused is builders_pane(app)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, CreateBuilderScreen)
        await pilot.press(*"lab7b")
        assert app.screen.query_one("#create-name", Input).value == "lab7b"
        assert row_keys(app) == []  # the list is still being read
        service.gate.set()
        await pilot.press("escape")
        await settle(pilot)
        assert "b:lab7" in row_keys(app)
        assert "refreshing" not in text_of(app, "#builders-title")
        assert table.display
        assert app.focused is table


@pytest.mark.parametrize(
    ("error", "what", "fix"),
    [
        (
            EngineUnavailable("Cannot connect to the Docker daemon"),
            "The Docker engine is not reachable",
            "Start the Docker daemon",
        ),
        (BuildxMissing(), "The buildx plugin is missing", "apt-get install docker-buildx"),
    ],
)
async def test_unavailable_engine_or_buildx_shows_what_and_how_then_recovers(
    error: BuildxError, what: str, fix: str
) -> None:
    service = FakeBuildersService()
    service.fail["list"] = error
    posted: list[Message] = []
    app = builders_app(service)
    async with app.run_test(size=SIZE, message_hook=posted.append) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        message = text_of(app, "#builders-message")
        assert what in message and fix in message and "Press r" in message
        assert notes(posted) == []  # said once, in the pane, not as a pile of pop-ups
        assert builders_pane(app).has_class("unavailable")
        table = builders_pane(app).query_one("#builders-table")
        assert not table.display
        # The hidden list cannot hold the focus: the pane does, so r still reaches it.
        assert app.focused is builders_pane(app)
        del service.fail["list"]
        await pilot.press("r")
        await settle(pilot)
        assert not builders_pane(app).has_class("unavailable")
        assert "b:default" in row_keys(app)
        assert app.focused is table


async def test_stale_buildx_builder_is_a_warning_above_the_list() -> None:
    service = FakeBuildersService()
    service.env_builder = "gone"
    app = builders_app(service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "BUILDX_BUILDER=gone names no builder" in text_of(app, "#builders-message")
        assert builders_pane(app).query_one("#builders-table").display


async def test_create_shows_the_exact_command_live_and_creates() -> None:
    service = FakeBuildersService()
    posted: list[Message] = []
    app = builders_app(service)
    async with app.run_test(size=SIZE, message_hook=posted.append) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CreateBuilderScreen)
        await pilot.press(*"mybuilder")
        # The status says the lab registry answers on this host: its presets are on.
        assert "--driver-opt network=host --buildkitd-config " in text_of(app, "#create-command")
        screen.query_one("#create-host-network", Checkbox).value = False
        screen.query_one("#create-plain-http", Checkbox).value = False
        await pilot.pause()
        assert text_of(app, "#create-command") == (
            "$ docker buildx create --name mybuilder --driver docker-container"
        )
        screen.query_one("#create-use", Checkbox).value = True
        screen.query_one("#create-host-network", Checkbox).value = True
        screen.query_one("#create-plain-http", Checkbox).value = True
        await pilot.pause()
        command = text_of(app, "#create-command")
        assert "--driver-opt network=host --buildkitd-config " in command
        assert command.endswith("--use")
        assert '[registry."localhost:5000"]' in text_of(app, "#create-problem")
        await pilot.click("#create-ok")
        await settle(pilot)
        assert not isinstance(app.screen, CreateBuilderScreen)
        (create,) = [call for call in service.calls if call[0] == "create"]
        assert create[:5] == ("create", "buildx", "create", "--name", "mybuilder")
        assert ("information", "Builder mybuilder created and in use") in notes(posted)
        assert "b:mybuilder" in row_keys(app)
        assert "in use: mybuilder" in text_of(app, "#builders-title")


async def test_create_refuses_what_buildx_would_refuse() -> None:
    service = FakeBuildersService()
    app = builders_app(service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press(*"bad name")
        assert "not a valid builder or node name" in text_of(app, "#create-problem")
        assert app.screen.query_one("#create-ok", Button).disabled
        app.screen.query_one("#create-name", Input).value = "r1"
        app.screen.query_one("#create-driver", Select).value = "remote"
        await pilot.pause()
        assert "needs the BuildKit endpoint" in text_of(app, "#create-problem")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CreateBuilderScreen)  # nothing submitted
        assert not [c for c in service.calls if c[0] == "create"]


async def test_create_error_from_buildx_is_explained() -> None:
    service = FakeBuildersService()
    posted: list[Message] = []
    app = builders_app(service)
    async with app.run_test(size=SIZE, message_hook=posted.append) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press(*"lab7", "enter")
        await settle(pilot)
        ((severity, text),) = notes(posted)
        assert severity == "error"
        assert 'A builder named "lab7" already exists' in text and "--append" in text


async def test_add_node_prefills_append_and_leave_asks_first() -> None:
    service = FakeBuildersService()
    posted: list[Message] = []
    app = builders_app(service)
    async with app.run_test(size=SIZE, message_hook=posted.append) as pilot:
        await settle(pilot)
        await highlight(app, pilot, "b:cachebox")
        await pilot.press("a")
        await settle(pilot)
        assert app.screen.query_one("#create-mode", Select).value == "append"
        assert app.screen.query_one("#create-name", Input).value == "cachebox"
        await pilot.press("escape")
        await highlight(app, pilot, "n:cachebox/cachebox-arm")
        await pilot.press("L")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert text_of(app, "#confirm-command") == (
            "$ docker buildx create --name cachebox --node cachebox-arm --leave"
        )
        assert "buildx_buildkit_cachebox-arm" in text_of(app, "#confirm-body")
        await pilot.click("#confirm-ok")
        await settle(pilot)
        assert "n:cachebox/cachebox-arm" not in row_keys(app)
        assert ("information", "Node cachebox-arm removed from cachebox") in notes(posted)


async def test_use_makes_it_current_and_reports_errors() -> None:
    service = FakeBuildersService()
    posted: list[Message] = []
    app = builders_app(service)
    async with app.run_test(size=SIZE, message_hook=posted.append) as pilot:
        await settle(pilot)
        await highlight(app, pilot, "b:cachebox")  # it runs: no question first
        await pilot.press("u")
        await settle(pilot)
        assert ("use", "cachebox") in service.calls
        assert "in use: cachebox" in text_of(app, "#builders-title")
        assert ("information", "cachebox is now the builder in use") in notes(posted)
        service.fail["use"] = BuilderNotFound("cachebox")
        await pilot.press("u")
        await settle(pilot)
        severity, text = notes(posted)[-1]
        assert severity == "error" and 'There is no builder "cachebox"' in text


async def test_bootstrap_shows_progress_and_the_explained_failure() -> None:
    app = builders_app(FakeBuildersService())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await highlight(app, pilot, "b:lab7")
        await pilot.press("b")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, BootstrapScreen)
        assert screen.lines[1] == "#1 pulling image moby/buildkit:buildx-stable-1"
        assert screen.query_one("#bootstrap-log", Log).line_count == 3
        outcome = text_of(app, "#bootstrap-outcome")
        assert "cannot be pulled" in outcome and "docker load" in outcome
        assert text_of(app, "#bootstrap-command") == "$ docker buildx inspect --bootstrap lab7"
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, BootstrapScreen)


async def test_quitting_during_a_bootstrap_cancels_it() -> None:
    service = FakeBuildersService()
    service.bootstrap_hold = threading.Event()  # never set: only a cancel ends it
    app = builders_app(service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await highlight(app, pilot, "b:farbox")
        await pilot.press("b")
        for _ in range(50):
            await pilot.pause(0.02)
            if service.bootstraps:
                break
        await pilot.press("ctrl+q")
    (run,) = service.bootstraps
    assert run.cancelled.is_set()


async def test_bootstrap_can_be_cancelled() -> None:
    service = FakeBuildersService()
    service.bootstrap_hold = threading.Event()  # a remote BuildKit that never answers
    app = builders_app(service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await highlight(app, pilot, "b:farbox")
        await pilot.press("b")
        for _ in range(50):
            await pilot.pause(0.02)
            if isinstance(app.screen, BootstrapScreen) and len(app.screen.lines) == 2:
                break
        screen = app.screen
        assert isinstance(screen, BootstrapScreen) and not screen.done
        await pilot.press("escape")  # cancels; does not close yet
        await settle(pilot)
        assert screen.done and not screen.succeeded
        assert 'Bootstrap of "farbox" was cancelled' in text_of(app, "#bootstrap-outcome")
        assert "docker buildx stop farbox" in text_of(app, "#bootstrap-outcome")
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, BootstrapScreen)


async def test_stop() -> None:
    service = FakeBuildersService()
    posted: list[Message] = []
    app = builders_app(service)
    async with app.run_test(size=SIZE, message_hook=posted.append) as pilot:
        await settle(pilot)
        await highlight(app, pilot, "n:cachebox/cachebox0")
        await pilot.press("s")
        await settle(pilot)
        assert ("stop", "cachebox") in service.calls
        table = builders_pane(app).query_one("#builders-table", DataTable)
        assert str(table.get_cell("n:cachebox/cachebox0", "STATUS")) == "stopped"
        assert ("information", "cachebox stopped") in notes(posted)


async def test_remove_names_what_is_lost_and_keep_state_changes_it() -> None:
    service = FakeBuildersService()
    posted: list[Message] = []
    app = builders_app(service)
    async with app.run_test(size=SIZE, message_hook=posted.append) as pilot:
        await settle(pilot)
        await highlight(app, pilot, "b:lab7")
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, RemoveBuilderScreen)
        assert text_of(app, "#remove-command") == "$ docker buildx rm lab7"
        losses = text_of(app, "#remove-losses")
        assert "container buildx_buildkit_lab70" in losses
        assert "volume buildx_buildkit_lab70_state: all of its build cache" in losses
        app.screen.query_one("#remove-keep-state", Checkbox).value = True
        await pilot.pause()
        assert text_of(app, "#remove-command") == "$ docker buildx rm --keep-state lab7"
        assert "It keeps:" in text_of(app, "#remove-losses")
        await pilot.click("#remove-ok")
        await settle(pilot)
        assert ("remove", "lab7", "keep_state=True", "keep_daemon=False") in service.calls
        assert "b:lab7" not in row_keys(app)
        assert ("information", "Builder lab7 removed (its build cache kept)") in notes(posted)


async def test_remove_cancel_keeps_the_builder() -> None:
    service = FakeBuildersService()
    app = builders_app(service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await highlight(app, pilot, "b:lab7")
        await pilot.press("x")
        await settle(pilot)
        await pilot.press("enter")  # Cancel has the focus
        await settle(pilot)
        assert not isinstance(app.screen, RemoveBuilderScreen)
        assert not [c for c in service.calls if c[0] == "remove"]
        assert "b:lab7" in row_keys(app)


async def test_remove_of_the_context_builder_explains_docker_context_rm() -> None:
    service = FakeBuildersService()
    posted: list[Message] = []
    app = builders_app(service)
    async with app.run_test(size=SIZE, message_hook=posted.append) as pilot:
        await settle(pilot)
        await highlight(app, pilot, "b:default")
        await pilot.press("x")
        await settle(pilot)
        assert not isinstance(app.screen, RemoveBuilderScreen)
        severity, text = notes(posted)[-1]
        assert severity == "error" and "`docker context rm default`" in text
        assert not [c for c in service.calls if c[0] == "remove"]


async def test_remove_failure_is_reported() -> None:
    service = FakeBuildersService()
    service.fail["remove"] = BuildxCommandFailed("Remove builder", "device or resource busy")
    posted: list[Message] = []
    app = builders_app(service)
    async with app.run_test(size=SIZE, message_hook=posted.append) as pilot:
        await settle(pilot)
        await highlight(app, pilot, "b:lab7")
        await pilot.press("x")
        await settle(pilot)
        await pilot.click("#remove-ok")
        await settle(pilot)
        severity, text = notes(posted)[-1]
        assert severity == "error" and "device or resource busy" in text
        assert "b:lab7" in row_keys(app)


async def test_inspect_shows_what_buildx_inspect_shows() -> None:
    app = builders_app(FakeBuildersService())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await highlight(app, pilot, "b:cachebox")
        await pilot.press("i")
        await settle(pilot)
        assert isinstance(app.screen, InspectBuilderScreen)
        body = text_of(app, "#inspect-body")
        assert "Driver:" in body and "docker-container" in body
        assert "cachebox-arm" in body and "unix:///run/docker.sock" in body


async def test_disk_usage_lists_records_and_totals() -> None:
    app = builders_app(FakeBuildersService())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("D")
        await settle(pilot)
        assert isinstance(app.screen, DiskUsageScreen)
        table = app.screen.query_one("#du-table", DataTable)
        assert table.row_count == 4
        assert str(table.get_cell("l305tv0cx7geu9bxk3dkdiv07", "SIZE")) == "1.065MB*"
        totals = text_of(app, "#du-totals")
        assert "Shared: 1.065MB" in totals and "Total: 1.102MB" in totals


async def test_prune_previews_what_goes_and_prunes_on_confirm() -> None:
    service = FakeBuildersService()
    posted: list[Message] = []
    app = builders_app(service)
    async with app.run_test(size=SIZE, message_hook=posted.append) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await pilot.pause(0.4)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, PruneScreen)
        table = screen.query_one("#prune-table", DataTable)
        assert table.row_count == 2  # not shared, not in use
        screen.query_one("#prune-filters", Input).value = "until=24h"
        await pilot.pause(0.4)
        await settle(pilot)
        assert [str(r.key.value) for r in table.ordered_rows] == ["sm17l1x7e4ciju1prhsgotdpm"]
        assert "1 record, about 24.58kB" in text_of(app, "#prune-summary")
        assert text_of(app, "#prune-command").endswith("--builder default --filter until=24h")
        await pilot.click("#prune-ok")
        await settle(pilot)
        assert ("prune", "default", "until=24h") in service.calls
        assert ("information", "Pruned 1 record, 24.58kB, from default") in notes(posted)


async def test_prune_refuses_bad_options_and_cancel_prunes_nothing() -> None:
    service = FakeBuildersService()
    app = builders_app(service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        app.screen.query_one("#prune-keep", Input).value = "lots"
        await pilot.pause()
        assert "is not an amount of space" in text_of(app, "#prune-summary")
        assert app.screen.query_one("#prune-ok", Button).disabled
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, PruneScreen)
        assert not [c for c in service.calls if c[0] == "prune"]


async def test_bindings_have_ids() -> None:
    ids = {binding.id for binding in BuildersPane.BINDINGS if not isinstance(binding, tuple)}
    assert {"builders.create", "builders.remove", "builders.prune", "builders.refresh"} <= ids
