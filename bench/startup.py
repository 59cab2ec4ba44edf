"""Start-up: time to the first frame of buildtui against a bare Textual app, same run.

Goal (issue 2): buildtui's first frame no more than 150 ms after the bare app's.
Each sample is a fresh interpreter (imports included); the two kinds alternate so
that both see the same machine load. Prints the medians and the difference.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent


def sample(kind: str) -> float:
    result = subprocess.run(
        [sys.executable, str(HERE / "first_frame.py"), kind],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=31)
    args = parser.parse_args()
    sample("bare")  # warm the file cache
    sample("buildtui")
    bare: list[float] = []
    app: list[float] = []
    for _ in range(args.runs):
        bare.append(sample("bare"))
        app.append(sample("buildtui"))
    bare_median = statistics.median(bare)
    app_median = statistics.median(app)
    print(f"runs: {args.runs} each")
    print(f"bare Textual app, first frame: median {bare_median * 1000:.0f} ms")
    print(f"buildtui,         first frame: median {app_median * 1000:.0f} ms")
    print(f"difference: {(app_median - bare_median) * 1000:+.0f} ms (goal: <= +150 ms)")


if __name__ == "__main__":
    main()
