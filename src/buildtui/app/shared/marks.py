"""Check boxes whose state reads without colour: `▐x▌` when on, `▐ ▌` when off.

Textual's own draw the same `X` either way and tell on from off by colour alone, which
a projector washes out.
"""

from __future__ import annotations

from typing import Any, TypeVar

from rich.segment import Segment
from textual.strip import Strip
from textual.widgets import Checkbox, SelectionList

ON = "x"
OFF = " "

T = TypeVar("T")


class MarkedCheckbox(Checkbox):
    """A Checkbox with `x` inside its box when on, nothing when off."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.BUTTON_INNER = ON if self.value else OFF

    def watch_value(self) -> None:
        self.BUTTON_INNER = ON if self.value else OFF
        super().watch_value()
        self.refresh()


class MarkedSelectionList(SelectionList[T]):
    """A SelectionList whose selected options have `x` in their box, the others none."""

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        segments = list(strip)
        for index, segment in enumerate(segments):
            meta = segment.style.meta if segment.style is not None else {}
            if segment.text == Checkbox.BUTTON_INNER and "option" in meta:
                option = self.get_option_at_index(int(meta["option"]))
                mark = ON if option.value in self.selected else OFF
                segments[index] = Segment(mark, segment.style, segment.control)
                return Strip(segments, strip.cell_length)
        return strip
