"""Ask for a registry user name and password (kept in memory only)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from buildtui.i18n import N_, _
from buildtui.untrusted import screen_text


class RegistryLoginScreen(ModalScreen[tuple[str, str] | None]):
    """Returns (user name, password), or None when cancelled."""

    DEFAULT_CSS = """
    RegistryLoginScreen {
        align: center middle;
    }
    RegistryLoginScreen > Vertical {
        width: 60;
        height: auto;
        border: thick $primary;
        background: $surface;
        padding: 1 2;
    }
    """
    AUTO_FOCUS = "#login-username"
    """Typing goes into the field at once (the app itself focuses nothing by default)."""
    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), id="registry_login.cancel")]

    def __init__(self, registry: str) -> None:
        super().__init__()
        self.registry = registry

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = screen_text(
                _("Log in to {registry}").format(registry=self.registry), one_line=True
            )
            yield Label(_("Used for this session only; nothing is written to disk."))
            yield Input(placeholder=_("user name"), id="login-username")
            yield Input(placeholder="password", password=True, id="login-password")

    @on(Input.Submitted, "#login-username")
    def next_field(self) -> None:
        self.query_one("#login-password", Input).focus()

    @on(Input.Submitted, "#login-password")
    def submit(self) -> None:
        username = self.query_one("#login-username", Input).value.strip()
        password = self.query_one("#login-password", Input).value
        self.dismiss((username, password) if username else None)

    def action_cancel(self) -> None:
        self.dismiss(None)
