"""Snapshots of replays on a projector and a large screen: the banner, the summary that
stays in view, and two builds side by side."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from buildtui.app.builds.pane import BuildPane
from buildtui.app.replay import ReplayApp
from buildtui.buildlog.summary import CacheMiss
from buildtui.builds.history import BuildHistory
from tests.fakes.build import captured_log
from tests.fakes.lab import LAB_ARGV, record_build
from tests.fakes.services import fake_services, loaded, settle, until

SIZES = [(160, 48), (100, 30)]


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Recorded times print in local time: the same picture in every time zone."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def kept(history: BuildHistory, log: str, started: float, seconds: float) -> int:
    lines = captured_log(log)
    entry = history.get(record_build(history, log, started)).entry
    history.delete(entry.id)
    miss = CacheMiss(
        "linux/amd64", "build1", 2, "RUN echo hello from build1", "files",
        "changed since build #1: src/index.js", 1,
    )  # fmt: skip
    misses = (miss,) if entry.summary.cached == 0 else ()
    summary = replace(entry.summary, wall_seconds=seconds, first_misses=misses)
    marks = [(len(lines) // 2, 0.05), (len(lines), 0.1)]
    return history.add(
        started=started, argv=LAB_ARGV, command=" ".join(LAB_ARGV), summary=summary,
        log_lines=lines, timing=marks,
    )  # fmt: skip


def replay(tmp_path: Path, logs: list[tuple[str, float, float]]) -> ReplayApp:
    settings, services = fake_services(tmp_path)
    assert services.build is not None
    history = services.build.history
    ids = [kept(history, log, started, seconds) for log, started, seconds in logs]
    return ReplayApp(settings, services, [history.get(i) for i in ids], speed=0.5)


async def finished(pilot: Pilot[None]) -> None:
    await loaded(pilot)
    await until(pilot, lambda: bool(pilot.app.query(BuildPane)), "on the Build pane")
    pane = pilot.app.query_one(BuildPane)
    await until(
        pilot,
        lambda: bool(pane.replay_lives) and not any(live.running for live in pane.replay_lives),
        "replayed",
    )
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
def test_replay_banner_and_recorded_summary(
    snap_compare: Any, tmp_path: Path, size: tuple[int, int]
) -> None:
    app = replay(tmp_path, [("lab-first-build.log", 1_700_000_000.0, 7.1)])
    assert snap_compare(app, terminal_size=size, run_before=finished)


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
def test_two_builds_side_by_side(snap_compare: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    app = replay(
        tmp_path,
        [
            ("lab-first-build.log", 1_700_000_000.0, 7.1),
            ("lab-second-build.log", 1_700_000_100.0, 1.9),
        ],
    )
    assert snap_compare(app, terminal_size=size, run_before=finished)
