"""Walk a registry: repositories -> tags -> index -> platform manifests -> configs.

Requests run concurrently (the client bounds how many are in flight) and each
manifest digest of a repository is fetched once however many tags point at it.
Sizes are compressed sizes as the registry stores them: a platform's size is its
config plus its layers; a tag's unique size counts every blob once, and blobs used
by more than one platform (or tag, or repository) are reported as shared.
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from buildtui.registry.blobcache import BLOB_CAP, BlobCache, CachedReads
from buildtui.registry.classify import child_kind
from buildtui.registry.contents import (
    PREDICATE_TYPE_ANNOTATION,
    CacheConfig,
    Statement,
    decode_statement,
)
from buildtui.registry.errors import MalformedManifest, NotFound, RegistryError

if TYPE_CHECKING:  # the client (and httpx) is loaded only where requests are made
    from buildtui.registry.client import RegistryClient
from buildtui.registry.models import (
    BUILDKIT_CACHE_CONFIG,
    IN_TOTO,
    REFERENCE_DIGEST,
    Descriptor,
    ImageConfig,
    Kind,
    Manifest,
    Platform,
)
from buildtui.registry.reference import join_reference
from buildtui.registry.tasks import shared_task

T = TypeVar("T")


@dataclass(frozen=True)
class ChildReport:
    """One entry of an index, with the manifest it points at (or why it could not be read)."""

    descriptor: Descriptor
    manifest: Manifest | None = None
    config: ImageConfig | None = None
    error: str | None = None
    raw: bytes | None = None
    statements: tuple[Statement, ...] = ()
    """What an attestation manifest says (its in-toto layers, decoded)."""

    @property
    def kind(self) -> Kind:
        if self.descriptor.is_attestation:
            return Kind.ATTESTATION
        return self.manifest.kind if self.manifest else child_kind(self.descriptor)

    @property
    def platform(self) -> Platform | None:
        return self.descriptor.platform

    @property
    def size(self) -> int:
        """Compressed size: config plus layers (0 when the manifest could not be read)."""
        return self.manifest.blob_size if self.manifest else 0


@dataclass(frozen=True)
class SharedBlob:
    digest: str
    size: int
    users: tuple[str, ...]


def _share(uses: dict[str, tuple[int, list[str]]]) -> tuple[SharedBlob, ...]:
    return tuple(
        SharedBlob(digest, size, tuple(users))
        for digest, (size, users) in sorted(uses.items())
        if len(set(users)) > 1
    )


@dataclass(frozen=True)
class ImageReport:
    """Everything known about one tag (or digest) of one repository."""

    registry: str
    repository: str
    reference: str
    manifest: Manifest
    children: tuple[ChildReport, ...] = ()
    config: ImageConfig | None = None
    cache: CacheConfig | None = None
    """A BuildKit cache's config, decoded."""
    statements: tuple[Statement, ...] = ()
    """An attestation manifest's statements (when it is inspected by itself)."""
    problems: tuple[str, ...] = ()
    """Blobs that could not be read for decoding (cache config, attestation layers)."""

    @property
    def ref(self) -> str:
        return f"{self.registry}/{join_reference(self.repository, self.reference)}"

    @property
    def digest(self) -> str:
        return self.manifest.digest

    @property
    def kind(self) -> Kind:
        return self.manifest.kind

    @property
    def images(self) -> tuple[ChildReport, ...]:
        """Index entries that are readable, runnable platform images (not attestations)."""
        return tuple(c for c in self.children if c.kind is Kind.IMAGE and c.manifest)

    @property
    def platforms(self) -> tuple[Platform, ...]:
        if self.manifest.kind is Kind.INDEX:
            return tuple(c.platform for c in self.images if c.platform is not None)
        if self.manifest.kind is Kind.IMAGE and self.config and self.config.platform:
            return (self.config.platform,)
        return ()

    @property
    def badge(self) -> str:
        """The lab's question answered: `linux/amd64 + linux/arm64`."""
        unreadable = sum(1 for c in self.children if c.manifest is None)
        if self.platforms:
            text = " + ".join(str(p) for p in self.platforms)
            if unreadable:
                text += (
                    f" ({unreadable} index {'entry' if unreadable == 1 else 'entries'} unreadable)"
                )
            return text
        if self.manifest.kind is Kind.IMAGE:
            return "one platform (not known yet)"
        return f"no platforms ({self.manifest.kind})"

    def label(self, child: ChildReport) -> str:
        """How the pane names an index entry: its platform, or what an attestation is for."""
        if child.kind is Kind.ATTESTATION:
            target = child.descriptor.annotations.get(REFERENCE_DIGEST, "")
            for other in self.children:
                if other.descriptor.digest == target and other.platform is not None:
                    return f"attestation for {other.platform}"
            return "attestation"
        return str(child.platform) if child.platform else child.kind.value

    def _blob_uses(self) -> dict[str, tuple[int, list[str]]]:
        uses: dict[str, tuple[int, list[str]]] = {}
        owners: list[tuple[str, Manifest]] = []
        if not self.manifest.is_index or self.manifest.kind is Kind.CACHE:
            owners.append((self.reference, self.manifest))
        owners += [(self.label(c), c.manifest) for c in self.children if c.manifest]
        for owner, manifest in owners:
            for blob in manifest.blobs:
                _, users = uses.setdefault(blob.digest, (blob.size, []))
                if owner not in users:
                    users.append(owner)
        return uses

    @property
    def unique_size(self) -> int:
        """Every blob (configs and layers) of the tag counted once."""
        return sum(size for size, _ in self._blob_uses().values())

    @property
    def shared_blobs(self) -> tuple[SharedBlob, ...]:
        """Blobs used by more than one manifest of this tag."""
        return _share(self._blob_uses())

    @property
    def errors(self) -> tuple[str, ...]:
        return tuple(c.error for c in self.children if c.error)

    @property
    def damaged(self) -> str | None:
        """Why the tag is damaged (index entries that cannot be read), or None."""
        broken = [c for c in self.children if c.error]
        if not broken:
            return None
        entries = "entry" if len(self.children) == 1 else "entries"
        return (
            f"{len(broken)} of {len(self.children)} index {entries} cannot be read "
            f"({self.label(broken[0])}: {broken[0].error})"
        )

    def blob_digests(self) -> set[str]:
        return set(self._blob_uses())


