"""The status bar: engine, buildx, builder in use and the lab registry, on one line."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from buildtui.engine.status import EngineStatus


def status_text(
    status: EngineStatus | None, registry_name: str, lab_progress: str | None = None
) -> Text:
    """The status line for a snapshot (None while the first probe runs)."""
    if status is None:
        return Text("Checking the Docker engine and the registry…", style="dim")
    text = Text()
    if lab_progress is not None:
        text.append("lab ", style="bold")
        text.append(lab_progress)

    def part(label: str, value: str, ok: bool) -> None:
        if text:
            text.append(" │ ", style="dim")
        text.append(f"{label} ", style="bold")
        text.append(value, style="" if ok else "bold red")

    # What the lab needs most first, so a narrow terminal (a projector's 100 columns)
    # cuts the engine's versions, not the registry or the builder.
    registry = status.registry_url.split("://", 1)[-1]
    if status.registry_up:
        deletion = "" if status.registry_delete_enabled is not False else ", delete off"
        ok = status.registry_delete_enabled is not False
        part(registry_name, f"up ({registry}{deletion})", ok)
    else:
        part(registry_name, f"down ({registry})", False)
    if status.engine_up:
        builder = f"{status.builder} ({status.builder_driver})" if status.builder else "none"
        part("builder", builder, status.builder is not None)
    if status.engine_up:
        store = "containerd" if status.image_store == "containerd" else "classic store"
        part("Docker", f"{status.server_version} ({status.context or 'default'}, {store})", True)
    else:
        part("Docker", "not reachable", False)
    part("buildx", status.buildx_version or "missing", status.buildx_version is not None)
    if status.problems:
        text.append(" │ ", style="dim")
        text.append("press d for fixes", style="italic")
    return text


class StatusBar(Static):
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

    def __init__(self, registry_name: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.registry_name = registry_name
        self._failed = False
        """A failed check is shown: it stays until a probe answers (not a new lab count)."""

    def watch_status(self, status: EngineStatus | None) -> None:
        self._failed = False
        self.update(status_text(status, self.registry_name, self.lab_progress))

    def watch_lab_progress(self, progress: str | None) -> None:
        if not self._failed:
            self.update(status_text(self.status, self.registry_name, progress))

    def show_failure(self, error: BaseException) -> None:
        """The status check itself failed: say so instead of keeping an old or empty line."""
        text = Text()
        text.append("status check failed: ", style="bold red")
        text.append(f"{type(error).__name__}: {error}".strip(": ")[:160])
        text.append(" │ ", style="dim")
        text.append("ctrl+r tries again, d shows the doctor", style="italic")
        self._failed = True
        self.update(text)
