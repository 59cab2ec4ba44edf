"""One registry scan (`scan_registry`, over the entries and reports of `scan.py`): the
catalog read page by page, each repository's tags listed and each tag read by a bounded
pool of workers, as the catalog arrives; each repository handed over in catalog order
once all its tags are read; how far it is, said at a bounded rate."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING

from buildtui.registry.blobcache import BlobCache
from buildtui.registry.errors import MalformedManifest, NotFound, RegistryError
from buildtui.registry.models import Listing
from buildtui.registry.scan import (
    Inspector,
    KeepReport,
    ProgressCallback,
    RegistryScan,
    RepositoryCallback,
    RepositoryListing,
    ScanProgress,
    TagCallback,
    TagEntry,
)

if TYPE_CHECKING:
    from buildtui.registry.client import RegistryClient

PROGRESS_EVERY = 0.1
"""Seconds between two progress reports (the last one always comes)."""


class Walk:
    """One scan's work, shared by a bounded pool of workers: list the catalog's
    repositories' tags and read each tag, in catalog order, as the catalog arrives.

    A worker reads a listed tag when enough are waiting, else lists the next repository's
    tags (a few tags ahead keep every worker busy): the work in flight, and what waits,
    stay bounded whatever the registry's size. Each repository is handed over
    (`on_repository`) in catalog order once all its tags are read."""

    def __init__(
        self,
        scan: RegistryScan,
        client: RegistryClient,
        inspect: Callable[[TagEntry], Awaitable[TagEntry]],
        *,
        named: bool,
        workers: int,
        on_progress: ProgressCallback | None,
        on_repository: RepositoryCallback | None,
    ) -> None:
        self.scan = scan
        self.client = client
        self.inspect = inspect
        self.named = named
        self.workers = workers
        self.on_progress = on_progress
        self.on_repository = on_repository
        self.names: list[str] = []
        self.catalog_done = False
        self.next_name = 0
        self.listing = 0
        self.waiting: deque[tuple[int, int]] = deque()
        """(repository number, tag number) of each listed tag not read yet."""
        self.left: list[int] = []
        """Per repository: its tags not read yet (-1: not listed yet)."""
        self.released = 0
        self.tags = 0
        self.read = 0
        self.changed = asyncio.Event()
        self._reported = 0.0

    def progress(self, force: bool = False) -> None:
        if self.on_progress is None:
            return
        now = time.monotonic()
        if force or now - self._reported >= PROGRESS_EVERY:
            self._reported = now
            self.on_progress(
                ScanProgress(
                    len(self.names),
                    self.catalog_done,
                    self.next_name - self.listing,
                    self.tags,
                    self.read,
                )
            )

    def add_names(self, names: Iterable[str]) -> None:
        for name in names:
            if name not in self.scan.repositories:
                self.scan.repositories[name] = []
                self.names.append(name)
                self.left.append(-1)
        self.changed.set()
        self.progress()

    def end_catalog(self) -> None:
        self.catalog_done = True
        self.changed.set()
        self.release()

    async def read_catalog(self) -> None:
        async for page, cut in self.client.iter_repositories():
            self.add_names(page)
            if cut is not None:
                self.scan.catalog_cut = cut
        self.end_catalog()

    async def list_tags(self, number: int) -> None:
        name = self.names[number]
        scan = self.scan
        try:
            tags = await self.client.tags(name)
        except NotFound as error:
            # distribution 2.8 lists a repository whose manifests were all pushed by digest
            # in its catalog, but answers NAME_UNKNOWN for its tag list: it has no tags.
            if self.named or error.what != "repository":
                scan.errors[name] = str(error)
            tags = Listing()
        except RegistryError as error:
            scan.errors[name] = str(error)
            tags = Listing()
        scan.repositories[name] = [TagEntry(name, tag) for tag in tags]
        if tags.cut is not None:
            scan.tags_cut[name] = tags.cut
        self.left[number] = len(tags)
        self.tags += len(tags)
        self.waiting.extend((number, n) for n in range(len(tags)))

    async def read_tag(self, number: int, position: int) -> None:
        entries = self.scan.repositories[self.names[number]]
        entries[position] = await self.inspect(entries[position])
        self.read += 1
        self.left[number] -= 1

    async def worker(self) -> None:
        while True:
            if self.waiting and (
                len(self.waiting) >= self.workers or self.next_name >= len(self.names)
            ):
                await self.read_tag(*self.waiting.popleft())
            elif self.next_name < len(self.names):
                number = self.next_name
                self.next_name += 1
                self.listing += 1
                try:
                    await self.list_tags(number)
                finally:
                    self.listing -= 1
                    self.changed.set()
            elif self.catalog_done and not self.listing:
                return
            else:
                self.changed.clear()
                await self.changed.wait()
                continue
            self.release()
            self.progress()

    def release(self) -> None:
        """Hand over, in catalog order, each repository whose tags are all read."""
        while self.released < len(self.names) and self.left[self.released] == 0:
            name = self.names[self.released]
            self.released += 1
            if self.on_repository is not None:
                scan = self.scan
                self.on_repository(
                    RepositoryListing(
                        name,
                        scan.repositories[name],
                        scan.errors.get(name),
                        scan.tags_cut.get(name),
                    )
                )

    async def run(self, names: list[str] | None) -> None:
        tasks = [asyncio.ensure_future(self.worker()) for _ in range(self.workers)]
        if names is None:
            tasks.append(asyncio.ensure_future(self.read_catalog()))
        else:
            self.add_names(names)
            self.end_catalog()
        try:
            await asyncio.gather(*tasks)
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        self.progress(force=True)


async def scan_registry(
    client: RegistryClient,
    *,
    repositories: Iterable[str] | None = None,
    child_configs: bool = False,
    image_configs: bool = True,
    contents: bool = False,
    on_progress: ProgressCallback | None = None,
    on_tag: TagCallback | None = None,
    on_repository: RepositoryCallback | None = None,
    keep: bool | KeepReport = True,
    cache: BlobCache | None = None,
) -> RegistryScan:
    """Every repository, tag and child manifest, and single images' configs (their platform).

    `image_configs=False` leaves those configs out (single images' platforms stay unknown);
    `child_configs=True` also fetches every platform manifest's config (created time);
    `contents=True` decodes cache configs and attestations. With a `cache`, what is named
    by a digest is read from disk when kept there (each tag still resolved to its digest).
    `on_tag` is called with each tag's entry (its whole report) as soon as it is read;
    `on_repository` with each repository, in catalog order, once all its tags are read;
    `on_progress` every PROGRESS_EVERY seconds at most, and at the end.
    `keep` says which reports the scan keeps (a function of the entry): the others are
    let go once handed to `on_tag`, their entries keeping a `TagSummary` (the scan's
    sizes count them all the same). A scan of a whole registry that keeps nothing holds a
    few hundred bytes per tag.

    Listing the catalog failing raises; a repository or tag failing is recorded in the scan.
    """
    start = client.requests
    scan = RegistryScan(client.registry)
    inspector = Inspector(client, cache)
    keeps: KeepReport = keep if callable(keep) else (lambda _entry: bool(keep))

    async def inspect(entry: TagEntry) -> TagEntry:
        try:
            entry.report = await inspector.inspect(
                entry.repository,
                entry.tag,
                child_configs=child_configs,
                image_config=image_configs,
                contents=contents,
            )
        except MalformedManifest as error:
            entry.error, entry.digest = str(error), error.digest
        except RegistryError as error:
            entry.error = str(error)
        if on_tag is not None:
            on_tag(entry)
        return scan.record(entry, keeps(entry))

    # A bounded pool of workers takes the tags in order (the first repository's first):
    # a task per tag would start a thousand of them in one turn of the event loop, and
    # the loop (the app's keys) would wait for all of them to take their first step.
    walk = Walk(
        scan,
        client,
        inspect,
        named=repositories is not None,
        workers=max(1, client.max_concurrency * 2),
        on_progress=on_progress,
        on_repository=on_repository,
    )
    try:
        await walk.run(list(repositories) if repositories is not None else None)
    finally:
        if cache is not None:
            cache.flush()  # what the scan kept, committed (writes are batched)
    scan.requests = client.requests - start
    return scan
