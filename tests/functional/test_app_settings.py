"""The app keeps the theme chosen in the palette, and takes key remaps by binding id."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from textual.message import Message
from textual.notifications import Notify
from textual.widgets import TabbedContent

from buildtui.app.app import make_app
from buildtui.settings import config_path, load_settings
from tests.fakes.services import fake_services, settle


async def test_a_theme_chosen_is_kept_for_the_next_start(tmp_path: Path) -> None:
    settings, services = fake_services(tmp_path)
    app = make_app(settings, services)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        app.theme = "nord"
        await pilot.pause()
    assert 'theme = "nord"' in config_path().read_text()
    again = load_settings(environ={})
    assert again.theme == "nord"
    settings, services = fake_services(tmp_path)
    second = make_app(replace(settings, theme=again.theme), services)
    async with second.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert second.theme == "nord"


async def test_keys_are_remapped_by_binding_id_and_unknown_ids_are_named(tmp_path: Path) -> None:
    settings, services = fake_services(tmp_path)
    keymap = (("pane.registry", "9"), ("pane.nope", "z"))
    app = make_app(replace(settings, keymap=keymap), services)
    notes: list[str] = []

    def hook(message: Message) -> None:
        if isinstance(message, Notify):
            notes.append(message.notification.message)

    async with app.run_test(size=(120, 30), message_hook=hook) as pilot:
        await settle(pilot)
        tabs = app.query_one(TabbedContent)
        await pilot.press("9")
        assert tabs.active == "registry"
        assert any("no key has the id pane.nope" in n and "pane.registry" in n for n in notes)
