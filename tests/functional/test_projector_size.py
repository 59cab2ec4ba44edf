"""At 100x30 (a projector with a large font) nothing the lab needs is hidden or cut; the
panes follow each other; entering a pane never types into a field; forms are kept."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from textual.widget import Widget
from textual.widgets import Checkbox, Input, SelectionList, TabbedContent
from textual.widgets._footer import FooterKey  # Textual exports no name for a footer's key

from buildtui.app.app import BuildTUI, make_app
from buildtui.app.builds.form import BuildForm
from buildtui.app.builds.pane import BuildPane
from buildtui.app.messages import LabChanged
from buildtui.buildx.models import Platform
from buildtui.forms import FormMemory
from tests.fakes.builders import FakeBuildersService, sample_builders
from tests.fakes.services import fake_services, settle

PROJECTOR = (100, 30)
THIS_ENGINE = ("linux/amd64", "linux/amd64/v2", "linux/amd64/v3", "linux/amd64/v4", "linux/arm64")


def projector_app(tmp_path: Path, forms: FormMemory | None = None) -> BuildTUI:
    settings, services = fake_services(tmp_path)
    fake = services.builders
    assert isinstance(fake, FakeBuildersService)
    builders = sample_builders()
    default = builders[0]
    node = replace(default.nodes[0], platforms=tuple(Platform(p) for p in THIS_ENGINE))
    builders[0] = replace(default, nodes=(node,))
    fake.builders = builders
    return make_app(settings, replace(services, forms=forms))


def visible(app: BuildTUI, widget: Widget) -> bool:
    """The widget is on the screen whole: its region inside the screen and not clipped."""
    region = widget.region
    screen = app.screen.region
    return bool(region) and screen.contains_region(region) and region.width > 0


async def test_the_build_form_shows_every_lab_field_at_100x30(tmp_path: Path) -> None:
    app = projector_app(tmp_path)
    async with app.run_test(size=PROJECTOR) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await pilot.press("ctrl+l")  # the lab preset: the longest command preview
        await settle(pilot)
        form = app.query_one(BuildForm)
        for widget_id in ("cache-to", "cache-to-ref", "mode", "cache-from", "platforms", "tags"):
            widget = form.query_one(f"#{widget_id}")
            assert visible(app, widget), widget_id
            assert form.scrollable_content_region.contains_region(widget.region), widget_id


async def test_the_builder_s_platforms_show_arm64_at_100x30(tmp_path: Path) -> None:
    app = projector_app(tmp_path)
    async with app.run_test(size=PROJECTOR) as pilot:
        await settle(pilot)
        table = app.query_one("#builders-table")
        lines = [line for line in table.render_lines(table.region.reset_offset) if line]
        text = "\n".join(line.text for line in lines)
        assert "linux/amd64 (+v2 v3 v4), linux/arm64" in text


async def test_the_manifest_panel_is_not_cut_at_100x30(tmp_path: Path) -> None:
    app = projector_app(tmp_path)
    async with app.run_test(size=PROJECTOR) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        for widget_id in ("#registry-detail", "#registry-tree", "#registry-tags"):
            widget = app.query_one(widget_id)
            assert visible(app, widget), widget_id
            assert widget.region.right <= PROJECTOR[0], widget_id


def footer_keys(app: BuildTUI) -> str:
    """The footer's keys left of `^p palette`, as they read on the screen."""
    footer = app.query_one("Footer")
    return " ".join(
        f"{item.key_display} {item.description}"
        for item in footer.query(FooterKey)
        if item.region.right <= PROJECTOR[0] - 12
    )


async def test_the_footer_keeps_the_keys_that_matter_at_100x30(tmp_path: Path) -> None:
    app = projector_app(tmp_path)
    needed = [
        (("1",), ("n New", "u Use", "x Remove", "p Prune", "d Doctor")),
        (("2",), ("f5 Run", "f9 Copy", "^l Lab", "f3 Steps", "f6 History", "d Doctor")),
        (("2", "f3"), ("f5 Run", "f2 Form", "f4 Log", "f6 History", "v Args", "d Doctor")),
        (("2", "f6"), ("o Open", "r Re-run", "c Compare", "f2 Form", "d Doctor")),
        (("3",), ("r Refresh", "v Raw JSON", "d Doctor")),
        (("4",), ("space Select", "x Delete", "g Collect", "R Resume", "d Doctor")),
    ]
    async with app.run_test(size=PROJECTOR) as pilot:
        await settle(pilot)
        for keys, labels in needed:
            await pilot.press(*keys)
            await settle(pilot)
            shown = footer_keys(app)
            for label in labels:
                assert label in shown, (keys, label, shown)


