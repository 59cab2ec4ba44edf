"""`buildtui class REF`: the Class pane alone, for the instructor (no engine needed)."""

from __future__ import annotations

import io
import sys
import traceback
from dataclasses import replace

from textual.app import App
from textual.notifications import SeverityLevel

from buildtui.app.screens.class_screen import ClassScreen
from buildtui.classroom.ref import ClassRef
from buildtui.classroom.service import ClassService
from buildtui.i18n import LANGUAGES, _, set_language, translator
from buildtui.settings import Settings, SettingsError, save_setting
from buildtui.untrusted import visible


class ClassApp(App[None]):
    """One screen: the class. Closing it (escape, ctrl+q) ends the app."""

    TITLE = "buildtui"
    SUB_TITLE = "class mode"

    def __init__(self, settings: Settings, service: ClassService, language: str) -> None:
        super().__init__()
        self.settings = settings
        self.service = service
        set_language(language)

    def on_mount(self) -> None:
        if self.settings.theme is not None and self.settings.theme in self.available_themes:
            self.theme = self.settings.theme
        if self.settings.keymap:
            self.set_keymap(dict(self.settings.keymap))
        screen = ClassScreen(self.service)
        self.push_screen(screen, callback=lambda _result: self.exit())

    def action_switch_language(self, value: str) -> None:
        """The class in `value` now (the pane's `l`), kept for the next start as the main
        app's palette keeps it."""
        if value not in LANGUAGES:
            return
        set_language(value)
        for screen in self.screen_stack:
            for widget in screen.walk_children(with_self=True):
                retranslate = getattr(widget, "retranslate", None)
                if callable(retranslate):
                    retranslate()
        self.refresh_bindings()
        if value != self.settings.language:
            try:
                save_setting("language", value)
            except (OSError, SettingsError) as error:
                self.notify(
                    _("the language is not kept: {error}").format(error=error),
                    title=_("Settings"),
                    severity="warning",
                )
                return
            self.settings = replace(self.settings, language=value)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Screen text, never markup (as the main app's notifications)."""
        super().notify(
            visible(message),
            title=visible(title, one_line=True),
            severity=severity,
            timeout=timeout,
            markup=False,
        )


def make_class_app(settings: Settings, service: ClassService, language: str) -> ClassApp:
    return ClassApp(settings, service, language)


def run_class_app(settings: Settings, ref: ClassRef, language: str) -> int:
    """Run the app on the class `ref`; its exit code (an unexpected error: one line and
    the traceback in the log file, as the main app)."""
    from rich.console import Console

    from buildtui import logs

    app = make_class_app(
        settings, ClassService(settings, ref, translate=translator(language)), language
    )
    details = io.StringIO()
    app.error_console = Console(
        file=details, width=160, color_system=None, markup=False, highlight=False
    )
    try:
        app.run()
    except Exception:
        details.write(traceback.format_exc())
    if not details.getvalue() and not app.return_code:
        return 0
    report = details.getvalue() or f"the app exited with code {app.return_code}"
    print(logs.crash_message(report, logs.record_crash(report)), file=sys.stderr)
    return app.return_code or 1
