"""The plan (or GC, or verification) as styled text: what goes in red, reasons dimmed."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

RED = ("REFUSED", "  ! ", "Also removed", "DAMAGED")
BOLD = (
    "Goes:",
    "Garbage collection frees",
    "Stays",
    "Blobs that stay",
    "Requests",
    "Note:",
    "Last garbage collection:",
)


def styled(lines: Iterable[str]) -> Text:
    """Lines from `buildtui.cleanup.present` with what will be lost in red."""
    text = Text()
    for line in lines:
        style = ""
        if line.startswith(RED):
            style = "bold red"
        elif line.startswith("OK:"):
            style = "bold green"
        elif line.startswith(BOLD):
            style = "bold"
        elif line.startswith("      why:"):
            style = "dim"
        text.append(line + "\n", style=style)
    return text


class PlanView(VerticalScroll):
    """A scrolling, bordered view of some lines (or a hint when there is nothing to show)."""

    DEFAULT_CSS = """
    PlanView {
        height: 1fr;
        border: round $primary;
        padding: 0 1;
    }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="plan-text")

    def show(self, lines: Iterable[str] | str, subtitle: str = "") -> None:
        body = lines if isinstance(lines, str) else styled(lines)
        self.query_one("#plan-text", Static).update(body)
        self.border_subtitle = subtitle
