"""The app shell: five panes by key and mouse, status in the background, doctor, palette."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.message import Message
from textual.notifications import Notify
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import DataTable, Static, TabbedContent

from buildtui.app.app import BuildTUI, make_app
from buildtui.app.builders.pane import BuildersPane
from buildtui.app.builds.pane import BuildPane
from buildtui.app.cleanup.pane import CleanupPane
from buildtui.app.lab.pane import LabPane
from buildtui.app.messages import LabProgress
from buildtui.app.registry.pane import RegistryPane
from buildtui.app.services import Services
from buildtui.app.shared.doctor import DoctorScreen
from buildtui.app.shared.status_bar import StatusBar
from buildtui.app.shared.title_bar import TitleBar
from buildtui.engine.status import EngineStatus
from buildtui.settings import Settings
from tests.fakes.services import fake_services, settle
from tests.fakes.status import FakeStatusService, engine_down_status, healthy_status


def full_app(tmp_path: Path, status: FakeStatusService | None = None) -> BuildTUI:
    settings, services = fake_services(tmp_path, status)
    return make_app(settings, services)


async def test_five_panes_mounted_after_the_first_frame_and_reached_by_keys(
    tmp_path: Path,
) -> None:
    app = full_app(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        tabs = app.query_one(TabbedContent)
        assert [pane.id for pane in tabs.query("TabPane")] == [
            "builders",
            "build",
            "registry",
            "cleanup",
            "lab",
        ]
        for kind in (BuildersPane, BuildPane, RegistryPane, CleanupPane, LabPane):
            assert len(app.query(kind)) == 1
        # Digits switch panes outside text fields (the Builders pane starts on its table).
        await pilot.press("3")
        assert tabs.active == "registry"
        await pilot.press("1")
        assert tabs.active == "builders"
        # alt+digit switches from anywhere, also from the Build pane's first field.
        for key, pane_id in [
            ("2", "build"),
            ("3", "registry"),
            ("4", "cleanup"),
            ("1", "builders"),
        ]:
            await pilot.press(f"alt+{key}")
            assert tabs.active == pane_id


async def test_panes_reached_by_mouse(tmp_path: Path) -> None:
    app = full_app(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)  # the tabs come with the panes
        await pilot.click("#--content-tab-registry")
        assert app.query_one(TabbedContent).active == "registry"


async def test_a_pane_without_its_service_says_so() -> None:
    settings = Settings()
    app = make_app(settings, Services(settings, FakeStatusService(healthy_status())))
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        texts = [str(w.render()) for w in app.query("TabPane#registry Static.pane-missing")]
        assert texts == ["The registry pane is not available."]


async def test_status_fills_in_after_the_first_frame_without_blocking_input(
    tmp_path: Path,
) -> None:
    gate = threading.Event()
    service = FakeStatusService(healthy_status(), gate=gate)
    app = full_app(tmp_path, service)
    async with app.run_test(size=(120, 30)) as pilot:
        bar = app.query_one(StatusBar)
        assert bar.status is None
        # The probe is blocked, yet keys still work, even before the panes are there.
        await pilot.press("3")
        for _ in range(200):
            if app.query("TabPane RegistryPane"):
                break
            await pilot.pause(0.01)
        assert bar.status is None
        assert app.query_one(TabbedContent).active == "registry"
        assert app.focused is not None and app.query_one(RegistryPane) in app.focused.ancestors
        gate.set()
        await settle(pilot)
        assert bar.status is not None
        assert "registry7 up" in str(bar.render())
        assert service.calls == 1


async def test_engine_down_is_said_with_fixes(tmp_path: Path) -> None:
    app = full_app(tmp_path, FakeStatusService(engine_down_status()))
    notes: list[str] = []

    def hook(message: Message) -> None:
        if isinstance(message, Notify):
            notes.append(message.notification.message)

    async with app.run_test(size=(120, 30), message_hook=hook) as pilot:
        await settle(pilot)
        assert "Docker not reachable" in str(app.query_one(StatusBar).render())
        assert any("Docker engine not reachable" in note for note in notes)
        await pilot.press("d")
        assert isinstance(app.screen, DoctorScreen)
        text = " ".join(str(w.render()) for w in app.screen.query(Static).filter(".check"))
        assert "fix: start the Docker daemon" in text
        assert "fix: `docker start registry7`" in text
        await pilot.press("escape")
        assert not isinstance(app.screen, DoctorScreen)


async def test_refresh_key_probes_again(tmp_path: Path) -> None:
    service = FakeStatusService(healthy_status())
    app = full_app(tmp_path, service)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        await app.workers.wait_for_complete()
        assert service.calls == 2


async def test_command_palette_offers_the_panes(tmp_path: Path) -> None:
    app = full_app(tmp_path)
    async with app.run_test(size=(120, 30)):
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Show the Registry pane" in titles
        assert "Doctor" in titles


@pytest.mark.parametrize("size", [(160, 48), (100, 30)])
async def test_command_palette_says_each_thing_once(tmp_path: Path, size: tuple[int, int]) -> None:
    """No entry repeats its name as its help line, and no name appears twice, in any pane
    (the palette used to show "Show the Build pane" on two lines, for each pane)."""
    app = full_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        for key in "12345":
            await pilot.press(key)
            commands = list(app.get_system_commands(app.screen))
            names = [command.title for command in commands]
            assert len(names) == len(set(names)), names
            for command in commands:
                assert command.title != command.help, command.title
        shown = {command.title: command.help for command in app.get_system_commands(app.screen)}
        assert shown["Show the Build pane"] == "Key: 2"
        assert shown["Refresh the status bar now"] == "Key: ctrl+r"


async def test_command_palette_offers_the_commands_of_the_pane_in_front(tmp_path: Path) -> None:
    app = full_app(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Raw JSON" in titles
        assert "Prune…" not in titles
        await pilot.press("1")
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Prune…" in titles
        assert "Raw JSON" not in titles


async def test_a_builder_action_refreshes_the_status_bar_at_once(tmp_path: Path) -> None:
    status = FakeStatusService(healthy_status())
    app = full_app(tmp_path, status)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        probes = status.calls
        pane = app.query_one(BuildersPane)
        table = pane.query_one("#builders-table", DataTable)
        table.focus()
        table.move_cursor(row=list(pane.rows).index("b:cachebox"))  # running: used at once
        await pilot.press("u")
        await settle(pilot)
        assert status.calls > probes  # not waiting for the 15 s interval


async def test_title_bar_follows_the_title_and_subtitle(tmp_path: Path) -> None:
    app = full_app(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        bar = app.query_one(TitleBar)
        assert str(bar.render()) == "buildtui — Docker buildx lab · http://localhost:5000"
        app.sub_title = "elsewhere"
        await pilot.pause()
        assert str(bar.render()) == "buildtui — elsewhere"


async def test_the_manifest_tree_keys_in_the_footer_and_v_with_the_tree_focused(
    tmp_path: Path,
) -> None:
    from textual.widgets import Footer, OptionList

    from buildtui.app.registry.manifest_tree import ManifestTree
    from buildtui.app.registry.raw_manifest import RawManifestScreen

    app = full_app(tmp_path)
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        repos = app.query_one("#registry-repos", OptionList)
        names = [str(repos.get_option_at_index(i).id) for i in range(repos.option_count)]
        repos.highlighted = names.index("lab")
        await settle(pilot)
        table = app.query_one("#registry-tags", DataTable)
        table.focus()
        await settle(pilot)
        tree = app.query_one(ManifestTree)
        tree.focus()
        await pilot.pause()
        shown = {
            binding.key
            for _, binding, enabled, _ in app.screen.active_bindings.values()
            if binding.show and enabled
        }
        assert {"space", "asterisk", "v", "z"} <= shown
        footer_keys = {str(getattr(item, "key", "")) for item in app.query_one(Footer).children}
        assert {"space", "asterisk"} <= footer_keys  # the arrows are known without
        tree.move_cursor(tree.root.children[2])  # an attestation
        await pilot.press("right")
        assert tree.root.children[2].is_expanded
        await pilot.press("v")
        await pilot.pause()
        assert isinstance(app.screen, RawManifestScreen)


class FailingStatusService(FakeStatusService):
    """A probe that raises once (say, the docker CLI crashed), then answers."""

    def probe(self) -> EngineStatus:
        self.calls += 1
        if self.calls == 1:
            raise OSError("docker: exec format error")
        return self.status


async def test_a_failed_status_probe_is_shown_not_frozen(tmp_path: Path) -> None:
    service = FailingStatusService(healthy_status())
    app = full_app(tmp_path, service)
    notes: list[str] = []

    def hook(message: Message) -> None:
        if isinstance(message, Notify):
            notes.append(message.notification.message)

    async with app.run_test(size=(120, 30), message_hook=hook) as pilot:
        for _ in range(300):
            # The bar changes first; the notification is handled a moment after.
            if "status check failed" in str(app.query_one(StatusBar).render()) and notes:
                break
            await pilot.pause(0.02)
        shown = str(app.query_one(StatusBar).render())
        assert "status check failed: OSError: docker: exec format error" in shown
        assert any("could not be checked" in note for note in notes)
        await pilot.press("ctrl+r")  # tries again, and this time it answers
        for _ in range(300):
            if app.status is not None:
                break
            await pilot.pause(0.02)
        await settle(pilot)
        assert "registry7 up" in str(app.query_one(StatusBar).render())


async def test_a_failed_status_check_stays_shown_when_the_lab_count_changes(
    tmp_path: Path,
) -> None:
    service = FailingStatusService(healthy_status())
    app = full_app(tmp_path, service)
    async with app.run_test(size=(120, 30)) as pilot:
        bar = app.query_one(StatusBar)
        for _ in range(300):
            if "status check failed" in str(bar.render()):
                break
            await pilot.pause(0.02)
        bar.lab_progress = "8/9"  # the Lab pane counted again meanwhile
        await pilot.pause()
        assert "status check failed: OSError: docker: exec format error" in str(bar.render())


async def test_a_status_probe_that_ends_while_the_app_closes_is_dropped_quietly(
    tmp_path: Path,
) -> None:
    """At exit the screen is emptied before the app's last messages are handled: a probe
    that was running (the status worker is a thread) still posts what it found."""
    service = FakeStatusService(healthy_status())
    app = full_app(tmp_path, service)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await app.query_one(StatusBar).remove()  # as the shutdown prunes the screen
        app.post_message(BuildTUI.StatusProbed(engine_down_status()))
        app.post_message(LabProgress(3, 9))
        await settle(pilot)
        assert app.status is not None and app.status.problems  # handled, not raised
    # Leaving `run_test` re-raises what a handler raised: nothing did.


async def wait_for(pilot: Pilot[None], ready: Callable[[], bool]) -> None:
    for _ in range(500):
        if ready():
            return
        await pilot.pause(0.01)
    raise AssertionError("not ready in 5 s")


async def test_the_tabs_come_with_the_pane_in_front_and_a_pane_shown_early_comes_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other panes are mounted in the background once the first is drawn (held back
    here): a pane shown before that is mounted when shown, by key or by mouse."""
    monkeypatch.setattr(BuildTUI, "load_panes", lambda self: None)
    app = full_app(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:

        def focused_in(kind: type[Widget]) -> bool:
            panes = app.query(kind)
            focused = app.focused
            return bool(panes) and focused is not None and panes.first() in focused.ancestors

        await wait_for(pilot, lambda: focused_in(BuildersPane))
        kinds = (BuildersPane, BuildPane, RegistryPane, CleanupPane, LabPane)
        assert [kind for kind in kinds if app.query(kind)] == [BuildersPane]
        await pilot.press("4")
        await wait_for(pilot, lambda: focused_in(CleanupPane))
        assert app.query_one(TabbedContent).active == "cleanup"
        await pilot.click("#--content-tab-registry")
        await wait_for(pilot, lambda: focused_in(RegistryPane))
        assert app.query_one(TabbedContent).active == "registry"
        assert [kind for kind in kinds if app.query(kind)] == [
            BuildersPane,
            RegistryPane,
            CleanupPane,
        ]


async def test_the_app_freezes_its_start_up_heap_and_lets_go_of_it_at_exit(
    tmp_path: Path,
) -> None:
    # A full collection then scans what changed since start-up, not the whole app.
    gc.unfreeze()
    settings, services = fake_services(tmp_path)
    app = make_app(settings, services=services)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert gc.get_freeze_count() > 10_000
    assert gc.get_freeze_count() == 0


async def test_start_up_collects_no_garbage_until_the_panes_are_mounted(tmp_path: Path) -> None:
    # Collections while start-up builds what lives as long as the app only re-scan it;
    # one of them stalled the drawing of the pane in front by ~20 ms.
    gc.enable()
    seen: list[bool] = []

    def hook(message: Message) -> None:
        if isinstance(message, (BuildTUI.ServicesReady, BuildTUI.PanesLoaded)):
            seen.append(gc.isenabled())

    settings, services = fake_services(tmp_path)
    app = make_app(settings, services=services)
    async with app.run_test(size=(160, 48), message_hook=hook) as pilot:
        await settle(pilot)
        assert seen == [False, False]
        assert gc.isenabled()  # resumed once the panes are mounted


async def test_a_start_up_that_never_ends_still_resumes_garbage_collection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Long enough for the first look under load (0.2 s was not, at a load of 9 on 2 cores).
    monkeypatch.setattr("buildtui.app.app.STARTUP_GC_PAUSE", 2.0)
    release = threading.Event()

    def stuck_loader(services: Services, pane_id: str) -> None:
        release.wait(30)  # the pane in front never finishes loading

    services = Services(
        settings=Settings(),
        status=FakeStatusService(healthy_status(Settings().registry_url)),
        loader=stuck_loader,
    )
    app = make_app(services.settings, services=services)
    try:
        async with app.run_test(size=(160, 48)) as pilot:
            await pilot.pause()
            assert not gc.isenabled()
            for _ in range(200):  # resumed after the pause, within 20 s whatever the load
                if gc.isenabled():
                    break
                await pilot.pause(0.1)
            assert app.tabs is None  # still loading
            assert gc.isenabled()
            release.set()
    finally:
        release.set()
        gc.enable()
