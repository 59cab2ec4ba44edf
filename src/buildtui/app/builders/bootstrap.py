"""Bootstrap a builder with its live progress; Cancel kills the buildx process."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Log, Static

from buildtui.app.shared.screen_static import ScreenStatic
from buildtui.app.shared.themed_static import ThemedStatic
from buildtui.buildx.builders import BootstrapProgress, BuildersBackend
from buildtui.buildx.errors import BuildxError
from buildtui.buildx.models import Inspection
from buildtui.buildx.presentation_actions import bootstrap_text
from buildtui.i18n import N_, _
from buildtui.untrusted import screen_text, visible


class BootstrapScreen(ModalScreen[bool]):
    """Returns True when the builder came up."""

    DEFAULT_CSS = """
    BootstrapScreen {
        align: center middle;
    }
    BootstrapScreen > Vertical {
        width: 100;
        max-width: 95%;
        height: 80%;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    BootstrapScreen #bootstrap-command {
        padding: 0 1;
        background: $boost;
    }
    BootstrapScreen #bootstrap-log {
        height: 1fr;
        border: round $primary-darken-2;
    }
    BootstrapScreen #bootstrap-outcome {
        height: auto;
        padding: 0 1;
    }
    BootstrapScreen Horizontal {
        height: auto;
    }
    """
    BINDINGS = [
        Binding("escape", "cancel_or_close", N_("Cancel / close"), id="builder_bootstrap.cancel")
    ]

    @dataclass
    class Progress(Message):
        line: str

    @dataclass
    class Finished(Message):
        inspection: Inspection | None
        error: BuildxError | None

    def __init__(self, service: BuildersBackend, name: str) -> None:
        super().__init__()
        self.service = service
        self.builder = name
        self.run: BootstrapProgress | None = None
        self.done = False
        self.succeeded = False
        self.lines: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = screen_text(
                _("Bootstrap {builder}").format(builder=self.builder), one_line=True
            )
            yield ScreenStatic(id="bootstrap-command")
            yield Log(id="bootstrap-log", max_lines=2000)
            yield ThemedStatic(Text(_("Starting…"), style="italic"), id="bootstrap-outcome")
            with Horizontal():
                yield Button(_("Cancel"), id="bootstrap-button", variant="warning")

    def on_mount(self) -> None:
        self.bootstrap()

    @work(thread=True, exclusive=True, group="builder-bootstrap", exit_on_error=False)
    def bootstrap(self) -> None:
        try:
            run = self.service.start_bootstrap(self.builder)
            self.run = run
            self.app.call_from_thread(
                self.query_one("#bootstrap-command", Static).update, f"$ {run.command}"
            )
            for line in run.lines():
                self.post_message(self.Progress(line))
            inspection = run.wait()
        except BuildxError as error:
            self.post_message(self.Finished(None, error))
            return
        self.post_message(self.Finished(inspection, None))

    @on(Progress)
    def progress(self, message: Progress) -> None:
        self.lines.append(message.line)
        # buildx's progress, as it prints it: control characters shown, never sent.
        self.query_one("#bootstrap-log", Log).write_line(visible(message.line, one_line=True))

    @on(Finished)
    def finished(self, message: Finished) -> None:
        self.done = True
        self.succeeded = message.error is None and message.inspection is not None
        outcome = bootstrap_text(self.builder, message.inspection, message.error)
        self.query_one("#bootstrap-outcome", ThemedStatic).show(outcome)
        button = self.query_one("#bootstrap-button", Button)
        button.label = _("Close")
        button.variant = "primary"
        button.disabled = False
        button.focus()

    def on_unmount(self) -> None:
        # Quitting the app during a bootstrap ends it (its thread would hold the exit).
        if not self.done and self.run is not None:
            self.run.cancel()

    @on(Button.Pressed, "#bootstrap-button")
    def action_cancel_or_close(self) -> None:
        if self.done:
            self.dismiss(self.succeeded)
            return
        if self.run is not None:
            self.run.cancel()
            self.query_one("#bootstrap-outcome", ThemedStatic).show(
                Text(_("Cancelling…"), style="italic")
            )
            self.query_one("#bootstrap-button", Button).disabled = True
