"""Reading the styles of presentation text, without Textual: which words each span uses."""

from __future__ import annotations

from rich.text import Text

SEMANTIC = frozenset({"success", "warning", "error", "accent", "primary", "secondary", "muted"})
"""What presentation modules may name instead of a colour (the app maps each to its theme)."""
ATTRIBUTES = frozenset({"bold", "italic", "underline", "reverse", "strike", "on"})


def style_of(text: Text, part: str) -> str:
    """The style of the span that covers exactly `part`; else the text's own style (which
    Rich applies to all of it) when `part` is in it; else ""."""
    for span in text.spans:
        if text.plain[span.start : span.end] == part:
            return str(span.style)
    return str(text.style) if part in text.plain else ""


def stray_style_words(text: Text) -> set[str]:
    """Words of the text's styles that are neither semantic names nor Rich attributes
    (a colour such as `red` would be one)."""
    styles = [str(span.style) for span in text.spans] + [str(text.style)]
    return {word for style in styles for word in style.split()} - SEMANTIC - ATTRIBUTES
