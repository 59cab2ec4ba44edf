"""The footer builds its keys again only when what it shows changes: not on each move of
the focus between widgets whose keys are the same, but on keys that come or go, a key
disabled, and a new language."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Button

from buildtui.app.shared.footer import TranslatedFooter
from buildtui.i18n import set_language
from tests.fakes.screen import screen_lines
from tests.fakes.services import until


class Special(Button):
    BINDINGS = [Binding("s", "special", "Special")]


class CountingFooter(TranslatedFooter):
    """Counts the footer's answers to a change of the bindings (each a `recompose`)."""

    asked = 0

    async def recompose(self) -> None:
        await super().recompose()
        self.asked += 1


class Keys(App[None]):
    BINDINGS = [Binding("r", "refresh", "Refresh"), Binding("x", "delete", "Delete")]
    deleting = True

    def compose(self) -> ComposeResult:
        yield Button("one", id="one")
        yield Button("two", id="two")
        yield Special("three", id="three")
        yield CountingFooter(compact=True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.deleting if action == "delete" else True


def keys_of(app: App[None]) -> list[Widget]:
    return list(app.query_one(CountingFooter).children)


async def answered(pilot: Pilot[None], change: Callable[[], object]) -> None:
    """Make the change, then wait until the footer has answered it."""
    footer = pilot.app.query_one(CountingFooter)
    asked = footer.asked
    change()
    await until(pilot, lambda: footer.asked > asked, "answered")


async def footer_line(pilot: Pilot[None], text: str, shown: bool = True) -> None:
    await until(pilot, lambda: (text in screen_lines(pilot.app)[-1]) is shown, f"{text!r}")


async def test_the_keys_are_built_again_only_when_what_they_show_changes() -> None:
    app = Keys()
    async with app.run_test(size=(80, 10)) as pilot:
        await answered(pilot, app.query_one("#one").focus)
        await footer_line(pilot, "Refresh")
        shown = keys_of(app)
        await answered(pilot, app.query_one("#two").focus)  # the same keys
        assert keys_of(app) == shown
        await answered(pilot, app.query_one("#three").focus)  # one more key
        assert keys_of(app) != shown
        await footer_line(pilot, "Special")
        await answered(pilot, app.query_one("#one").focus)
        await footer_line(pilot, "Special", shown=False)
        shown = keys_of(app)

        def disable() -> None:  # a key disabled
            app.deleting = False
            app.refresh_bindings()

        await answered(pilot, disable)
        assert keys_of(app) != shown
        shown = keys_of(app)
        set_language("pl")
        try:
            footer = app.query_one(CountingFooter)
            await answered(pilot, footer.retranslate)  # as a new language does
            assert keys_of(app) != shown
            await footer_line(pilot, "Odśwież")
        finally:
            set_language("en")
