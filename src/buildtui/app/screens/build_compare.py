"""Two builds side by side: which steps went from run to CACHED and back, and the time."""

from __future__ import annotations

from datetime import datetime

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from buildtui.build.history import BuildEntry, Comparison
from buildtui.buildlog.summary import miss_line


def _when(entry: BuildEntry) -> str:
    return datetime.fromtimestamp(entry.started).strftime("%Y-%m-%d %H:%M:%S")


def comparison_table(comparison: Comparison) -> Table:
    """Every step of both builds with its state before and after (pure)."""
    old, new = comparison.old, comparison.new
    table = Table(expand=True, show_edge=False)
    table.add_column("platform · stage")
    table.add_column("step")
    table.add_column(f"#{old.id} {_when(old)}")
    table.add_column(f"#{new.id} {_when(new)}")
    for change in comparison.changes:
        label = " · ".join(p for p in (change.platform, change.stage) if p) or "build"
        became_cached = change in comparison.now_cached
        after = Text(change.after.upper() if change.after == "cached" else change.after)
        if change.after == "cached":
            after.stylize("bold black on green" if became_cached else "green")
        elif change in comparison.now_run:
            after = Text(f"{change.after} (was CACHED)", style="bold red")
            if change.seconds_after is not None:
                after.append(f" {change.seconds_after:.1f}s")
        before = change.before
        if change.seconds_before is not None and change.before == "done":
            before += f" {change.seconds_before:.1f}s"
        table.add_row(label, f"{change.index} {change.instruction}", before, after)
    return table


def comparison_headline(comparison: Comparison) -> str:
    """Both directions with their time, the later build's first miss, the wall time (pure)."""
    old_wall, new_wall = comparison.old.summary.wall_seconds, comparison.new.summary.wall_seconds
    if old_wall is not None and new_wall is not None:
        delta = old_wall - new_wall
        verdict = f"{delta:.1f}s saved" if delta >= 0 else f"{-delta:.1f}s lost"
        wall = f"wall time {old_wall:.1f}s -> {new_wall:.1f}s ({verdict})"
    else:
        wall = "wall time unknown"
    misses = comparison.new.summary.first_misses
    first = (
        f"First miss of #{comparison.new.id}: {miss_line(misses[0])}"
        + (f" (and {len(misses) - 1} more stage(s))" if len(misses) > 1 else "")
        if misses
        else f"#{comparison.new.id} recorded no cache miss."
    )
    return (
        f"{len(comparison.now_cached)} step(s) went from run to CACHED "
        f"({comparison.step_seconds_saved:.1f}s of step time saved), "
        f"{len(comparison.now_run)} from CACHED to run "
        f"({comparison.step_seconds_lost:.1f}s lost); {wall}.\n{first}"
    )


class BuildCompareScreen(ModalScreen[None]):
    """Shows a `Comparison`; Escape closes it."""

    DEFAULT_CSS = """
    BuildCompareScreen { align: center middle; }
    BuildCompareScreen > VerticalScroll {
        width: 90%; height: 80%; border: thick $primary; background: $surface; padding: 0 1;
    }
    """
    BINDINGS = [Binding("escape", "dismiss", "Close", id="build_compare.close")]

    def __init__(self, comparison: Comparison) -> None:
        super().__init__()
        self.comparison = comparison

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(comparison_headline(self.comparison), id="compare-headline")
            yield Static(comparison_table(self.comparison), id="compare-table")
        yield Footer()
