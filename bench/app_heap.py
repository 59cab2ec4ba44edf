"""Benchmark: the cost of a full garbage collection in the running app, before and after
the app freezes its start-up heap (`BuildTUI.freeze_heap`).

A full (generation 2) collection stops every thread, the event loop that handles keys
included, for as long as it takes to scan every tracked object. The app is run headless
with the fake services (no engine needed), its five panes mounted; the figures are the
tracked objects and the time of `gc.collect(2)`, several times each, first with the heap
as it is before the freeze, then after it; and the time of the freeze itself (its
collection of what start-up made), in CPU and wall time.

Run: .venv/bin/python bench/app_heap.py [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from tests.fakes.services import fake_services, settle  # noqa: E402

from buildtui.app.app import BuildTUI, make_app  # noqa: E402


def collections(runs: int) -> list[float]:
    """Milliseconds of each of `runs` full collections."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        gc.collect(2)
        times.append((time.perf_counter() - started) * 1000)
    return times


def line(label: str, times: list[float]) -> str:
    return (
        f"{label}: median {statistics.median(times):.1f} ms, "
        f"max {max(times):.1f} ms over {len(times)} collections"
    )


async def measure(runs: int) -> None:
    freezes: list[tuple[float, float]] = []
    freeze_heap = BuildTUI.freeze_heap

    def timed_freeze(self: BuildTUI) -> None:
        cpu, wall = time.process_time(), time.perf_counter()
        freeze_heap(self)
        freezes.append(((time.process_time() - cpu) * 1000, (time.perf_counter() - wall) * 1000))

    BuildTUI.freeze_heap = timed_freeze  # type: ignore[method-assign]  # timed, not changed
    with tempfile.TemporaryDirectory(prefix="buildtui-bench-") as workdir:
        settings, services = fake_services(Path(workdir))
        app = make_app(settings, services=services)
        assert isinstance(app, BuildTUI)
        async with app.run_test(size=(160, 48)) as pilot:
            await settle(pilot)
            frozen = gc.get_freeze_count()
            gc.unfreeze()  # the heap as it was before the app froze it
            print(f"tracked objects in the running app: {len(gc.get_objects()):,}")
            print(line("full collection, start-up heap not frozen", collections(runs)))
            gc.collect()
            gc.freeze()
            print(line("full collection, start-up heap frozen", collections(runs)))
            print(f"objects the app itself froze at start-up: {frozen:,}")
            for cpu, wall in freezes:
                print(f"the app's freeze at start-up: {cpu:.1f} ms CPU, {wall:.1f} ms wall")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(measure(args.runs))
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
