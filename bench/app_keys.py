"""Benchmark: the CPU a key costs the running app when it moves the focus.

Each key that moves the focus makes Textual ask which keys the footer shows (the app's
`check_action` for each binding) and, in Textual's own footer, build the footer's keys
again. The app is run headless with the fake services (no engine needed), its five
panes mounted, at 160x48; the Build form is shown and Tab pressed through its fields
(`--keys` times), then the pane keys 1-5 in turn. The figures are the process's CPU
milliseconds per key (median of `--runs` runs), each key awaited until the app is idle.

Run: .venv/bin/python bench/app_keys.py [--keys 60] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from tests.fakes.services import fake_services, settle  # noqa: E402

from buildtui.app.app import make_app  # noqa: E402


async def one_run(keys: int) -> tuple[float, float]:
    """CPU milliseconds per Tab in the Build form, and per pane key."""
    with tempfile.TemporaryDirectory() as folder:
        settings, services = fake_services(Path(folder))
        app = make_app(settings, services)
        async with app.run_test(size=(160, 48)) as pilot:
            await settle(pilot)
            await pilot.press("2")
            await settle(pilot)
            started = time.process_time()
            for _ in range(keys):
                await pilot.press("tab")
                await pilot.pause()
            tab = (time.process_time() - started) * 1000 / keys
            started = time.process_time()
            for _ in range(keys // 5):
                for key in "12345":
                    await pilot.press(key)
                    await pilot.pause()
            pane = (time.process_time() - started) * 1000 / (keys // 5 * 5)
    return tab, pane


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=60)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    tabs, panes = [], []
    for _ in range(options.runs):
        tab, pane = asyncio.run(one_run(options.keys))
        tabs.append(tab)
        panes.append(pane)
    print(f"Tab in the Build form: {statistics.median(tabs):.1f} ms of CPU a key")
    print(f"pane keys 1-5:         {statistics.median(panes):.1f} ms of CPU a key")


if __name__ == "__main__":
    main()
