"""A checkbox whose state reads without colour: `▐X▌` when on, `▐ ▌` when off.

Textual's own checkbox always shows an X and tells on from off only by its colour,
which a monochrome terminal, `NO_COLOR` or a colour-blind eye loses.
"""

from __future__ import annotations

from textual.widgets import Checkbox

ON = "X"
OFF = " "


class StateCheckbox(Checkbox):
    """`Checkbox` with an empty box when off; everything else as Textual's."""

    def on_mount(self) -> None:
        self._show_state()

    def watch_value(self) -> None:
        super().watch_value()
        self._show_state()

    def _show_state(self) -> None:
        self.BUTTON_INNER = ON if self.value else OFF
        self.refresh()
