"""Before switching to a builder that is not running: say so, and offer to start it first.

Answers `BOOTSTRAP_FIRST` (start it, then switch only if it came up), `USE_ANYWAY`, or
None (Cancel, Escape). "Bootstrap, then use" has the focus, so Enter does that.
"""

from __future__ import annotations

from typing import Literal

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button

from buildtui.app.shared.screen_static import ScreenStatic
from buildtui.i18n import N_, _
from buildtui.untrusted import screen_text

UseChoice = Literal["bootstrap", "use"]
BOOTSTRAP_FIRST: UseChoice = "bootstrap"
USE_ANYWAY: UseChoice = "use"


class UseBuilderScreen(ModalScreen[UseChoice | None]):
    """`warning` says why the builder cannot build now; the commands are what each
    choice runs."""

    DEFAULT_CSS = """
    UseBuilderScreen {
        align: center middle;
    }
    UseBuilderScreen > Vertical {
        width: 90%;
        max-width: 110;
        height: auto;
        border: thick $warning;
        background: $surface;
        padding: 0 1;
    }
    UseBuilderScreen #use-warning {
        height: auto;
        padding: 1 0 0 0;
    }
    UseBuilderScreen .use-command {
        margin: 1 0 0 0;
        padding: 0 1;
        background: $boost;
    }
    UseBuilderScreen #use-buttons {
        height: auto;
        margin: 1 0 0 0;
        align-horizontal: right;
    }
    UseBuilderScreen Button {
        margin: 0 0 0 2;
    }
    """
    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), id="builder_use.cancel")]

    def __init__(self, name: str, warning: str, bootstrap_command: str, use_command: str) -> None:
        super().__init__()
        self.builder = name
        self.warning = warning
        self.bootstrap_command = bootstrap_command
        self.use_command = use_command

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = screen_text(
                _("Use {builder}?").format(builder=self.builder), one_line=True
            )
            box.border_subtitle = _("escape to cancel")
            yield ScreenStatic(self.warning, id="use-warning")
            yield ScreenStatic(
                _(
                    "Bootstrap, then use: the builder in use changes only if it "
                    "starts.\n$ {bootstrap_command}\n$ {use_command}"
                ).format(bootstrap_command=self.bootstrap_command, use_command=self.use_command),
                classes="use-command",
            )
            with Horizontal(id="use-buttons"):
                yield Button(_("Cancel"), id="use-cancel")
                yield Button(_("Use anyway"), id="use-anyway", variant="warning")
                yield Button(_("Bootstrap, then use"), id="use-bootstrap", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#use-bootstrap", Button).focus()

    @on(Button.Pressed, "#use-bootstrap")
    def bootstrap_first(self) -> None:
        self.dismiss(BOOTSTRAP_FIRST)

    @on(Button.Pressed, "#use-anyway")
    def use_anyway(self) -> None:
        self.dismiss(USE_ANYWAY)

    @on(Button.Pressed, "#use-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
