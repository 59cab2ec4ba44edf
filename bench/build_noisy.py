"""A real noisy build run from the app, against the same build with its output sent to /dev/null.

Run on the lab engine: `.venv/bin/python bench/build_noisy.py [--rounds N] [--stages N]`.
Goal: the app's wall time <= 1.1x the plain `docker buildx build --progress=plain` one.

BuildKit lets a step print at most 200 KiB per second and clips the rest
("[output clipped, log limit 200KiB/s reached]"), so the Dockerfile has several stages
whose RUN steps print as fast as they can, at the same time, on both platforms; a last
stage copies a file from each so that all of them run. Every run uses --no-cache.
The base image is the lab's multi-arch busybox, pushed to a throw-away registry:2
started for the run (as the integration tests do).
Three ways are timed, in turns, and the medians compared:

1. `docker buildx build --progress=plain ... > /dev/null 2>&1` (the baseline);
2. the app's runner and parser (`RunningBuild` + `LiveBuild`, as the pane's worker);
3. the Build pane itself, headless, with the raw log view open.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from textual.app import App, ComposeResult

from buildtui.app.builds.pane import BuildPane
from buildtui.builds.history import BuildHistory
from buildtui.builds.live import LiveBuild
from buildtui.builds.runner import BuildRunner, RunningBuild
from buildtui.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
PLATFORMS = ("linux/amd64", "linux/arm64")


def dockerfile(stages: int, base: str) -> str:
    parts = []
    for n in range(stages):
        parts.append(
            f"FROM {base} AS noisy{n}\n"
            f'RUN yes "stage {n}: a chatty compiler line, printed as fast as the shell can" '
            f"| head -n 60000; echo {n} > /done{n}\n"
        )
    parts.append(f"FROM {base}\n")
    parts += [f"COPY --from=noisy{n} /done{n} /done{n}\n" for n in range(stages)]
    return "\n".join(parts)


def baseline(argv: Sequence[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def runner(argv: Sequence[str]) -> tuple[float, int]:
    start = time.perf_counter()
    process = RunningBuild(argv)
    live = LiveBuild(argv)
    for batch in process.batches():
        live.add(batch)
    summary = live.finish(process.wait())
    assert summary.exit_code == 0, live.lines[-5:]
    return time.perf_counter() - start, len(live.lines)


class NoisyApp(App[None]):
    def __init__(self, history: BuildHistory) -> None:
        super().__init__()
        self.history = history

    def compose(self) -> ComposeResult:
        yield BuildPane(BuildRunner(), self.history, Settings(), lambda: list(PLATFORMS))


async def pane(argv: Sequence[str], history: BuildHistory) -> float:
    app = NoisyApp(history)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        widget = app.query_one(BuildPane)
        await pilot.press("f4")
        start = time.perf_counter()
        live = widget.start_build(argv)
        while live.running:
            await asyncio.sleep(0.01)
        elapsed = time.perf_counter() - start
        assert live.exit_code == 0, live.lines[-5:]
        await app.workers.wait_for_complete()
    return elapsed


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__)
    arguments.add_argument("--rounds", type=int, default=7)
    arguments.add_argument("--stages", type=int, default=4)
    options = arguments.parse_args()
    sys.path.insert(0, str(ROOT))
    from tests.integration.lab import push_base_image, start_registry, stop_registry

    registry = start_registry()  # a throw-away registry with the lab's multi-arch base image
    try:
        measure(options, push_base_image(registry))
    finally:
        stop_registry(registry)


def measure(options: argparse.Namespace, base: str) -> None:
    with tempfile.TemporaryDirectory(prefix="buildtui-noisy-") as tmp:
        context = Path(tmp)
        (context / "Dockerfile").write_text(dockerfile(options.stages, base))
        argv = [
            "docker",
            "buildx",
            "build",
            "--progress=plain",
            "--no-cache",
            "--platform",
            ",".join(PLATFORMS),
            str(context),
        ]
        history = BuildHistory(context / "h.sqlite3")
        times: dict[str, list[float]] = {"baseline": [], "runner": [], "pane": []}
        lines = 0
        baseline(argv)  # warm up: base image resolved, engine caches filled
        for _ in range(options.rounds):
            times["baseline"].append(baseline(argv))
            elapsed, lines = runner(argv)
            times["runner"].append(elapsed)
            times["pane"].append(asyncio.run(pane(argv, history)))
    reference = statistics.median(times["baseline"])
    print(f"noisy build: {options.stages} stages x {len(PLATFORMS)} platforms, {lines:,} log lines")
    for name, label in (
        ("baseline", "docker buildx build > /dev/null"),
        ("runner", "app runner + parser + model"),
        ("pane", "Build pane, log view open"),
    ):
        values = times[name]
        median = statistics.median(values)
        runs = ", ".join(f"{v:.2f}" for v in values)
        print(f"{label:<34} median {median:6.2f} s  (x{median / reference:.2f})  runs: {runs}")
    print(f"goal: <= 1.1x; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
