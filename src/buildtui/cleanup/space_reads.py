"""What the space view and the retention rules read besides the scan: the space of a
loaded graph, each tag's date, and the registry's version.

Dates, in order: the image config's `created` (HTTP, by digest), the tag's push time in
the registry container's storage (docker, only when the container serves this
registry), the manifest's `Last-Modified` (HTTP; distribution 2.8 sends none).
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING

from buildtui.cleanup.distribution import RegistryVersion, from_api
from buildtui.cleanup.errors import CleanupError
from buildtui.cleanup.graph import BlobRef, RegistryGraph, RepositoryGraph
from buildtui.cleanup.retention import (
    CREATED,
    LAST_MODIFIED,
    PUSHED,
    TagDate,
    parse_created,
    parse_http_date,
)
from buildtui.i18n import _
from buildtui.registry.errors import RegistryError
from buildtui.registry.models import IMAGE_CONFIG_TYPES, Descriptor, Kind

if TYPE_CHECKING:
    from buildtui.cleanup.service import CleanupService
    from buildtui.registry.client import RegistryClient


def config_blobs(repo: RepositoryGraph, digest: str) -> list[BlobRef]:
    """The image configs a tag's manifest stands on: its own, or its platforms' (an index)."""
    found: list[BlobRef] = []
    for reached in sorted(repo.closure([digest])):
        node = repo.manifests.get(reached)
        if node is None or node.kind is not Kind.IMAGE:
            continue
        found += [b for b in node.blobs if b.media_type in IMAGE_CONFIG_TYPES][:1]
    return found


async def _created(
    service: CleanupService, repository: str, blob: BlobRef
) -> tuple[float | None, str]:
    try:
        config = await service.registry_service.config(
            repository, Descriptor(blob.media_type, blob.digest, blob.size)
        )
    except RegistryError:
        return None, ""
    when = parse_created(config.created)
    if when is None and config.created:
        return None, _("its config says created {value}: not a real date").format(
            value=config.created[:32]
        )
    return when, ""


async def tag_dates(
    service: CleanupService, graph: RegistryGraph, repository: str
) -> dict[str, TagDate]:
    """Each tag of `repository` with its date and where it comes from."""
    repo = graph.repositories[repository]
    digests = sorted(set(repo.tags.values()))
    by_digest: dict[str, tuple[float | None, str]] = {}

    async def one(digest: str) -> None:
        answers = await asyncio.gather(
            *(_created(service, repository, b) for b in config_blobs(repo, digest))
        )
        whens = [w for w, _note in answers if w is not None]
        notes = sorted({n for _w, n in answers if n})
        by_digest[digest] = (max(whens) if whens else None, "; ".join(notes))

    await asyncio.gather(*(one(d) for d in digests))
    dates: dict[str, TagDate] = {}
    missing: list[str] = []
    for tag, digest in repo.tags.items():
        when, note = by_digest.get(digest, (None, ""))
        if when is not None:
            dates[tag] = TagDate(when, CREATED)
        else:
            dates[tag] = TagDate(None, "", note)
            missing.append(tag)
    if missing:
        pushed = await asyncio.to_thread(_tag_times, service, repository)
        for tag in list(missing):
            if tag in pushed:
                dates[tag] = TagDate(pushed[tag], PUSHED, dates[tag].note)
                missing.remove(tag)
    for tag in missing:
        try:
            header = await service.registry_service.call(partial(_last_modified, repository, tag))
        except RegistryError:
            continue
        when = parse_http_date(header)
        if when is not None:
            dates[tag] = TagDate(when, LAST_MODIFIED, dates[tag].note)
    return dates


async def _last_modified(repository: str, tag: str, client: RegistryClient) -> str | None:
    return await client.manifest_last_modified(repository, tag)


def _tag_times(service: CleanupService, repository: str) -> dict[str, float]:
    """Push times from the container's storage, when it serves this registry; else none."""
    try:
        info = service.container.inspect()
        if service.container_mismatch(info):
            return {}
        return service.container.tag_times(info, repository)
    except CleanupError:
        return {}


async def registry_version(service: CleanupService) -> RegistryVersion:
    """The container's `registry --version` when it serves this registry (authoritative),
    else what the API root tells (no version)."""
    try:
        info = await asyncio.to_thread(service.container.inspect)
        if service.container_mismatch(info) is None:
            return await asyncio.to_thread(service.container.registry_version, info)
    except CleanupError:
        pass
    try:
        header = await service.registry_service.ping()
    except RegistryError:
        header = ""
    return from_api(header or "no Docker-Distribution-Api-Version header")