async def test_check_boxes_read_without_colour(tmp_path: Path) -> None:
    app = projector_app(tmp_path)
    async with app.run_test(size=PROJECTOR) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        box = app.query_one("#no-cache", Checkbox)
        assert box.render().plain.startswith("▐ ▌")
        box.value = True
        await pilot.pause()
        assert box.render().plain.startswith("▐x▌")
        platforms = app.query_one("#platforms", SelectionList)
        first = platforms.render_line(0).text
        platforms.select("linux/arm64")
        await pilot.pause()
        rows = [platforms.render_line(y).text for y in range(platforms.size.height)]
        assert any(row.startswith("▐x▌") and "linux/arm64" in row for row in rows)
        assert first.startswith("▐ ▌")


async def test_entering_a_pane_never_focuses_a_text_field(tmp_path: Path) -> None:
    app = projector_app(tmp_path)
    async with app.run_test(size=PROJECTOR) as pilot:
        await settle(pilot)
        for keys in (["2", "4"], ["2", "f2", "4"], ["3", "2", "1"]):
            for key in keys:
                await pilot.press(key)
                await pilot.pause()
                assert not isinstance(app.focused, Input), (keys, key)
        assert app.query_one(TabbedContent).active == "builders"
        assert app.query_one("#context", Input).value == "."


async def test_the_build_form_is_kept_across_restarts(tmp_path: Path) -> None:
    forms = FormMemory(tmp_path / "data")
    app = projector_app(tmp_path, forms)
    async with app.run_test(size=PROJECTOR) as pilot:
        await settle(pilot)
        await pilot.press("2", "ctrl+l")
        await settle(pilot)
        app.query_one("#target", Input).value = "final"
        await pilot.pause()
        app.query_one(BuildPane).remember_form()
    kept = forms.load("build")
    assert kept["target"] == "final" and kept["mode"] == "max"
    assert sorted(kept["platforms"]) == ["linux/amd64", "linux/arm64"]
    again = projector_app(tmp_path, forms)
    async with again.run_test(size=PROJECTOR) as pilot:
        await settle(pilot)
        form = again.query_one(BuildForm)
        options = form.options()
        assert options.target == "final"
        assert options.cache_to is not None and options.cache_to.mode == "max"
        assert sorted(options.platforms) == ["linux/amd64", "linux/arm64"]
    assert (tmp_path / "data" / "forms" / "build.json").stat().st_mode & 0o077 == 0


async def test_a_registry_change_refreshes_the_other_registry_panes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = projector_app(tmp_path)
    async with app.run_test(size=PROJECTOR) as pilot:
        await settle(pilot)
        refreshed: list[str] = []
        for pane_id in ("registry", "cleanup"):
            pane = app.query_one(f"TabPane#{pane_id} > *")
            monkeypatch.setattr(pane, "action_refresh", lambda p=pane_id: refreshed.append(p))
        build = app.query_one(BuildPane)
        build.post_message(LabChanged())
        await settle(pilot)
        assert refreshed == []  # the builder in use changed: no registry pane reads again
        build.post_message(LabChanged(registry_changed=True, origin=build))
        await settle(pilot)
        assert sorted(refreshed) == ["cleanup", "registry"]
        cleanup = app.query_one("TabPane#cleanup > *")
        refreshed.clear()
        cleanup.post_message(LabChanged(registry_changed=True, origin=cleanup))
        await settle(pilot)
        assert refreshed == ["registry"]


async def test_the_builder_create_form_is_kept_across_restarts(tmp_path: Path) -> None:
    from buildtui.app.builders.create import CreateBuilderScreen
    from buildtui.app.builders.pane import BuildersPane

    forms = FormMemory(tmp_path / "data")
    app = projector_app(tmp_path, forms)
    async with app.run_test(size=PROJECTOR) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CreateBuilderScreen)
        screen.query_one("#create-name", Input).value = "lab7x"
        screen.query_one("#create-host-network", Checkbox).value = True
        screen.query_one("#create-plain-http", Checkbox).value = True
        await pilot.pause()
        await pilot.click("#create-ok")
        await settle(pilot)
        assert not isinstance(app.screen, CreateBuilderScreen)
    again = projector_app(tmp_path, forms)
    async with again.run_test(size=PROJECTOR) as pilot:
        await settle(pilot)
        again.query_one(BuildersPane).action_create()
        await settle(pilot)
        screen = again.screen
        assert isinstance(screen, CreateBuilderScreen)
        assert screen.query_one("#create-name", Input).value == "lab7x"
        assert screen.query_one("#create-host-network", Checkbox).value is True
        assert screen.query_one("#create-plain-http", Checkbox).value is True
        request = screen.request
        assert request.options.driver_options == ()  # the preset adds network=host, once
        assert request.host_network
