"""Snapshots of the Build pane's pictures of a kept build (the lab's, after a pruned
cache: every stage missed first, each with why): the stage graph (g) and where the
time went (t), at 160x48 and at 100x30 (a projector)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from buildtui.builds.history import BuildHistory
from tests.fakes.build import ReplayBuildService, captured_log
from tests.fakes.build_app import build_app
from tests.fakes.forecast import keep_lab_builds
from tests.fakes.services import settle


def frozen_clock() -> float:
    return 100.0


@pytest.mark.parametrize("size", [(160, 48), (100, 30)])
@pytest.mark.parametrize("key", ["g", "t"])
def test_build_pictures(snap_compare: Any, tmp_path: Path, key: str, size: tuple[int, int]) -> None:
    history_path = tmp_path / "h.sqlite3"
    keep_lab_builds(BuildHistory(history_path), tmp_path)

    async def open_the_last_build(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        await pilot.press("enter")  # the newest build: the one after the prune
        await settle(pilot)
        await pilot.press(key)
        await settle(pilot)

    service = ReplayBuildService(captured_log("lab-second-build.log"))
    assert snap_compare(
        build_app(service, history_path, clock=frozen_clock),
        terminal_size=size,
        run_before=open_the_last_build,
    )
