"""Walk a registry: repositories -> tags -> index -> platform manifests -> configs.

Requests run concurrently (the client bounds how many are in flight) and each
manifest digest of a repository is fetched once however many tags point at it.
Sizes are compressed sizes as the registry stores them: a platform's size is its
config plus its layers; a tag's unique size counts every blob once, and blobs used
by more than one platform (or tag, or repository) are reported as shared.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from buildtui.i18n import _, ngettext
from buildtui.l10n import count
from buildtui.registry.blobcache import BLOB_CAP, BlobCache, CachedReads
from buildtui.registry.classify import child_kind
from buildtui.registry.contents import (
    PREDICATE_TYPE_ANNOTATION,
    CacheConfig,
    Statement,
    decode_statement,
)
from buildtui.registry.errors import MalformedManifest, RegistryError

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
from buildtui.registry.tally import BlobTally, TagSummary, summary
from buildtui.registry.tasks import Memo


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
    unread: bool = False
    """Not read yet: an index of more than `entries` entries is read on demand."""

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


def platforms_text(platforms: Iterable[str]) -> str:
    """`linux/amd64 + linux/arm64`; a platform listed many times once, with its count
    (`linux/amd64 x10,000`: an index can list thousands of entries)."""
    counts: dict[str, int] = {}
    for platform in platforms:
        counts[platform] = counts.get(platform, 0) + 1
    return " + ".join(p if n == 1 else f"{p} x{n:,}" for p, n in counts.items())


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
    def unread(self) -> int:
        """Index entries not read yet (a large index is read on demand)."""
        return sum(1 for c in self.children if c.unread)

    @property
    def badge(self) -> str:
        """The lab's question answered: `linux/amd64 + linux/arm64`."""
        unreadable = sum(1 for c in self.children if c.manifest is None and not c.unread)
        unread = self.unread
        if self.platforms:
            text = platforms_text(str(p) for p in self.platforms)
            if unreadable:
                text += " " + ngettext(
                    "({count} index entry unreadable)",
                    "({count} index entries unreadable)",
                    unreadable,
                ).format(count=unreadable)
            if unread:
                text += " " + _("({unread} of {total} index entries not read yet)").format(
                    unread=count(unread), total=count(len(self.children))
                )
            return text
        if unread:
            return _("{count} index entries, not read yet").format(count=count(unread))
        if self.manifest.kind is Kind.IMAGE:
            return _("one platform (not known yet)")
        return _("no platforms ({kind})").format(kind=self.manifest.kind)

    @cached_property
    def _platform_of(self) -> dict[str, Platform]:
        """Entry digest -> its platform (an attestation names the entry it is about)."""
        found: dict[str, Platform] = {}
        for child in self.children:
            if child.platform is not None:
                found.setdefault(child.descriptor.digest, child.platform)
        return found

    def label(self, child: ChildReport) -> str:
        """How the pane names an index entry: its platform, or what an attestation is for."""
        if child.kind is Kind.ATTESTATION:
            target = child.descriptor.annotations.get(REFERENCE_DIGEST, "")
            platform = self._platform_of.get(target)
            if platform is not None:
                return _("attestation for {platform}").format(platform=platform)
            return _("attestation")
        return str(child.platform) if child.platform else child.kind.value

    def _blob_uses(self) -> dict[str, tuple[int, list[str]]]:
        uses: dict[str, tuple[int, dict[str, None]]] = {}
        owners: list[tuple[str, Manifest]] = []
        if not self.manifest.is_index or self.manifest.kind is Kind.CACHE:
            owners.append((self.reference, self.manifest))
        owners += [(self.label(c), c.manifest) for c in self.children if c.manifest]
        for owner, manifest in owners:
            for blob in manifest.blobs:
                uses.setdefault(blob.digest, (blob.size, {}))[1][owner] = None
        return {digest: (size, list(users)) for digest, (size, users) in uses.items()}

    @property
    def unique_size(self) -> int:
        """Every blob (configs and layers) of the tag counted once."""
        return sum(size for size, _unused in self._blob_uses().values())

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
        return ngettext(
            "{count} of {total} index entry cannot be read ({label}: {error})",
            "{count} of {total} index entries cannot be read ({label}: {error})",
            len(self.children),
        ).format(
            count=len(broken),
            total=len(self.children),
            label=self.label(broken[0]),
            error=broken[0].error,
        )

    def blob_digests(self) -> set[str]:
        return set(self._blob_uses())

    def blob_sizes(self) -> list[tuple[str, int]]:
        """Every blob of the tag once: (digest, size)."""
        sizes: dict[str, int] = {}
        if not self.manifest.is_index or self.manifest.kind is Kind.CACHE:
            for blob in self.manifest.blobs:
                sizes.setdefault(blob.digest, blob.size)
        for child in self.children:
            if child.manifest is not None:
                for blob in child.manifest.blobs:
                    sizes.setdefault(blob.digest, blob.size)
        return list(sizes.items())

    def summary(self) -> TagSummary:
        """What a listing shows of the tag (kept once the report is let go)."""
        return summary(
            self.kind,
            self.manifest.media_type,
            self.digest,
            (str(p) for p in self.platforms),
            sum(size for _digest, size in self.blob_sizes()),
            self.damaged,
            self.errors,
            self.unread,
        )


