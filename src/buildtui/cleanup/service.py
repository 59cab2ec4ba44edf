"""The clean-up service the pane and the CLI use: read, plan, delete, collect, verify.

Async methods talk HTTP (one reused registry client, async workers); `preview_gc` and
`collect_garbage` block on the docker CLI (thread workers).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Protocol

import httpx

from buildtui.cleanup.backend import CleanupBackend as CleanupBackend  # the pane's interface
from buildtui.cleanup.docker_output import ContainerInfo
from buildtui.cleanup.errors import (
    CleanupError,
    DeletionDisabled,
    ExecutionFailed,
    RegistryProblem,
    RegistryUnavailable,
    deletion_refused,
    from_registry_error,
)
from buildtui.cleanup.execute import ExecutionReport, ProgressCallback, execute_plan
from buildtui.cleanup.gc import GcPreview, GcResult, RegistryContainer, StepCallback
from buildtui.cleanup.graph import RegistryGraph, TagRef, graph_from_scan
from buildtui.cleanup.http import RegistryWriter
from buildtui.cleanup.plan import Plan, Selection, plan_deletion
from buildtui.cleanup.verify import VerifyReport, verify_tags
from buildtui.engine.registry_container import (
    ContainerState,
    deletion_disabled_advice,
    inspect_registry_container,
    registry_down_advice,
    storage_copy_dir,
)
from buildtui.registry.errors import DeleteDisabled, RegistryError, Unreachable
from buildtui.registry.models import Manifest
from buildtui.registry.reference import is_loopback, split_host
from buildtui.registry.scan import ProgressCallback as ScanProgress
from buildtui.registry.service import RegistryService
from buildtui.settings import Settings, data_dir


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
        container_state: Callable[[], ContainerState] | None = None,
    ) -> None:
        self.settings = settings
        self.registry_service = registry or RegistryService(settings, transport=transport)
        self.container: ContainerControl = container or RegistryContainer(settings)
        self._transport = transport
        self._writer: RegistryWriter | None = None
        self._container_state = container_state or self._inspect_container

    @property
    def _docker(self) -> list[str]:
        from buildtui.engine.client import docker_command

        return docker_command(self.settings)

    def _inspect_container(self) -> ContainerState:
        return inspect_registry_container(self.container_name, self._docker)

    async def _advised(
        self, error: CleanupError, cause: BaseException | None = None
    ) -> CleanupError:
        """The error with the exact command that fixes it, from `docker inspect` (if any).

        `cause` is the registry error behind it (by default its `__cause__`).
        """
        cause = cause or error.__cause__
        url = self.registry_service.base_url
        if isinstance(error, DeletionDisabled) and error.unsupported:
            state = await asyncio.to_thread(self._container_state)
            copy_to = storage_copy_dir(data_dir(), self.container_name)
            advice = deletion_disabled_advice(state, url, copy_to, self._docker)
            advised: CleanupError = deletion_refused(
                self.registry, 405, b"UNSUPPORTED", fix=str(advice)
            )
        elif isinstance(error, RegistryUnavailable) and isinstance(cause, Unreachable):
            state = await asyncio.to_thread(self._container_state)
            advised = RegistryUnavailable(
                f"{error}. {registry_down_advice(state, url, self._docker)}"
            )
        else:
            return error
        return advised

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
            raise await self._advised(from_registry_error(error), error) from error
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
            graph, selections, allow_tag_loss=allow_tag_loss, nonce=uuid.uuid4().hex[:16]
        )

    async def execute(
        self, plan: Plan, on_progress: ProgressCallback | None = None
    ) -> ExecutionReport:
        try:
            async with self.registry_service.hold() as client:  # open until the last step
                return await execute_plan(plan, client, self.writer, on_progress)
        except (DeletionDisabled, RegistryUnavailable) as error:
            raise await self._advised(error) from error.__cause__
        except ExecutionFailed as error:  # midway: the report's error gets the fix too
            cause = error.__cause__
            translated = _translate_cause(cause, self.registry)
            if translated is None:
                raise
            error.report.error = str(await self._advised(translated, cause))
            raise ExecutionFailed(error.report.summary(), error.report) from cause

    async def verify(self, graph: RegistryGraph, tags: Sequence[TagRef]) -> VerifyReport:
        try:
            async with self.registry_service.hold() as client:
                return await verify_tags(graph, tags, client, self.writer)
        except RegistryError as error:
            raise await self._advised(from_registry_error(error), error) from error

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
        return self.container.collect(on_step=on_step)


def _translate_cause(cause: BaseException | None, registry: str) -> CleanupError | None:
    """The clean-up error of a failed step's cause, when a command can fix it."""
    if isinstance(cause, DeletionDisabled) and cause.unsupported:
        return cause
    if isinstance(cause, DeleteDisabled):
        return deletion_refused(registry, 405, b"UNSUPPORTED")
    if isinstance(cause, Unreachable):
        return from_registry_error(cause)
    return None
