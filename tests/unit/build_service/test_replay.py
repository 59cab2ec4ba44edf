"""Replaying a kept build at its recorded pace, and the timing the history keeps."""

from __future__ import annotations

import sqlite3
import threading
import time
from itertools import pairwise
from pathlib import Path

import pytest

from buildtui.builds.history import BuildHistory, BuildRecord
from buildtui.builds.live import LiveBuild
from buildtui.builds.replay import (
    FIXED_RATE,
    MAX_PAUSE,
    ReplayClock,
    ReplayProcess,
    ReplayService,
    ReplaySession,
    faster,
    replay_batches,
    slower,
)
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


class FakeTime:
    """The wall clock of a replay in one thread: each wait moves it on by its timeout."""

    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []

    def clock(self) -> float:
        return self.now

    def wait(self, condition: threading.Condition, timeout: float | None) -> None:
        if timeout is None:
            raise AssertionError("the replay waits for a key (it is paused)")
        self.waits.append(timeout)
        self.now += timeout


def timed_record(tmp_path: Path, marks: list[tuple[int, float]]) -> BuildRecord:
    history = BuildHistory(tmp_path / "h.sqlite3")
    lines = captured_log("lab-second-build.log")
    entry = history.get(record_build(history, "lab-second-build.log", 1.0)).entry
    timed = history.add(
        started=2.0, argv=entry.argv, command=entry.command, summary=entry.summary,
        log_lines=lines, timing=[*marks, (len(lines), marks[-1][1] + 1.0)],
    )  # fmt: skip
    return history.get(timed)


def test_replay_waits_as_recorded_divided_by_the_speed(tmp_path: Path) -> None:
    history = BuildHistory(tmp_path / "h.sqlite3")
    lines = captured_log("lab-second-build.log")
    build = record_build(history, "lab-second-build.log", 1.0)
    entry = history.get(build).entry
    timed = history.add(
        started=2.0, argv=entry.argv, command=entry.command, summary=entry.summary,
        log_lines=lines, timing=[(20, 1.0), (60, 3.0), (len(lines), 60.0)],
    )  # fmt: skip
    fake = FakeTime()
    service = ReplayService(history.get(timed), ReplayClock(2.0, clock=fake.clock, wait=fake.wait))
    assert service.paced
    process = service.start(entry.argv)
    replayed = [line for batch in process.batches() for line in batch]
    assert replayed == lines
    assert fake.waits == pytest.approx([0.5, 1.0, MAX_PAUSE])  # 57 s of silence shortened
    assert process.wait() == 0


def test_the_clock_stands_still_while_paused_and_follows_a_new_speed() -> None:
    fake = FakeTime()
    clock = ReplayClock(1.0, clock=fake.clock, wait=fake.wait)
    fake.now = 2.0
    assert clock.now() == 2.0
    assert clock.toggle() is True  # paused
    fake.now = 10.0
    assert clock.now() == 2.0
    assert clock.toggle() is False
    fake.now = 11.0
    assert clock.now() == 3.0
    clock.set_speed(0.25)
    fake.now = 15.0
    assert clock.now() == 4.0  # 4 s of wall time at 0.25x: one recorded second
    assert clock.speeds == [1.0, 0.25]


def test_faster_and_slower_go_through_the_speeds() -> None:
    assert faster(1.0) == 2.0 and faster(3.0) == 4.0 and faster(32.0) == 32.0
    assert slower(1.0) == 0.5 and slower(0.25) == 0.2 and slower(0.1) == 0.1


def consume(process: ReplayProcess, name: str, got: list[tuple[str, int]]) -> threading.Thread:
    def run() -> None:
        for batch in process.batches():
            got.append((name, len(batch)))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def wait_for_count(got: list[tuple[str, int]], count: int) -> None:
    deadline = time.monotonic() + 10
    while len(got) < count:
        assert time.monotonic() < deadline, f"still {got}"
        time.sleep(0.001)


def test_two_replays_side_by_side_step_together_in_recorded_order(tmp_path: Path) -> None:
    cold = timed_record(tmp_path / "a", [(10, 0.5), (40, 2.0), (60, 4.0)])
    warm = timed_record(tmp_path / "b", [(30, 1.0), (50, 1.5)])
    session = ReplaySession([cold, warm], speed=1.0, paused=True)
    got: list[tuple[str, int]] = []
    threads = [
        consume(session.services[0].start(cold.entry.argv), "cold", got),
        consume(session.services[1].start(warm.entry.argv), "warm", got),
    ]
    # Each log's last lines come a second after its last mark (`timed_record`).
    expected = [
        ("cold", 0.5), ("warm", 1.0), ("warm", 1.5), ("cold", 2.0), ("warm", 2.5),
        ("cold", 4.0), ("cold", 5.0),
    ]  # fmt: skip
    for count, (name, at) in enumerate(expected, start=1):
        assert session.clock.step()
        wait_for_count(got, count)
        assert got[-1][0] == name, got
        assert session.clock.now() == at
        assert session.clock.paused
    time.sleep(0.05)
    assert len(got) == len(expected)  # paused: nothing more comes by itself
    for thread in threads:
        thread.join(10)
        assert not thread.is_alive()
    assert not session.clock.running
    assert not session.clock.step()  # nothing left to step to


def test_a_restart_starts_over_on_a_new_clock_at_the_same_speed(tmp_path: Path) -> None:
    record = timed_record(tmp_path, [(10, 5.0)])
    session = ReplaySession([record], speed=0.5, paused=True)
    first = session.services[0].start(record.entry.argv)
    session.faster()
    session.restart()
    assert first.canceled
    assert session.clock.speed == 1.0 and not session.clock.paused
    assert session.clock.now() < 1.0
    assert session.services[0].started == []


def test_a_session_shows_one_build_or_two(tmp_path: Path) -> None:
    record = timed_record(tmp_path, [(10, 5.0)])
    with pytest.raises(ValueError, match="one build, or two"):
        ReplaySession([record] * 3)


def test_a_canceled_replay_stops(tmp_path: Path) -> None:
    history = BuildHistory(tmp_path / "h.sqlite3")
    record = history.get(record_build(history, "lab-second-build.log", 1.0))
    service = ReplayService(record, ReplayClock(paused=True))
    assert not service.paced
    process = service.start(record.entry.argv)
    batches = process.batches()
    assert next(batches) == [record.log.split("\n")[0]]  # due at 0 s
    threading.Timer(0.05, process.cancel).start()  # paused: it waits until canceled
    assert next(batches) == ["ERROR: replay canceled"]
    assert process.wait() == 130


def test_speed_must_be_positive() -> None:
    with pytest.raises(ValueError, match="above 0"):
        ReplayClock(0)
    with pytest.raises(ValueError, match="above 0"):
        ReplayClock().set_speed(-1)


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
