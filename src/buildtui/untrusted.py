"""Text from outside buildtui, made safe to show: never markup, never a control code.

A registry, a build, docker's output and files on disk can hold anything: Rich or
Textual markup (`[@click=app.quit]`), escape sequences that retitle the terminal,
erase the screen or write the clipboard (OSC 52), C1 controls, bidi overrides. The
whole app turns such text into screen text here, one way:

- `visible(text)`: every control character shown as a visible escape (`\\x1b`,
  `\\x9b`, `\\u202e`), so it is seen and never acted on; the command-line twins'
  human output goes through it (`commands.output`), and so does the build log.
- `screen_text(text)`: a Rich `Text` of it (a `Text` is never parsed as markup),
  with `visible` applied and the spans kept; every widget of the app shows text
  through it (`app.shared.screen_static`).

A newline is kept where a multi-line box shows the text (`one_line=False`), and
shown as `\\n` where one line is all there is (a table cell, a tree label, a title).
Tabs are kept: they only move the cursor right.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # rich is loaded by `screen_text` only: the build log's parser needs none
    from rich.style import Style
    from rich.text import Text

# C0 controls but tab and newline, DEL and C1 (ESC, CSI 0x9b, OSC 0x9d ... included),
# Unicode line separators, bidi overrides and isolates, zero-width characters that can
# disguise text, the byte-order mark, and lone surrogates (JSON `"\ud800"`: they cannot
# even be encoded for a terminal).
_CONTROLS = (
    "\x00-\x08\x0b-\x1f\x7f-\x9f"
    "\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ud800-\udfff"
)
_UNSAFE = re.compile(f"[{_CONTROLS}]")
_UNSAFE_LINE = re.compile(f"[\n{_CONTROLS}]")
_NAMED = {"\n": "\\n", "\r": "\\r"}

# CSI sequences (7-bit `ESC [` and 8-bit 0x9b): colours and cursor moves, how a program
# formats its output on a terminal. The build log drops them (`without_csi`); any other
# escape sequence is shown by `visible` like every control character.
_CSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]?|\x9b[0-?]*[ -/]*[@-~]?")


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def is_safe(text: str, *, one_line: bool = False) -> bool:
    """True when `text` holds nothing `visible` would change."""
    return (_UNSAFE_LINE if one_line else _UNSAFE).search(text) is None


def visible(text: str, *, one_line: bool = False) -> str:
    """`text` with every control character as a visible escape (`\\x1b`, `\\u202e`).

    Newlines are kept unless `one_line` (then shown as `\\n`); tabs are kept.
    """
    pattern = _UNSAFE_LINE if one_line else _UNSAFE
    if pattern.search(text) is None:
        return text
    return pattern.sub(_escape, text)


def without_csi(text: str) -> str:
    """`text` without CSI sequences (colours, cursor moves): for a program's output (the
    build log), which formats itself for a terminal. Other controls stay for `visible`."""
    return _CSI.sub("", text) if ("\x1b" in text or "\x9b" in text) else text


def screen_text(value: str | Text, style: str | Style = "", *, one_line: bool = False) -> Text:
    """`value` as screen text: a Rich `Text` (never parsed as markup) whose control
    characters are visible escapes. A `Text` keeps its style and spans; `style` is the
    style of a plain string (a semantic name such as `"bold error"` or a Rich style)."""
    from rich.text import Span, Text

    if isinstance(value, str):
        return Text(visible(value, one_line=one_line), style=style, end="")
    pattern = _UNSAFE_LINE if one_line else _UNSAFE
    plain = value.plain
    if pattern.search(plain) is None:
        return value
    # Rebuild the string piece by piece, and move each span's ends with the text before
    # them (an escape is longer than the character it stands for).
    shifts: list[tuple[int, int]] = []  # (position in the old text, growth up to it)
    pieces: list[str] = []
    start = grown = 0
    for match in pattern.finditer(plain):
        escape = _escape(match)
        pieces += [plain[start : match.start()], escape]
        grown += len(escape) - 1
        shifts.append((match.end(), grown))
        start = match.end()
    pieces.append(plain[start:])

    def moved(offset: int) -> int:
        growth = 0
        for position, total in shifts:
            if position > offset:
                break
            growth = total
        return offset + growth

    result = value.copy()
    result.plain = "".join(pieces)
    result.spans = [Span(moved(span.start), moved(span.end), span.style) for span in value.spans]
    return result
