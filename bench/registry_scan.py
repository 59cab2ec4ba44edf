"""Benchmark: scanning a registry of 20 repositories x 50 tags (half multi-arch with attestations).

Run: .venv/bin/python bench/registry_scan.py [--repos 20] [--tags 50] [--sample 40] [--runs 5]

1. Starts the registry binary (/usr/bin/docker-registry, distribution 2.8) on a free
   port with a temporary config, and fills it by pushing blobs and manifests directly
   with httpx: per repository, half the tags are single-platform OCI images, half are
   OCI indexes with linux/amd64 + linux/arm64 images and two attestation manifests
   (as buildx pushes them). Layers are shared between tags, as in real repositories.
2. Measures, with the app's own client (RegistryClient: one httpx pool, keep-alive):
   - single-request latency on a warm connection: the scan's own request mix replayed
     one at a time (concurrency 1) over a sample of repositories;
   - usable concurrency: throughput of a batch of manifest GETs at 1, 2, 4, 8, 16 in
     flight, relative to 1 in flight (what the registry and the client really overlap);
   - the request count of a full scan (every tag, every child manifest, configs of
     single-platform images for their platform);
   - the full scan time (`RegistryService.scan()`, fresh client, default concurrency),
     against the lower bound requests x latency / usable concurrency;
   - a loop of `docker buildx imagetools inspect REF` over a sample of the same tags,
     extrapolated to all tags (the full loop takes minutes; the sample is said).
3. The on-disk cache of what is named by a digest (registry/blobcache.py), in a fresh
   temporary file: a first scan with the cache empty against a scan without the cache
   (the same requests as before the cache existed), a repeat scan (one HEAD per tag, the
   rest from disk; goal >= 3x faster than the first), the cache's disk use, and the
   event loop's lag while a first scan runs (in a scan of its own, not timed): the
   pane handles keys on the loop that awaits the scan, so a key waits at most that long
   (goal < 50 ms). The client makes its requests, and decodes what they bring, on a
   loop of its own thread; the same timer on an idle loop gives the floor the machine's
   load sets.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from tests.integration.registry_fixtures import start_local_registry  # noqa: E402

from buildtui.registry.auth import Authenticator, NoCredentials  # noqa: E402
from buildtui.registry.blobcache import BlobCache  # noqa: E402
from buildtui.registry.client import RegistryClient  # noqa: E402
from buildtui.registry.service import RegistryService  # noqa: E402
from buildtui.registry.walk import scan_registry  # noqa: E402
from buildtui.settings import Settings  # noqa: E402

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
IN_TOTO = "application/vnd.in-toto+json"


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


class AsyncPusher:
    """Pushes blobs (POST + monolithic PUT) and manifests, a bounded number at a time."""

    def __init__(self, url: str, concurrency: int = 16) -> None:
        self.http = httpx.AsyncClient(
            base_url=url,
            timeout=60,
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
        )
        self.semaphore = asyncio.Semaphore(concurrency)
        self.pushed: set[tuple[str, str]] = set()
        self.requests = 0

    async def blob(self, repository: str, data: bytes, media_type: str) -> dict[str, Any]:
        digest = sha256(data)
        descriptor = {"mediaType": media_type, "digest": digest, "size": len(data)}
        if (repository, digest) in self.pushed:
            return descriptor
        self.pushed.add((repository, digest))
        async with self.semaphore:
            start = await self.http.post(f"/v2/{repository}/blobs/uploads/")
            location = start.headers["location"]
            sep = "&" if "?" in location else "?"
            done = await self.http.put(f"{location}{sep}digest={digest}", content=data)
            self.requests += 2
        assert done.status_code == 201, done.text
        return descriptor

    async def manifest(
        self, repository: str, reference: str | None, document: dict[str, Any], media_type: str
    ) -> dict[str, Any]:
        """PUT a manifest under a tag, or by its own digest (reference None: untagged)."""
        raw = json.dumps(document, separators=(",", ":")).encode()
        async with self.semaphore:
            answer = await self.http.put(
                f"/v2/{repository}/manifests/{reference or sha256(raw)}",
                content=raw,
                headers={"Content-Type": media_type},
            )
            self.requests += 1
        assert answer.status_code == 201, answer.text
        return {"mediaType": media_type, "digest": sha256(raw), "size": len(raw)}

    async def aclose(self) -> None:
        await self.http.aclose()


async def push_image(
    pusher: AsyncPusher, repository: str, tag: str, arch: str, reference: str | None
) -> dict[str, Any]:
    config = await pusher.blob(
        repository,
        json.dumps(
            {
                "architecture": arch,
                "os": "linux",
                "created": "2026-01-01T00:00:00Z",
                "config": {"Labels": {"tag": tag}},
                "rootfs": {"type": "layers", "diff_ids": []},
            }
        ).encode(),
        OCI_CONFIG,
    )
    base = await pusher.blob(repository, f"base layer {arch}".encode() * 64, OCI_LAYER)
    own = await pusher.blob(repository, f"{repository} {tag} {arch}".encode() * 16, OCI_LAYER)
    document = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": config,
        "layers": [base, own],
    }
    return await pusher.manifest(repository, reference, document, OCI_MANIFEST)


async def push_multi(pusher: AsyncPusher, repository: str, tag: str) -> None:
    entries, attestations = [], []
    attestation_config = await pusher.blob(
        repository, b'{"architecture":"unknown","os":"unknown","config":{},"rootfs":{}}', OCI_CONFIG
    )
    for arch in ("amd64", "arm64"):
        image = await push_image(pusher, repository, tag, arch, None)
        entries.append({**image, "platform": {"architecture": arch, "os": "linux"}})
        statement = await pusher.blob(
            repository,
            json.dumps(
                {"_type": "https://in-toto.io/Statement/v0.1", "subject": image["digest"]}
            ).encode(),
            IN_TOTO,
        )
        attestation = await pusher.manifest(
            repository,
            None,
            {
                "schemaVersion": 2,
                "mediaType": OCI_MANIFEST,
                "config": attestation_config,
                "layers": [statement],
            },
            OCI_MANIFEST,
        )
        attestations.append(
            {
                **attestation,
                "platform": {"architecture": "unknown", "os": "unknown"},
                "annotations": {
                    "vnd.docker.reference.digest": image["digest"],
                    "vnd.docker.reference.type": "attestation-manifest",
                },
            }
        )
    index = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries + attestations}
    await pusher.manifest(repository, tag, index, OCI_INDEX)


async def fill(url: str, repos: int, tags: int) -> tuple[list[tuple[str, str, bool]], int]:
    """Push the registry's content; returns (repository, tag, multi-arch) and the request count.

    Platform and attestation manifests are pushed by digest (untagged), then the index
    that points at them under its tag, as buildx does.
    """
    pusher = AsyncPusher(url)
    made: list[tuple[str, str, bool]] = []
    jobs: list[Coroutine[Any, Any, object]] = []
    for r in range(repos):
        repository = f"bench/app{r:02d}"
        for t in range(tags):
            tag = f"v{t:02d}"
            multi = t % 2 == 1
            made.append((repository, tag, multi))
            if multi:
                jobs.append(push_multi(pusher, repository, tag))
            else:
                jobs.append(push_image(pusher, repository, tag, "amd64", tag))
    await asyncio.gather(*jobs)
    requests = pusher.requests
    await pusher.aclose()
    return made, requests


def client(url: str, host: str, concurrency: int) -> RegistryClient:
    return RegistryClient(
        host, url, auth=Authenticator(host, store=NoCredentials()), max_concurrency=concurrency
    )


async def sequential_latency(url: str, host: str, repositories: list[str]) -> tuple[float, int]:
    """Seconds per request when the scan's requests go one at a time on one warm connection."""
    async with client(url, host, 1) as warm:
        await warm.ping()
        await warm.ping()
        start_requests = warm.requests
        started = time.perf_counter()
        await scan_registry(warm, repositories=repositories)
        elapsed = time.perf_counter() - started
        count = warm.requests - start_requests
    return elapsed / count, count


