"""Replay kept builds at the pace they were recorded, as if buildx were running them.

The Build pane runs a replay like any build (a `BuildService`), so a lab can be shown
with no network and no engine. One `ReplayClock` gives the recorded time every replay of
a `ReplaySession` is at: one build, or two side by side at the same pace. The clock
runs `speed` times as fast as the wall clock, stands still while paused, steps to the
next batch of log lines on request, and jumps over a silence that would last longer
than `MAX_PAUSE` on the screen. A build kept before timing was recorded is replayed at
a fixed rate (`FIXED_RATE` lines a second), and `paced` says so.

Figures stay the recorded ones: the steps' times come from the log, running steps are
timed on the recorded clock, and once a replay ends the pane shows the summary the
build was kept with (its wall time, first misses and their reasons), never one worked
out again now.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence

from buildtui.builds.history import BuildRecord

FIXED_RATE = 40.0
"""Lines a second for a build kept without timing."""
MAX_PAUSE = 5.0
"""The longest wait between two batches on the screen: a long silent step is shortened."""
SPEEDS = (0.1, 0.2, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0)
"""The speeds the faster and slower keys go through."""

Wait = Callable[[threading.Condition, float | None], object]
"""Waits on the clock's condition (held) for at most that many seconds (None: until woken)."""


def replay_batches(
    lines: Sequence[str], timing: Sequence[tuple[int, float]]
) -> list[tuple[float, list[str]]]:
    """(seconds since the start, lines) batches; without timing, one line at a time at
    the fixed rate."""
    if not timing:
        return [(i / FIXED_RATE, [line]) for i, line in enumerate(lines)]
    batches = []
    start = 0
    for count, offset in timing:
        count = min(count, len(lines))
        if count > start:
            batches.append((offset, list(lines[start:count])))
            start = count
    if start < len(lines):
        batches.append((timing[-1][1], list(lines[start:])))
    return batches


def platforms_of(argv: Sequence[str]) -> list[str]:
    """The platforms a kept command builds for (`--platform a,b`), in its order."""
    found: list[str] = []
    for index, arg in enumerate(argv):
        if arg == "--platform" and index + 1 < len(argv):
            value = argv[index + 1]
        elif arg.startswith("--platform="):
            value = arg.removeprefix("--platform=")
        else:
            continue
        found += [p.strip() for p in value.split(",") if p.strip() and p.strip() not in found]
    return found


def faster(speed: float) -> float:
    """The next speed up in `SPEEDS` (the fastest stays)."""
    return next((s for s in SPEEDS if s > speed * 1.001), SPEEDS[-1])


def slower(speed: float) -> float:
    """The next speed down in `SPEEDS` (the slowest stays)."""
    return next((s for s in reversed(SPEEDS) if s < speed * 0.999), SPEEDS[0])


def _wait_on(condition: threading.Condition, timeout: float | None) -> object:
    return condition.wait(timeout)


class ReplayClock:
    """The recorded time (seconds since the builds started) the replays are at.

    Thread-safe: each replay waits in its own worker thread (`wait_for`), while the
    keys pause, step and change the speed from the UI's.
    """

    def __init__(
        self,
        speed: float = 1.0,
        *,
        paused: bool = False,
        clock: Callable[[], float] = time.monotonic,
        wait: Wait = _wait_on,
    ) -> None:
        if not speed > 0:
            raise ValueError("the speed must be above 0")
        self._condition = threading.Condition()
        self._wall = clock
        self._wait = wait
        self._speed = speed
        self._paused = paused
        self._at = 0.0
        """The recorded time at `_since` (wall clock)."""
        self._since = clock()
        self._next: dict[int, float] = {}
        """Each replay still running -> the recorded time of its next batch."""
        self.speeds = [speed]
        """Every speed the replay ran at, in order (the summary says which)."""

    # -- read ---------------------------------------------------------------------

    def now(self) -> float:
        """The recorded time now."""
        with self._condition:
            return self._now()

    def _now(self) -> float:
        if self._paused:
            return self._at
        return self._at + (self._wall() - self._since) * self._speed

    @property
    def speed(self) -> float:
        return self._speed

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def running(self) -> bool:
        """Some replay has batches left."""
        with self._condition:
            return bool(self._next)

    # -- the keys -------------------------------------------------------------------

    def _rebase(self) -> None:
        self._at = self._now()
        self._since = self._wall()

    def set_speed(self, speed: float) -> None:
        if not speed > 0:
            raise ValueError("the speed must be above 0")
        with self._condition:
            self._rebase()
            self._speed = speed
            if speed not in self.speeds:
                self.speeds.append(speed)
            self._condition.notify_all()

    def pause(self) -> None:
        with self._condition:
            self._rebase()
            self._paused = True
            self._condition.notify_all()

    def resume(self) -> None:
        with self._condition:
            self._since = self._wall()
            self._paused = False
            self._condition.notify_all()

    def toggle(self) -> bool:
        """Pause or resume; True when it is paused now."""
        if self.paused:
            self.resume()
        else:
            self.pause()
        return self.paused

    def step(self) -> bool:
        """Pause, and give out the next batch (of either replay side by side: the
        earlier); False when no replay has one left."""
        with self._condition:
            self._rebase()
            self._paused = True
            if not self._next:
                return False
            ahead = [t for t in self._next.values() if t > self._at]
            if ahead:
                self._at = min(ahead)
            self._condition.notify_all()
            return True

    def wake(self) -> None:
        """Wake the waiting replays (one was canceled)."""
        with self._condition:
            self._condition.notify_all()

    # -- the replays --------------------------------------------------------------

    def expect(self, token: int, at: float | None) -> None:
        """Replay `token`'s next batch is due at recorded time `at` (None: it has ended)."""
        with self._condition:
            if at is None:
                self._next.pop(token, None)
            else:
                self._next[token] = at
            self._condition.notify_all()

    def wait_for(self, token: int, at: float, canceled: threading.Event) -> None:
        """Block until the recorded time reaches `at` or `canceled` is set. A silence
        longer than MAX_PAUSE on the screen, for every replay, is jumped over."""
        with self._condition:
            self._next[token] = at
            while not canceled.is_set():
                now = self._now()
                if now >= at:
                    return
                if self._paused:
                    self._wait(self._condition, None)
                    continue
                nearest = min(self._next.values())
                if (nearest - now) / self._speed > MAX_PAUSE:
                    self._at = nearest - MAX_PAUSE * self._speed
                    self._since = self._wall()
                    now = self._now()
                self._wait(self._condition, max((at - now) / self._speed, 0.0))


