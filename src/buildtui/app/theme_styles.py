"""Semantic style names in the current theme's colours.

Presentation modules outside the app (`buildx.presentation`, `lab.presentation`,
`engine.presentation` ...) style their Rich text with words such as `"bold error"` or
`"muted"` instead of colours. A widget turns that text into the theme's colours with
`themed_text` (or one style with `themed`) when it shows it, and shows it again when
the user picks another theme (`on_theme_change`), so the app reads well under every
Textual theme, light ones included.

The semantic words and the theme variable each one takes its colour from:

    success  $text-success      warning  $text-warning     error    $text-error
    accent   $text-accent       primary  $text-primary     secondary $text-secondary
    muted    $text-muted

Any other word is Rich's own (`bold`, `italic`, `underline`, `reverse`, `on` ...).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol

from rich.style import Style
from rich.text import Span, Text
from textual.app import App
from textual.color import Color, ColorParseError
from textual.dom import DOMNode
from textual.theme import Theme

from buildtui.untrusted import screen_text, visible

SEMANTIC = {
    "success": "text-success",
    "warning": "text-warning",
    "error": "text-error",
    "accent": "text-accent",
    "primary": "text-primary",
    "secondary": "text-secondary",
    "muted": "text-muted",
}
"""Semantic word -> the theme variable that gives its colour."""

_CACHE: dict[str, tuple[Theme, dict[str, Style]]] = {}
"""Per theme name: the theme object it was made from and the styles resolved so far."""


def theme_variables(theme: Theme) -> dict[str, str]:
    """The CSS variables a theme defines (what `$text-error` means under it)."""
    return {**theme.to_color_system().generate(), **theme.variables}


def _colour(variables: dict[str, str], name: str) -> Color | None:
    """A variable as one opaque colour: `auto 60%` and `#rrggbb99` are blended onto the
    background; None when that cannot be done (an ANSI theme's translucent colour)."""
    value, _, percent = variables.get(name, "").partition(" ")
    alpha = float(percent.rstrip("%")) / 100 if percent.endswith("%") else 1.0
    try:
        background = Color.parse(variables["background"])
        colour = background.get_contrast_text(1.0) if value == "auto" else Color.parse(value)
    except (ColorParseError, KeyError, ValueError):
        return None
    if alpha >= 1 and colour.a >= 1:
        return colour
    if colour.ansi is not None or background.ansi is not None:
        return None  # a terminal's own colours cannot be blended
    return background + colour.multiply_alpha(alpha)


def _resolve(variables: dict[str, str], style: str) -> Style:
    rich_words: list[str] = []
    colour: Color | None = None
    background: Color | None = None
    dim = False
    for word in style.split():
        if word not in SEMANTIC:
            rich_words.append(word)
            continue
        found = _colour(variables, SEMANTIC[word])
        dim = dim or (found is None and word == "muted")
        if rich_words and rich_words[-1] == "on":
            rich_words.pop()
            background = found
        else:
            colour = found
    resolved = Style.parse(" ".join(rich_words)) if rich_words else Style.null()
    return resolved + Style(
        color=colour.rich_color if colour is not None else None,
        bgcolor=background.rich_color if background is not None else None,
        dim=dim or None,
    )


def themed(app: App[Any], style: str | Style) -> Style:
    """`"bold error"` as a Rich style in the current theme's colours (follows a theme
    switch at once). A Rich `Style` is returned as it is."""
    if isinstance(style, Style):
        return style
    theme = app.current_theme
    cached = _CACHE.get(theme.name)
    if cached is None or cached[0] is not theme:
        cached = _CACHE[theme.name] = (theme, {})
    styles = cached[1]
    found = styles.get(style)
    if found is None:
        found = styles[style] = _resolve(theme_variables(theme), style)
    return found


def themed_text(app: App[Any], text: Text) -> Text:
    """A copy of `text` whose semantic styles are the current theme's colours."""
    out = text.copy()
    if isinstance(out.style, str) and out.style:
        out.style = themed(app, out.style)
    out.spans = [
        Span(span.start, span.end, themed(app, span.style)) if isinstance(span.style, str) else span
        for span in out.spans
    ]
    return out


class StyledPart(Protocol):
    """A piece of text and its semantic style, as `registry.rows.Styled` holds them."""

    @property
    def text(self) -> str: ...

    @property
    def style(self) -> str: ...


def themed_parts(app: App[Any], parts: Iterable[StyledPart]) -> Text:
    """Styled parts as one Rich text in the current theme's colours."""
    text = Text()
    for part in parts:
        # visible() first: Rich's own `append` would drop a bell or a carriage return
        # without a trace; the parts quote a registry.
        text.append(visible(part.text), style=themed(app, part.style) if part.style else "")
    return text


def themed_cell(app: App[Any], cell: StyledPart) -> Text:
    """A table cell in the current theme's colours, as screen text (on one line)."""
    return screen_text(cell.text, themed(app, cell.style) if cell.style else "", one_line=True)


def on_theme_change(node: DOMNode, redraw: Callable[[], object]) -> None:
    """Call `redraw` each time the user picks another theme (from `on_mount`: the node
    must be running). The subscription ends with the node."""
    node.app.theme_changed_signal.subscribe(node, lambda _theme: redraw())
