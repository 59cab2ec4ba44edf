"""The footer, its key descriptions in the app's language.

Bindings keep their English titles (marked with `N_`, one definition per command:
`app.commands`); the footer translates each as it draws it, and draws again when the
language changes (`BuildTUI.switch_language` recomposes it).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer

from buildtui.i18n import N_, _

PALETTE = N_("palette")
"""Textual's description of the command palette's key (ctrl+p)."""


class TranslatedFooter(Footer):
    """Textual's footer, each key's description and tooltip translated."""

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            # Textual's footer keys keep their text in `description` (a public attribute
            # of a class Textual does not export: found by its name, not imported).
            description = getattr(widget, "description", None)
            if isinstance(description, str) and description:
                widget.description = _(description)  # type: ignore[attr-defined]
            if isinstance(widget.tooltip, str) and widget.tooltip:
                widget.tooltip = _(widget.tooltip)
            yield widget

    def retranslate(self) -> None:
        self.call_next(self.recompose)
