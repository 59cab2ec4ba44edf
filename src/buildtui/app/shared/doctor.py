"""A modal that lists every prerequisite check and its fix (the UI's `buildtui doctor`)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen

from buildtui.app.shared.screen_static import ScreenStatic
from buildtui.app.shared.themed_static import ThemedStatic
from buildtui.engine.presentation import check_text
from buildtui.engine.status import EngineStatus
from buildtui.i18n import N_, _


class DoctorScreen(ModalScreen[None]):
    """What the engine, buildx and registry look like, with a fix for each problem."""

    DEFAULT_CSS = """
    DoctorScreen {
        align: center middle;
    }
    DoctorScreen > VerticalScroll {
        width: 90%;
        max-width: 120;
        height: auto;
        max-height: 80%;
        border: thick $primary;
        background: $surface;
        padding: 1 2;
    }
    DoctorScreen Static.check {
        margin-bottom: 1;
    }
    """
    BINDINGS = [Binding("escape,d,q", "dismiss", N_("Close"), id="doctor.close")]

    def __init__(self, status: EngineStatus | None) -> None:
        super().__init__()
        self.status = status

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = _("Doctor: the lab's prerequisites")
            if self.status is None:
                yield ScreenStatic(_("Still checking the engine and the registry…"))
            else:
                for check in self.status.checks:
                    yield ThemedStatic(check_text(check), classes="check")
