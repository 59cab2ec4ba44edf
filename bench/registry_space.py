"""Benchmark: `registry space` (what deleting each tag frees) against a scan of the registry.

Run: .venv/bin/python bench/registry_space.py [--repos 20] [--tags 50] [--runs 5]

1. Starts the registry binary (distribution 2.8) on a free port and fills it as
   bench/registry_scan.py does: 20 repositories x 50 tags, half of them multi-arch
   indexes with attestations, layers shared between tags.
2. Times, round by round (each round runs both, so both see the same machine):
   - the scan: `RegistryService.scan(cached=False)`, the scan the clean-up plans read
     (every manifest from the registry, no disk cache), fresh client;
   - `registry space` as the command computes it: `CleanupService.load()` (that scan, the
     storage listing of every manifest revision, untagged ones fetched) and the ranking
     (`SpaceIndex(graph).report()`: every tag, repository and untagged row, from one
     reference count).
   The goal: space <= 1.2x the scan (median of the rounds' ratios).
3. The ranking alone (CPU, no I/O), and for comparison what one plan per tag costs on the
   same graph (`plan_deletion` for each tag: no rescan, but each plan walks the whole
   graph), with the figures checked equal tag by tag.

The storage listing is `find` in the registry's directory, as the container's is listed
(without `docker exec`'s own start-up), since the benchmark runs the binary rather than a
container.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from registry_scan import fill  # noqa: E402  (this folder is on sys.path: run as a script)
from tests.integration.registry_fixtures import LocalRegistry, start_local_registry  # noqa: E402

from buildtui.cleanup.docker_output import ContainerInfo  # noqa: E402
from buildtui.cleanup.graph import RegistryGraph  # noqa: E402
from buildtui.cleanup.plan import Selection, plan_deletion  # noqa: E402
from buildtui.cleanup.service import CleanupService  # noqa: E402
from buildtui.cleanup.space import SpaceIndex, SpaceReport  # noqa: E402
from buildtui.registry.auth import NoCredentials  # noqa: E402
from buildtui.registry.service import RegistryService  # noqa: E402
from buildtui.settings import Settings  # noqa: E402


class LocalStorage:
    """The registry container's storage listing, read from the binary's directory."""

    name = "bench-registry"

    def __init__(self, registry: LocalRegistry) -> None:
        self.registry = registry

    def inspect(self) -> ContainerInfo:
        return ContainerInfo(
            name=self.name, id="", image="", image_name="registry", running=True,
            auto_remove=False, binary="docker-registry", config_path="",
            storage_root=str(self.registry.root), mounts=(str(self.registry.root),),
            storage_env=(), ports=(f"127.0.0.1:{self.registry.port}->5000/tcp",),
            host_ports=(self.registry.port,), delete_enabled=True,
        )  # fmt: skip

    def revisions(self, info: ContainerInfo | None = None) -> dict[str, set[str]]:
        """As `RegistryContainer.revisions` lists them: `find` in the storage."""
        base = f"{self.registry.root}/docker/registry/v2/repositories/"
        listed = subprocess.run(
            ["find", base, "-path", "*/_manifests/revisions/*", "-name", "link"],
            capture_output=True, text=True, check=True, timeout=60,
        ).stdout  # fmt: skip
        found: dict[str, set[str]] = {}
        for line in listed.splitlines():
            name, _, rest = line[len(base) :].partition("/_manifests/revisions/")
            algorithm, hexpart, _link = rest.split("/")
            found.setdefault(name, set()).add(f"{algorithm}:{hexpart}")
        return found


def settings_for(registry: LocalRegistry) -> Settings:
    return Settings(registry_url=registry.url, registry_container=LocalStorage.name)


async def scan_time(registry: LocalRegistry) -> tuple[float, float]:
    """Wall and this process's CPU seconds (every thread: the requests run on their own)."""
    service = RegistryService(settings_for(registry), store=NoCredentials(), blob_cache=False)
    cpu = time.process_time()
    started = time.perf_counter()
    try:
        await service.scan(cached=False)
    finally:
        await service.aclose()
    return time.perf_counter() - started, time.process_time() - cpu


