"""The confirmation before a destructive clean-up: what will be lost and the exact requests."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmCleanupScreen(ModalScreen[bool]):
    """Shows `body` (plan or GC commands) and answers True only on the confirm button."""

    DEFAULT_CSS = """
    ConfirmCleanupScreen {
        align: center middle;
    }
    ConfirmCleanupScreen > Vertical {
        width: 90%;
        height: 85%;
        border: thick $error;
        background: $surface;
        padding: 0 1;
    }
    ConfirmCleanupScreen #confirm-warning {
        color: $error;
        text-style: bold;
        height: auto;
        padding: 0 0 1 0;
    }
    ConfirmCleanupScreen VerticalScroll {
        height: 1fr;
    }
    ConfirmCleanupScreen #confirm-buttons {
        height: 3;
        align-horizontal: right;
    }
    ConfirmCleanupScreen Button {
        margin: 0 0 0 2;
    }
    """
    BINDINGS = [Binding("escape,n", "cancel", "Cancel", id="confirm_cleanup.cancel")]

    def __init__(self, title: str, warning: str, body: Text | str, confirm_label: str) -> None:
        super().__init__()
        self.title_text = title
        self.warning = warning
        self.body = body
        self.confirm_label = confirm_label

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self.title_text
            box.border_subtitle = "escape to cancel"
            yield Static(self.warning, id="confirm-warning")
            with VerticalScroll():
                yield Static(self.body, id="confirm-body")
            with Horizontal(id="confirm-buttons"):
                yield Button("Cancel", id="confirm-cancel")
                yield Button(self.confirm_label, variant="error", id="confirm-ok")

    def on_mount(self) -> None:
        # The safe choice has the focus: enter on its own cancels.
        self.query_one("#confirm-cancel", Button).focus()

    @on(Button.Pressed, "#confirm-ok")
    def confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)
