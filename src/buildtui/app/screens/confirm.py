"""Ask before a destructive action: the exact command or requests, and what will be lost.

One screen for every pane: it answers True only on the confirm button; Cancel has
the focus, so Enter on its own cancels, and Escape cancels too. A body given as a
function of styles (e.g. `lambda styles: loss_text(lost, styles=styles)`) is drawn in
the theme's colours.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from buildtui.app.widgets.semantic_styles import theme_styles

Styles = Mapping[str, Style | str]
PLAIN_STYLES: dict[str, Style | str] = {"loss": "bold red", "ok": "bold green"}
Body = Text | str | Callable[[Styles], Text]
"""What the screen shows: text, or a function of the theme's `loss` and `ok` styles."""


def loss_text(lost: Sequence[str], kept: Sequence[str] = (), styles: Styles = PLAIN_STYLES) -> Text:
    """`This removes:` and `It keeps:` lists, as the confirmation screens show them."""
    text = Text()
    text.append("This removes:\n", style=styles["loss"])
    for item in lost:
        text.append(f"  • {item}\n")
    if kept:
        text.append("It keeps:\n", style=styles["ok"])
        for item in kept:
            text.append(f"  • {item}\n")
    text.rstrip()
    return text


class ConfirmScreen(ModalScreen[bool]):
    """`body` says what goes (and stays); `command` is the exact equivalent command."""

    COMPONENT_CLASSES = {"confirm--loss", "confirm--ok"}
    DEFAULT_CSS = """
    ConfirmScreen {
        align: center middle;
    }
    ConfirmScreen > .confirm--loss { color: $text-error; text-style: bold; }
    ConfirmScreen > .confirm--ok { color: $text-success; text-style: bold; }
    ConfirmScreen > Vertical {
        width: 90%;
        max-width: 120;
        height: auto;
        max-height: 90%;
        border: thick $error;
        background: $surface;
        padding: 0 1;
    }
    ConfirmScreen #confirm-warning {
        color: $error;
        text-style: bold;
        height: auto;
        padding: 1 0 0 0;
    }
    ConfirmScreen #confirm-command {
        margin: 1 0 0 0;
        padding: 0 1;
        background: $boost;
    }
    ConfirmScreen VerticalScroll {
        height: auto;
        max-height: 65vh;
        margin-top: 1;
    }
    ConfirmScreen #confirm-buttons {
        height: 3;
        align-horizontal: right;
    }
    ConfirmScreen Button {
        margin: 0 0 0 2;
    }
    """
    BINDINGS = [Binding("escape,n", "cancel", "Cancel", id="confirm.cancel")]

    def __init__(
        self,
        title: str,
        body: Body,
        *,
        warning: str = "",
        command: str | None = None,
        confirm_label: str = "Remove",
    ) -> None:
        super().__init__()
        self.title_text = title
        self.body = body
        self.warning = warning
        self.command = command
        self.confirm_label = confirm_label

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self.title_text
            box.border_subtitle = "escape to cancel"
            if self.warning:
                yield Static(self.warning, id="confirm-warning")
            if self.command:
                yield Static(Text(f"$ {self.command}"), id="confirm-command")
            with VerticalScroll():
                yield Static(id="confirm-body")
            with Horizontal(id="confirm-buttons"):
                yield Button("Cancel", id="confirm-cancel")
                yield Button(self.confirm_label, variant="error", id="confirm-ok")

    def on_mount(self) -> None:
        body = self.body
        if callable(body):
            body = body(self.theme_styles())
        self.query_one("#confirm-body", Static).update(body)
        self.query_one("#confirm-cancel", Button).focus()

    def theme_styles(self) -> dict[str, Style | str]:
        return theme_styles(self, "confirm", PLAIN_STYLES)

    @on(Button.Pressed, "#confirm-ok")
    def confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)
