"""Benchmark: the whole app (real services, headless) on a registry: how long until the
Registry pane has shown everything, its memory, and what it does once it has.

Run: .venv/bin/python bench/app_registry.py URL [--idle 30] [--json]

The app is started as `buildtui --registry URL` starts it (every pane mounted, the
Registry pane in front), in this process (run it in a process of its own: its peak
memory is the figure). It waits until:
- the Registry pane has the whole catalog and the first repository's tags all read;
- the Lab pane has looked at the lab once (the Clean-up pane reads the registry when
  it is first shown: not here);
with `--cleanup`, shows the Clean-up pane until it has read the registry (its plan's
inventory), then the Registry pane again; then measures `--idle` seconds with no key
pressed: the CPU the process uses (all its threads; in all, and second by second), its
memory at the start and the end of that time, and the background work the status bar
says is running. The timings, peak memory (VmHWM) and these figures are
printed as one JSON line with --json.

The data, config and state dirs are a fresh temporary folder (an empty disk cache and
build history), and the registry container is one that does not exist.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def status() -> dict[str, int]:
    found: dict[str, int] = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0]) // 1024
    return found


def cpu() -> float:
    """CPU seconds of the whole process (every thread)."""
    times = os.times()
    return times.user + times.system


def children_cpu() -> float:
    """CPU seconds of the commands it ran and waited for (the docker CLI)."""
    times = os.times()
    return times.children_user + times.children_system


async def measure(
    url: str,
    idle: float,
    timeout: float,
    debug_log: Path | None = None,
    cleanup: bool = False,
) -> dict[str, Any]:
    from buildtui.app.app import make_app
    from buildtui.settings import load_settings

    settings = load_settings({"registry_url": url, "registry_container": "reg-scale-absent"})
    if debug_log is not None:
        from buildtui import logs

        logs.configure("debug", debug_log)
    app = make_app(settings)
    figures: dict[str, Any] = {"rss_start": status()["VmRSS"]}
    started = time.perf_counter()
    async with app.run_test(size=(160, 48)) as pilot:
        app.action_show_pane("registry")
        deadline = started + timeout

        def pane(pane_id: str) -> Any:
            found = app.query(f"TabPane#{pane_id} > *")
            return found.first() if found else None

        def registry_done() -> bool:
            registry = pane("registry")
            if registry is None or registry.reading_catalog or not registry.repositories:
                return False
            if registry.repository is None or not registry.tags:
                return False
            return len(registry.reports) + len(registry.tag_errors) == len(registry.tags)

        while not registry_done():
            if time.perf_counter() > deadline:
                raise SystemExit("the Registry pane did not finish in time")
            await pilot.pause(0.05)
        figures["registry_seconds"] = time.perf_counter() - started
        figures["repositories"] = len(pane("registry").repositories)

        def cleanup_done() -> bool:
            cleanup = pane("cleanup")
            return cleanup is not None and (cleanup.graph is not None or cleanup.rows == {})

        def lab_done() -> bool:
            lab = pane("lab")
            return lab is not None and lab.observations is not None

        while not (cleanup_done() and lab_done()):
            if time.perf_counter() > deadline:
                figures["unfinished"] = [
                    name
                    for name, done in (("cleanup", cleanup_done()), ("lab", lab_done()))
                    if not done
                ]
                break
            await pilot.pause(0.1)
        figures["all_seconds"] = time.perf_counter() - started
        if cleanup:
            app.action_show_pane("cleanup")
            shown = time.perf_counter()
            while pane("cleanup") is None or pane("cleanup").graph is None:
                if time.perf_counter() > deadline:
                    raise SystemExit("the Clean-up pane did not read the registry in time")
                await pilot.pause(0.1)
            figures["cleanup_seconds"] = time.perf_counter() - shown
            figures["cleanup_rows"] = len(pane("cleanup").rows)
            app.action_show_pane("registry")
            await pilot.pause(0.5)
        figures["rss_shown"] = status()["VmRSS"]
        if debug_log is not None:
            from buildtui import logs

            logs.LOGGER.info("bench: idle from here")
        before, before_children = cpu(), children_cpu()
        idle_started = time.perf_counter()
        samples = []
        seconds = []  # CPU % of each second: does it go quiet at once once shown?
        last_cpu, last_time = before, idle_started
        while time.perf_counter() - idle_started < idle:
            await asyncio.sleep(1.0)
            samples.append(status()["VmRSS"])
            now_cpu, now = cpu(), time.perf_counter()
            seconds.append(round(100 * (now_cpu - last_cpu) / (now - last_time), 1))
            last_cpu, last_time = now_cpu, now
        spent = cpu() - before
        elapsed = time.perf_counter() - idle_started
        figures["idle_cpu_percent"] = 100 * spent / elapsed
        figures["idle_children_cpu_percent"] = 100 * (children_cpu() - before_children) / elapsed
        figures["idle_cpu_percent_by_second"] = seconds
        figures["rss_idle_start"] = samples[0] if samples else figures["rss_shown"]
        figures["rss_idle_end"] = samples[-1] if samples else figures["rss_shown"]
        bar = app.query_one("#status")
        figures["status_bar"] = str(bar.render())
        figures["workers_running"] = sum(1 for w in app.workers if not w.is_finished)
    figures["rss_peak"] = status()["VmHWM"]
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--idle", type=float, default=30.0, help="seconds measured idle")
    parser.add_argument("--timeout", type=float, default=1800.0)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--debug-log", type=Path, help="write buildtui's debug log there")
    parser.add_argument(
        "--cleanup", action="store_true", help="then show the Clean-up pane until it has read"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="buildtui-bench-app-") as home:
        for variable in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
            os.environ[variable] = home
        figures = asyncio.run(
            measure(args.url, args.idle, args.timeout, args.debug_log, args.cleanup)
        )
    if args.json:
        print(json.dumps(figures))
    else:
        for key, value in figures.items():
            print(f"{key}: {value:.2f}" if isinstance(value, float) else f"{key}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
