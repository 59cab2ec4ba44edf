"""Benchmark: how long after plain buildx `buildtui build` prints the build's first line,
with a large file in the build context.

Run: .venv/bin/python bench/build_first_line.py [--size-mb 200] [--runs 5]

A context holds a `--size-mb` file (random bytes, so that nothing compresses it away)
and a Dockerfile FROM the lab's busybox image. Each round runs, alternately:
`docker buildx build --progress=plain --no-cache .` and the same through
`buildtui build -- ...` (which records the build in its history, with the context's
hashes: the evidence its cache misses are explained with), and measures, from the
start of the process, when its first line of buildx output arrives (buildtui prints
its own `$ command` line first: the first line after it is counted). Goal: within
+100 ms of plain buildx, whatever the size.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILDTUI = str(ROOT / ".venv" / "bin" / "buildtui")
BASE = "buildtui-lab/busybox:amd64"


def first_line(argv: list[str], cwd: Path, env: dict[str, str], skip: int) -> float:
    """Seconds from the start until the first line after `skip` lines; the process is
    left to finish."""
    started = time.perf_counter()
    process = subprocess.Popen(
        argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    assert process.stdout is not None
    seen = None
    for number, _ in enumerate(process.stdout):
        if number == skip and seen is None:
            seen = time.perf_counter() - started
    process.wait()
    if seen is None:
        raise SystemExit(f"{' '.join(argv)} printed nothing")
    return seen


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="buildtui-bench-context-") as folder:
        context = Path(folder)
        (context / "Dockerfile").write_text(f"FROM {BASE}\nRUN echo built\n")
        with (context / "large.bin").open("wb") as large:
            for _ in range(args.size_mb):
                large.write(os.urandom(1024 * 1024))
        env = {**os.environ, "XDG_DATA_HOME": folder, "XDG_STATE_HOME": folder}
        build = ["build", "--progress=plain", "--no-cache", "-t", "buildtui-bench-first", "."]
        plain, ours = [], []
        for _ in range(args.runs):
            plain.append(first_line(["docker", "buildx", *build], context, env, 0))
            ours.append(first_line([BUILDTUI, "build", "--", "docker", "buildx", *build],
                                   context, env, 1))  # fmt: skip
        subprocess.run(["docker", "rmi", "-f", "buildtui-bench-first"], capture_output=True)
    differences = [b - a for a, b in zip(plain, ours, strict=True)]
    print(f"context: {args.size_mb} MB; load average {os.getloadavg()[0]:.1f}")
    print(f"plain buildx first line: {', '.join(f'{t * 1000:.0f}' for t in plain)} ms")
    print(f"buildtui build first line: {', '.join(f'{t * 1000:.0f}' for t in ours)} ms")
    print(
        "difference, round by round: "
        + ", ".join(f"{d * 1000:+.0f}" for d in differences)
        + f" ms (median {statistics.median(differences) * 1000:+.0f} ms; goal <= +100 ms)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
