"""Benchmark: buildtui on large registries against a plain httpx client, in the same run.

Run: .venv/bin/python bench/registry_scale.py [--shapes 20x50,100x100,300x100] [--runs 3]
     [--storage DIR] [--catalog 50000] [--index 10000] [--app] [--only-extra]
     [--repeat-only]

For each shape RxT (R repositories of T tags, half of them multi-platform indexes with
attestations, as bench/registry_scan.py pushes them), registry:2's storage is written
on disk (tests/integration/registry_seed.py: 100x100 in ~20 s, 300x100 in ~1 min;
kept under --storage DIR and reused by the next run) and the registry binary
(/usr/bin/docker-registry, the distribution 2.8 of the registry:2 image) serves it.
Each round then runs, each in a process of its own (wall time, peak RSS):
- `plain full`: bench/plain_client.py making a first scan's requests;
- `registry ls --json` with an empty disk cache (the first scan);
- `plain floor`: the catalog, the tag lists and one HEAD per tag;
- `registry ls --json` again (the repeat scan: the rest from the disk cache);
- `rm REPO:TAG --dry-run --json` (a plan reads everything from the registry).
and prints the ratios: first scan / plain full, repeat / floor, plan / plain full
(`--repeat-only`: the first scan only fills the disk cache; repeat / floor alone).
Rounds alternate the commands, so that a machine whose load drifts weighs on both.
`--app` also runs bench/app_registry.py (the whole app, the Registry pane in front):
until everything is shown, its peak memory, and its CPU and memory once idle.

`--catalog N`: N repositories of one tag each: `plain catalog` (its pages only) against
the Registry pane listing them all (with --app), and `plain full` against `registry ls`.
`--index N`: one index of N entries: `plain index` (the index, each entry and its
config) against `inspect --json`, and (with --app) the pane showing that tag.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.integration.registry_fixtures import LocalRegistry, start_local_registry  # noqa: E402
from tests.integration.registry_seed import (  # noqa: E402
    Counts,
    bench_content,
    huge_index,
    many_repositories,
)

PYTHON = str(ROOT / ".venv" / "bin" / "python")
BUILDTUI = str(ROOT / ".venv" / "bin" / "buildtui")


def run(argv: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """Wall seconds, peak RSS (MB, of this command alone), exit code and output."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(argv, stdout=out, stderr=err, env=env, cwd=ROOT)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return {
            "seconds": seconds,
            "rss": usage.ru_maxrss / 1024,
            "code": process.returncode,
            "out": out.read(),
            "err": err.read().decode(errors="replace")[-400:],
        }


def plain(url: str, mode: str, *extra: str) -> dict[str, Any]:
    result = run([PYTHON, "bench/plain_client.py", url, mode, *extra])
    result.update(json.loads(result["out"]))
    return result


def buildtui(url: str, home: str, *argv: str) -> dict[str, Any]:
    env = {
        **os.environ,
        "XDG_DATA_HOME": home,
        "XDG_CONFIG_HOME": home,
        "XDG_STATE_HOME": home,
    }
    registry = ["--registry", url, "--registry-container", "reg-scale-absent"]
    result = run([BUILDTUI, *registry, *argv], env)
    if result["code"] not in (0, 1):
        raise SystemExit(f"buildtui {' '.join(argv)} failed: {result['err']}")
    return result


def app(url: str, idle: float, cleanup: bool = False) -> dict[str, Any]:
    extra = ["--cleanup"] if cleanup else []
    result = run([PYTHON, "bench/app_registry.py", url, "--json", "--idle", str(idle), *extra])
    if result["code"] != 0:
        raise SystemExit(f"bench/app_registry.py failed: {result['err']}")
    figures: dict[str, Any] = json.loads(result["out"].decode().strip().splitlines()[-1])
    figures["rss"] = result["rss"]
    return figures


