"""The clean-up service the pane and the CLI use: read, plan, delete, collect, verify.

Async methods talk HTTP (one reused registry client, async workers); `preview_gc` and
`collect_garbage` block on the docker CLI (thread workers).
"""

from __future__ import annotations

import asyncio
import contextlib
import shlex
import uuid
from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

import httpx

from buildtui.cleanup.accounting import account_for, planned_blobs
from buildtui.cleanup.backend import CleanupBackend as CleanupBackend  # the pane's interface
from buildtui.cleanup.docker_output import ContainerInfo
from buildtui.cleanup.errors import (
    CleanupError,
    RegistryProblem,
    RegistryUnavailable,
    from_registry_error,
)
from buildtui.cleanup.execute import ExecutionReport, ProgressCallback, execute_plan
from buildtui.cleanup.gc import GcPreview, GcResult, RegistryContainer, StepCallback
from buildtui.cleanup.graph import RegistryGraph, TagRef, graph_from_scan
from buildtui.cleanup.http import RegistryWriter
from buildtui.cleanup.pending import PendingDeletions
from buildtui.cleanup.plan import Plan, Selection, plan_deletion
from buildtui.cleanup.verify import VerifyReport, verify_tags
from buildtui.registry.errors import RegistryError
from buildtui.registry.models import Manifest
from buildtui.registry.reference import is_loopback, split_host
from buildtui.registry.scan import ProgressCallback as ScanProgress
from buildtui.registry.service import RegistryService
from buildtui.settings import Settings


def cli_prefix(settings: Settings) -> str:
    """`buildtui` with the flags that reach this registry and container, when they are not
    the defaults: a command the plan proposes then works pasted as it stands."""
    default = Settings()
    argv = ["buildtui"]
    if settings.registry_url != default.registry_url:
        argv += ["--registry", settings.registry_url]
    if settings.registry_container != default.registry_container:
        argv += ["--registry-container", settings.registry_container]
    if settings.docker_context:
        argv += ["--context", settings.docker_context]
    if settings.docker_host:
        argv += ["--host", settings.docker_host]
    return shlex.join(argv)


class ContainerControl(Protocol):
    """The registry container (RegistryContainer; a fake in tests)."""

    name: str

    def inspect(self) -> ContainerInfo: ...

    def revisions(self, info: ContainerInfo | None = None) -> dict[str, set[str]]: ...

    def preview(self) -> GcPreview: ...

    def collect(
        self,
        *,
        dry_run: bool = False,
        delete_untagged: bool = False,
        on_step: StepCallback | None = None,
    ) -> GcResult: ...


