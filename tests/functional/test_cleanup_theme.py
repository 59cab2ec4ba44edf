"""The Clean-up pane's parts and the confirmation draw in the current theme's colours, and
follow a change of theme."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import Static

from buildtui.app.screens.confirm import ConfirmScreen, loss_text
from buildtui.app.widgets.plan_view import PlanView


class PlanApp(App[None]):
    def compose(self) -> ComposeResult:
        yield PlanView(id="plan")


def span_style(content: object, fragment: str) -> Style:
    assert isinstance(content, Text)
    text = content
    start = text.plain.index(fragment)
    (span,) = [s for s in text.spans if s.start <= start < s.end]
    assert isinstance(span.style, Style)
    return span.style


async def test_the_plan_view_draws_losses_in_the_theme_s_error_colour() -> None:
    app = PlanApp()
    async with app.run_test() as pilot:
        view = app.query_one(PlanView)
        view.show(["Plan for x", "REFUSED (nothing will be sent):", "  ! lab:v1 is needed"])
        await pilot.pause()
        body = app.query_one("#plan-text", Static)
        dark = span_style(body.content, "REFUSED")
        assert dark.bold and dark.color is not None

        app.theme = "textual-light"
        await pilot.pause()
        await pilot.pause()
        light = span_style(body.content, "REFUSED")
        assert light.bold and light.color is not None
        assert light.color != dark.color
        assert light == view.theme_styles()["loss"]


async def test_the_confirmation_styles_a_body_given_as_a_function_of_styles() -> None:
    app = PlanApp()
    async with app.run_test() as pilot:
        screen = ConfirmScreen("Remove?", lambda styles: loss_text(["a"], ["b"], styles))
        app.push_screen(screen)
        await pilot.pause()
        body = screen.query_one("#confirm-body", Static)
        text = body.content
        assert isinstance(text, Text)
        assert text.plain == "This removes:\n  • a\nIt keeps:\n  • b"
        assert span_style(text, "This removes:") == screen.theme_styles()["loss"]
        assert span_style(text, "It keeps:") == screen.theme_styles()["ok"]
        assert screen.theme_styles()["loss"] != screen.theme_styles()["ok"]
