"""`buildtui class REF`: the Class pane alone, for the instructor (no engine needed)."""

from __future__ import annotations

from buildtui.app.classroom.screen import ClassScreen
from buildtui.app.running import ScreenTextApp, keep_language, run_captured
from buildtui.classroom.ref import ClassRef
from buildtui.classroom.service import ClassService
from buildtui.i18n import LANGUAGES, set_language, translator
from buildtui.settings import Settings


class ClassApp(ScreenTextApp[None]):
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
        self.settings = keep_language(self, self.settings, value)


def make_class_app(settings: Settings, service: ClassService, language: str) -> ClassApp:
    return ClassApp(settings, service, language)


def run_class_app(settings: Settings, ref: ClassRef, language: str) -> int:
    """Run the app on the class `ref`; its exit code (an unexpected error: one line and
    the traceback in the log file, as the main app)."""
    app = make_class_app(
        settings, ClassService(settings, ref, translate=translator(language)), language
    )
    return run_captured(app)