async def throughput(
    url: str, host: str, targets: list[tuple[str, str]], concurrency: int
) -> float:
    async with client(url, host, concurrency) as pool:
        await asyncio.gather(*(pool.ping() for _ in range(concurrency)))  # open the connections
        started = time.perf_counter()
        await asyncio.gather(*(pool.fetch_manifest(repo, ref) for repo, ref in targets))
        return len(targets) / (time.perf_counter() - started)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def app_scan(
    url: str,
    registry_pid: int,
    image_configs: bool = True,
    cache: BlobCache | None = None,
) -> dict[str, float]:
    """One full scan as the app does it; wall time, requests, and CPU on both sides."""
    service = RegistryService(
        Settings(registry_url=url), store=NoCredentials(), blob_cache=cache or False
    )
    registry_cpu = cpu_seconds(registry_pid)
    client_cpu = time.process_time()
    started = time.perf_counter()
    try:
        if image_configs:
            result = await service.scan()
        else:
            result = await service.scan(image_configs=False)
    finally:
        await service.aclose()
    elapsed = time.perf_counter() - started
    failures = sum(1 for e in result.entries() if e.error or (e.report and e.report.errors))
    return {
        "time": elapsed,
        "requests": result.requests,
        "failures": failures,
        "registry_cpu": cpu_seconds(registry_pid) - registry_cpu,
        "client_cpu": time.process_time() - client_cpu,
    }