class CleanupService:
    """The lab registry (Settings.registry_url) and its container (Settings.registry_container)."""

    def __init__(
        self,
        settings: Settings,
        *,
        registry: RegistryService | None = None,
        container: ContainerControl | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        pending: PendingDeletions | None = None,
    ) -> None:
        self.settings = settings
        self.pending = pending or PendingDeletions()
        self.registry_service = registry or RegistryService(settings, transport=transport)
        self.container: ContainerControl = container or RegistryContainer(settings)
        self._transport = transport
        self._writer: RegistryWriter | None = None

    @property
    def registry(self) -> str:
        return self.registry_service.registry

    @property
    def container_name(self) -> str:
        return self.container.name

    @property
    def writer(self) -> RegistryWriter:
        if self._writer is None:
            service = self.registry_service
            self._writer = RegistryWriter(
                service.registry, service.base_url, service.client.auth, transport=self._transport
            )
        return self._writer

    def parse(self, text: str) -> Selection:
        """A reference typed by the user (`repo:tag`, `repo@digest`, with or without host)."""
        try:
            ref = self.registry_service.parse(text)
        except RegistryError as error:
            raise from_registry_error(error) from error
        if ref.registry != self.registry:
            raise RegistryProblem(
                f"{text} is on {ref.registry}, but the clean-up works on the lab registry "
                f"{self.registry}; pass --registry {ref.registry} to clean that one"
            )
        if ref.digest:
            return Selection(ref.repository, digest=ref.digest)
        return Selection(ref.repository, tag=ref.tag or "latest")

    # -- HTTP (async) ----------------------------------------------------------------

    async def load(self, on_progress: ScanProgress | None = None) -> RegistryGraph:
        """Scan the registry and, from the container's storage, its untagged manifests."""
        try:
            scan = await self.registry_service.scan(on_progress=on_progress)
        except RegistryError as error:
            raise from_registry_error(error) from error
        revisions, warnings = await asyncio.to_thread(self._revisions)
        untagged: dict[str, list[Manifest]] = {}
        if revisions is not None:
            known: dict[str, set[str]] = {}
            for entry in scan.entries():
                if entry.report is not None:
                    seen = known.setdefault(entry.repository, set())
                    seen.add(entry.report.digest)
                    seen.update(c.descriptor.digest for c in entry.report.children)
            wanted = [
                (name, digest)
                for name, digests in sorted(revisions.items())
                for digest in sorted(digests - known.get(name, set()))
            ]
            fetched = await asyncio.gather(*(self._fetch(name, d) for name, d in wanted))
            for (name, _), manifest in zip(wanted, fetched, strict=True):
                if manifest is not None:
                    untagged.setdefault(name, []).append(manifest)
        return graph_from_scan(
            scan,
            self.registry_service.base_url,
            revisions=revisions,
            untagged=untagged,
            warnings=warnings,
        )

    async def _fetch(self, repository: str, digest: str) -> Manifest | None:
        try:
            return await self.registry_service.manifest(repository, digest)
        except RegistryError:
            return None

    def _revisions(self) -> tuple[dict[str, set[str]] | None, list[str]]:
        """The storage listing, if the container serves this registry; else why not."""
        try:
            info = self.container.inspect()
            mismatch = self.container_mismatch(info)
            if mismatch:
                return None, [mismatch + "; untagged manifests were not listed"]
            return self.container.revisions(info), []
        except CleanupError as error:
            return None, [f"untagged manifests were not listed: {error}"]

    def container_mismatch(self, info: ContainerInfo) -> str | None:
        """Why the container is not the registry the pane shows, or None if it is."""
        host, port = split_host(self.registry)
        if not is_loopback(self.registry):
            return (
                f"{self.registry} is not on this machine, so container {info.name} is not "
                "known to hold its storage"
            )
        if port is not None and info.host_ports and port not in info.host_ports:
            return (
                f"container {info.name} publishes {', '.join(info.ports)}, not port {port} of "
                f"{self.registry}: set registry_container to the container of {host}:{port}"
            )
        return None

    def plan(
        self, graph: RegistryGraph, selections: Sequence[Selection], *, allow_tag_loss: bool = False
    ) -> Plan:
        return plan_deletion(
            graph,
            selections,
            allow_tag_loss=allow_tag_loss,
            nonce=uuid.uuid4().hex[:16],
            cli=cli_prefix(self.settings),
        )

    async def execute(
        self, plan: Plan, on_progress: ProgressCallback | None = None
    ) -> ExecutionReport:
        report = await execute_plan(plan, self.registry_service.client, self.writer, on_progress)
        deletion = ", ".join(str(s) for s in plan.selections)
        # A data dir that cannot be written must not fail a deletion that is done: the
        # collection will then count its blobs as earlier garbage.
        with contextlib.suppress(OSError):
            self.pending.record(self.registry, deletion, planned_blobs(plan))
        return report

    async def verify(self, graph: RegistryGraph, tags: Sequence[TagRef]) -> VerifyReport:
        try:
            return await verify_tags(graph, tags, self.registry_service.client, self.writer)
        except RegistryError as error:
            raise from_registry_error(error) from error

    async def wait_until_up(self, timeout: float = 20.0) -> None:
        """Wait for the registry to answer again (after garbage collection restarted it)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            try:
                await self.registry_service.ping()
                return
            except RegistryError as error:
                if loop.time() > deadline:
                    raise RegistryUnavailable(
                        f"{self.registry} does not answer {timeout:.0f} s after garbage "
                        f"collection ({error}); check `docker ps` and `docker logs "
                        f"{self.container_name}`"
                    ) from error
            await asyncio.sleep(0.2)

    async def aclose(self) -> None:
        if self._writer is not None:
            await self._writer.aclose()
            self._writer = None
        await self.registry_service.aclose()

    # -- docker (blocking) -----------------------------------------------------------

    def preview_gc(self) -> GcPreview:
        preview = self.container.preview()
        mismatch = self.container_mismatch(preview.info)
        if mismatch:
            return replace(preview, warnings=(*preview.warnings, mismatch))
        return preview

    def collect_garbage(self, on_step: StepCallback | None = None) -> GcResult:
        """Collect, then say which deleted blobs the recorded deletions planned; forget those."""
        result = self.container.collect(on_step=on_step)
        pending = self.pending.get(self.registry)
        account = account_for(
            pending.blobs, result.output, result.kb_before, result.kb_after, pending.deletions
        )
        if not result.dry_run:
            with contextlib.suppress(OSError):  # next time they show as "not deleted"
                self.pending.clear(self.registry)
        return replace(result, account=account)
