"""Benchmark: where the memory of a registry scan goes, phase by phase (tracemalloc).

Run: .venv/bin/python bench/registry_memory.py URL [--rm REPO:TAG] [--top 8]
     (a seeded registry: bench/registry_scale.py --storage DIR seeds one, and
     /tmp/…/serve.py-like code can serve it; any registry:2 URL does)

Runs `buildtui registry ls --json` (or, with --rm, `buildtui rm REPO:TAG --dry-run
--json`) in this process with tracemalloc on (1 frame per allocation: the figures are
the memory Python allocated, not the RSS, and the run is ~2x slower), and takes a
snapshot:
- `catalog`: once the catalog is read (its pages, the repository names);
- `tag lists`: once every repository's tags are listed;
- `manifests`: once every tag is read (the scan's end: manifests, indexes, configs);
- with --rm, `graph` once the clean-up graph is built and `plan` once the plan is made.
The phases overlap (the scan lists and reads as the catalog comes): each snapshot is
what is allocated at that moment. For each it prints the memory traced then, its peak
so far, and the top allocation sites (file:line) by size, then what grew since the
snapshot before. The output the command prints goes to /dev/null.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

FILTERS = (
    tracemalloc.Filter(False, tracemalloc.__file__),
    tracemalloc.Filter(False, "<frozen importlib._bootstrap>"),
    tracemalloc.Filter(False, "<frozen importlib._bootstrap_external>"),
    tracemalloc.Filter(False, "<unknown>"),
)


class Phases:
    """Snapshots by name, in order, each printed as it is taken."""

    def __init__(self, top: int) -> None:
        self.top = top
        self.out = sys.stdout
        """Where it prints: the command's own output goes to /dev/null."""
        self.taken: list[tuple[str, tracemalloc.Snapshot]] = []

    def take(self, name: str) -> None:
        if any(taken == name for taken, _ in self.taken):
            return
        current, peak = tracemalloc.get_traced_memory()
        snapshot = tracemalloc.take_snapshot().filter_traces(FILTERS)
        out = self.out
        print(f"\n== {name}: {mb(current)} traced now, peak so far {mb(peak)}", file=out)
        print("  top sites:", file=out)
        for stat in snapshot.statistics("lineno")[: self.top]:
            print(
                f"    {mb(stat.size):>9}  {stat.count:>9,} blocks  {where(stat.traceback)}",
                file=out,
            )
        if self.taken:
            before_name, before = self.taken[-1]
            print(f"  grew since {before_name}:", file=out)
            grown = [d for d in snapshot.compare_to(before, "lineno") if d.size_diff > 0]
            for diff in grown[: self.top]:
                print(
                    f"    {'+' + mb(diff.size_diff):>10}  {diff.count_diff:>+9,} blocks  "
                    f"{where(diff.traceback)}",
                    file=out,
                )
        out.flush()
        self.taken.append((name, snapshot))


def mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def where(traceback: tracemalloc.Traceback) -> str:
    frame = traceback[0]
    name = frame.filename
    for prefix in (str(ROOT / "src") + os.sep, str(ROOT / ".venv") + os.sep):
        name = name.removeprefix(prefix)
    if "site-packages" in name:
        name = name.split("site-packages" + os.sep, 1)[1]
    return f"{name}:{frame.lineno}"


def watch_scan(phases: Phases) -> None:
    """Snapshots at the scan's progress points: the registry service's scan, wrapped."""
    from buildtui.registry import service as registry_service

    scan_registry = registry_service._scan_registry  # type: ignore[attr-defined]

    async def scan(*args: Any, on_progress: Callable[..., None] | None = None, **kw: Any) -> Any:
        def progress(state: Any) -> None:
            if state.catalog_done:
                phases.take("catalog")
                if state.listed == state.repositories:
                    phases.take("tag lists")
            if on_progress is not None:
                on_progress(state)

        result = await scan_registry(*args, on_progress=progress, **kw)
        phases.take("catalog")
        phases.take("tag lists")
        phases.take("manifests")
        return result

    registry_service._scan_registry = scan  # type: ignore[attr-defined]


def watch_plan(phases: Phases) -> None:
    from buildtui.cleanup import service as cleanup_service

    load = cleanup_service.CleanupService.load
    plan = cleanup_service.CleanupService.plan

    async def loaded(self: Any, *args: Any, **kw: Any) -> Any:
        graph = await load(self, *args, **kw)
        phases.take("graph")
        return graph

    def planned(self: Any, *args: Any, **kw: Any) -> Any:
        made = plan(self, *args, **kw)
        phases.take("plan")
        return made

    cleanup_service.CleanupService.load = loaded  # type: ignore[method-assign]
    cleanup_service.CleanupService.plan = planned  # type: ignore[method-assign]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--rm", metavar="REPO:TAG", help="rm REPO:TAG --dry-run instead")
    parser.add_argument("--top", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="buildtui-bench-memory-") as home:
        for variable in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME"):
            os.environ[variable] = home
        from buildtui.cli import main as buildtui

        phases = Phases(args.top)
        watch_scan(phases)
        command = ["registry", "ls", "--json"]
        if args.rm:
            watch_plan(phases)
            command = ["rm", args.rm, "--dry-run", "--json"]
        argv = ["--registry", args.url, "--registry-container", "reg-memory-absent", *command]
        print(f"buildtui {' '.join(argv)}", flush=True)
        tracemalloc.start(1)
        with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
            code = buildtui(argv)
        current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"\nexit {code}; at the end {mb(current)} traced, peak {mb(peak)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
