"""The Build pane's form view: the form, what stops it from running, and the exact
command it runs with its buttons."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from buildtui.app.widgets.build_form import BuildForm
from buildtui.app.widgets.screen_static import ScreenStatic
from buildtui.build.errors import OptionsError
from buildtui.build.options import build_argv, shell_command, validate
from buildtui.settings import Settings


class BuildFormView(Vertical):
    """`BuildForm` with a problem line above and, below, the command it describes with
    the buttons (their presses, and the form's `Changed`, go on to the pane)."""

    DEFAULT_CSS = """
    BuildFormView > #command-bar { height: auto; padding: 0 1; }
    BuildFormView #command-preview { width: 1fr; color: $text-muted; padding: 1 0; }
    BuildFormView #command-bar Button { margin: 0 0 0 1; }
    BuildFormView > #form-problem { color: $text-warning; padding: 0 1; height: auto; }
    """

    def __init__(self, settings: Settings, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.settings = settings

    def compose(self) -> ComposeResult:
        yield ScreenStatic("", id="form-problem")
        yield BuildForm(id="build-form")
        with Horizontal(id="command-bar"):
            yield ScreenStatic("", id="command-preview")
            yield Button("Lab preset", id="preset", tooltip="registry7 cache, mode max")
            yield Button("Copy (F9)", id="copy", tooltip="Copy the command")
            yield Button("Run (F5)", id="run", variant="primary")

    def command(self) -> list[str]:
        """The exact command the form describes; `OptionsError` says why there is none."""
        options = self.query_one(BuildForm).options()
        validate(options)
        return build_argv(options, self.settings)

    @on(BuildForm.Changed)
    def update_preview(self) -> None:
        """Show the command, or why the form cannot run."""
        try:
            preview = shell_command(self.command())
        except OptionsError as error:
            preview = f"⚠ {error}"
        self.query_one("#command-preview", Static).update(preview)

    def show_problem(self, problem: str) -> None:
        self.query_one("#form-problem", Static).update(problem)
