"""What the main app and the class app share around running: notifications that are
never markup, one line and the log file for an unexpected error, and a language choice
kept for the next start."""

from __future__ import annotations

import io
import traceback
from dataclasses import replace
from typing import Any, TypeVar

from textual.app import App
from textual.notifications import SeverityLevel
from textual.widget import Widget

from buildtui.i18n import LANGUAGES, _, language, set_language
from buildtui.settings import Settings, SettingsError, save_setting
from buildtui.untrusted import visible

ReturnType = TypeVar("ReturnType")


class ScreenTextApp(App[ReturnType]):
    """The base of the main app and the class app: their notifications are screen text."""

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Every notification (a widget's `notify` comes here too) as screen text: never
        markup, whatever `markup` says (a message often quotes a registry, a build or
        docker), its control characters as visible escapes."""
        super().notify(
            visible(message),
            title=visible(title, one_line=True),
            severity=severity,
            timeout=timeout,
            markup=False,
        )


def run_captured(app: App[Any]) -> int:
    """Run `app`; its exit code. An error nothing handled stops it (Textual's own
    handling) with one line on the terminal and the traceback in the log file, exit 1."""
    import sys

    from rich.console import Console

    from buildtui import logs

    # Textual prints an unhandled error's traceback (with its locals: registry data,
    # perhaps) to `error_console` once the app is gone: into the log, not the terminal.
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


def keep_language(app: App[Any], settings: Settings, value: str) -> Settings:
    """`settings` with `value` as the language, saved for the next start; unchanged
    (and the user told why) when the config file cannot be written."""
    if value == settings.language:
        return settings
    try:
        save_setting("language", value)
    except (OSError, SettingsError) as error:
        app.notify(
            _("the language is not kept: {error}").format(error=error),
            title=_("Settings"),
            severity="warning",
        )
        return settings
    return replace(settings, language=value)


def switch_language(widget: Widget) -> None:
    """The whole app in the other language, from a pane's key (the app's palette command
    switches it and keeps it); a pane standing alone (tests) redraws itself."""
    other = next(code for code in LANGUAGES if code != language())
    switch = getattr(widget.app, "action_switch_language", None)
    if switch is not None:
        switch(other)
        return
    set_language(other)
    retranslate = getattr(widget, "retranslate", None)
    if callable(retranslate):
        retranslate()
