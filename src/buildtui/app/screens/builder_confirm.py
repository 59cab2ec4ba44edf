"""Ask before a destructive builder action: the exact command, what goes, what stays."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


def loss_text(lost: Sequence[str], kept: Sequence[str] = ()) -> Text:
    """`This removes:` and `It keeps:` lists, as the confirmation screens show them."""
    text = Text()
    text.append("This removes:\n", style="bold red")
    for item in lost:
        text.append(f"  • {item}\n")
    if kept:
        text.append("It keeps:\n", style="bold green")
        for item in kept:
            text.append(f"  • {item}\n")
    text.rstrip()
    return text


class ConfirmScreen(ModalScreen[bool]):
    """Returns True to go ahead; Cancel (the default button) and Escape return False."""

    DEFAULT_CSS = """
    ConfirmScreen {
        align: center middle;
    }
    ConfirmScreen > Vertical {
        width: 90;
        max-width: 95%;
        height: auto;
        border: thick $error;
        background: $surface;
        padding: 1 2;
    }
    ConfirmScreen .command {
        margin: 1 0;
        padding: 0 1;
        background: $boost;
    }
    ConfirmScreen Horizontal {
        height: auto;
        margin-top: 1;
    }
    ConfirmScreen Button {
        margin-right: 2;
    }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="builder_confirm.cancel")]

    def __init__(
        self,
        title: str,
        command: str,
        lost: Sequence[str],
        kept: Sequence[str] = (),
        *,
        confirm_label: str = "Remove",
    ) -> None:
        super().__init__()
        self.title_text = title
        self.command = command
        self.lost = tuple(lost)
        self.kept = tuple(kept)
        self.confirm_label = confirm_label

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self.title_text
            yield Static(f"$ {self.command}", id="confirm-command", classes="command")
            yield Static(loss_text(self.lost, self.kept), id="confirm-losses")
            with Horizontal():
                yield Button("Cancel", id="confirm-cancel")
                yield Button(self.confirm_label, id="confirm-ok", variant="error")

    def on_mount(self) -> None:
        self.query_one("#confirm-cancel", Button).focus()

    @on(Button.Pressed, "#confirm-ok")
    def confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)
