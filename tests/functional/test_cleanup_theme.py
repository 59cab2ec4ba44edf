"""The Clean-up pane's plan view and the confirmation draw in the current theme's colours,
and follow a change of theme."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import Static

from buildtui.app.cleanup.plan_view import PlanView
from buildtui.app.shared.confirm import ConfirmScreen, loss_text
from buildtui.app.theme_styles import themed


class PlanApp(App[None]):
    def compose(self) -> ComposeResult:
        yield PlanView(id="plan")


def span_style(content: object, fragment: str) -> Style:
    assert isinstance(content, Text)
    start = content.plain.index(fragment)
    (span,) = [s for s in content.spans if s.start <= start < s.end]
    assert isinstance(span.style, Style)
    return span.style


async def test_the_plan_view_draws_losses_in_the_theme_s_error_colour() -> None:
    app = PlanApp()
    async with app.run_test() as pilot:
        app.query_one(PlanView).show(["Plan for x", "REFUSED (nothing will be sent):"])
        await pilot.pause()
        body = app.query_one("#plan-text", Static)
        dark = span_style(body.content, "REFUSED")
        assert dark == themed(app, "bold error") and dark.bold and dark.color is not None

        app.theme = "textual-light"
        await pilot.pause()
        await pilot.pause()
        light = span_style(body.content, "REFUSED")
        assert light == themed(app, "bold error")
        assert light.color != dark.color


async def test_the_confirmation_draws_what_is_lost_and_kept_in_the_theme_s_colours() -> None:
    app = PlanApp()
    async with app.run_test() as pilot:
        screen = ConfirmScreen("Remove?", loss_text(["a"], ["b"]))
        app.push_screen(screen)
        await pilot.pause()
        text = screen.query_one("#confirm-body", Static).content
        assert isinstance(text, Text)
        assert text.plain == "This removes:\n  • a\nIt keeps:\n  • b"
        assert span_style(text, "This removes:") == themed(app, "bold error")
        assert span_style(text, "It keeps:") == themed(app, "bold success")
