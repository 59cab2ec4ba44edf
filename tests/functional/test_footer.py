"""The footer builds its keys again only when what it shows changes: not on each move of
the focus between widgets whose keys are the same, but on keys that come or go, a key
disabled, and a new language."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Button

from buildtui.app.shared.footer import TranslatedFooter
from buildtui.i18n import set_language
from tests.fakes.screen import screen_lines


class Special(Button):
    BINDINGS = [Binding("s", "special", "Special")]


class Keys(App[None]):
    BINDINGS = [Binding("r", "refresh", "Refresh"), Binding("x", "delete", "Delete")]
    deleting = True

    def compose(self) -> ComposeResult:
        yield Button("one", id="one")
        yield Button("two", id="two")
        yield Special("three", id="three")
        yield TranslatedFooter(compact=True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.deleting if action == "delete" else True


def keys_of(app: App[None]) -> list[Widget]:
    return list(app.query_one(TranslatedFooter).children)


async def test_the_keys_are_built_again_only_when_what_they_show_changes() -> None:
    app = Keys()
    async with app.run_test(size=(80, 10)) as pilot:
        app.query_one("#one").focus()
        await pilot.pause()
        shown = keys_of(app)
        assert "Refresh" in screen_lines(app)[-1]
        app.query_one("#two").focus()  # the same keys
        await pilot.pause()
        assert keys_of(app) == shown
        app.query_one("#three").focus()  # one more key
        await pilot.pause()
        assert keys_of(app) != shown and "Special" in screen_lines(app)[-1]
        app.query_one("#one").focus()
        await pilot.pause()
        assert "Special" not in screen_lines(app)[-1]
        shown = keys_of(app)
        app.deleting = False  # a key disabled
        app.refresh_bindings()
        await pilot.pause()
        assert keys_of(app) != shown
        shown = keys_of(app)
        set_language("pl")
        try:
            app.query_one(TranslatedFooter).retranslate()  # as a new language does
            await pilot.pause()
            assert keys_of(app) != shown
            assert "Odśwież" in screen_lines(app)[-1]
        finally:
            set_language("en")
