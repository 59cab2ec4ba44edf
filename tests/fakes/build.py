"""In-memory build service: replays a captured plain-progress log instead of running buildx."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from buildtui.builds.errors import BuildUnavailable

DATA = Path(__file__).parent.parent / "unit" / "buildlog" / "data"


def captured_log(name: str) -> list[str]:
    """A log captured from a real build on the lab engine (tests/unit/buildlog/data)."""
    return (DATA / name).read_text(encoding="utf-8").splitlines()


class ReplayProcess:
    """A `BuildProcess` whose output is a list of lines, given out in batches."""

    def __init__(
        self,
        argv: Sequence[str],
        lines: Sequence[str],
        *,
        exit_code: int,
        batch: int,
        delay: float,
        hold: threading.Event | None,
    ) -> None:
        self.argv = list(argv)
        self._lines = lines
        self._exit_code = exit_code
        self._batch = batch
        self._delay = delay
        self._hold = hold
        self._canceled = threading.Event()
        self.finished = threading.Event()

    def batches(self) -> Iterator[list[str]]:
        lines = self._lines
        for start in range(0, len(lines), self._batch):
            if self._canceled.is_set():
                yield ["#99 CANCELED", "ERROR: failed to solve: Canceled: context canceled"]
                break
            yield list(lines[start : start + self._batch])
            if self._delay:
                time.sleep(self._delay)
        if self._hold is not None:
            # Keep "running" until released or canceled (for cancel tests).
            while not self._hold.wait(0.01):
                if self._canceled.is_set():
                    yield ["ERROR: failed to solve: Canceled: context canceled"]
                    break
        self.finished.set()

    def wait(self) -> int:
        return 1 if self._canceled.is_set() else self._exit_code

    def cancel(self) -> None:
        self._canceled.set()

    @property
    def canceled(self) -> bool:
        return self._canceled.is_set()


class ReplayBuildService:
    """A `BuildService` that answers every build with the same captured log."""

    def __init__(
        self,
        lines: Sequence[str],
        *,
        exit_code: int = 0,
        batch: int = 1000,
        delay: float = 0.0,
        hold: threading.Event | None = None,
        unavailable: str | None = None,
    ) -> None:
        self.lines = lines
        self.exit_code = exit_code
        self.batch = batch
        self.delay = delay
        self.hold = hold
        self.unavailable = unavailable
        self.started: list[list[str]] = []
        self.processes: list[ReplayProcess] = []

    def start(self, argv: Sequence[str]) -> ReplayProcess:
        if self.unavailable:
            raise BuildUnavailable(self.unavailable)
        self.started.append(list(argv))
        process = ReplayProcess(
            argv,
            self.lines,
            exit_code=self.exit_code,
            batch=self.batch,
            delay=self.delay,
            hold=self.hold,
        )
        self.processes.append(process)
        return process


def fixed_platforms() -> list[str]:
    return ["linux/amd64", "linux/arm64", "linux/arm/v7"]