@dataclass
class TagEntry:
    repository: str
    tag: str
    report: ImageReport | None = None
    error: str | None = None
    digest: str | None = None
    """The digest of a manifest that was read but is not a manifest (`error` says why)."""


@dataclass
class RegistryScan:
    """A whole registry: every repository, tag, manifest and what references what."""

    registry: str
    repositories: dict[str, list[TagEntry]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    """Repository -> why its tags could not be listed."""
    catalog_cut: str | None = None
    """Why the catalog stops before its end (a bound was hit), if it does."""
    tags_cut: dict[str, str] = field(default_factory=dict)
    """Repository -> why its tag list stops before its end."""
    requests: int = 0

    def entries(self) -> list[TagEntry]:
        return [entry for tags in self.repositories.values() for entry in tags]

    def _blob_uses(self) -> dict[str, tuple[int, list[str]]]:
        uses: dict[str, tuple[int, list[str]]] = {}
        for entry in self.entries():
            if entry.report is None:
                continue
            for digest, (size, _) in entry.report._blob_uses().items():
                users = uses.setdefault(digest, (size, []))[1]
                users.append(f"{entry.repository}:{entry.tag}")
        return uses

    @property
    def unique_size(self) -> int:
        return sum(size for size, _ in self._blob_uses().values())

    @property
    def shared_blobs(self) -> tuple[SharedBlob, ...]:
        """Blobs used by more than one tag (within or across repositories)."""
        return _share(self._blob_uses())

    def references(self) -> dict[tuple[str, str], tuple[str, ...]]:
        """(repository, manifest digest) -> the digests it points at (children or blobs)."""
        refs: dict[tuple[str, str], tuple[str, ...]] = {}
        for entry in self.entries():
            report = entry.report
            if report is None:
                continue
            top = report.manifest
            refs[(entry.repository, top.digest)] = tuple(
                d.digest for d in (top.manifests if top.is_index else top.blobs)
            )
            for child in report.children:
                if child.manifest:
                    refs[(entry.repository, child.manifest.digest)] = tuple(
                        b.digest for b in child.manifest.blobs
                    )
        return refs

    def tags_by_digest(self) -> dict[tuple[str, str], list[str]]:
        """(repository, manifest digest) -> the tags that point at it."""
        tags: dict[tuple[str, str], list[str]] = {}
        for entry in self.entries():
            if entry.report is not None:
                tags.setdefault((entry.repository, entry.report.digest), []).append(entry.tag)
        return tags


class Inspector:
    """Fetches manifests and configs for reports, each digest once per repository.

    Reads go through `CachedReads`: with a `BlobCache`, what is named by a digest comes
    from disk when it is kept there, and a tag costs one HEAD request.
    """

    def __init__(self, client: RegistryClient, cache: BlobCache | None = None) -> None:
        self.client = client
        self.reads = CachedReads(client, cache)
        self._manifests: Memo[Manifest] = Memo()
        self._configs: Memo[ImageConfig] = Memo()
        self._blobs: Memo[bytes] = Memo()

    async def manifest(self, repository: str, digest: str) -> Manifest:
        return await self._manifests.get(
            (repository, digest), lambda: self.reads.manifest(repository, digest)
        )

    async def blob(self, repository: str, digest: str) -> bytes:
        return await self._blobs.get(
            (repository, digest), lambda: self.reads.blob(repository, digest, BLOB_CAP)
        )

    async def config(self, repository: str, descriptor: Descriptor) -> ImageConfig:
        return await self._configs.get(
            (repository, descriptor.digest), lambda: self._config(repository, descriptor)
        )

    async def _config(self, repository: str, descriptor: Descriptor) -> ImageConfig:
        raw = await self.blob(repository, descriptor.digest)
        return _config_of(descriptor.digest, raw)

    async def statements(
        self, repository: str, manifest: Manifest
    ) -> tuple[tuple[Statement, ...], tuple[str, ...]]:
        """An attestation manifest's in-toto layers, decoded; and what could not be read."""
        layers = [layer for layer in manifest.layers if layer.media_type == IN_TOTO]
        found: list[Statement] = []
        problems: list[str] = []
        for layer in layers:
            try:
                raw = await self.blob(repository, layer.digest)
            except RegistryError as error:
                problems.append(f"attestation layer {layer.digest}: {error}")
                continue
            found.append(
                _statement_of(layer.digest, raw, layer.annotations.get(PREDICATE_TYPE_ANNOTATION))
            )
        return tuple(found), tuple(problems)

    async def cache_config(
        self, repository: str, manifest: Manifest
    ) -> tuple[CacheConfig | None, tuple[str, ...]]:
        """A cache image's config (either form), decoded; and what could not be read."""
        candidates = ((manifest.config,) if manifest.config else ()) + manifest.manifests
        descriptor = next(
            (d for d in candidates if d and d.media_type == BUILDKIT_CACHE_CONFIG), None
        )
        if descriptor is None:
            return None, ()
        try:
            raw = await self.blob(repository, descriptor.digest)
        except RegistryError as error:
            return None, (f"cache config {descriptor.digest}: {error}",)
        return _cache_config_of(descriptor.digest, raw), ()

    async def _child(
        self, repository: str, descriptor: Descriptor, configs: bool, contents: bool
    ) -> ChildReport:
        try:
            manifest = await self.manifest(repository, descriptor.digest)
        except MalformedManifest as error:
            return ChildReport(descriptor, error=str(error), raw=error.raw)
        except RegistryError as error:
            return ChildReport(descriptor, error=str(error))
        config = None
        if configs and manifest.kind is Kind.IMAGE and manifest.config is not None:
            try:
                config = await self.config(repository, manifest.config)
            except RegistryError as error:
                return ChildReport(descriptor, manifest, error=str(error))
        if contents and manifest.kind is Kind.ATTESTATION:
            statements, problems = await self.statements(repository, manifest)
            return ChildReport(
                descriptor, manifest, error="; ".join(problems) or None, statements=statements
            )
        return ChildReport(descriptor, manifest, config)

    async def inspect(
        self,
        repository: str,
        reference: str,
        *,
        child_configs: bool = True,
        image_config: bool = True,
        contents: bool = True,
    ) -> ImageReport:
        """A tag's or digest's manifest, its index entries, and image configs.

        `contents` also decodes what attestations and a BuildKit cache config say.
        The top manifest's failures raise (RegistryError); a child's are kept in its report.
        """
        manifest = await self.manifest(repository, reference)
        children: tuple[ChildReport, ...] = ()
        config = None
        cache = None
        statements: tuple[Statement, ...] = ()
        problems: tuple[str, ...] = ()
        if manifest.kind is Kind.INDEX:
            children = tuple(
                await asyncio.gather(
                    *(
                        self._child(repository, d, child_configs, contents)
                        for d in manifest.manifests
                    )
                )
            )
        elif image_config and manifest.kind is Kind.IMAGE and manifest.config is not None:
            try:
                config = await self.config(repository, manifest.config)
            except RegistryError:
                config = None
        elif contents and manifest.kind is Kind.CACHE:
            cache, problems = await self.cache_config(repository, manifest)
        elif contents and manifest.kind is Kind.ATTESTATION:
            statements, problems = await self.statements(repository, manifest)
        return ImageReport(
            self.client.registry,
            repository,
            reference,
            manifest,
            children,
            config,
            cache=cache,
            statements=statements,
            problems=problems,
        )


class Memo(Generic[T]):
    """Each key's value, computed once: callers that ask while it is computed share one
    task; once it is done, the value alone is kept. (A finished task would keep its
    coroutine, its context and anyio's state for it alive, about six objects that every
    pass of the garbage collector walks: a thousand-tag scan memoizes ~3,000 values, and
    the pass that walks them stops every thread, the app's keys included.) A failure is
    kept as its task, so that asking again raises it again."""

    def __init__(self) -> None:
        self._values: dict[tuple[str, str], T] = {}
        self._tasks: dict[tuple[str, str], asyncio.Task[T]] = {}

    async def get(self, key: tuple[str, str], compute: Callable[[], Coroutine[Any, Any, T]]) -> T:
        try:
            return self._values[key]
        except KeyError:
            pass
        task = self._tasks.get(key)
        if task is None:
            task = self._tasks[key] = shared_task(compute())
            task.add_done_callback(functools.partial(self._settled, key))
        return await asyncio.shield(task)

    def _settled(self, key: tuple[str, str], task: asyncio.Task[T]) -> None:
        if not task.cancelled() and task.exception() is None:
            self._values[key] = task.result()
            del self._tasks[key]


def _loads(raw: bytes) -> object:
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return None


# Decoders (run on the client's requests thread, in the app: off the keys' loop).


def _config_of(digest: str, raw: bytes) -> ImageConfig:
    return ImageConfig.from_json(digest, _loads(raw))


def _statement_of(digest: str, raw: bytes, predicate_type: str | None) -> Statement:
    return decode_statement(digest, _loads(raw), predicate_type)


def _cache_config_of(digest: str, raw: bytes) -> CacheConfig:
    return CacheConfig.from_json(digest, _loads(raw))


ProgressCallback = Callable[[int, int], None]
TagCallback = Callable[["TagEntry"], None]


async def scan_registry(
    client: RegistryClient,
    *,
    repositories: Iterable[str] | None = None,
    child_configs: bool = False,
    image_configs: bool = True,
    contents: bool = False,
    on_progress: ProgressCallback | None = None,
    on_tag: TagCallback | None = None,
    cache: BlobCache | None = None,
) -> RegistryScan:
    """Every repository, tag and child manifest, and single images' configs (their platform).

    `image_configs=False` leaves those configs out (single images' platforms stay unknown);
    `child_configs=True` also fetches every platform manifest's config (created time);
    `contents=True` decodes cache configs and attestations. With a `cache`, what is named
    by a digest is read from disk when kept there (each tag still resolved to its digest).
    `on_tag` is called with each tag's entry as soon as it is inspected.

    Listing the catalog failing raises; a repository or tag failing is recorded in the scan.
    """
    start = client.requests
    catalog_cut = None
    if repositories is None:
        listing = await client.repositories()
        names, catalog_cut = list(listing), listing.cut
    else:
        names = list(repositories)
    scan = RegistryScan(client.registry, {name: [] for name in names}, catalog_cut=catalog_cut)
    inspector = Inspector(client, cache)

    async def list_tags(name: str) -> None:
        try:
            tags = await client.tags(name)
        except NotFound as error:
            # distribution 2.8 lists a repository whose manifests were all pushed by digest
            # in its catalog, but answers NAME_UNKNOWN for its tag list: it has no tags.
            if repositories is not None or error.what != "repository":
                scan.errors[name] = str(error)
            return
        except RegistryError as error:
            scan.errors[name] = str(error)
            return
        scan.repositories[name] = [TagEntry(name, tag) for tag in tags]
        if tags.cut is not None:
            scan.tags_cut[name] = tags.cut

    await asyncio.gather(*(list_tags(name) for name in names))
    entries = scan.entries()
    done = 0

    async def inspect(entry: TagEntry) -> None:
        nonlocal done
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
        done += 1
        if on_tag is not None:
            on_tag(entry)
        if on_progress is not None:
            on_progress(done, len(entries))

    # A bounded pool of workers takes the tags in order (the first repository's first):
    # a task per tag would start a thousand of them in one turn of the event loop, and
    # the loop (the app's keys) would wait for all of them to take their first step.
    queue = iter(entries)

    async def worker() -> None:
        for entry in queue:
            await inspect(entry)

    workers = max(1, min(len(entries), client.max_concurrency * 2))
    try:
        await asyncio.gather(*(worker() for _ in range(workers)))
    finally:
        if cache is not None:
            cache.flush()  # what the scan kept, committed (writes are batched)
    scan.requests = client.requests - start
    return scan
