"""Benchmark: verifying every tag of a registry after a deletion (the clean-up's last step).

Run: .venv/bin/python bench/cleanup_verify.py [--repos 10] [--tags 20] [--runs 5]

Fills the registry binary (as bench/registry_scan.py does: half the tags multi-arch
indexes with attestations), reads it into the clean-up's graph, then times
`verify_tags` over every tag: a HEAD of each tag, of every manifest it reaches and of
every blob they reference, each asked once. Every request goes through one registry
client (its default bound on requests in flight). `PYTHONPATH=OTHER/src` measures
another checkout (e.g. the code before the clean-up's writes went through that client,
when the blobs' HEADs had a pool and a bound of their own).
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", type=int, default=10)
    parser.add_argument("--tags", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    # buildtui first (from PYTHONPATH, or installed): registry_scan puts this src/ first.
    import buildtui

    measured = Path(buildtui.__file__).parent
    sys.path.insert(0, str(ROOT))
    from registry_scan import fill  # this folder is on sys.path: run as a script
    from tests.integration.registry_fixtures import start_local_registry

    with tempfile.TemporaryDirectory(prefix="buildtui-bench-") as workdir:
        registry = start_local_registry(Path(workdir))
        try:
            made, _requests = asyncio.run(fill(registry.url, args.repos, args.tags))
            print(f"{len(made)} tags; buildtui from {measured}")
            times, requests = asyncio.run(measure(registry.url, registry.host, args.runs))
        finally:
            registry.stop()
    print(
        f"verify every tag: median {statistics.median(times) * 1000:.0f} ms, "
        f"min {min(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms over {args.runs} runs "
        f"({requests} requests each)"
    )
    return 0


async def measure(url: str, host: str, runs: int) -> tuple[list[float], int]:
    from buildtui.cleanup.graph import GraphBuilder
    from buildtui.cleanup.verify import verify_tags
    from buildtui.registry.auth import NoCredentials
    from buildtui.registry.service import RegistryService
    from buildtui.settings import Settings

    service = RegistryService(Settings(registry_url=url), store=NoCredentials(), blob_cache=False)
    builder = GraphBuilder(service.registry, service.base_url)
    scan = await service.scan(cached=False, keep=False, collect=builder.add)
    graph = builder.finish(scan, revisions=None, untagged={}, warnings=[])
    tags = graph.tag_refs()
    times: list[float] = []
    requests = 0

    async def once(client: Any) -> Any:
        if "writer" not in inspect.signature(verify_tags).parameters:
            return await verify_tags(graph, tags, client)
        from buildtui.cleanup.http import RegistryWriter  # the code before: a second client

        writer = RegistryWriter(client.registry, client.base_url, client.auth)
        try:
            old: Any = verify_tags  # (graph, tags, client, writer) before
            return await old(graph, tags, client, writer)
        finally:
            await writer.aclose()

    for _run in range(runs):
        started = time.perf_counter()
        report = await service.call(once)
        times.append(time.perf_counter() - started)
        assert report.ok, report.summary()
        requests = report.requests
    await service.aclose()
    return times, requests


if __name__ == "__main__":
    raise SystemExit(main())
