"""A modal with a manifest's (or config's) JSON, highlighted."""

from __future__ import annotations

from rich.syntax import Syntax
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen

from buildtui.app.shared.screen_static import ScreenStatic
from buildtui.i18n import N_, _
from buildtui.untrusted import screen_text, visible


class RawManifestScreen(ModalScreen[None]):
    """The JSON as the registry serves it, indented and highlighted (its control
    characters as visible escapes: a Rich `Syntax` is shown as it is)."""

    DEFAULT_CSS = """
    RawManifestScreen {
        align: center middle;
    }
    RawManifestScreen > VerticalScroll {
        width: 95%;
        height: 90%;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    """
    BINDINGS = [Binding("escape,q,v", "dismiss", N_("Close"), id="raw_manifest.close")]

    def __init__(self, title: str, text: str, *, language: str = "json") -> None:
        super().__init__()
        self.title_text = title
        self.text = text
        self.language = language

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = screen_text(self.title_text, one_line=True)
            scroll.border_subtitle = _("escape to close")
            yield ScreenStatic(
                Syntax(
                    visible(self.text), self.language, theme=self.syntax_theme(), word_wrap=True
                ),
                id="raw-json",
            )

    def syntax_theme(self) -> str:
        """The terminal's own colours, for a dark or a light app theme."""
        return "ansi_dark" if self.app.current_theme.dark else "ansi_light"
