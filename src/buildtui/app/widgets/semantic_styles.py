"""Semantic style names (`loss`, `ok`, `heading` ...) resolved from the current theme.

A presentation function takes a mapping of names to styles; a widget declares one
component class per name it styles (`<prefix>--loss` ...) with theme variables in its
CSS, and gives the function the styles those classes resolve to. A name the widget
does not declare keeps its plain default.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from rich.style import Style
from textual.theme import Theme
from textual.widget import Widget


def theme_styles(
    widget: Widget, prefix: str, plain: Mapping[str, Style | str]
) -> dict[str, Style | str]:
    return {
        name: widget.get_component_rich_style(f"{prefix}--{name}", partial=True)
        if f"{prefix}--{name}" in widget.COMPONENT_CLASSES
        else style
        for name, style in plain.items()
    }


def on_theme_change(widget: Widget, repaint: Callable[[], None]) -> None:
    """Call `repaint` once the app's new theme is in force (its CSS refreshed)."""

    def changed(_theme: Theme) -> None:
        repaint()

    widget.app.theme_changed_signal.subscribe(widget, changed)
