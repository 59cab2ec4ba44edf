"""Every pane in Polish, at 160x48 and at 100x30: nothing of the English catalogue is
left on the screen, and the palette switches the whole app between the languages.

The screens are read from the exported screenshot (`tests/fakes/screen.py`). What is
looked for is each catalogue message's English wording (its words between the
`{fields}`, at least two words long) that its Polish translation does not also hold
(commands, flags and names stay as they are in both): such a phrase on a Polish screen
is text that was not translated. Data (tags, digests, a build's own log) is not
catalogue text and is not looked for.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import TabbedContent

from buildtui.app.app import BuildTUI, make_app
from buildtui.app.builds.pane import BuildPane
from buildtui.engine.local import local_checks
from buildtui.engine.status import Check
from buildtui.i18n import _, language, speaking
from buildtui.settings import load_settings
from tests.fakes.english_left import untranslated as english_left
from tests.fakes.screen import screen_lines
from tests.fakes.services import fake_services, settle
from tests.fakes.status import FakeStatusService, healthy_status

SIZES = ((160, 48), (100, 30))


def untranslated(lines: list[str]) -> list[str]:
    return english_left("\n".join(lines))


def polish_app(tmp_path: Path) -> BuildTUI:
    """The app on the fakes, in Polish; the status probe's checks say what the real probe
    says, in Polish (the fake's own are fixed English)."""
    settings, services = fake_services(tmp_path)
    settings = replace(settings, language="pl")
    url = settings.registry_url
    with speaking("pl"):
        checks = (
            Check("engine", "ok", _("Docker Engine {server}").format(server="26.1.5")),
            Check("buildx", "ok", "buildx 0.13.1"),
            Check(
                "registry", "ok", _("registry answers at {registry_url}").format(registry_url=url)
            ),
            *local_checks(settings),  # the debug log's and the settings' checks, as made
        )
    status = FakeStatusService(replace(healthy_status(url), checks=checks))
    return make_app(settings, replace(services, settings=settings, status=status))


SEEN: list[str] = []
"""Every screen the scan read (printed when it fails, to see what it looked at)."""


async def show(pilot: Pilot[None], *keys: str) -> list[str]:
    for key in keys:
        await pilot.press(key)
        await settle(pilot)
    await pilot.pause(0.2)
    lines = screen_lines(pilot.app)
    SEEN.append("\n".join(lines))
    return lines


def test_the_scan_finds_english_on_a_screen() -> None:
    """The check can fail: an English sentence of the catalogue is found."""
    line = "Nothing to prune with these options. Reading the cache…"
    assert untranslated([line]) == [
        "'Nothing to prune with these options' (from 'Nothing to prune with these options.')",
        "'Nothing to prune' (from 'Nothing to prune.')",
        "'Reading the cache…' (from 'Reading the cache…')",
    ]
    assert untranslated(["Przy tych opcjach nie ma czego czyścić. latest sha256:0123"]) == []


async def builders(app: BuildTUI, pilot: Pilot[None]) -> dict[str, list[str]]:
    found = {"builders": untranslated(await show(pilot, "1"))}
    found["builders usage"] = untranslated(await show(pilot, "D"))
    return found


async def build(app: BuildTUI, pilot: Pilot[None]) -> dict[str, list[str]]:
    found = {"build form": untranslated(await show(pilot, "2", "ctrl+l"))}
    app.query_one(BuildPane).action_run()
    await settle(pilot)
    for _attempt in range(100):
        live = app.query_one(BuildPane).live
        if live is not None and not live.running:
            break
        await pilot.pause(0.05)
    found["build steps"] = untranslated(await show(pilot, "f3"))
    found["stage graph"] = untranslated(await show(pilot, "g"))
    found["timing"] = untranslated(await show(pilot, "t"))
    found["advice"] = untranslated(await show(pilot, "a"))
    found["form and forecast"] = untranslated(await show(pilot, "f2"))
    found["build history"] = untranslated(await show(pilot, "f6"))
    return found


async def registry_and_cleanup(app: BuildTUI, pilot: Pilot[None]) -> dict[str, list[str]]:
    found = {"registry": untranslated(await show(pilot, "3", "escape", "tab", "down", "up"))}
    found["clean-up"] = untranslated(await show(pilot, "4", "space"))
    found["registry space"] = untranslated(await show(pilot, "s"))
    await show(pilot, "s")
    found["retention rules"] = untranslated(await show(pilot, "k"))
    return found


async def lab_doctor_and_palette(app: BuildTUI, pilot: Pilot[None]) -> dict[str, list[str]]:
    found = {"lab": untranslated(await show(pilot, "5"))}
    found["doctor"] = untranslated(await show(pilot, "d"))
    await show(pilot, "escape")
    found["palette"] = untranslated(await show(pilot, "ctrl+p"))
    return found


WALKS = (builders, build, registry_and_cleanup, lab_doctor_and_palette)
"""Every pane and its screens, in four walks (each its own app, so that they run side
by side)."""


@pytest.mark.parametrize("walk", WALKS, ids=lambda walk: walk.__name__)
@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
async def test_every_pane_in_polish_has_no_english_left(
    tmp_path: Path,
    size: tuple[int, int],
    walk: Callable[[BuildTUI, Pilot[None]], Awaitable[dict[str, list[str]]]],
) -> None:
    app = polish_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        assert language() == "pl"
        found = await walk(app, pilot)
        await show(pilot, "escape")
    assert {pane: left for pane, left in found.items() if left} == {}


async def test_the_palette_switches_the_whole_app_and_keeps_the_choice(tmp_path: Path) -> None:
    settings, services = fake_services(tmp_path)
    app = make_app(settings, services)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert str(app.query_one(TabbedContent).get_tab("build").label) == "2 Build"
        await show(pilot, "ctrl+p")
        for key in "Polski":
            await pilot.press(key)
        await pilot.pause(0.3)
        await show(pilot, "enter")
        assert language() == "pl"
        assert str(app.query_one(TabbedContent).get_tab("build").label) == "2 Budowanie"
        lines = await show(pilot, "1")
        assert "Buildery" in lines[3]
        assert app.status_bar is not None
        assert " działa (" in str(app.status_bar.styled_text)  # the status bar at once too
        assert any("Odśwież" in line for line in lines[-2:])  # the footer
        assert load_settings(environ={}).language == "pl"
        await show(pilot, "ctrl+p")
        for key in "English":
            await pilot.press(key)
        await pilot.pause(0.3)
        await show(pilot, "enter")
        assert language() == "en"
        assert str(app.query_one(TabbedContent).get_tab("build").label) == "2 Build"
        assert app.status_bar is not None
        assert " up (" in str(app.status_bar.styled_text)
        assert load_settings(environ={}).language == "en"
