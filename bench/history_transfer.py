"""Export a long build from one history and import it into another, as `buildtui history
export` and `import` do; then a plain log of the same length.

Run: `.venv/bin/python bench/history_transfer.py [--lines N] [--rounds R]`. It prints, for
a build of N log lines (the lab's captured build repeated), the export file's size, the
time to export (read, mask, write 0600) and to import (read, check, clean, parse the log
again, keep), the same for the log as a plain file, and the peak RSS of the whole run.
Goal: the largest file an import takes (32 MiB, ~700,000 lines) in a few seconds.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from pathlib import Path

from buildtui.buildlog.model import BuildModel
from buildtui.buildlog.summary import summarize
from buildtui.builds.history import BuildHistory
from buildtui.builds.transfer import export_document, export_text, read_import, write_export

LOG = Path(__file__).parent.parent / "tests" / "unit" / "buildlog" / "data" / "lab-first-build.log"
ARGV = (
    "docker", "buildx", "build", "--progress=plain", "-t", "localhost:5000/lab:cachetest",
    "--build-arg", "TOKEN=bench-secret-value", ".",
)  # fmt: skip


def long_log(lines: int) -> list[str]:
    """The lab's build, then its RUN step's output line repeated to `lines` lines."""
    base = LOG.read_text(encoding="utf-8").splitlines()
    filler = [f"#7 {i / 1000:.3f} output line {i} of a chatty step" for i in range(lines)]
    return (base[:20] + filler + base[20:])[:lines] if lines > len(base) else base


def timed(action: object) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()  # type: ignore[operator]
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    lines = long_log(args.lines)
    model = BuildModel()
    model.feed(lines)
    model.finish()
    summary = summarize(model, exit_code=0, wall_seconds=60.0)
    marks = [(n, n / 1000) for n in range(1000, len(lines), 1000)]
    marks.append((len(lines), len(lines) / 1000 + 1.0))
    exports, imports, plains = [], [], []
    size = plain_size = 0
    with tempfile.TemporaryDirectory(prefix="buildtui-bench-") as tmp:
        folder = Path(tmp)
        here = BuildHistory(folder / "here.sqlite3")
        build_id = here.add(
            started=time.time(), argv=ARGV, command=" ".join(ARGV), summary=summary,
            log_lines=lines, timing=marks,
        )  # fmt: skip
        plain = folder / "build.log"
        plain.write_text("\n".join(lines) + "\n", encoding="utf-8")
        plain_size = plain.stat().st_size
        command = "docker buildx build --progress=plain ."
        for round_ in range(args.rounds):
            out = folder / f"build-{round_}.json"

            def export(out: Path = out) -> None:
                record = here.get(build_id)
                write_export(out, export_text(export_document(record, None)))

            seconds, _ = timed(export)
            exports.append(seconds)
            size = out.stat().st_size
            there = BuildHistory(folder / f"there-{round_}.sqlite3")
            seconds, _ = timed(lambda out=out, there=there: read_import(out).keep(there))
            imports.append(seconds)
            seconds, _ = timed(
                lambda there=there, command=command: read_import(plain, command=command).keep(there)
            )
            plains.append(seconds)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"log: {len(lines):,} lines; export file {size / 2**20:.1f} MiB, plain log "
          f"{plain_size / 2**20:.1f} MiB")  # fmt: skip
    print(f"export (read, mask, write 0600): median {statistics.median(exports):.2f} s")
    print(f"import of the export (check, clean, parse, keep): median "
          f"{statistics.median(imports):.2f} s")  # fmt: skip
    print(f"import of the plain log: median {statistics.median(plains):.2f} s")
    print(f"peak RSS: {peak:.0f} MiB ({args.rounds} rounds)")


if __name__ == "__main__":
    main()
