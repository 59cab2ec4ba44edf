"""How long one Builders refresh (`buildx ls`) takes, and that typing stays responsive meanwhile.

Run on the lab engine: `.venv/bin/python bench/builders_refresh.py [--samples N] [--keys N]`.

1. Times `BuildersService.list()` (one `docker buildx ls --format ...` plus parsing).
2. Runs the Builders pane headless with that real service, refreshing back to back, and
   types into an Input beside it (key events posted as the terminal driver posts them;
   latency = until the Input's value changed): per-key latency and the UI loop's worst stall while
   refreshes run, against the same typing with no refresh, and against a refresh made
   on the UI thread (what the thread worker avoids), and against refreshes that only
   sleep as long as one (the pane's own cost, without docker competing for CPU).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import threading
import time
from collections.abc import Callable

from textual import events, on
from textual.app import App, ComposeResult
from textual.widgets import Input

from buildtui.app.builders.pane import BuildersPane
from buildtui.buildx.builders import BuildersService
from buildtui.buildx.models import BuilderList
from buildtui.settings import Settings

KEYS = "abcdefghijklmnopqrstuvwxyz"


def figures(label: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p90 = ordered[max(0, round(0.9 * len(ordered)) - 1)]
    return (
        f"{label:<48} n={len(samples):<4} min {ordered[0] * 1000:7.1f} ms  "
        f"median {statistics.median(ordered) * 1000:7.1f} ms  p90 {p90 * 1000:7.1f} ms  "
        f"max {ordered[-1] * 1000:7.1f} ms"
    )


def time_refresh(service: BuildersService, samples: int) -> list[float]:
    service.list()  # warm up (page cache, plugin discovery)
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        listing = service.list()
        times.append(time.perf_counter() - started)
    assert listing.builders, "no builders listed"
    return times


class SleepyService(BuildersService):
    """The real listing, taken once; each refresh then only waits as long as one did."""

    def __init__(self, settings: Settings, seconds: float) -> None:
        super().__init__(settings)
        self.seconds = seconds
        self.listing = super().list()

    def list(self) -> BuilderList:
        time.sleep(self.seconds)
        return self.listing


class TypingApp(App[None]):
    """The Builders pane and an Input; `mode` says how the pane refreshes while typing."""

    CSS = "Input { height: 3; }"

    def __init__(self, service: BuildersService, mode: str) -> None:
        super().__init__()
        self.service = service
        self.mode = mode  # "worker": back-to-back thread refreshes; "none"; "blocking"
        self.refreshes = 0
        self.typing = False
        self.arrived: dict[int, float] = {}

    def compose(self) -> ComposeResult:
        yield Input(id="typing")
        yield BuildersPane(self.service, refresh_interval=None)

    def on_mount(self) -> None:
        field = self.query_one(Input)
        field.cursor_blink = False
        field.focus()

    @on(BuildersPane.Loaded)
    def again(self) -> None:
        if self.typing:
            self.refreshes += 1
            if self.mode in ("worker", "sleep"):
                self.query_one(BuildersPane).refresh_builders()

    @on(Input.Changed)
    def typed(self, event: Input.Changed) -> None:
        self.arrived.setdefault(len(event.value), time.perf_counter())
        if self.typing and self.mode == "blocking":
            self.service.list()  # on the UI thread: what the pane never does
            self.refreshes += 1


def typist(loop: asyncio.AbstractEventLoop, app: TypingApp, keys: int, sent: list[float]) -> None:
    """Like the terminal driver's input thread: keys at a fast typist's pace (50/s)."""
    for i in range(keys):
        key = KEYS[i % len(KEYS)]
        sent.append(time.perf_counter())
        loop.call_soon_threadsafe(app.post_message, events.Key(key, key))
        time.sleep(0.02)


async def loop_lag(stop: asyncio.Event, lags: list[float], tick: float = 0.005) -> None:
    """How late the UI loop wakes up for a 5 ms sleep: its stalls."""
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(tick)
        lags.append(time.perf_counter() - started - tick)


async def type_keys(
    service: BuildersService, mode: str, keys: int
) -> tuple[list[float], list[float], int]:
    app = TypingApp(service, mode)
    lags: list[float] = []
    sent: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        field = app.query_one(Input)
        app.typing = True
        if mode in ("worker", "sleep"):
            app.query_one(BuildersPane).refresh_builders()
            await asyncio.sleep(0.05)  # let the first `buildx ls` start
        stop = asyncio.Event()
        monitor = asyncio.create_task(loop_lag(stop, lags))
        thread = threading.Thread(target=typist, args=(asyncio.get_running_loop(), app, keys, sent))
        thread.start()
        deadline = time.perf_counter() + 60
        while len(field.value) < keys or thread.is_alive():
            if time.perf_counter() > deadline:
                raise SystemExit(f"only {len(field.value)} of {keys} keys reached the Input")
            await asyncio.sleep(0.01)
        thread.join()
        stop.set()
        await monitor
        app.typing = False
        await app.workers.wait_for_complete()
    latencies = [app.arrived[i + 1] - sent[i] for i in range(keys)]
    return latencies, lags, app.refreshes


def run_case(service: BuildersService, mode: str, keys: int) -> Callable[[], None]:
    latencies, lags, refreshes = asyncio.run(type_keys(service, mode, keys))
    label = {
        "none": "key latency, no refresh",
        "worker": "key latency, refresh in a thread worker",
        "sleep": "key latency, worker refresh without docker CPU",
        "blocking": "key latency, refresh on the UI thread",
    }[mode]

    def report() -> None:
        print(figures(label, latencies))
        print(
            f"{'':<48} UI loop stalls: median {statistics.median(lags) * 1000:5.1f} ms, "
            f"max {max(lags) * 1000:6.1f} ms; refreshes completed while typing: {refreshes}"
        )

    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--keys", type=int, default=60)
    args = parser.parse_args()
    service = BuildersService(Settings())
    times = time_refresh(service, args.samples)
    print(f"builders listed: {len(service.list().builders)}")
    print(figures("one refresh (BuildersService.list)", times))
    median = statistics.median(times)
    reports = [run_case(service, mode, args.keys) for mode in ("none", "worker", "blocking")]
    # The pane's own cost: the same refreshes, but each only sleeps for a median refresh
    # (no docker process competing for the two cores).
    reports.insert(2, run_case(SleepyService(Settings(), median), "sleep", args.keys))
    for report in reports:
        report()


if __name__ == "__main__":
    main()