def imagetools_loop(refs: list[str], extra: tuple[str, ...] = ()) -> float:
    started = time.perf_counter()
    for ref in refs:
        subprocess.run(
            ["docker", "buildx", "imagetools", "inspect", *extra, ref],
            capture_output=True,
            check=True,
            timeout=60,
        )
    return time.perf_counter() - started


async def idle_lag(seconds: float) -> list[float]:
    """How late a 5 ms timer fires on an event loop with nothing else to do: the floor the
    machine's load sets, against which the lag during a scan is read."""
    lags: list[float] = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        started = time.perf_counter()
        await asyncio.sleep(0.005)
        lags.append(time.perf_counter() - started - 0.005)
    return lags


def lag_figures(lags: list[float]) -> str:
    ordered = sorted(lags)
    return (
        f"median {statistics.median(ordered) * 1000:.1f} ms, p99 "
        f"{ordered[int(len(ordered) * 0.99)] * 1000:.1f} ms, max {ordered[-1] * 1000:.1f} ms "
        f"over {len(ordered)} ticks"
    )


async def loop_lag_during_scan(
    url: str, pid: int, cache: BlobCache
) -> tuple[dict[str, float], list[float]]:
    """A first scan, and how late a 5 ms timer fires on the same event loop meanwhile."""
    lags: list[float] = []
    done = asyncio.Event()

    async def tick() -> None:
        while not done.is_set():
            started = time.perf_counter()
            await asyncio.sleep(0.005)
            lags.append(time.perf_counter() - started - 0.005)

    ticker = asyncio.create_task(tick())
    try:
        result = await app_scan(url, pid, cache=cache)
    finally:
        done.set()
        await ticker
    return result, lags


