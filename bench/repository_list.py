"""Benchmark: the Registry pane's list of repositories with 50,000 names, on the event loop.

Run: .venv/bin/python bench/repository_list.py [--names 50000] [--runs 3]

The list (`app/registry/repository_list.py`) in a host app at 160x48, as wide and as high
as in the Registry pane, no registry: the CPU time the app takes, each `--runs` times, from
the call to the frame after it (`pilot.pause()`: the app has handled every message, the
layout and the refresh included), for
- `show`: showing every name (the whole catalog read, or the filter cleared);
- `filter`: showing every other name (a filter typed);
- `extend`: the names in pages of 1,000 (the catalog as it comes, page by page);
- `down`, `up`, `page down`, `page up`, `end`, `home`: one key, from the middle of the list
  (the median of 20 presses of `down` and `up`, of 5 of the others);
- `resize`: the terminal to 100x30 and back (each is a new layout);
and the same with 100 names, the floor: what a key costs whatever the list's size.
Prints the median and the range of the runs, in CPU milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from textual.app import App, ComposeResult  # noqa: E402
from textual.pilot import Pilot  # noqa: E402

from buildtui.app.registry.repository_list import RepositoryList  # noqa: E402

KEYS = {"down": 20, "up": 20, "pagedown": 5, "pageup": 5, "end": 5, "home": 5}


class ListApp(App[None]):
    """The list alone, sized as in the Registry pane (a column of 24, the pane's height)."""

    CSS = "RepositoryList { width: 24; height: 1fr; }"

    def compose(self) -> ComposeResult:
        yield RepositoryList(id="registry-repos")


def names(count: int) -> list[str]:
    return [f"class/student{number:05d}/lab7" for number in range(count)]


async def timed(pilot: Pilot[None], action: Callable[[], Awaitable[None] | None]) -> float:
    """CPU milliseconds from `action` to the app idle again, its frame drawn (CPU time:
    what the app does, not how long a loaded machine makes it wait)."""
    await pilot.pause()
    started = time.process_time()
    result = action()
    if result is not None:
        await result
    await pilot.pause()
    return (time.process_time() - started) * 1000


async def one_run(count: int) -> dict[str, float]:
    app = ListApp()
    figures: dict[str, float] = {}
    shown = names(count)
    async with app.run_test(size=(160, 48)) as pilot:
        repos = app.query_one(RepositoryList)
        repos.focus()
        figures["show"] = await timed(pilot, lambda: repos.show(shown, None))
        figures["filter"] = await timed(pilot, lambda: repos.show(shown[::2], None))
        repos.show([], None)

        async def pages() -> None:
            for start in range(0, count, 1000):
                repos.extend(shown[start : start + 1000])
                await pilot.pause()

        figures["extend"] = await timed(pilot, pages)
        repos.show(shown, None)
        for key, presses in KEYS.items():
            repos.highlighted = count // 2
            times = []
            for _ in range(presses):
                times.append(await timed(pilot, lambda key=key: pilot.press(key)))  # type: ignore[misc]
            figures[key] = statistics.median(times)
        assert repos.highlighted == 0  # `home` moved it: the keys reached the list

        async def resize() -> None:
            await pilot.resize_terminal(100, 30)
            await pilot.pause()
            await pilot.resize_terminal(160, 48)

        figures["resize"] = await timed(pilot, resize)
        assert repos.option_count == count
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--names", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"load average at start: {__import__('os').getloadavg()[0]:.1f}")
    for count in (100, args.names):
        runs = [asyncio.run(one_run(count)) for _ in range(args.runs)]
        print(f"{count:,} names (CPU ms, median and range of {args.runs} runs):")
        for what in runs[0]:
            values = [run[what] for run in runs]
            print(
                f"  {what:<9} {statistics.median(values):9.1f}"
                f"   ({min(values):.1f}-{max(values):.1f})"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