async def space_time(
    registry: LocalRegistry,
) -> tuple[float, float, RegistryGraph, SpaceReport]:
    registry_service = RegistryService(
        settings_for(registry), store=NoCredentials(), blob_cache=False
    )
    storage = LocalStorage(registry)  # load() asks it only to inspect and list revisions
    service = CleanupService(
        settings_for(registry),
        registry=registry_service,
        container=storage,  # type: ignore[arg-type]
    )
    cpu = time.process_time()
    started = time.perf_counter()
    try:
        graph = await service.load()
        report = service.space_index(graph).report()
    finally:
        await service.aclose()
    return time.perf_counter() - started, time.process_time() - cpu, graph, report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", type=int, default=20)
    parser.add_argument("--tags", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--plans", type=int, default=200, help="tags planned one by one for the comparison"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="buildtui-bench-space-") as workdir:
        registry = start_local_registry(Path(workdir))
        try:
            return run(registry, args)
        finally:
            registry.stop()


def run(registry: LocalRegistry, args: argparse.Namespace) -> int:
    print(f"registry binary at {registry.url}: filling {args.repos} x {args.tags} …")
    started = time.perf_counter()
    made, requests = asyncio.run(fill(registry.url, args.repos, args.tags))
    print(
        f"  pushed {len(made)} tags in {time.perf_counter() - started:.1f} s ({requests} requests)"
    )
    gc.collect()
    gc.freeze()  # as the app does once started
    scans, spaces, ratios, cpu_ratios = [], [], [], []
    report: SpaceReport | None = None
    graph: RegistryGraph | None = None
    for _ in range(args.runs):
        scan, scan_cpu = asyncio.run(scan_time(registry))
        took, took_cpu, graph, report = asyncio.run(space_time(registry))
        scans.append(scan)
        spaces.append(took)
        ratios.append(took / scan)
        cpu_ratios.append(took_cpu / scan_cpu)
    assert graph is not None and report is not None
    print(
        f"\nscan (RegistryService.scan, cached=False): {', '.join(f'{t:.2f}' for t in scans)} s, "
        f"median {statistics.median(scans):.2f} s"
    )
    print(
        f"registry space (load + ranking):          {', '.join(f'{t:.2f}' for t in spaces)} s, "
        f"median {statistics.median(spaces):.2f} s"
    )
    ratio = statistics.median(ratios)
    print(
        f"  space / scan, round by round: {', '.join(f'{r:.2f}x' for r in ratios)}; "
        f"median {ratio:.2f}x (goal <= 1.2x)"
    )
    print(
        f"  this process's CPU, space / scan (less sensitive to the machine's load): "
        f"{', '.join(f'{r:.2f}x' for r in cpu_ratios)}; median "
        f"{statistics.median(cpu_ratios):.2f}x; load average {os.getloadavg()[0]:.2f}"
    )

    rows = len(report.rows)
    cpu = time.process_time()
    wall = time.perf_counter()
    index = SpaceIndex(graph)
    again = index.report()
    ranking_wall = time.perf_counter() - wall
    ranking_cpu = time.process_time() - cpu
    assert [r.frees for r in again.rows] == [r.frees for r in report.rows]
    print(
        f"\nthe ranking alone: {rows} rows ({len(graph.tag_refs())} tags) in "
        f"{ranking_wall * 1000:.0f} ms ({ranking_cpu * 1000:.0f} ms CPU), "
        f"{ranking_wall / max(1, rows) * 1e6:.0f} µs a row"
    )
    tags = [r for r in report.rows if r.kind not in ("repository", "untagged")][: args.plans]
    wall = time.perf_counter()
    for row in tags:
        plan = plan_deletion(graph, [Selection(row.repository, tag=row.name)])
        assert plan.reclaimed_bytes == row.frees, row.key
    per_plan = (time.perf_counter() - wall) / max(1, len(tags))
    print(
        f"one plan per tag instead (no rescan): {per_plan * 1000:.1f} ms a tag over "
        f"{len(tags)} tags, {per_plan * len(graph.tag_refs()):.1f} s for all "
        f"{len(graph.tag_refs())} (the figures agree tag by tag)"
    )
    return 0 if ratio <= 1.2 else 1


if __name__ == "__main__":
    raise SystemExit(main())
