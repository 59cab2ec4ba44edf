"""The footer, its key descriptions in the app's language.

Bindings keep their English titles (marked with `N_`, one definition per command:
`app.commands`); the footer translates each as it draws it, and draws again when the
language changes (`BuildTUI.switch_language` recomposes it).

Textual's footer builds its keys again whenever the focused widget changes, which is
most keys pressed; this one builds them again only when what it shows changes.
"""

from __future__ import annotations

from collections.abc import Hashable

from textual.app import ComposeResult
from textual.widgets import Footer

from buildtui.i18n import N_, _, language

PALETTE = N_("palette")
"""Textual's description of the command palette's key (ctrl+p)."""


class TranslatedFooter(Footer):
    """Textual's footer, each key's description and tooltip translated."""

    drawn: Hashable = None
    """What the footer shows now (`shown`), None before it shows any key."""

    def shown(self) -> Hashable:
        """What the footer would show: each key of the screen's bindings, how it is
        written, whether it is enabled, its tooltip, and the language of its words."""
        bindings = self.screen.active_bindings
        keys = tuple(
            (binding, self.app.get_key_display(binding), enabled, tooltip)
            for _node, binding, enabled, tooltip in bindings.values()
            if binding.show
        )
        palette = bindings.get(self.app.COMMAND_PALETTE_BINDING)
        palette_key = None if palette is None else palette[1:]
        return language(), self.show_command_palette, palette_key, keys

    async def recompose(self) -> None:
        shown = self.shown()
        if shown == self.drawn:
            return  # the same keys: building them again would only cost time
        await super().recompose()
        self.drawn = shown if self.children else None

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
