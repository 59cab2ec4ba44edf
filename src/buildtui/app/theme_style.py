"""Semantic style names from the presentation modules, in the current theme's colours.

The domain's presentation functions (e.g. `registry.rows`) say "error", "success",
"warning", "accent", "primary" or "secondary", with "bold", "italic" or "dim" beside
them; widgets turn those into Rich styles with `App.theme_variables`, so the text reads
well under every theme, light ones included.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rich.text import Text

from buildtui.registry.rows import Styled

THEME_COLOURS = frozenset({"error", "success", "warning", "accent", "primary", "secondary"})
"""Semantic names that are theme variables (colours); other words are Rich attributes."""


def theme_style(style: str, variables: Mapping[str, str]) -> str:
    """`"bold error"` -> `"bold #B93C5B"` with the theme's variables."""
    words = []
    for word in style.split():
        if word in THEME_COLOURS:
            colour = variables.get(word)
            if colour:
                words.append(colour)
        else:
            words.append(word)
    return " ".join(words)


def themed_text(parts: Iterable[Styled], variables: Mapping[str, str]) -> Text:
    """Styled parts as one Rich text in the theme's colours."""
    text = Text()
    for part in parts:
        text.append(part.text, style=theme_style(part.style, variables))
    return text


def themed_cell(cell: Styled, variables: Mapping[str, str]) -> str | Text:
    """A table cell: plain text as it is, styled text in the theme's colours."""
    if not cell.style:
        return cell.text
    return Text(cell.text, style=theme_style(cell.style, variables))
