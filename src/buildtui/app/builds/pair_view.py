"""Two builds replayed side by side: one column each, at the same pace, then what the
later one saved.

Each column shows its build (id, when recorded), its steps as they come, and two lines
that stay in view under them (how it went, the CACHED count, the cache import). The
text comes from the presentation modules of `buildtui.builds` and `buildtui.buildlog`.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Static

from buildtui.app.builds.steps import BuildSteps
from buildtui.app.shared.screen_static import ScreenStatic
from buildtui.buildlog.presentation import step_layout, steps_text
from buildtui.builds.history import BuildEntry
from buildtui.builds.live import LiveBuild
from buildtui.builds.presentation import glance_text, replayed_build


class BuildColumn(Vertical):
    """One build of the two: its heading, its steps, and how it went."""

    DEFAULT_CSS = """
    BuildColumn { width: 1fr; height: 1fr; padding: 0 1; }
    BuildColumn > .column-head { height: auto; text-style: bold; }
    BuildColumn > VerticalScroll { height: 1fr; }
    BuildColumn > .column-glance { height: auto; background: $boost; }
    """

    def compose(self) -> ComposeResult:
        yield ScreenStatic("", classes="column-head")
        with VerticalScroll(classes="column-scroll"):
            yield BuildSteps(id=f"{self.id}-steps")
        glance = BuildSteps(id=f"{self.id}-glance")
        glance.add_class("column-glance")
        yield glance

    def show_entry(self, entry: BuildEntry) -> None:
        self.query_one(".column-head", Static).update(f"Build {replayed_build(entry)}")

    def draw(self, live: LiveBuild, speeds: Sequence[float]) -> None:
        """Redraw from the live build (the caller holds `live.lock`)."""
        summary = live.summary
        width, mark_under = step_layout(self.content_region.width - 2)  # its scroll bar
        steps = steps_text(
            live.model,
            live.clock(),
            succeeded=summary is not None and summary.succeeded,
            misses=summary.first_misses if summary is not None else (),
            instruction_width=width,
            mark_under=mark_under,
        )
        self.query_one(f"#{self.id}-steps", BuildSteps).show(steps)
        glance = glance_text(live, speeds=speeds, narrow=True)
        self.query_one(f"#{self.id}-glance", BuildSteps).show(glance)


class BuildPairView(Vertical):
    """Two replayed builds in two columns; under them, once both ended, the comparison."""

    DEFAULT_CSS = """
    BuildPairView > Horizontal { height: 1fr; }
    BuildPairView > #pair-verdict { height: auto; padding: 0 1; border-top: solid $primary; }
    """

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield BuildColumn(id="pair-left")
            yield BuildColumn(id="pair-right")
        yield BuildSteps(id="pair-verdict")

    def start(self, entries: Sequence[BuildEntry]) -> None:
        """New replays of `entries` (two): their headings, no verdict yet."""
        for column, entry in zip(self.columns, entries, strict=False):
            column.show_entry(entry)
        self.show_verdict(Text())

    @property
    def columns(self) -> list[BuildColumn]:
        return list(self.query(BuildColumn))

    def draw(self, lives: Sequence[LiveBuild], speeds: Sequence[float]) -> None:
        for column, live in zip(self.columns, lives, strict=False):
            with live.lock:
                column.draw(live, speeds)

    def show_verdict(self, text: Text) -> None:
        verdict = self.query_one("#pair-verdict", BuildSteps)
        verdict.display = bool(text)
        verdict.show(text)
