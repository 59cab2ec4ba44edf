"""What the Registry pane needs from a registry (no httpx here: the UI imports it at start-up)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from buildtui.registry.crossref import CacheBreakdown
from buildtui.registry.errors import RegistryError
from buildtui.registry.models import Descriptor, ImageConfig, Listing, Manifest
from buildtui.registry.reference import Reference
from buildtui.registry.scan import ImageReport


class RegistryBrowser(Protocol):
    """What the Registry pane needs from a registry; fakes for tests implement the same."""

    @property
    def registry(self) -> str:
        """`host[:port]` as image references spell it."""
        ...

    async def repositories(self) -> Listing:
        """The catalog; its `cut` says why it stops early, if it does."""
        ...

    async def tags(self, repository: str) -> Listing:
        """A repository's tags; their `cut` says why they stop early, if they do."""
        ...

    async def inspect(self, repository: str, reference: str) -> ImageReport: ...

    async def breakdown(self, report: ImageReport) -> CacheBreakdown | None:
        """A cache image's layers against the registry's images; None for other kinds."""
        ...

    async def manifest(self, repository: str, digest: str) -> Manifest: ...

    async def config(self, repository: str, descriptor: Descriptor) -> ImageConfig: ...

    def parse(self, text: str) -> Reference: ...

    def open(self, address: str) -> RegistryBrowser:
        """A browser for another registry (raises BadReference for a bad address)."""
        ...

    def with_credentials(self, username: str, password: str) -> RegistryBrowser: ...

    def commands(self, ref: str) -> list[str]:
        """The docker commands that show the same thing as the pane does for `ref`."""
        ...

    async def aclose(self) -> None: ...


def equivalent_commands(ref: str, plain_http: bool) -> list[str]:
    insecure = " --insecure" if plain_http else ""
    return [
        f"docker buildx imagetools inspect {ref}",
        f"docker manifest inspect{insecure} {ref}",
    ]


@dataclass(frozen=True)
class TagResult:
    """One tag read (its report) or not (why)."""

    repository: str
    tag: str
    report: ImageReport | None
    error: RegistryError | None = None


async def inspect_tags(
    browser: RegistryBrowser,
    repository: str,
    tags: Iterable[str],
    on_batch: Callable[[list[TagResult]], None],
    *,
    at_once: int = 8,
    every: float = 0.05,
) -> None:
    """Each tag's report, `at_once` tags at a time in the order given (the first tags are
    read first); `on_batch` gets what was read in each `every` seconds, and the rest at
    the end, so a repository of a thousand tags is not a thousand messages."""
    batch: list[TagResult] = []

    def flush() -> None:
        if batch:
            on_batch(batch.copy())
            batch.clear()

    async def flush_often() -> None:
        while True:
            await asyncio.sleep(every)
            flush()

    queue = iter(tags)

    async def reader() -> None:
        for tag in queue:
            try:
                report = await browser.inspect(repository, tag)
            except RegistryError as error:
                batch.append(TagResult(repository, tag, None, error))
            else:
                batch.append(TagResult(repository, tag, report))

    flusher = asyncio.create_task(flush_often())
    try:
        await asyncio.gather(*(reader() for _ in range(max(1, at_once))))
    finally:
        flusher.cancel()
    flush()
