"""One part of the step view (steps, phases, failure, summary or notes), in the theme's
colours.

The text comes from `buildtui.buildlog.presentation`, whose functions name their
styles semantically (`cached`, `done`, `error` ...); `BuildSteps` maps each name to a
component class whose colours are the theme's variables.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text

from buildtui.app.shared.screen_static import ScreenStatic
from buildtui.buildlog.presentation import STYLES, restyled


class BuildSteps(ScreenStatic):
    """Shows a presentation function's text, its semantic styles in the theme's colours."""

    COMPONENT_CLASSES = {f"build-steps--{name}" for name in STYLES}
    DEFAULT_CSS = """
    BuildSteps { height: auto; }
    BuildSteps > .build-steps--cached {
        color: $text-success; background: $success-muted; text-style: bold;
    }
    BuildSteps > .build-steps--done { color: $text-success; }
    BuildSteps > .build-steps--running { color: $text-warning; text-style: bold; }
    BuildSteps > .build-steps--error { color: $text-error; text-style: bold; }
    BuildSteps > .build-steps--canceled { color: $text-accent; }
    BuildSteps > .build-steps--heading { text-style: bold; color: $text-primary; }
    BuildSteps > .build-steps--dim { color: $text-muted; }
    BuildSteps > .build-steps--harmless { color: $text-muted; text-style: italic; }
    BuildSteps > .build-steps--miss { color: $text-error; text-style: bold reverse; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.semantic = Text()
        """What is shown, with its semantic style names."""
        self._shown_styles: dict[str, Style | str] = {}

    def show(self, text: Text) -> None:
        """Show `text`, its semantic style names in the theme's colours."""
        self.semantic = text
        self._shown_styles = self.styles_map()
        self.update(restyled(text, self._shown_styles))

    def notify_style_update(self) -> None:
        super().notify_style_update()
        if self.semantic:  # another theme, perhaps: redrawn once its styles are applied
            self.call_after_refresh(self._follow_theme)

    def _follow_theme(self) -> None:
        if self.is_mounted and self.styles_map() != self._shown_styles:
            self.show(self.semantic)

    def styles_map(self) -> dict[str, Style | str]:
        """Each semantic style name with its colours in the current theme, against this
        widget's background (`$text-muted` is `auto 60%`: dark on a light theme)."""
        return {name: self.get_component_rich_style(f"build-steps--{name}") for name in STYLES}
