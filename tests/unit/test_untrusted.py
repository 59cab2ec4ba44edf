"""The one way untrusted text becomes screen text: visible escapes, never markup."""

from __future__ import annotations

import pytest
from rich.console import Console
from rich.style import Style
from rich.text import Span, Text

from buildtui.untrusted import is_safe, screen_text, visible, without_csi


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain ✓ text", "plain ✓ text"),
        ("\x1b]0;title\x07", "\\x1b]0;title\\x07"),
        ("\x1b]52;c;cHduZWQ=\x07", "\\x1b]52;c;cHduZWQ=\\x07"),
        ("\x1b[2J\x1b[H", "\\x1b[2J\\x1b[H"),
        ("c1 \x9b31m \x9d0;t\x9c", "c1 \\x9b31m \\x9d0;t\\x9c"),
        ("nul\x00 del\x7f bs\x08", "nul\\x00 del\\x7f bs\\x08"),
        ("over\rwrite", "over\\rwrite"),
        ("bidi \u202eevil\u202c", "bidi \\u202eevil\\u202c"),
        ("zero\u200bwidth\ufeff", "zero\\u200bwidth\\ufeff"),
        ("lone \ud800 surrogate", "lone \\ud800 surrogate"),
        ("tab\tkept", "tab\tkept"),
        ("two\nlines", "two\nlines"),
        ("[@click=app.quit]QUIT[/]", "[@click=app.quit]QUIT[/]"),  # markup is for screen_text
    ],
)
def test_visible_shows_each_control_character_as_an_escape(raw: str, shown: str) -> None:
    assert visible(raw) == shown
    assert visible(shown) == shown  # idempotent: what it shows is safe
    assert is_safe(shown)
    assert is_safe(raw) is (raw == shown)


def test_one_line_shows_newlines_too() -> None:
    assert visible("a\nb", one_line=True) == "a\\nb"
    assert not is_safe("a\nb", one_line=True)
    assert is_safe("a\nb")


def test_visible_text_can_be_written_to_an_ascii_terminal() -> None:
    # A lone surrogate cannot even be encoded: print() would raise.
    visible("x\ud800y").encode("utf-8")


def test_without_csi_drops_colours_and_cursor_moves_only() -> None:
    assert without_csi("\x1b[1;31mred\x1b[0m \x9b2Kline") == "red line"
    assert without_csi("\x1b]0;title\x07") == "\x1b]0;title\x07"  # for visible() to show


def test_screen_text_is_never_markup() -> None:
    text = screen_text("[@click=app.quit]QUIT[/] [bold]x[/bold] [/]")
    assert text.plain == "[@click=app.quit]QUIT[/] [bold]x[/bold] [/]"
    assert not text.spans
    rendered = list(Console().render(text))
    assert not any(segment.style and segment.style.meta for segment in rendered)


def test_screen_text_of_a_string_takes_a_style_and_one_line() -> None:
    text = screen_text("a\x1b\nb", "bold error", one_line=True)
    assert text.plain == "a\\x1b\\nb"
    assert text.style == "bold error"


def test_screen_text_keeps_a_texts_spans_around_the_escapes() -> None:
    text = Text("ab")
    text.append("\x1bc", style="red")
    text.append("d\x9be", style=Style(bold=True))
    shown = screen_text(text)
    assert shown.plain == "ab\\x1bcd\\x9be"
    assert shown.spans == [Span(2, 7, "red"), Span(7, 13, Style(bold=True))]
    assert [shown.plain[s.start : s.end] for s in shown.spans] == ["\\x1bc", "d\\x9be"]


def test_screen_text_of_safe_text_is_that_text() -> None:
    text = Text("fine", style="bold")
    assert screen_text(text) is text
