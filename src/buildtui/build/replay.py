"""Replay a kept build's log at the pace it was recorded, as if buildx were running it.

The Build pane runs it like any build (`BuildService`), so a lab can be shown with no
network and no engine. A build kept before timing was recorded is replayed at a fixed
rate (`FIXED_RATE` lines a second), and `paced` says so.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence

from buildtui.build.history import BuildRecord

FIXED_RATE = 40.0
"""Lines a second for a build kept without timing."""
MAX_PAUSE = 5.0
"""The longest wait between two batches (after `speed`): a long silent step is shortened."""


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


class ReplayProcess:
    """A `BuildProcess` whose output is a recorded log given out at its recorded pace."""

    def __init__(
        self,
        argv: Sequence[str],
        batches: list[tuple[float, list[str]]],
        exit_code: int,
        speed: float,
        sleep: Callable[[float], object] | None = None,
    ) -> None:
        self.argv = list(argv)
        self._batches = batches
        self._exit_code = exit_code
        self._speed = speed
        self._canceled = threading.Event()
        self._sleep = sleep or self._canceled.wait
        """Waits between batches; by default until the pause ends or the replay is canceled."""

    def batches(self) -> Iterator[list[str]]:
        previous = 0.0
        for offset, lines in self._batches:
            pause = min((offset - previous) / self._speed, MAX_PAUSE)
            previous = offset
            if pause > 0:
                self._sleep(pause)
            if self._canceled.is_set():
                yield ["ERROR: replay canceled"]
                return
            yield lines

    def wait(self) -> int:
        return 130 if self._canceled.is_set() else self._exit_code

    def cancel(self) -> None:
        self._canceled.set()

    @property
    def canceled(self) -> bool:
        return self._canceled.is_set()


class ReplayService:
    """Starts the replay of one kept build, whatever command it is asked to run."""

    def __init__(
        self,
        record: BuildRecord,
        speed: float = 1.0,
        sleep: Callable[[float], object] | None = None,
    ) -> None:
        if speed <= 0:
            raise ValueError("the speed must be above 0")
        self.record = record
        self.speed = speed
        self.paced = bool(record.timing)
        """False: the build was kept without timing and replays at the fixed rate."""
        self._batches = replay_batches(record.log.split("\n"), record.timing)
        self._sleep = sleep
        self.started: list[ReplayProcess] = []

    @property
    def duration(self) -> float:
        """Seconds the replay takes at its speed (before long pauses are shortened)."""
        return (self._batches[-1][0] / self.speed) if self._batches else 0.0

    def start(self, argv: Sequence[str]) -> ReplayProcess:
        exit_code = self.record.entry.exit_code
        process = ReplayProcess(
            argv, self._batches, 1 if exit_code is None else exit_code, self.speed, self._sleep
        )
        self.started.append(process)
        return process
