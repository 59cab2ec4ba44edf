"""The create form's lab presets follow where the lab registry runs; checkboxes read
without colour."""

from __future__ import annotations

from textual.widgets import Checkbox, Select

from buildtui.app.app import BuildTUI
from buildtui.app.builders.create import CreateBuilderScreen
from buildtui.app.shared.marks import MarkedCheckbox
from buildtui.engine.status import EngineStatus
from tests.fakes.builders import FakeBuildersService
from tests.fakes.builders_app import builders_app, builders_pane
from tests.fakes.services import loaded, settle

SIZE = (130, 40)


def box(checkbox: Checkbox) -> str:
    """The checkbox as drawn, without styles: `▐x▌ label` or `▐ ▌ label`."""
    return checkbox.render().plain.rstrip()


async def open_form(app: BuildTUI) -> CreateBuilderScreen:
    await builders_pane(app).run_action("create")
    await settle_screen(app)
    screen = app.screen
    assert isinstance(screen, CreateBuilderScreen)
    return screen


async def settle_screen(app: BuildTUI) -> None:
    await app.workers.wait_for_complete()


async def test_lab_presets_are_on_when_the_lab_registry_runs_here() -> None:
    here = EngineStatus(registry_url="http://localhost:5000", registry_up=True)
    app = builders_app(FakeBuildersService(), status=here)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_form(app)
        await pilot.pause()
        network = screen.query_one("#create-host-network", Checkbox)
        plain = screen.query_one("#create-plain-http", Checkbox)
        assert network.value and plain.value
        why = str(screen.query_one("#create-presets-why").render())
        assert why.startswith("On: the lab registry answers at http://localhost:5000 on this host")
        command = str(screen.query_one("#create-command").render())
        assert "--driver docker-container --driver-opt network=host --buildkitd-config " in command
        assert box(network).startswith("▐x▌")
        # Another driver does not take them: they go off, and so does the line.
        screen.query_one("#create-driver", Select).value = "kubernetes"
        await pilot.pause()
        assert not network.value and not plain.value
        assert box(network).startswith("▐ ▌")
        assert not screen.query_one("#create-presets-why").display
        screen.query_one("#create-driver", Select).value = "docker-container"
        await pilot.pause()
        assert network.value and plain.value


async def test_lab_presets_stay_off_without_a_local_lab_registry() -> None:
    elsewhere = EngineStatus(registry_url="http://10.0.0.9:5000", registry_up=True)
    down = EngineStatus(registry_url="http://localhost:5000", registry_up=False)
    app = builders_app(FakeBuildersService(), status=down)
    assert not elsewhere.lab_registry_here and not down.lab_registry_here
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_form(app)
        await pilot.pause()
        network = screen.query_one("#create-host-network", Checkbox)
        assert not network.value and not screen.query("#create-presets-why")
        assert box(network).startswith("▐ ▌")
        await pilot.press("escape")
        await pilot.pause()


async def test_every_checkbox_state_reads_without_colour() -> None:
    checkbox = MarkedCheckbox("--no-cache")
    app = builders_app(FakeBuildersService())
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await builders_pane(app).mount(checkbox)
        await pilot.pause()
        assert box(checkbox) == "▐ ▌ --no-cache"
        checkbox.toggle()
        await pilot.pause()
        assert box(checkbox) == "▐x▌ --no-cache"
