"""A snapshot of the Build pane after a build whose steps all came from the cache."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from tests.fakes.build import ReplayBuildService, captured_log
from tests.fakes.build_app import build_app
from tests.fakes.services import settle


def frozen_clock() -> float:
    """Every time stamp the same: wall and running times are 0.0s in the picture."""
    return 100.0


def test_build_pane_finished_build_with_cached_steps(snap_compare: Any, tmp_path: Path) -> None:
    service = ReplayBuildService(captured_log("lab-second-build.log"))

    async def run_build(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)

    assert snap_compare(
        build_app(service, tmp_path / "h.sqlite3", clock=frozen_clock),
        terminal_size=(130, 50),
        run_before=run_build,
    )


def test_build_pane_first_misses_marked(snap_compare: Any, tmp_path: Path) -> None:
    """The same build after one whose steps were all cached: nothing came from the cache,
    and each stage's first step that ran says `◀ cache broken here` and why."""
    service = ReplayBuildService(captured_log("lab-second-build.log"))

    async def run_twice(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        service.lines = captured_log("lab-first-build.log")
        await pilot.press("f5")
        await settle(pilot)

    assert snap_compare(
        build_app(service, tmp_path / "h.sqlite3", clock=frozen_clock),
        terminal_size=(150, 50),
        run_before=run_twice,
    )
