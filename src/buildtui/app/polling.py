"""Looking again at what the app cannot follow through the engine's events (the status
bar's probe, the builders listed): soon after a change, less and less often while
nothing changes.

Each look runs docker commands (~50-150 ms of CPU each): at a fixed pace they are most
of what an app that has shown everything and waits for the user spends (`bench/
registry_scale.py --app`). What the events report (a container started or stopped),
a key (ctrl+r) or a pane shown looks at once, and the pace starts again from `first`.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.message_pump import MessagePump
from textual.timer import Timer


def next_delay(delay: float, changed: bool, first: float, longest: float) -> float:
    """The seconds before the next look: `first` after a change, twice `delay` (at most
    `longest`) when the last look found what the one before did."""
    if changed:
        return first
    return min(max(delay, first) * 2, max(longest, first))


class BackoffPoll:
    """Calls `look` again `delay` seconds after each result (`looked`); paused, not at all.

    The caller says when a look ended and whether it found a change: the next one is
    scheduled from there, so a look started by something else (an event, a key) moves
    the next periodic one too, and two never pile up.
    """

    def __init__(
        self,
        owner: MessagePump,
        look: Callable[[], object],
        *,
        first: float,
        longest: float,
        paused: bool = False,
    ) -> None:
        self.owner = owner
        self.look = look
        self.first = first
        self.longest = longest
        self.delay = first
        """The seconds the next look waits (or would wait, paused)."""
        self.paused = paused
        self._timer: Timer | None = None

    @property
    def scheduled(self) -> bool:
        """Whether a next look is waiting for its time."""
        return self._timer is not None

    def looked(self, changed: bool) -> None:
        """A look ended (`changed`: it found something new, or failed): the next one."""
        self.delay = next_delay(self.delay, changed, self.first, self.longest)
        self._cancel()
        if not self.paused:
            self._timer = self.owner.set_timer(self.delay, self._fire)

    def pause(self) -> None:
        """No more looks until `resume` (what the caller shows is out of sight)."""
        self.paused = True
        self._cancel()

    def resume(self) -> None:
        """Looks again on the `first` pace; the caller looks at once (or has just)."""
        self.paused = False
        self.delay = self.first

    def stop(self) -> None:
        self.pause()

    def _fire(self) -> None:
        self._timer = None
        if not self.paused:
            self.look()

    def _cancel(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
