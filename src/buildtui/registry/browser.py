"""What the Registry pane needs from a registry (no httpx here: the UI imports it at start-up)."""

from __future__ import annotations

import asyncio
import shlex
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from buildtui.registry.crossref import CacheBreakdown
from buildtui.registry.errors import RegistryError
from buildtui.registry.models import Descriptor, ImageConfig, Kind, Listing, Manifest
from buildtui.registry.reference import Reference
from buildtui.registry.scan import ChildReport, ImageReport

PageCallback = Callable[[list[str]], None]
"""Each page of the catalog's names, as it arrives."""


class RegistryBrowser(Protocol):
    """What the Registry pane needs from a registry; fakes for tests implement the same."""

    @property
    def registry(self) -> str:
        """`host[:port]` as image references spell it."""
        ...

    async def repositories(self, on_page: PageCallback | None = None) -> Listing:
        """The catalog; its `cut` says why it stops early, if it does. `on_page` gets each
        page's names as they arrive (on the caller's event loop)."""
        ...

    async def tags(self, repository: str) -> Listing:
        """A repository's tags; their `cut` says why they stop early, if they do."""
        ...

    async def inspect(
        self, repository: str, reference: str, *, entries: int | None = None
    ) -> ImageReport:
        """A tag's report; an index of more than `entries` entries has only its first
        `entries` read (the others are `unread`: `entry` reads one)."""
        ...

    async def entry(self, repository: str, descriptor: Descriptor) -> ChildReport:
        """One entry of an index, read."""
        ...

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

    def commands(self, report: ImageReport) -> list[str]:
        """The commands that show the same thing as the pane does for `report`'s
        reference, only those that work for its kind on this registry."""
        ...

    async def aclose(self) -> None: ...


READABLE_BY_DOCKER = (Kind.INDEX, Kind.IMAGE, Kind.ATTESTATION)
"""Kinds `docker manifest inspect` reads: it fails with a 500 on a cache image in the
index form (the entries of its "index" are layers, which it asks for as manifests)."""


def equivalent_commands(
    ref: str,
    kind: Kind,
    *,
    plain_http: bool,
    loopback: bool,
    manifest_url: str = "",
    media_type: str = "",
) -> list[str]:
    """The commands that show what the pane shows for `ref`, each one that works when
    pasted for that kind of reference on that registry (each is run against a real
    registry by `tests/integration/test_same_as_commands.py`):

    - `docker buildx imagetools inspect` speaks plain HTTP to a loopback registry only
      (elsewhere it tries HTTPS, whatever the engine's insecure registries say);
    - `docker manifest inspect` needs `--insecure` for plain HTTP, localhost included,
      and reads indexes, images and attestations only;
    - a cache image (or an artifact) shows as its document: `imagetools inspect --raw`,
      or where imagetools cannot reach the registry the GET the pane makes, with curl.
    """
    imagetools = loopback or not plain_http
    insecure = " --insecure" if plain_http else ""
    commands: list[str] = []
    if kind in READABLE_BY_DOCKER:
        if imagetools:
            commands.append(f"docker buildx imagetools inspect {ref}")
        commands.append(f"docker manifest inspect{insecure} {ref}")
    elif imagetools:
        commands.append(f"docker buildx imagetools inspect --raw {ref}")
    elif manifest_url:
        accept = shlex.quote(f"Accept: {media_type}") if media_type else ""
        header = f" -H {accept}" if accept else ""
        commands.append(f"curl -s{header} {shlex.quote(manifest_url)}")
    return commands


EAGER_ENTRIES = 32
"""Entries of an index the pane reads with its tag; the others when they are opened (an
index can list thousands, and a tag must show at once). buildx's indexes list a few."""


@dataclass(frozen=True)
class TagResult:
    """One tag read (its report) or not (why)."""

    repository: str
    tag: str
    report: ImageReport | None
    error: RegistryError | None = None


class TagReader(Protocol):
    """What `inspect_tags` needs of a registry (a `RegistryBrowser` is one)."""

    async def inspect(
        self, repository: str, reference: str, *, entries: int | None = None
    ) -> ImageReport: ...


async def inspect_tags(
    browser: TagReader,
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
                report = await browser.inspect(repository, tag, entries=EAGER_ENTRIES)
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
