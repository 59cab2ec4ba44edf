"""The engine's status as Rich text: the status bar's line and the doctor's checks.

Styled with semantic names (`"bold error"`, `"muted"` ...), never colours: the app
turns them into its theme's colours (`buildtui.app.theme_styles`).
"""

from __future__ import annotations

from rich.text import Text

from buildtui.engine.status import Check, EngineStatus
from buildtui.i18n import N_, _

CHECK_MARKS = {"ok": ("✔", "success"), "warn": ("!", "warning"), "error": ("✘", "error")}
"""A check's mark and its style: the mark alone says the level, without colour."""
SEPARATOR = " │ "


def _background(count: int) -> Text:
    return Text.assemble((_("reading") + " ", "bold"), (f"{count}…", ""))


CHECK_NAMES = {
    name: name
    for name in (
        N_("builder"),
        N_("buildx"),
        N_("debug log"),
        N_("deletion"),
        N_("disk cache"),
        N_("emulation"),
        N_("engine"),
        N_("exposure"),
        N_("gc"),
        N_("image store"),
        N_("platforms"),
        N_("registry"),
        N_("settings"),
    )
}
"""The checks' names (data in `doctor --json`), translated where they are shown."""


def check_name(name: str) -> str:
    """A check's name in the current language."""
    return _(CHECK_NAMES[name]) if name in CHECK_NAMES else name


def status_text(
    status: EngineStatus | None,
    registry_name: str,
    lab_progress: str | None = None,
    background: int = 0,
) -> Text:
    """The status line for a snapshot (None while the first probe runs); `background`:
    how many reads the panes have running (shown first, while there are any)."""
    if status is None:
        text = Text(_("Checking the Docker engine and the registry…"), style="muted")
        if background:
            text = Text.assemble(_background(background), SEPARATOR, text)
        return text
    text = Text()
    if background:
        text.append_text(_background(background))
    if lab_progress is not None:
        if text:
            text.append(SEPARATOR, style="muted")
        text.append(_("lab") + " ", style="bold")
        text.append(lab_progress)

    def part(label: str, value: str, ok: bool) -> None:
        if text:
            text.append(SEPARATOR, style="muted")
        text.append(f"{label} ", style="bold")
        text.append(value, style="" if ok else "bold error")

    # What the lab needs most first, so a narrow terminal (a projector's 100 columns)
    # cuts the engine's versions, not the registry or the builder.
    registry = status.registry_url.split("://", 1)[-1]
    if status.registry_up:
        deletion = "" if status.registry_delete_enabled is not False else _(", delete off")
        ok = status.registry_delete_enabled is not False
        part(
            registry_name,
            _("up ({registry}{deletion})").format(registry=registry, deletion=deletion),
            ok,
        )
    else:
        part(registry_name, _("down ({registry})").format(registry=registry), False)
    if status.engine_up:
        builder = f"{status.builder} ({status.builder_driver})" if status.builder else _("none")
        part(_("builder"), builder, status.builder is not None)
    if status.engine_up:
        store = "containerd" if status.image_store == "containerd" else _("classic store")
        part("Docker", f"{status.server_version} ({status.context or 'default'}, {store})", True)
    else:
        part("Docker", _("not reachable"), False)
    part("buildx", status.buildx_version or _("missing"), status.buildx_version is not None)
    if status.problems:
        text.append(SEPARATOR, style="muted")
        text.append(_("press d for fixes"), style="italic")
    return text


def status_failure_text(error: BaseException) -> Text:
    """The status check itself failed: what it raised, and how to try again."""
    text = Text()
    text.append(_("status check failed: "), style="bold error")
    text.append(f"{type(error).__name__}: {error}".strip(": ")[:160])
    text.append(SEPARATOR, style="muted")
    text.append(_("ctrl+r tries again, d shows the doctor"), style="italic")
    return text


def check_text(check: Check) -> Text:
    """One doctor check: its mark, name and what was found, then its fix."""
    mark, style = CHECK_MARKS[check.level]
    text = Text()
    text.append(f" {mark} ", style=f"bold {style}")
    text.append(f"{check_name(check.name)}: ", style="bold")
    text.append(check.detail)
    if check.fix:
        text.append("\n     " + _("fix:") + " ", style="bold")
        text.append(check.fix, style="italic")
    return text
