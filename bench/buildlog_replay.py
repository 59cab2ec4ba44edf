"""Replay a 1,000,000-line plain log through the Build pane, headless, with the log view open.

Run: `.venv/bin/python bench/buildlog_replay.py [--lines N]`. Goals: replay time <= 2x the
parser alone on the same file, peak RSS < 300 MB, every key press answered < 100 ms.

The log is generated in a child process and written to a file; the fake runner streams
the file in 64 KiB chunks (as the real runner reads the pipe), so the only copy of the
log in this process is the one the pane keeps. It is replayed twice: once while the user
watches the log follow the tail, once while the user also scrolls (up, page up, which stop
following the tail, and End, which follows again). Every 0.2 s a probe key is pressed
whose handler notes the time it ran (latency = handled - sent, after any scrolling key
sent just before it). Time and CPU are compared with the parser alone on the same file.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding

from buildtui.app.builds.log_view import BuildLogView
from buildtui.app.builds.pane import BuildPane
from buildtui.buildlog.parser import LogParser
from buildtui.builds.history import BuildHistory
from buildtui.builds.runner import split_lines
from buildtui.settings import Settings

CHUNK = 1 << 16
KEY_EVERY = 0.2
"""Seconds between two key presses (a person scrolling through the log as it streams)."""
HERE = Path(__file__).parent


class FileProcess:
    """A finished build's log, streamed from a file like a pipe."""

    def __init__(self, argv: Sequence[str], path: Path) -> None:
        self.argv = list(argv)
        self.path = path
        self._canceled = False

    def _chunks(self) -> Iterator[bytes]:
        with self.path.open("rb") as stream:
            while chunk := stream.read(CHUNK):
                yield chunk

    def batches(self) -> Iterator[list[str]]:
        return split_lines(self._chunks())

    def wait(self) -> int:
        return 0

    def cancel(self) -> None:
        self._canceled = True

    @property
    def canceled(self) -> bool:
        return self._canceled


class FileService:
    def __init__(self, path: Path) -> None:
        self.path = path

    def start(self, argv: Sequence[str]) -> FileProcess:
        return FileProcess(argv, self.path)


class ReplayApp(App[None]):
    BINDINGS = [Binding("f12", "probe", "probe", show=False)]

    def __init__(self, service: FileService, history: BuildHistory) -> None:
        super().__init__()
        self.service = service
        self.history = history
        self.probed: list[float] = []

    def compose(self) -> ComposeResult:
        yield BuildPane(self.service, self.history, Settings(), lambda: ["linux/amd64"])

    def action_probe(self) -> None:
        self.probed.append(time.perf_counter())


def send(app: App[None], key: str) -> None:
    """Deliver a key as the terminal driver does (a Key event posted to the app)."""
    event = events.Key(key, None)
    event.set_sender(app)
    app.post_message(event)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class ReplayResult:
    elapsed: float
    cpu: float
    saved: float
    lines: int
    latencies: list[float]
    rss: float


async def replay(path: Path, history_dir: Path, *, scroll: bool) -> ReplayResult:
    """Replay the log; every KEY_EVERY seconds press the probe key (and, when `scroll`,
    a scrolling key first: up, up, page up, End)."""
    app = ReplayApp(FileService(path), BuildHistory(history_dir / "h.sqlite3"))
    latencies: list[float] = []
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        pane = app.query_one(BuildPane)
        await pilot.press("f4")  # the raw log view is open throughout
        await pilot.pause()
        start = time.perf_counter()
        cpu = time.process_time()
        await pilot.press("f5")
        keys = ["up", "up", "pageup", "end"]
        i = 0
        while pane.live is None or pane.live.running:
            if scroll:
                send(app, keys[i % len(keys)])
                i += 1
            sent = time.perf_counter()
            before = len(app.probed)
            send(app, "f12")
            while len(app.probed) == before:
                await asyncio.sleep(0.002)
            latencies.append(app.probed[-1] - sent)
            await asyncio.sleep(KEY_EVERY)
        # Wait until the pane has drawn the end (the finished message was handled).
        while "steps cached" not in str(pane.query_one("#build-status").render()):
            await asyncio.sleep(0.005)
        elapsed = time.perf_counter() - start
        cpu_used = time.process_time() - cpu
        log = pane.query_one(BuildLogView)
        shown = log.line_count
        await app.workers.wait_for_complete()  # the history save
        saved = time.perf_counter() - start
    return ReplayResult(elapsed, cpu_used, saved, shown, latencies, rss_mb())


def parser_alone(path: Path) -> tuple[float, float]:
    """Read the same file the same way and only parse it: (wall, CPU) seconds."""
    parser = LogParser()
    feed = parser.feed
    start, cpu = time.perf_counter(), time.process_time()
    with path.open("rb") as stream:
        for batch in split_lines(iter(lambda: stream.read(CHUNK), b"")):
            for line in batch:
                feed(line)
    return time.perf_counter() - start, time.process_time() - cpu


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__)
    arguments.add_argument("--lines", type=int, default=1_000_000)
    options = arguments.parse_args()
    with tempfile.TemporaryDirectory(prefix="buildtui-replay-") as tmp:
        path = Path(tmp) / "plain.log"
        code = (
            "import sys; sys.path.insert(0, sys.argv[1]);"
            "from buildlog_parser import make_plain_log;"
            "open(sys.argv[2], 'w').write('\\n'.join(make_plain_log(int(sys.argv[3]))) + '\\n')"
        )
        subprocess.run(
            [sys.executable, "-c", code, str(HERE), str(path), str(options.lines)], check=True
        )
        print(f"log: {options.lines:,} lines, {path.stat().st_size / 1e6:.1f} MB")
        print(f"RSS before the app starts: {current_rss_mb():.0f} MB")
        watching = asyncio.run(replay(path, Path(tmp), scroll=False))
        scrolling = asyncio.run(replay(path, Path(tmp), scroll=True))
        alone = sorted(parser_alone(path) for _ in range(3))[1]
    wall, cpu = alone
    print(f"lines shown in the log view: {watching.lines:,}")
    print(f"parser alone (median of 3): {wall:6.2f} s wall, {cpu:6.2f} s CPU")
    for label, result in (("log view open, watching", watching), ("scrolling too", scrolling)):
        latencies = sorted(result.latencies)
        p90 = latencies[max(0, round(0.9 * len(latencies)) - 1)]
        print(
            f"replay, {label + ':':<25} {result.elapsed:6.2f} s wall, {result.cpu:6.2f} s CPU "
            f"(x{result.elapsed / wall:.2f} wall, x{result.cpu / cpu:.2f} CPU; goal <= 2x); "
            f"history saved at {result.saved:.2f} s"
        )
        print(
            f"  key latency: n={len(latencies)} median {statistics.median(latencies) * 1000:.1f} ms"
            f", p90 {p90 * 1000:.1f} ms, max {latencies[-1] * 1000:.1f} ms (goal < 100 ms)"
        )
    print(f"peak RSS: {max(watching.rss, scrolling.rss):.0f} MB (goal < 300 MB)")
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
