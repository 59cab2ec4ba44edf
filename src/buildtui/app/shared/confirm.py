"""Ask before a destructive action: the exact command or requests, and what will be lost.

One screen for every pane: it answers True only on the confirm button; Cancel has
the focus, so Enter on its own cancels, and Escape cancels too. Its body's semantic
styles (`"bold error"` ...) are drawn in the theme's colours.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button

from buildtui.app.shared.screen_static import ScreenStatic
from buildtui.app.shared.themed_static import ThemedStatic
from buildtui.i18n import N_, _
from buildtui.untrusted import screen_text


def loss_text(lost: Sequence[str], kept: Sequence[str] = ()) -> Text:
    """`This removes:` and `It keeps:` lists, as the confirmation screens show them (in
    semantic styles: show it with `ThemedStatic` or `themed_text`)."""
    text = Text()
    text.append(_("This removes:") + "\n", style="bold error")
    for item in lost:
        text.append(f"  • {item}\n")
    if kept:
        text.append(_("It keeps:") + "\n", style="bold success")
        for item in kept:
            text.append(f"  • {item}\n")
    text.rstrip()
    return text


class ConfirmScreen(ModalScreen[bool]):
    """`body` says what goes (and stays); `command` is the exact equivalent command."""

    DEFAULT_CSS = """
    ConfirmScreen {
        align: center middle;
    }
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
    BINDINGS = [Binding("escape,n", "cancel", N_("Cancel"), id="confirm.cancel")]

    def __init__(
        self,
        title: str,
        body: Text | str,
        *,
        warning: str = "",
        command: str | None = None,
        confirm_label: str = "",
    ) -> None:
        super().__init__()
        self.title_text = title
        self.body = body
        self.warning = warning
        self.command = command
        self.confirm_label = confirm_label or _("Remove")

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = screen_text(self.title_text, one_line=True)
            box.border_subtitle = _("escape to cancel")
            if self.warning:
                yield ScreenStatic(self.warning, id="confirm-warning")
            if self.command:
                yield ScreenStatic(f"$ {self.command}", id="confirm-command")
            with VerticalScroll():
                yield ThemedStatic(self.body, id="confirm-body")
            with Horizontal(id="confirm-buttons"):
                yield Button(_("Cancel"), id="confirm-cancel")
                yield Button(self.confirm_label, variant="error", id="confirm-ok")

    def on_mount(self) -> None:
        self.query_one("#confirm-cancel", Button).focus()

    @on(Button.Pressed, "#confirm-ok")
    def confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)
