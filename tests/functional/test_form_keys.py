"""The Build form by keyboard, as a student meets it: Tab in reading order, Esc out of a
field (then digits switch panes again, and the footer says so), typing adds to a field,
and the Output list in the lab's words with a destination only where one is taken."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widget import Widget
from textual.widgets import Input, OptionList, Select, TabbedContent
from textual.widgets._footer import FooterKey  # Textual exports no name for a footer's key

from buildtui.app.app import BuildTUI, make_app
from buildtui.app.builds.form import BuildForm
from buildtui.builds.options import OutputType
from tests.fakes.services import fake_services, settle

SIZES = [(160, 48), (100, 30)]
READING_ORDER = [
    "context", "file", "tags", "platforms", "builder", "target", "output",
    "cache-from", "cache-from-ref", "cache-to", "cache-to-ref", "mode", "image-manifest",
    "no-cache", "build-args", "provenance",
]  # fmt: skip
"""The form's fields as they read, left to right and down (the destination is skipped
while the output takes none)."""


def full_app(tmp_path: Path) -> BuildTUI:
    settings, services = fake_services(tmp_path)
    return make_app(settings, services)


def focused(app: BuildTUI) -> Widget | None:
    """The focused widget now (an earlier `assert app.focused is x` narrows its type)."""
    return app.focused


def footer_text(app: BuildTUI) -> str:
    footer = app.query_one("Footer")
    return " ".join(
        f"{item.key_display} {item.description}"
        for item in footer.query(FooterKey)
        if item.region.right <= app.size.width
    )


def active_pane(app: BuildTUI) -> str | None:
    return app.query_one("#panes", TabbedContent).active


@pytest.mark.parametrize("size", SIZES)
async def test_tab_goes_through_the_form_in_reading_order(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    app = full_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        assert app.focused is app.query_one(BuildForm)  # the form, not one of its fields
        order = []
        for _ in READING_ORDER:
            await pilot.press("tab")
            assert app.focused is not None
            order.append(app.focused.id)
        assert order == READING_ORDER
        # Each field scrolled into view as the focus reached it.
        assert app.query_one(BuildForm).scrollable_content_region.contains_region(
            app.query_one("#provenance").region
        )


@pytest.mark.parametrize("size", SIZES)
async def test_escape_leaves_a_field_then_digits_switch_panes(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    """The student's `--builder 4r`: 2, Tab, typing, Esc, 3 opened no pane and typed "3"."""
    app = full_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        assert "esc" not in footer_text(app)  # only while in a field
        await pilot.press("tab")
        context = app.query_one("#context", Input)
        assert app.focused is context
        await pilot.press("x")  # added to the text, not replacing it
        assert context.value == ".x"
        assert "esc Leave field" in footer_text(app)
        await pilot.press("escape")
        assert focused(app) is app.query_one(BuildForm)
        assert "esc" not in footer_text(app)
        await pilot.press("3")
        await settle(pilot)
        assert active_pane(app) == "registry"
        assert context.value == ".x"
        # Back on the form, Tab goes on from its first field.
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("tab")
        assert app.focused is context


@pytest.mark.parametrize("size", SIZES)
async def test_escape_leaves_the_registry_filter_for_the_lists(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    app = full_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("slash")
        assert app.focused is app.query_one("#registry-filter")
        assert "esc Leave field" in footer_text(app)
        await pilot.press("escape")
        assert app.focused is app.query_one("#registry-repos")
        await pilot.press("4")
        await settle(pilot)
        assert active_pane(app) == "cleanup"


@pytest.mark.parametrize("size", SIZES)
async def test_output_choices_in_the_lab_s_words_and_the_destination_follows(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    app = full_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        output = app.query_one("#output", Select)
        dest = app.query_one("#output-dest", Input)
        output.focus()
        await pilot.press("enter")  # the list opens
        await pilot.pause()
        offered = output.query_one("SelectOverlay", OptionList)
        labels = [str(offered.get_option_at_index(i).prompt) for i in range(offered.option_count)]
        await pilot.press("escape")
        assert labels == [
            "default (no flag)", "registry (push)", "image", "docker (load)", "oci", "tar",
            "local", "cacheonly",
        ]  # fmt: skip
        assert dest.disabled  # the default output writes no files
        output.value = OutputType.LOCAL.value
        await pilot.pause()
        assert not dest.disabled and "folder" in dest.placeholder
        dest.value = "./out"
        await pilot.pause()
        preview = str(app.query_one("#command-preview").render())
        assert "--output type=local,dest=./out" in preview
        output.value = OutputType.PUSH.value
        await pilot.pause()
        assert dest.value == "" and dest.disabled
        assert "no destination for registry (push)" in dest.placeholder
        preview = str(app.query_one("#command-preview").render())
        assert "dest=" not in preview


@pytest.mark.parametrize("size", SIZES)
async def test_escape_still_closes_the_log_search(tmp_path: Path, size: tuple[int, int]) -> None:
    """The log's search field keeps its own Esc: it closes, the log has the focus."""
    app = full_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("2", "f4")
        await settle(pilot)
        await pilot.press("slash")
        search = app.query_one("#log-search", Input)
        assert app.focused is search and search.has_class("-shown")
        await pilot.press("escape")
        await pilot.pause()
        assert not search.has_class("-shown")
        assert app.focused is app.query_one("#log")
