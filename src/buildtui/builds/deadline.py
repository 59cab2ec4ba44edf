"""A time budget shared by a whole piece of work (hashing a build context, explaining
its cache misses), checked inside each pattern match as well as between files: one
pattern against one long name cannot outrun it."""

from __future__ import annotations

import time
from collections.abc import Callable

from buildtui.i18n import _


class DeadlineExceeded(Exception):
    """The work took longer than its budget."""


class Deadline:
    """`seconds` from now (None: no limit); `check()` raises `DeadlineExceeded` past it."""

    __slots__ = ("_at", "_clock", "seconds")

    def __init__(self, seconds: float | None, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._at = None if seconds is None else clock() + seconds

    def expired(self) -> bool:
        return self._at is not None and self._clock() > self._at

    def check(self) -> None:
        if self.expired():
            raise DeadlineExceeded(_("over {seconds} s").format(seconds=f"{self.seconds:g}"))


NO_DEADLINE = Deadline(None)