def seeded(storage: Path | None, name: str, seed: Callable[[Path], Counts]) -> tuple[Path, bool]:
    """The registry's root folder for `name`, seeded once; (folder, temporary)."""
    if storage is None:
        folder = Path(tempfile.mkdtemp(prefix=f"buildtui-bench-{name}-"))
    else:
        folder = storage / name
    done = folder / "seeded"
    if not done.exists():
        shutil.rmtree(folder / "storage", ignore_errors=True)
        started = time.perf_counter()
        counts = seed(folder / "storage")
        done.write_text(json.dumps(counts.__dict__))
        print(
            f"  seeded {name} in {time.perf_counter() - started:.0f} s: {counts.tags:,} tags, "
            f"{counts.manifests:,} manifests, {counts.blobs:,} blobs",
            flush=True,
        )
    return folder, storage is None


def serving(folder: Path) -> LocalRegistry:
    return start_local_registry(folder)


def line(label: str, result: dict[str, Any]) -> str:
    return f"    {label:<28} {result['seconds']:7.1f} s  {result['rss']:6.0f} MB"


def ranges(label: str, values: list[float], unit: str = "x") -> str:
    if not values:
        return f"  {label}: -"
    shown = ", ".join(f"{v:.2f}" for v in values)
    return (
        f"  {label}: {shown} (median {statistics.median(values):.2f}{unit}, "
        f"{min(values):.2f}-{max(values):.2f})"
    )


def shape(url: str, repositories: int, tags: int, args: argparse.Namespace) -> None:
    first, repeat, plan, rss_first, rss_repeat, rss_plan = [], [], [], [], [], []
    apps: list[dict[str, Any]] = []
    for number in range(args.runs):
        print(f"  round {number + 1}", flush=True)
        with tempfile.TemporaryDirectory(prefix="buildtui-bench-home-") as home:
            full = None if args.repeat_only else plain(url, "full")
            if full is not None:
                print(line(f"plain full ({full['requests']:,} req)", full), flush=True)
            ls = buildtui(url, home, "registry", "ls", "--json")
            print(line("registry ls --json (first)", ls), flush=True)
            floor = plain(url, "floor")
            print(line(f"plain floor ({floor['requests']:,} req)", floor), flush=True)
            again = buildtui(url, home, "registry", "ls", "--json")
            print(line("registry ls --json (repeat)", again), flush=True)
            document = json.loads(ls["out"])
            assert sum(len(r["tags"]) for r in document["repositories"]) == repositories * tags
            if full is not None:
                first.append(ls["seconds"] / full["seconds"])
            repeat.append(again["seconds"] / floor["seconds"])
            rss_first.append(ls["rss"])
            rss_repeat.append(again["rss"])
            if not args.skip_rm and full is not None:
                target = f"bench/app{repositories - 1:03d}:v{tags - 1:03d}"
                rm = buildtui(url, home, "rm", target, "--dry-run", "--json")
                print(line("rm --dry-run --json", rm), flush=True)
                plan.append(rm["seconds"] / full["seconds"])
                rss_plan.append(rm["rss"])
            if args.app:
                figures = app(url, args.idle, args.app_cleanup)
                apps.append(figures)
                print(f"    app: {json.dumps(figures)}", flush=True)
    print(f"  {repositories}x{tags} ({repositories * tags:,} tags):")
    print(ranges("first scan / plain full", first))
    print(ranges("repeat scan / plain floor (goal <= 1.2x)", repeat))
    print(ranges("registry ls peak RSS, first", rss_first, " MB"))
    print(ranges("registry ls peak RSS, repeat", rss_repeat, " MB"))
    if plan:
        print(ranges("rm --dry-run / plain full", plan))
        print(ranges("rm --dry-run peak RSS", rss_plan, " MB"))
    if apps:
        print(ranges("app: Registry pane done (s)", [a["registry_seconds"] for a in apps], " s"))
        if "cleanup_seconds" in apps[0]:
            seconds = [a["cleanup_seconds"] for a in apps]
            print(ranges("app: Clean-up pane read the registry (s)", seconds, " s"))
        print(ranges("app: every pane done (s)", [a["all_seconds"] for a in apps], " s"))
        print(ranges("app: peak RSS", [a["rss"] for a in apps], " MB"))
        print(ranges("app: idle CPU (goal < 2%)", [a["idle_cpu_percent"] for a in apps], " %"))
        drift = [a["rss_idle_end"] - a["rss_idle_start"] for a in apps]
        print(ranges("app: RSS change while idle", drift, " MB"))


