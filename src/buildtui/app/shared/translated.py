"""Widgets whose fixed text follows the app's language.

A `TrLabel` keeps its English text (the msgid, marked with `N_` or given literally to
`TrLabel`, which the extractor reads as a message) and shows it translated; when the
language changes, the app calls `retranslate()` on every widget that has one, and it
shows the text again. Text made from data is not for these: the pane that shows it
renders it again (its own `retranslate`).
"""

from __future__ import annotations

from textual.widgets import Label

from buildtui.i18n import _


class TrLabel(Label):
    """A label whose text is a message of the catalogue."""

    def __init__(self, message: str, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(_(message), id=id, classes=classes, markup=False)
        self.message = message

    def retranslate(self) -> None:
        self.update(_(self.message))
