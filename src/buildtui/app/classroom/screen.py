"""The Class pane on a screen of its own: opened from the palette of the app (when a
class is set) and by `buildtui class REF`."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen

from buildtui.app.classroom.pane import ClassPane
from buildtui.app.shared.footer import TranslatedFooter
from buildtui.app.shared.screen_static import ScreenStatic
from buildtui.classroom.service import ClassService
from buildtui.i18n import N_, _


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

    BINDINGS = [Binding("escape", "close", N_("Close"), id="class.close")]
    AUTO_FOCUS = "#class-table"

    def __init__(self, service: ClassService, *, cli: str = "buildtui") -> None:
        super().__init__()
        self.service = service
        self.cli = cli

    def title_text(self) -> str:
        return _("buildtui — class mode · {ref}").format(ref=self.service.ref)

    def compose(self) -> ComposeResult:
        yield ClassTitle(self.title_text())
        yield ClassPane(self.service, cli=self.cli)
        yield TranslatedFooter(compact=True)

    def retranslate(self) -> None:
        self.query_one(ClassTitle).update(self.title_text())

    def action_close(self) -> None:
        self.dismiss(None)

    async def on_unmount(self) -> None:
        await self.service.aclose()