def cached(url: str, pid: int, runs: int) -> None:
    plain: list[float] = []
    firsts, repeats, lag_all = [], [], []
    usage = None
    # As the app does once started (`BuildTUI.freeze_heap`): a full collection during
    # the scan then scans what was made since, not every module this process imported.
    gc.collect()
    gc.freeze()
    # Each round scans without the cache, then with an empty one, then again: the three
    # see the same machine (its speed drifts over minutes here). The loop's lag is timed
    # in a scan of its own: the timer wakes the loop 200 times a second, which costs
    # the scan it runs beside some time, and the timed scans must not pay for it.
    for _ in range(runs):
        plain.append(asyncio.run(app_scan(url, pid))["time"])
        with tempfile.TemporaryDirectory(prefix="buildtui-bench-cache-") as folder:
            cache = BlobCache(Path(folder) / "cache.sqlite3")
            firsts.append(asyncio.run(app_scan(url, pid, cache=cache)))
            repeats.append(asyncio.run(app_scan(url, pid, cache=cache)))
            usage = cache.usage()
            cache.close()
        with tempfile.TemporaryDirectory(prefix="buildtui-bench-cache-") as folder:
            cache = BlobCache(Path(folder) / "cache.sqlite3")
            lag_all += asyncio.run(loop_lag_during_scan(url, pid, cache))[1]
            cache.close()
    print(
        f"\nscan without the disk cache (the requests as before it): "
        f"{', '.join(f'{t:.2f}' for t in plain)} s, median {statistics.median(plain):.2f} s"
    )
    first_time = statistics.median(r["time"] for r in firsts)
    repeat_time = statistics.median(r["time"] for r in repeats)
    first_times = ", ".join(f"{r['time']:.2f}" for r in firsts)
    repeat_times = ", ".join(f"{r['time']:.2f}" for r in repeats)
    # Each round's first scan against the same round's scan without the cache: the pair
    # ran back to back, on the same machine state.
    ratios = [r["time"] / t for r, t in zip(firsts, plain, strict=True)]
    print(
        f"disk cache: first scan (empty cache) {first_times} s, "
        f"median {first_time:.2f} s ({first_time / statistics.median(plain):.2f}x the median "
        f"without it; {int(firsts[0]['requests'])} requests)"
    )
    print(
        f"  first scan / scan without the cache, round by round: "
        f"{', '.join(f'{r:.2f}x' for r in ratios)}; median {statistics.median(ratios):.2f}x "
        f"(goal <= 1x)"
    )
    print(
        f"  repeat scan {repeat_times} s, median "
        f"{repeat_time:.2f} s, {int(repeats[0]['requests'])} requests: "
        f"{first_time / repeat_time:.1f}x faster than the first (goal >= 3x)"
    )
    if usage is not None:
        print(
            f"  cache disk use: {usage.entries} entries, {usage.bytes / 1e6:.2f} MB of content, "
            f"{usage.file_bytes / 1e6:.2f} MB on disk (cap {usage.cap / 2**20:.0f} MiB)"
        )
    print(
        "  event-loop lag during a first scan (a key waits at most this): "
        f"{lag_figures(lag_all)} (goal < 50 ms)"
    )
    idle = asyncio.run(idle_lag(5.0))
    print(
        f"  the same timer on an idle loop (the machine's floor, load average "
        f"{os.getloadavg()[0]:.2f}): {lag_figures(idle)}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", type=int, default=20)
    parser.add_argument("--tags", type=int, default=50)
    parser.add_argument("--sample", type=int, default=40, help="tags for the imagetools loop")
    # Five: on this machine two scans in a row differ by up to 15%.
    parser.add_argument("--runs", type=int, default=5, help="full scans (and rounds) to time")
    parser.add_argument(
        "--skip-imagetools", action="store_true", help="leave out the imagetools loop"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="buildtui-bench-") as workdir:
        registry = start_local_registry(Path(workdir))
        try:
            return run(registry.url, registry.host, registry.process.pid, args)
        finally:
            registry.stop()


