"""Confirm `buildx rm`: keep-state/keep-daemon choices, the exact command, what is lost."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Static

from buildtui.app.shared.confirm import loss_text
from buildtui.app.shared.marks import MarkedCheckbox
from buildtui.app.shared.screen_static import ScreenStatic
from buildtui.app.theme_styles import themed_text
from buildtui.buildx.commands import remove_args, render_command
from buildtui.buildx.models import Builder
from buildtui.buildx.presentation_actions import removal_plan
from buildtui.i18n import N_, _
from buildtui.untrusted import screen_text


@dataclass(frozen=True)
class RemoveRequest:
    keep_state: bool = False
    keep_daemon: bool = False


class RemoveBuilderScreen(ModalScreen[RemoveRequest | None]):
    """Returns the options to remove with, or None (Cancel is the default button)."""

    DEFAULT_CSS = """
    RemoveBuilderScreen {
        align: center middle;
    }
    RemoveBuilderScreen > Vertical {
        width: 90;
        max-width: 95%;
        height: auto;
        border: thick $error;
        background: $surface;
        padding: 1 2;
    }
    RemoveBuilderScreen #remove-command {
        margin: 1 0;
        padding: 0 1;
        background: $boost;
    }
    RemoveBuilderScreen Horizontal {
        height: auto;
    }
    RemoveBuilderScreen Checkbox {
        margin-right: 4;
    }
    RemoveBuilderScreen Button {
        margin: 1 2 0 0;
    }
    """
    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), id="builder_remove.cancel")]

    def __init__(self, builder: Builder, command_prefix: list[str]) -> None:
        super().__init__()
        self.builder = builder
        self.command_prefix = command_prefix

    @property
    def request(self) -> RemoveRequest:
        return RemoveRequest(
            keep_state=self.query_one("#remove-keep-state", Checkbox).value,
            keep_daemon=self.query_one("#remove-keep-daemon", Checkbox).value,
        )

    def compose(self) -> ComposeResult:
        container = self.builder.driver == "docker-container"
        with Vertical() as box:
            box.border_title = screen_text(
                _("Remove builder {name}?").format(name=self.builder.name), one_line=True
            )
            with Horizontal():
                yield MarkedCheckbox(
                    _("keep its build cache (--keep-state)"),
                    id="remove-keep-state",
                    compact=True,
                    disabled=not container,
                )
                yield MarkedCheckbox(
                    _("keep BuildKit running (--keep-daemon)"),
                    id="remove-keep-daemon",
                    compact=True,
                    disabled=self.builder.driver not in ("docker-container", "kubernetes"),
                )
            yield ScreenStatic(id="remove-command")
            yield ScreenStatic(id="remove-losses")
            with Horizontal():
                yield Button(_("Cancel"), id="remove-cancel")
                yield Button(_("Remove"), id="remove-ok", variant="error")

    def on_mount(self) -> None:
        self.show()
        self.query_one("#remove-cancel", Button).focus()

    @on(Checkbox.Changed)
    def show(self) -> None:
        request = self.request
        args = remove_args(
            self.builder.name, keep_state=request.keep_state, keep_daemon=request.keep_daemon
        )
        self.query_one("#remove-command", Static).update(
            f"$ {render_command(self.command_prefix, args)}"
        )
        plan = removal_plan(
            self.builder, keep_state=request.keep_state, keep_daemon=request.keep_daemon
        )
        self.query_one("#remove-losses", Static).update(
            themed_text(self.app, loss_text(plan.lost, plan.kept))
        )

    @on(Button.Pressed, "#remove-ok")
    def confirm(self) -> None:
        self.dismiss(self.request)

    @on(Button.Pressed, "#remove-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