def catalog(url: str, count: int, args: argparse.Namespace) -> None:
    lists, ls_ratio = [], []
    for number in range(args.runs):
        print(f"  round {number + 1}", flush=True)
        pages = plain(url, "catalog")
        print(line(f"plain catalog ({pages['requests']} pages)", pages), flush=True)
        if args.app:
            figures = app(url, 1.0)
            print(f"    app: {json.dumps(figures)}", flush=True)
            lists.append(figures["registry_seconds"] / pages["seconds"])
        if not args.catalog_quick:
            with tempfile.TemporaryDirectory(prefix="buildtui-bench-home-") as home:
                full = plain(url, "full")
                print(line("plain full", full), flush=True)
                ls = buildtui(url, home, "registry", "ls", "--json")
                print(line("registry ls --json", ls), flush=True)
                ls_ratio.append(ls["seconds"] / full["seconds"])
    print(f"  catalog of {count:,} repositories:")
    print(ranges("pane lists them all / plain catalog (goal <= 2x)", lists))
    print(ranges("registry ls / plain full (goal <= 2x)", ls_ratio))


def index(url: str, entries: int, args: argparse.Namespace) -> None:
    ratios, panes = [], []
    for number in range(args.runs):
        print(f"  round {number + 1}", flush=True)
        with tempfile.TemporaryDirectory(prefix="buildtui-bench-home-") as home:
            read = plain(url, "index", "big/index:latest")
            print(line(f"plain index ({read['requests']:,} req)", read), flush=True)
            shown = buildtui(url, home, "inspect", "big/index:latest", "--json")
            print(line("inspect --json", shown), flush=True)
            ratios.append(shown["seconds"] / read["seconds"])
        if args.app:
            figures = app(url, 1.0)
            print(f"    app: {json.dumps(figures)}", flush=True)
            panes.append(figures["registry_seconds"])
    print(f"  index of {entries:,} entries:")
    print(ranges("inspect --json / plain index (goal <= 2x)", ratios))
    print(ranges("pane shows the tag (s)", panes, " s"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", default="20x50,100x100", help="e.g. 20x50,100x100,300x100")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--storage", type=Path, help="keep the seeded storage here")
    parser.add_argument("--catalog", type=int, help="a catalog of that many repositories")
    parser.add_argument("--catalog-quick", action="store_true", help="no registry ls on it")
    parser.add_argument("--index", type=int, help="an index of that many entries")
    parser.add_argument("--app", action="store_true", help="the whole app too")
    parser.add_argument(
        "--app-cleanup", action="store_true", help="the app's Clean-up pane shown too"
    )
    parser.add_argument("--idle", type=float, default=30.0, help="app seconds measured idle")
    parser.add_argument("--skip-rm", action="store_true")
    parser.add_argument(
        "--repeat-only",
        action="store_true",
        help="no plain full scan and no rm: the repeat scan against its floor only",
    )
    parser.add_argument("--only-extra", action="store_true", help="no shapes")
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    jobs: list[tuple[str, Callable[[Path], Counts], Callable[[str], None]]] = []
    if not args.only_extra:
        for text in args.shapes.split(","):
            r, t = (int(n) for n in text.split("x"))
            jobs.append(
                (
                    f"r{r}x{t}",
                    lambda root, r=r, t=t: bench_content(root, r, t),  # type: ignore[misc]
                    lambda url, r=r, t=t: shape(url, r, t, args),  # type: ignore[misc]
                )
            )
    if args.catalog:
        count = args.catalog
        jobs.append(
            (
                f"catalog{count}",
                lambda root: many_repositories(root, count),
                lambda url: catalog(url, count, args),
            )
        )
    if args.index:
        entries = args.index
        jobs.append(
            (
                f"index{entries}",
                lambda root: huge_index(root, "big/index", "latest", entries),
                lambda url: index(url, entries, args),
            )
        )
    for name, seed, measure in jobs:
        print(f"{name}:", flush=True)
        folder, temporary = seeded(args.storage, name, seed)
        registry = serving(folder)
        try:
            measure(registry.url)
        finally:
            registry.stop()
            if temporary:
                shutil.rmtree(folder, ignore_errors=True)
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
