"""The Class pane on a screen of its own: opened from the palette of the app (when a
class is set) and by `buildtui class REF`."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer

from buildtui.app.panes.class_pane import ClassPane
from buildtui.app.widgets.screen_static import ScreenStatic
from buildtui.classroom.service import ClassService


class ClassTitle(ScreenStatic):
    ONE_LINE = True
    DEFAULT_CSS = """
    ClassTitle {
        dock: top;
        width: 100%;
        height: 1;
        background: $panel;
        text-align: center;
        text-style: bold;
    }
    """


class ClassScreen(Screen[None]):
    """Every submission of one class; escape goes back (closes `buildtui class`)."""

    BINDINGS = [Binding("escape", "close", "Close", id="class.close")]
    AUTO_FOCUS = "#class-table"

    def __init__(self, service: ClassService, *, language: str, cli: str = "buildtui") -> None:
        super().__init__()
        self.service = service
        self.language = language
        self.cli = cli

    def compose(self) -> ComposeResult:
        yield ClassTitle(f"buildtui — class mode · {self.service.ref}")
        yield ClassPane(self.service, language=self.language, cli=self.cli)
        yield Footer(compact=True)

    def action_close(self) -> None:
        self.dismiss(None)

    async def on_unmount(self) -> None:
        await self.service.aclose()
