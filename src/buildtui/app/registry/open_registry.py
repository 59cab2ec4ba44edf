"""Ask for another registry to open (host[:port] or URL)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from buildtui.i18n import N_, _


class OpenRegistryScreen(ModalScreen[str | None]):
    """Returns the address typed (stripped), or None when cancelled."""

    DEFAULT_CSS = """
    OpenRegistryScreen {
        align: center middle;
    }
    OpenRegistryScreen > Vertical {
        width: 70;
        height: auto;
        border: thick $primary;
        background: $surface;
        padding: 1 2;
    }
    """
    AUTO_FOCUS = "#registry-address"
    """Typing goes into the field at once (the app itself focuses nothing by default)."""
    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), id="open_registry.cancel")]

    def __init__(self, current: str) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = _("Open another registry")
            yield Label(_("host[:port] or http(s)://host[:port]; localhost is plain HTTP"))
            yield Input(value=self.current, placeholder="localhost:5000", id="registry-address")

    @on(Input.Submitted)
    def submit(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