def run(url: str, host: str, pid: int, args: argparse.Namespace) -> int:
    try:
        import sniffio  # noqa: F401

        sniffio_note = "sniffio installed"
    except ImportError:
        sniffio_note = "sniffio NOT installed: httpcore retries that import on every request"
    print(f"python {sys.version.split()[0]}, httpx {httpx.__version__}, {sniffio_note}")
    print(f"registry binary at {url}: filling {args.repos} repositories x {args.tags} tags …")
    started = time.perf_counter()
    made, push_requests = asyncio.run(fill(url, args.repos, args.tags))
    print(f"  pushed in {time.perf_counter() - started:.1f} s ({push_requests} requests)")
    multi = sum(1 for *_, m in made if m)
    single = len(made) - multi
    print(f"  {len(made)} tags: {multi} multi-arch indexes with attestations, {single} single")

    repositories = sorted({repo for repo, _, _ in made})
    latency, sample_requests = asyncio.run(sequential_latency(url, host, repositories[:2]))
    print(
        f"\nsingle-request latency, warm connection, one at a time: {latency * 1000:.3f} ms "
        f"(mean over the scan's own {sample_requests} requests for 2 repositories)"
    )

    targets = [(repo, tag) for repo, tag, _ in made[:400]]
    rates = {c: asyncio.run(throughput(url, host, targets, c)) for c in (1, 2, 4, 8, 16)}
    usable = max(rates.values()) / rates[1]
    best = max(rates, key=lambda c: rates[c])
    for c, rate in rates.items():
        print(f"  {c:>2} in flight: {rate:8.0f} manifest GETs/s  ({rate / rates[1]:.2f}x)")
    print(f"usable concurrency: {usable:.2f} (best at {best} in flight)")

    runs = [asyncio.run(app_scan(url, pid)) for _ in range(args.runs)]
    times = [r["time"] for r in runs]
    requests = int(runs[0]["requests"])
    failures = int(max(r["failures"] for r in runs))
    scan_time = statistics.median(times)
    lower_bound = requests * latency / usable
    registry_ms = statistics.median(r["registry_cpu"] for r in runs) / requests * 1000
    client_ms = statistics.median(r["client_cpu"] for r in runs) / requests * 1000
    print(
        f"\nfull scan (RegistryService.scan, fresh client, default concurrency): "
        f"{', '.join(f'{t:.2f}' for t in times)} s, median {scan_time:.2f} s"
    )
    print(f"  requests: {requests} ({failures} tags with failures)")
    print(
        f"  lower bound = {requests} x {latency * 1000:.3f} ms / {usable:.2f} = {lower_bound:.2f} s"
    )
    print(f"  scan / lower bound = {scan_time / lower_bound:.2f} (target <= 1.5)")
    print(
        f"  CPU per request: registry {registry_ms:.2f} ms + this client {client_ms:.2f} ms; "
        f"on 2 cores no scan of {requests} requests can beat "
        f"{requests * (registry_ms + client_ms) / 2000:.2f} s"
    )
    lean = asyncio.run(app_scan(url, pid, image_configs=False))
    print(
        f"  without single images' configs (platform unknown): {int(lean['requests'])} "
        f"requests in {lean['time']:.2f} s"
    )

    cached(url, pid, args.runs)
    if args.skip_imagetools:
        return 0 if failures == 0 else 1

    step = max(1, len(made) // args.sample)
    sample = [f"{host}/{repo}:{tag}" for repo, tag, _ in made[::step]][: args.sample]
    loop = imagetools_loop(sample)
    per_tag = loop / len(sample)
    full_loop = per_tag * len(made)
    print(
        f"\n`docker buildx imagetools inspect` loop: {len(sample)} of {len(made)} tags "
        f"(every {step}th, half multi-arch) in {loop:.1f} s = {per_tag:.3f} s per tag; "
        f"extrapolated to all {len(made)} tags: {full_loop:.0f} s"
    )
    print(f"  app scan is {full_loop / scan_time:.1f}x faster (target >= 20x)")
    print(f"  (the scan without configs: {full_loop / lean['time']:.1f}x)")
    json_sample = sample[: max(2, len(sample) // 4)]
    json_loop = imagetools_loop(json_sample, ("--format", "{{json .}}"))
    json_full = json_loop / len(json_sample) * len(made)
    print(
        f"  with --format '{{{{json .}}}}' (fetches children too): {len(json_sample)} tags in "
        f"{json_loop:.1f} s, extrapolated {json_full:.0f} s = {json_full / scan_time:.0f}x the scan"
    )
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
