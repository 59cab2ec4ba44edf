"""Replaying a kept build at its recorded pace, and the timing the history keeps."""

from __future__ import annotations

import sqlite3
from itertools import pairwise
from pathlib import Path

import pytest

from buildtui.build.history import BuildHistory
from buildtui.build.live import LiveBuild
from buildtui.build.replay import FIXED_RATE, MAX_PAUSE, ReplayService, replay_batches
from tests.fakes.build import captured_log
from tests.fakes.lab import record_build


def test_batches_follow_the_recorded_marks() -> None:
    lines = ["a", "b", "c", "d", "e"]
    assert replay_batches(lines, [(2, 0.5), (2, 0.7), (4, 3.0)]) == [
        (0.5, ["a", "b"]),
        (3.0, ["c", "d"]),
        (3.0, ["e"]),
    ]


def test_without_timing_lines_come_at_the_fixed_rate() -> None:
    batches = replay_batches(["a", "b", "c"], [])
    assert batches == [(0.0, ["a"]), (1 / FIXED_RATE, ["b"]), (2 / FIXED_RATE, ["c"])]


def test_the_live_build_records_when_each_batch_arrived() -> None:
    now = iter([0.0, 1.5, 4.0]).__next__  # the start, then each batch
    live = LiveBuild(["docker"], clock=now)
    live.add(["#1 [internal] load", "#1 DONE 0.0s"])
    live.add(["#2 CACHED"])
    assert live.timing == [(2, 1.5), (3, 4.0)]


def test_history_keeps_the_timing_and_reads_older_rows_without_it(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    old = sqlite3.connect(path)  # a history made before timing was kept
    old.execute(
        "CREATE TABLE builds (id INTEGER PRIMARY KEY AUTOINCREMENT, started REAL NOT NULL,"
        " argv TEXT NOT NULL, command TEXT NOT NULL, exit_code INTEGER, canceled INTEGER NOT"
        " NULL DEFAULT 0, summary TEXT NOT NULL, log BLOB NOT NULL, log_lines INTEGER NOT NULL)"
    )
    old.commit()
    old.close()
    history = BuildHistory(path)
    first = record_build(history, "lab-first-build.log", 1.0)
    assert history.get(first).timing == ()
    lines = captured_log("lab-second-build.log")
    second = history.add(
        started=2.0,
        argv=["docker"],
        command="docker",
        summary=history.get(first).entry.summary,
        log_lines=lines,
        timing=[(10, 0.25), (len(lines), 2.5)],
    )
    assert history.get(second).timing == ((10, 0.25), (len(lines), 2.5))


def test_replay_waits_as_recorded_divided_by_the_speed(tmp_path: Path) -> None:
    history = BuildHistory(tmp_path / "h.sqlite3")
    lines = captured_log("lab-second-build.log")
    build = record_build(history, "lab-second-build.log", 1.0)
    entry = history.get(build).entry
    timed = history.add(
        started=2.0, argv=entry.argv, command=entry.command, summary=entry.summary,
        log_lines=lines, timing=[(20, 1.0), (60, 3.0), (len(lines), 60.0)],
    )  # fmt: skip
    pauses: list[float] = []
    service = ReplayService(history.get(timed), speed=2.0, sleep=pauses.append)
    assert service.paced
    process = service.start(entry.argv)
    replayed = [line for batch in process.batches() for line in batch]
    assert replayed == lines
    assert pauses == [0.5, 1.0, MAX_PAUSE]  # 57 s of silence shortened
    assert process.wait() == 0


def test_a_canceled_replay_stops(tmp_path: Path) -> None:
    history = BuildHistory(tmp_path / "h.sqlite3")
    record = history.get(record_build(history, "lab-second-build.log", 1.0))
    service = ReplayService(record)
    assert not service.paced
    process = service.start(record.entry.argv)
    batches = process.batches()
    next(batches)
    process.cancel()
    assert next(batches) == ["ERROR: replay canceled"]
    assert process.wait() == 130


def test_speed_must_be_positive(tmp_path: Path) -> None:
    history = BuildHistory(tmp_path / "h.sqlite3")
    record = history.get(record_build(history, "lab-second-build.log", 1.0))
    with pytest.raises(ValueError, match="above 0"):
        ReplayService(record, speed=0)


def test_a_build_from_the_command_line_keeps_its_timing_for_a_replay(tmp_path: Path) -> None:
    import io

    from buildtui.commands.build import run_build
    from tests.fakes.build import ReplayBuildService

    lines = captured_log("lab-second-build.log")
    history = BuildHistory(tmp_path / "h.sqlite3")
    service = ReplayBuildService(lines, batch=7)
    assert (
        run_build(["docker", "buildx", "build", "."], service, io.StringIO(), history=history) == 0
    )
    (entry,) = history.list()
    timing = history.get(entry.id).timing
    assert [n for n, _ in timing] == [*range(7, len(lines), 7), len(lines)]
    assert all(b >= a for (_, a), (_, b) in pairwise(timing))