class ReplayProcess:
    """A `BuildProcess` whose output is a recorded log given out on the replay clock."""

    def __init__(
        self,
        argv: Sequence[str],
        batches: list[tuple[float, list[str]]],
        exit_code: int,
        clock: ReplayClock,
    ) -> None:
        self.argv = list(argv)
        self._batches = batches
        self._exit_code = exit_code
        self._clock = clock
        self._canceled = threading.Event()
        self._token = id(self)
        clock.expect(self._token, batches[0][0] if batches else None)

    def batches(self) -> Iterator[list[str]]:
        clock, token = self._clock, self._token
        try:
            for index, (offset, lines) in enumerate(self._batches):
                clock.wait_for(token, offset, self._canceled)
                if self._canceled.is_set():
                    yield ["ERROR: replay canceled"]
                    return
                following = self._batches[index + 1][0] if index + 1 < len(self._batches) else None
                clock.expect(token, following)
                yield lines
        finally:
            clock.expect(token, None)

    def wait(self) -> int:
        return 130 if self._canceled.is_set() else self._exit_code

    def cancel(self) -> None:
        self._canceled.set()
        self._clock.wake()

    @property
    def canceled(self) -> bool:
        return self._canceled.is_set()


class ReplayService:
    """Starts the replay of one kept build, whatever command it is asked to run."""

    def __init__(self, record: BuildRecord, clock: ReplayClock | None = None) -> None:
        self.record = record
        self.clock = clock or ReplayClock()
        self.paced = bool(record.timing)
        """False: the build was kept without timing and replays at the fixed rate."""
        self._batches = replay_batches(record.log.split("\n"), record.timing)
        self.started: list[ReplayProcess] = []

    @property
    def duration(self) -> float:
        """Recorded seconds from the start to the last batch."""
        return self._batches[-1][0] if self._batches else 0.0

    def start(self, argv: Sequence[str]) -> ReplayProcess:
        exit_code = self.record.entry.exit_code
        process = ReplayProcess(
            argv, self._batches, 1 if exit_code is None else exit_code, self.clock
        )
        self.started.append(process)
        return process


class ReplaySession:
    """What the Build pane replays: one kept build, or two side by side, on one clock.

    `restart` makes a new clock (same speed); the pane then starts the replays again.
    """

    def __init__(
        self,
        records: Sequence[BuildRecord],
        speed: float = 1.0,
        *,
        paused: bool = False,
        clock: Callable[[], float] = time.monotonic,
        wait: Wait = _wait_on,
    ) -> None:
        if not 1 <= len(records) <= 2:
            raise ValueError("a replay shows one build, or two side by side")
        self.records = tuple(records)
        self._wall = clock
        self._wait = wait
        self.clock = ReplayClock(speed, paused=paused, clock=clock, wait=wait)
        self.services = self._services()

    def _services(self) -> tuple[ReplayService, ...]:
        return tuple(ReplayService(record, self.clock) for record in self.records)

    @property
    def side_by_side(self) -> bool:
        return len(self.records) == 2

    @property
    def paced(self) -> bool:
        """Every build was kept with its timing."""
        return all(service.paced for service in self.services)

    @property
    def duration(self) -> float:
        """Recorded seconds to the last batch of the longer replay."""
        return max(service.duration for service in self.services)

    def cancel(self) -> None:
        for service in self.services:
            for process in service.started:
                process.cancel()

    def restart(self) -> None:
        """Cancel the replays and start over on a new clock at the same speed (the pane
        starts each replay again with `services`)."""
        self.cancel()
        self.clock = ReplayClock(self.clock.speed, clock=self._wall, wait=self._wait)
        self.services = self._services()

    def faster(self) -> float:
        self.clock.set_speed(faster(self.clock.speed))
        return self.clock.speed

    def slower(self) -> float:
        self.clock.set_speed(slower(self.clock.speed))
        return self.clock.speed
