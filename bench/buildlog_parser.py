"""How many BuildKit plain-progress lines per second the parser (and parser + model) handle.

Run: `.venv/bin/python bench/buildlog_parser.py [--lines N] [--repeat R]`. Goal: >= 200,000
lines/s for the parser. The log is generated to look like a real multi-platform build:
step headers, interleaved and resumed steps (`#N ...`), mostly RUN output (`#N t text`),
download/export statuses, CACHED/DONE, and about 1% of lines with escape sequences.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections.abc import Iterator

from buildtui.buildlog.parser import LogParser
from buildtui.builds.live import LiveBuild

PLATFORMS = ("linux/amd64", "linux/arm64")


def make_plain_log(total: int, seed: int = 7) -> list[str]:
    """`total` lines of plausible plain progress, deterministic for a seed."""
    rng = random.Random(seed)
    lines: list[str] = ['#0 building with "default" instance using docker driver', ""]
    vertex = 0
    header_of: dict[int, str] = {}
    step = 0
    while len(lines) < total:
        # A group of up to 3 steps running at once, interleaved.
        group = []
        for _ in range(rng.randint(1, 3)):
            vertex += 1
            step += 1
            platform = PLATFORMS[step % 2]
            name = f"[{platform} build{step % 4} {step % 9 + 1:>2}/12] RUN make target-{step}"
            header_of[vertex] = name
            lines += [f"#{vertex} {name}", ""] if rng.random() < 0.5 else [f"#{vertex} {name}"]
            group.append(vertex)
        if rng.random() < 0.2:
            v = group[0]
            lines.append(f"#{v} CACHED")
            lines.append("")
            group.remove(v)
        t = 0.0
        current = group[0] if group else None
        for _ in range(rng.randint(50, 4000)):
            if not group:
                break
            # Steps running at once take turns in runs of lines, as BuildKit prints them.
            v = rng.choice(group) if rng.random() < 0.05 else (current or group[0])
            if v != current:
                lines += [f"#{current} ...", "", f"#{v} {header_of[v]}"]
                current = v
            t += rng.random() * 0.01
            roll = rng.random()
            if roll < 0.01:
                lines.append(f"#{v} {t:.3f} \x1b[32mok\x1b[0m compiled unit {rng.randint(1, 999)}")
            elif roll < 0.05:
                lines.append(
                    f"#{v} sha256:{rng.getrandbits(64):016x} {rng.randint(1, 99)}MB / 99MB"
                )
            else:
                lines.append(
                    f"#{v} {t:.3f} gcc -O2 -c src/module_{rng.randint(1, 9999)}.c -o out.o"
                )
        for v in group:
            if v != current:
                lines.append(f"#{v} {header_of[v]}")
            lines += [f"#{v} DONE {rng.random() * 9:.1f}s", ""]
            current = v
    return lines[:total]


def parse_only(lines: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) to parse every line."""
    parser = LogParser()
    feed = parser.feed
    start, cpu = time.perf_counter(), time.process_time()
    for line in lines:
        feed(line)
    return time.perf_counter() - start, time.process_time() - cpu


def parse_and_model(lines: list[str], batch: int = 800) -> tuple[float, float]:
    """(wall, CPU) seconds for what the pane's worker does: parse, update the model, keep."""
    live = LiveBuild(["docker", "buildx", "build"])
    start, cpu = time.perf_counter(), time.process_time()
    for i in range(0, len(lines), batch):
        live.add(lines[i : i + batch])
    live.finish(0)
    return time.perf_counter() - start, time.process_time() - cpu


def chunks(lines: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(lines), size):
        yield lines[i : i + size]


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__)
    arguments.add_argument("--lines", type=int, default=1_000_000)
    arguments.add_argument("--repeat", type=int, default=3)
    options = arguments.parse_args()
    lines = make_plain_log(options.lines)
    print(f"generated {len(lines):,} lines ({sum(map(len, lines)) / 1e6:.1f} MB of text)")
    parse_times = [parse_only(lines) for _ in range(options.repeat)]
    model_times = [parse_and_model(lines) for _ in range(options.repeat)]
    for label, runs in (
        ("parser alone", parse_times),
        ("parser + model + kept lines", model_times),
    ):
        wall = statistics.median(t for t, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        best = min(t for t, _ in runs)
        print(
            f"{label:<28} median {len(lines) / wall:>9,.0f} lines/s wall "
            f"({wall:.2f} s), {len(lines) / cpu:>9,.0f} lines/s CPU; "
            f"best {len(lines) / best:>9,.0f} lines/s"
        )
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("goal: parser >= 200,000 lines/s")


if __name__ == "__main__":
    main()
