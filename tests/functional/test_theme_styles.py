"""Semantic style names follow the theme: the helper, and the panes after a theme switch."""

from __future__ import annotations

from pathlib import Path

from rich.color import Color as RichColor
from rich.style import Style as RichStyle
from rich.text import Text
from textual.app import App
from textual.color import Color

from buildtui.app.app import make_app
from buildtui.app.builders.pane import BuildersPane
from buildtui.app.lab.pane import LabPane
from buildtui.app.shared.doctor import DoctorScreen
from buildtui.app.shared.status_bar import StatusBar
from buildtui.app.shared.themed_static import ThemedStatic
from buildtui.app.theme_styles import SEMANTIC, themed, themed_cell, themed_parts, themed_text
from buildtui.registry.rows import Styled
from tests.fakes.services import fake_services, settle
from tests.fakes.status import FakeStatusService, engine_down_status
from tests.unit.styles import SEMANTIC as NAMES_PRESENTATION_USES


def variable(app: App[None], name: str) -> RichColor:
    """A theme variable as Textual itself resolved it for the current theme's CSS."""
    return Color.parse(app.theme_variables[name]).rich_color


def colour_of(text: Text, part: str) -> RichColor | None:
    """The colour `part` is drawn in: its own span's, else the text's."""
    for span in text.spans:
        if text.plain[span.start : span.end] == part and not isinstance(span.style, str):
            return span.style.color
    assert part in text.plain and not isinstance(text.style, str), (part, text.plain)
    return text.style.color


def test_the_helper_knows_every_name_presentation_uses() -> None:
    assert set(SEMANTIC) == NAMES_PRESENTATION_USES


async def test_themed_follows_a_switch_to_a_light_theme() -> None:
    app: App[None] = App()
    async with app.run_test() as pilot:
        dark = themed(app, "bold error")
        assert dark.bold and dark.color == variable(app, "text-error")
        app.theme = "textual-light"
        assert themed(app, "bold error").color != dark.color  # at once, not after a repaint
        await pilot.pause()
        light = themed(app, "bold error")
        assert light.bold and light.color == variable(app, "text-error")
        assert themed(app, "italic on success").bgcolor == variable(app, "text-success")
        # Muted: one solid colour between the text and the background, not "dim".
        muted = themed(app, "muted")
        assert muted.color is not None and not muted.dim
        triplet = muted.color.get_truecolor()
        foreground = Color.parse(app.theme_variables["foreground"])
        background = Color.parse(app.theme_variables["background"])
        assert min(foreground.r, background.r) < triplet.red < max(foreground.r, background.r)
        # A terminal's own colours cannot be blended: muted is dim there.
        app.theme = "ansi-dark"
        assert themed(app, "muted").dim
        assert themed(app, "bold error").color == RichColor.parse("color(1)")


async def test_themed_text_leaves_rich_styles_and_the_words_alone() -> None:
    app: App[None] = App()
    async with app.run_test():
        text = Text("down", style="bold")
        text.append(" (localhost:5000)", style="error")
        themed_copy = themed_text(app, text)
        assert themed_copy.plain == text.plain
        assert text.spans[0].style == "error"  # the original keeps its semantic names
        assert colour_of(themed_copy, " (localhost:5000)") == variable(app, "text-error")


async def test_the_app_follows_a_theme_switch(tmp_path: Path) -> None:
    settings, services = fake_services(tmp_path, FakeStatusService(engine_down_status()))
    app = make_app(settings, services)
    async with app.run_test(size=(130, 32)) as pilot:
        await settle(pilot)
        bar = app.query_one(StatusBar)
        table = app.query_one(BuildersPane).table
        lab = app.query_one(LabPane).table

        def colours() -> tuple[RichColor | None, ...]:
            status = table.get_cell("n:default/default", "STATUS")
            done = lab.get_cell("platforms", "mark")
            assert isinstance(bar.content, Text)
            assert isinstance(status, Text) and isinstance(done, Text)
            return (
                colour_of(bar.content, "not reachable"),
                colour_of(status, "running"),
                colour_of(done, "[x]"),
            )

        expected = ("text-error", "text-success", "text-success")
        dark = colours()
        assert dark == tuple(variable(app, name) for name in expected)
        app.theme = "textual-light"
        await settle(pilot)
        light = colours()
        assert light == tuple(variable(app, name) for name in expected)
        assert all(a != b for a, b in zip(dark, light, strict=True))
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, DoctorScreen)
        check = app.screen.query(ThemedStatic).filter(".check").first()
        assert isinstance(check.content, Text)
        assert colour_of(check.content, " ✘ ") == variable(app, "text-error")


async def test_styled_parts_and_cells_take_the_theme_s_colours() -> None:
    app: App[None] = App()
    async with app.run_test():
        plain = themed_cell(app, Styled("image"))  # a Text (a str cell would be markup)
        assert plain.plain == "image" and not plain.style and not plain.spans
        cell = themed_cell(app, Styled("index damaged", "bold error"))
        assert isinstance(cell, Text) and isinstance(cell.style, RichStyle)
        assert cell.style.bold and cell.style.color == variable(app, "text-error")
        text = themed_parts(app, (Styled("Size ", "bold"), Styled("1 kB")))
        assert text.plain == "Size 1 kB"
        first = text.spans[0].style
        assert isinstance(first, RichStyle) and first.bold and first.color is None
        assert len(text.spans) == 1  # the plain part carries no style
