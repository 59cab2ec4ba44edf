"""After deletion and garbage collection: does every remaining tag still have all it needs?

Each remaining tag is HEADed (it must still point at the digest it had), then every
manifest it reaches (index entries included) and every config and layer blob they
reference is HEADed in the tag's repository: all must answer 200. Each (repository,
digest) is asked once however many tags share it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from buildtui.cleanup.graph import RegistryGraph, TagRef
from buildtui.i18n import _, ngettext
from buildtui.registry.errors import NotFound, RegistryError
from buildtui.registry.present import short_digest
from buildtui.registry.tasks import shared_task

if TYPE_CHECKING:
    from buildtui.registry.client import RegistryClient


@dataclass(frozen=True)
class TagCheck:
    """One remaining tag: what it points at now, how many objects were checked, problems."""

    ref: TagRef
    digest: str | None
    checked: int
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class VerifyReport:
    registry: str
    checks: tuple[TagCheck, ...]
    requests: int

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def failed(self) -> tuple[TagCheck, ...]:
        return tuple(check for check in self.checks if not check.ok)

    @property
    def objects(self) -> int:
        return sum(check.checked for check in self.checks)

    def summary(self) -> str:
        if self.ok:
            return ngettext(
                "{count} remaining tag on {registry} is complete: {objects} manifests and "
                "blobs answered 200",
                "all {count} remaining tags on {registry} are complete: {objects} manifests and "
                "blobs answered 200",
                len(self.checks),
            ).format(count=len(self.checks), registry=self.registry, objects=self.objects)
        return ngettext(
            "{count} remaining tag on {registry} is damaged (of {count2} checked): ",
            "{count} remaining tags on {registry} are damaged (of {count2} checked): ",
            len(self.failed),
        ).format(
            count=len(self.failed), count2=len(self.checks), registry=self.registry
        ) + "; ".join(f"{c.ref}: {c.problems[0]}" for c in self.failed)


class _Once:
    """Each (kind, repository, digest) asked once, concurrently shared."""

    def __init__(self) -> None:
        self.tasks: dict[tuple[str, str, str], asyncio.Task[str | None]] = {}

    async def ask(
        self, key: tuple[str, str, str], call: Callable[[], Coroutine[Any, Any, str | None]]
    ) -> str | None:
        if key not in self.tasks:
            self.tasks[key] = shared_task(call())
        return await asyncio.shield(self.tasks[key])


async def verify_tags(
    graph: RegistryGraph,
    tags: Sequence[TagRef],
    client: RegistryClient,
) -> VerifyReport:
    """Check `tags` (usually `plan.remaining_tags`) against what `graph` says they need;
    every request through `client` (the blobs' HEADs too, `RegistryWriter.on`)."""
    from buildtui.cleanup.http import RegistryWriter  # httpx: only when tags are verified

    writer = RegistryWriter.on(client)
    start = client.requests
    once = _Once()

    async def manifest(repository: str, digest: str) -> str | None:
        try:
            await client.head_manifest(repository, digest)
        except NotFound:
            return f"manifest {short_digest(digest)} answers 404"
        except RegistryError as error:
            return f"manifest {short_digest(digest)}: {error}"
        return None

    async def blob(repository: str, digest: str) -> str | None:
        try:
            status = await writer.blob_status(repository, digest)
        except RegistryError as error:
            return f"blob {short_digest(digest)}: {error}"
        return None if status == 200 else f"blob {short_digest(digest)} answers {status}"

    async def check(ref: TagRef) -> TagCheck:
        repo = graph.repositories.get(ref.repository)
        try:
            head = await client.head_manifest(ref.repository, ref.tag)
        except RegistryError as error:
            return TagCheck(
                ref, None, 1, (_("the tag cannot be read: {error}").format(error=error),)
            )
        if head.digest != ref.digest:
            return TagCheck(
                ref,
                head.digest,
                1,
                (
                    _(
                        "points at {digest}, not {digest2} as before (pushed again meanwhile?)"
                    ).format(digest=short_digest(head.digest), digest2=short_digest(ref.digest)),
                ),
            )
        asks: list[Awaitable[str | None]] = []
        for digest in sorted(repo.closure([ref.digest])) if repo else [ref.digest]:
            asks.append(
                once.ask(("m", ref.repository, digest), partial(manifest, ref.repository, digest))
            )
            node = repo.manifests.get(digest) if repo else None
            for item in node.blobs if node else ():
                asks.append(
                    once.ask(
                        ("b", ref.repository, item.digest),
                        partial(blob, ref.repository, item.digest),
                    )
                )
        results = await asyncio.gather(*asks)
        problems = tuple(dict.fromkeys(r for r in results if r))
        return TagCheck(ref, head.digest, 1 + len(asks), problems)

    checks = await asyncio.gather(*(check(ref) for ref in tags))
    return VerifyReport(graph.registry, tuple(checks), client.requests - start)
