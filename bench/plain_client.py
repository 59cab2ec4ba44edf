"""A plain httpx client making a registry scan's requests, keeping nothing: the yardstick
the scale benchmarks measure buildtui against (run in a process of its own, so that its
peak memory is its own).

Run: .venv/bin/python bench/plain_client.py URL MODE [--concurrency 8] [--page 1000]

Modes (each prints one JSON line: seconds, requests, tags, entries):
- `catalog`: the catalog's pages, nothing else.
- `full`: the catalog, every tag list, every tag's manifest (GET), an index's entries
  (GET each), and a single image's config blob (its platform): what a first scan asks.
- `floor`: the catalog, every tag list and one HEAD per tag: the least a repeat scan
  can ask (what is named by a digest comes from the disk cache).
- `index REPO:TAG`: one index, each of its entries (GET) and each entry's config blob,
  as `buildtui inspect` reads it.

Pages of the catalog and the tag lists follow `Link: rel="next"`, as any client must.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import AsyncIterator
from urllib.parse import urljoin

import httpx

ACCEPT = ", ".join(
    (
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    )
)
INDEXES = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
)


class Plain:
    def __init__(self, url: str, concurrency: int) -> None:
        self.http = httpx.AsyncClient(
            base_url=url,
            timeout=60,
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
        )
        self.requests = 0
        self.concurrency = concurrency

    async def pages(self, first: str, key: str) -> AsyncIterator[list[str]]:
        url: str | None = first
        while url is not None:
            answer = await self.http.get(url)
            self.requests += 1
            if answer.status_code != 200:
                return
            yield list(answer.json().get(key) or [])
            link = answer.headers.get("link")
            url = urljoin(str(answer.url), link.split(";")[0].strip("<> ")) if link else None

    async def get(self, path: str) -> httpx.Response:
        self.requests += 1
        return await self.http.get(path, headers={"Accept": ACCEPT})

    async def head(self, path: str) -> httpx.Response:
        self.requests += 1
        return await self.http.head(path, headers={"Accept": ACCEPT})

    async def pool(self, jobs: list[tuple[str, str]], work) -> None:  # type: ignore[no-untyped-def]
        queue = iter(jobs)

        async def worker() -> None:
            for job in queue:
                await work(*job)

        await asyncio.gather(*(worker() for _ in range(self.concurrency * 2)))

    async def catalog(self, page: int) -> list[str]:
        names: list[str] = []
        async for found in self.pages(f"/v2/_catalog?n={page}", "repositories"):
            names += found
        return names

    async def tags(self, names: list[str]) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []

        async def one(name: str, _: str) -> None:
            async for tags in self.pages(f"/v2/{name}/tags/list", "tags"):
                found.extend((name, tag) for tag in tags)

        await self.pool([(name, "") for name in names], one)
        return found

    async def full_tag(self, name: str, reference: str) -> None:
        answer = await self.get(f"/v2/{name}/manifests/{reference}")
        if answer.status_code != 200:
            return
        document = answer.json()
        if document.get("mediaType") in INDEXES:
            entries = document.get("manifests") or []
            await asyncio.gather(
                *(self.get(f"/v2/{name}/manifests/{e['digest']}") for e in entries)
            )
        elif isinstance(document.get("config"), dict):
            self.requests += 1
            await self.http.get(f"/v2/{name}/blobs/{document['config']['digest']}")


async def run(
    url: str, mode: str, target: str | None, concurrency: int, page: int
) -> dict[str, float]:
    plain = Plain(url, concurrency)
    started = time.perf_counter()
    tags: list[tuple[str, str]] = []
    entries = 0
    try:
        if mode == "index":
            assert target is not None
            name, _, tag = target.rpartition(":")
            answer = await plain.get(f"/v2/{name}/manifests/{tag}")
            children = [(name, e["digest"]) for e in answer.json().get("manifests") or []]
            entries = len(children)

            async def child(name: str, digest: str) -> None:
                entry = (await plain.get(f"/v2/{name}/manifests/{digest}")).json()
                if isinstance(entry.get("config"), dict):
                    plain.requests += 1
                    await plain.http.get(f"/v2/{name}/blobs/{entry['config']['digest']}")

            await plain.pool(children, child)
        else:
            names = await plain.catalog(page)
            entries = len(names)
            if mode != "catalog":
                tags = await plain.tags(names)

                async def floor_tag(name: str, tag: str) -> None:
                    await plain.head(f"/v2/{name}/manifests/{tag}")

                await plain.pool(tags, floor_tag if mode == "floor" else plain.full_tag)
    finally:
        await plain.http.aclose()
    return {
        "seconds": time.perf_counter() - started,
        "requests": plain.requests,
        "tags": len(tags),
        "entries": entries,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("mode", choices=("catalog", "full", "floor", "index"))
    parser.add_argument("target", nargs="?", help="REPO:TAG for the index mode")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--page", type=int, default=1000, help="catalog page size (n=)")
    args = parser.parse_args()
    figures = asyncio.run(run(args.url, args.mode, args.target, args.concurrency, args.page))
    print(json.dumps(figures))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
