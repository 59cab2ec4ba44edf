"""The status bar: engine, buildx, builder in use and the lab registry, on one line."""

from __future__ import annotations

from textual.reactive import reactive

from buildtui.app.shared.themed_static import ThemedStatic
from buildtui.engine.presentation import status_failure_text, status_text
from buildtui.engine.status import EngineStatus


class StatusBar(ThemedStatic):
    """Shows an `EngineStatus`; the app probes in the background and sets `status`."""

    DEFAULT_CSS = """
    StatusBar {
        height: 1;
        padding: 0 1;
        background: $panel;
        color: $text;
    }
    """

    status: reactive[EngineStatus | None] = reactive(None)
    lab_progress: reactive[str | None] = reactive(None)
    """The Lab pane's `done/total`, once it has looked."""
    background: reactive[int] = reactive(0)
    """Reads the panes have running (registry, clean-up plan, lab): shown while any runs."""

    def __init__(self, registry_name: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.registry_name = registry_name
        self._failed = False
        """A failed check is shown: it stays until a probe answers (not a new lab count)."""

    def _show(self) -> None:
        if not self._failed:
            self.show(
                status_text(self.status, self.registry_name, self.lab_progress, self.background)
            )

    def watch_status(self, status: EngineStatus | None) -> None:
        self._failed = False
        self._show()

    def watch_lab_progress(self, progress: str | None) -> None:
        self._show()

    def watch_background(self, count: int) -> None:
        self._show()

    def retranslate(self) -> None:
        if not self._failed:
            self.show(status_text(self.status, self.registry_name, self.lab_progress))

    def show_failure(self, error: BaseException) -> None:
        """The status check itself failed: say so instead of keeping an old or empty line."""
        self._failed = True
        self.show(status_failure_text(error))