@dataclass(slots=True)
class TagEntry:
    repository: str
    tag: str
    report: ImageReport | None = None
    error: str | None = None
    digest: str | None = None
    """The digest of a manifest that was read but is not a manifest (`error` says why)."""
    summary: TagSummary | None = None
    """What a listing shows of it, when the scan let its report go (`keep`)."""

    def summarized(self) -> TagSummary | None:
        """What a listing shows of the tag (None when it could not be read)."""
        return self.report.summary() if self.report is not None else self.summary

    @property
    def damaged(self) -> str | None:
        if self.report is not None:
            return self.report.damaged
        return self.summary.damaged if self.summary is not None else None

    @property
    def failed(self) -> bool:
        """Could not be read, or is damaged."""
        return self.error is not None or self.damaged is not None


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
    tally: BlobTally = field(default_factory=BlobTally)
    """The blobs of the tags `record`ed (all of them, in a scan that lets reports go)."""

    def entries(self) -> list[TagEntry]:
        return [entry for tags in self.repositories.values() for entry in tags]

    def record(self, entry: TagEntry, keep: bool) -> TagEntry:
        """Count a tag just read, and the entry to keep for it: itself, or (not `keep`)
        one with its summary instead of its report."""
        report = entry.report
        if report is None:
            return entry
        self.tally.add(report.blob_sizes())
        if keep:
            return entry
        return TagEntry(
            entry.repository, entry.tag, None, entry.error, entry.digest, report.summary()
        )

    def _tallied(self) -> BlobTally:
        """The scan's own tally, or (a scan put together by hand) one of its reports."""
        if self.tally.tags:
            return self.tally
        tally = BlobTally()
        for entry in self.entries():
            if entry.report is not None:
                tally.add(entry.report.blob_sizes())
        return tally

    @property
    def unique_size(self) -> int:
        """Every blob of every tag counted once."""
        return self._tallied().unique_size

    @property
    def shared_count(self) -> int:
        """Blobs used by more than one tag (within or across repositories)."""
        return self._tallied().shared

    def _blob_uses(self) -> dict[str, tuple[int, list[str]]]:
        uses: dict[str, tuple[int, list[str]]] = {}
        for entry in self.entries():
            if entry.report is None:
                continue
            for digest, (size, _unused) in entry.report._blob_uses().items():
                users = uses.setdefault(digest, (size, []))[1]
                users.append(f"{entry.repository}:{entry.tag}")
        return uses

    @property
    def shared_blobs(self) -> tuple[SharedBlob, ...]:
        """Blobs used by more than one tag, and by which (of the reports kept)."""
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
                problems.append(
                    _("attestation layer {digest}: {error}").format(
                        digest=layer.digest, error=error
                    )
                )
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
            return None, (
                _("cache config {digest}: {error}").format(digest=descriptor.digest, error=error),
            )
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

    async def entry(
        self, repository: str, descriptor: Descriptor, *, configs: bool = True
    ) -> ChildReport:
        """One index entry read (on demand: a large index's entries are not read at once)."""
        return await self._child(repository, descriptor, configs, True)

    async def _children(
        self,
        repository: str,
        descriptors: tuple[Descriptor, ...],
        configs: bool,
        contents: bool,
        on_entry: EntryCallback | None,
    ) -> tuple[ChildReport, ...]:
        """Every entry read, a bounded number at a time (an index can list thousands)."""
        found: list[ChildReport | None] = [None] * len(descriptors)
        queue = iter(enumerate(descriptors))
        done = 0
        reported = 0.0

        async def worker() -> None:
            nonlocal done, reported
            for number, descriptor in queue:
                found[number] = await self._child(repository, descriptor, configs, contents)
                done += 1
                now = time.monotonic()
                if on_entry is not None and (done == len(found) or now - reported > 0.1):
                    reported = now
                    on_entry(done, len(found))

        workers = min(len(descriptors), max(1, self.client.max_concurrency * 2))
        await asyncio.gather(*(worker() for _worker in range(workers)))
        return tuple(child for child in found if child is not None)

    async def inspect(
        self,
        repository: str,
        reference: str,
        *,
        child_configs: bool = True,
        image_config: bool = True,
        contents: bool = True,
        entries: int | None = None,
        on_entry: EntryCallback | None = None,
    ) -> ImageReport:
        """A tag's or digest's manifest, its index entries, and image configs.

        `contents` also decodes what attestations and a BuildKit cache config say.
        An index of more than `entries` entries has only its first `entries` read: the
        others are `unread` (`entry` reads one); None reads them all, `on_entry` saying
        how many are read (`done, total`).
        The top manifest's failures raise (RegistryError); a child's are kept in its report.
        """
        manifest = await self.manifest(repository, reference)
        children: tuple[ChildReport, ...] = ()
        config = None
        cache = None
        statements: tuple[Statement, ...] = ()
        problems: tuple[str, ...] = ()
        if manifest.kind is Kind.INDEX:
            listed = manifest.manifests
            now = listed if entries is None else listed[:entries]
            children = await self._children(
                repository, now, child_configs, contents, on_entry
            ) + tuple(ChildReport(d, unread=True) for d in listed[len(now) :])
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


@dataclass(frozen=True)
class ScanProgress:
    """How far a scan is: the catalog read so far, the tag lists, the tags read."""

    repositories: int
    """Repositories in the catalog so far."""
    catalog_done: bool
    listed: int
    """Repositories whose tags are listed."""
    tags: int
    """Tags listed so far."""
    read: int
    """Tags read (inspected)."""

    @property
    def done(self) -> bool:
        return self.catalog_done and self.listed == self.repositories and self.read == self.tags


@dataclass(frozen=True)
class RepositoryListing:
    """One repository of a scan, all its tags read: what a listing prints of it."""

    name: str
    entries: list[TagEntry]
    error: str | None = None
    """Why its tags could not be listed."""
    cut: str | None = None
    """Why its tag list stops before its end."""


ProgressCallback = Callable[[ScanProgress], None]
EntryCallback = Callable[[int, int], None]
"""Index entries read so far, of how many."""
TagCallback = Callable[["TagEntry"], None]
RepositoryCallback = Callable[[RepositoryListing], None]
KeepReport = Callable[["TagEntry"], bool]
