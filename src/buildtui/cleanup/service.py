"""The clean-up service the pane and the CLI use: read, plan, delete, collect, verify.

Async methods talk HTTP (one reused registry client, async workers). A garbage
collection is the service's `collector` (`collector.py`: `service.collector.preview_gc`,
`collect_garbage`, `resume_gc`, …), which blocks on the docker CLI (thread workers) and
runs the collection in a detached process (`buildtui.cleanup.worker`); `exclusive` is
the lock a deletion holds so that no collection stops the registry under it (and the
other way round).
"""

from __future__ import annotations

import asyncio
import contextlib
import shlex
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence

import httpx

from buildtui.cleanup import space_reads
from buildtui.cleanup.accounting import planned_blobs
from buildtui.cleanup.backend import CleanupBackend as CleanupBackend  # the pane's interface
from buildtui.cleanup.collector import Collector
from buildtui.cleanup.container import RegistryContainer
from buildtui.cleanup.distribution import RegistryVersion
from buildtui.cleanup.docker_output import ContainerInfo
from buildtui.cleanup.errors import (
    BadInput,
    CleanupError,
    CollectionInterrupted,
    DeletionDisabled,
    RegistryUnavailable,
    deletion_refused,
    from_registry_error,
)
from buildtui.cleanup.execute import (
    DeletionResult,
    ExecutionFailed,
    ExecutionReport,
    ProgressCallback,
    execute_plan,
)
from buildtui.cleanup.gc import ContainerControl
from buildtui.cleanup.graph import GraphBuilder, RegistryGraph, TagRef
from buildtui.cleanup.journal import RegistryLock
from buildtui.cleanup.pending import PendingDeletions
from buildtui.cleanup.plan import Plan, Selection, plan_deletion
from buildtui.cleanup.retention import (
    RetentionChoice,
    RetentionRules,
    RuleError,
    TagDate,
    choose,
)
from buildtui.cleanup.space import SpaceIndex
from buildtui.cleanup.steps import StepAction
from buildtui.cleanup.verify import VerifyReport, verify_tags
from buildtui.engine.registry_container import (
    ContainerState,
    deletion_disabled_advice,
    inspect_registry_container,
    storage_copy_dir,
)
from buildtui.engine.registry_side import DockerSide
from buildtui.i18n import _
from buildtui.l10n import number
from buildtui.lab_records import RecordBook
from buildtui.registry.errors import DeleteDisabled, RegistryError, Unreachable
from buildtui.registry.models import Manifest
from buildtui.registry.reference import is_loopback, same_registry, split_host
from buildtui.registry.requests_thread import on_caller
from buildtui.registry.scan import ProgressCallback as ScanProgress
from buildtui.registry.service import EngineSide, RegistryService
from buildtui.settings import Settings, cli_prefix, data_dir


class CleanupService:
    """The lab registry (Settings.registry_url) and its container (Settings.registry_container)."""

    def __init__(
        self,
        settings: Settings,
        *,
        registry: RegistryService | None = None,
        container: ContainerControl | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        detached: bool | None = None,
        container_state: Callable[[], ContainerState] | None = None,
        pending: PendingDeletions | None = None,
        records: RecordBook | None = None,
        engine: EngineSide | None = None,
    ) -> None:
        """`container_state`: what `docker inspect` says of the container, for the fix of
        a registry that refuses deletions (by default the engine is asked). `engine`: what
        the registry service asks the engine, and this service too when the registry does
        not answer (by default the docker CLI of `settings`)."""
        self.settings = settings
        self.pending = pending or PendingDeletions()
        self.records = records or RecordBook()
        self.container: ContainerControl = container or RegistryContainer(settings)
        self.detached = container is None if detached is None else detached
        """Collect in a detached process (the real engine) or in this one (tests' fakes)."""
        self._transport = transport
        self._locked_by: asyncio.Task[object] | None = None
        """The task that holds the container's lock through `exclusive`, if any."""
        self._container_state = container_state or self._inspect_container
        self.collector = Collector(self)
        self.engine: EngineSide = engine or DockerSide(settings)
        # A registry that does not answer: its client's message says what to do about the
        # container, as the engine advises the registry service.
        self.registry_service = registry or RegistryService(
            settings,
            transport=transport,
            down_advice=self._down_advice,
            engine=self.engine,
        )

    @property
    def _docker(self) -> list[str]:
        # Hand-built argv: the hints print the exact docker commands that fix a problem.
        from buildtui.engine.client import docker_command

        return docker_command(self.settings)

    def _inspect_container(self) -> ContainerState:
        return inspect_registry_container(self.container_name, self._docker)

    def _down_advice(self) -> str:
        """What to do when nothing answers (blocking: asked off the event loop): the
        engine's advice about the container this service uses (the one that publishes
        the registry's port, once a collection or a reading has found it)."""
        return self.engine.down_advice(self.container_name, self.registry_service.base_url)

    async def _advised(self, error: CleanupError) -> CleanupError:
        """The error with the exact command that fixes it, from `docker inspect` (if any).

        A registry that does not answer says so itself (`_down_advice`).
        """
        url = self.registry_service.base_url
        if isinstance(error, DeletionDisabled) and error.unsupported:
            state = await asyncio.to_thread(self._container_state)
            copy_to = storage_copy_dir(data_dir(), self.container_name)
            advice = deletion_disabled_advice(state, url, copy_to, self._docker)
            advised: CleanupError = deletion_refused(
                self.registry, 405, b"UNSUPPORTED", fix=str(advice)
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

    def parse(self, text: str) -> Selection:
        """A reference typed by the user (`repo:tag`, `repo@digest`, with or without host)."""
        try:
            ref = self.registry_service.parse(text)
        except RegistryError as error:
            raise BadInput(str(from_registry_error(error))) from error
        if not same_registry(ref.registry, self.registry):
            raise BadInput(
                _(
                    "{text} is on {registry}, but the clean-up works on the lab "
                    "registry {registry2}; pass --registry {registry} to clean that one"
                ).format(text=text, registry=ref.registry, registry2=self.registry)
            )
        if ref.digest:
            return Selection(ref.repository, digest=ref.digest)
        return Selection(ref.repository, tag=ref.tag or "latest")

    # -- HTTP (async) ----------------------------------------------------------------

    async def load(self, on_progress: ScanProgress | None = None) -> RegistryGraph:
        """Scan the registry and, from the container's storage, its untagged manifests.

        The graph is built as the tags are read (each tag's nodes kept, its report let
        go): a plan's memory follows the registry's manifests, not their documents."""
        builder = GraphBuilder(self.registry_service.registry, self.registry_service.base_url)
        try:
            scan = await self.registry_service.scan(
                on_progress=on_progress, cached=False, keep=False, collect=builder.add
            )
        except RegistryError as error:
            raise await self._advised(from_registry_error(error)) from error
        revisions, warnings = await asyncio.to_thread(self._revisions)
        untagged: dict[str, list[Manifest]] = {}
        if revisions is not None:
            added = builder.graph.repositories
            wanted = [
                (name, digest)
                for name, digests in sorted(revisions.items())
                for digest in sorted(digests - set(added[name].manifests if name in added else ()))
            ]
            fetched = await asyncio.gather(*(self._fetch(name, d) for name, d in wanted))
            for (name, _unused), manifest in zip(wanted, fetched, strict=True):
                if manifest is not None:
                    untagged.setdefault(name, []).append(manifest)
        return builder.finish(scan, revisions=revisions, untagged=untagged, warnings=warnings)

    async def _fetch(self, repository: str, digest: str) -> Manifest | None:
        try:
            return await self.registry_service.manifest(repository, digest)
        except RegistryError:
            return None

    def _revisions(self) -> tuple[dict[str, set[str]] | None, list[str]]:
        """The storage listing, if the container serves this registry; else why not."""
        try:
            info = self.container.inspect()
            if self.container_mismatch(info) and is_loopback(self.registry):
                info = self.collector.resolve_container()[
                    0
                ]  # the container that publishes the port
            mismatch = self.container_mismatch(info)
            if mismatch:
                return None, [mismatch + _("; untagged manifests were not listed")]
            return self.container.revisions(info), []
        except CleanupError as error:
            return None, [_("untagged manifests were not listed: {error}").format(error=error)]

    def container_mismatch(self, info: ContainerInfo) -> str | None:
        """Why the container is not the registry the pane shows, or None if it is."""
        host, port = split_host(self.registry)
        if not is_loopback(self.registry):
            return _(
                "{registry} is not on this machine, so container {name} is not "
                "known to hold its storage"
            ).format(registry=self.registry, name=info.name)
        if port is not None and info.host_ports and port not in info.host_ports:
            return _(
                "container {name} publishes {ports}, not port {port} of "
                "{registry}: set registry_container to the container of "
                "{host}:{port}"
            ).format(
                name=info.name,
                ports=", ".join(info.ports),
                port=port,
                registry=self.registry,
                host=host,
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
        try:
            progress = on_caller(on_progress) if on_progress is not None else None
            report = await self.registry_service.call(  # the client open until the last step
                lambda client: execute_plan(plan, client, progress)
            )
        except (DeletionDisabled, RegistryUnavailable) as error:
            raise await self._advised(error) from error.__cause__
        except ExecutionFailed as error:  # midway: the report's error gets the fix too
            cause = error.__cause__
            translated = _translate_cause(cause, self.registry)
            if translated is None:
                raise
            error.report.error = str(await self._advised(translated))
            raise ExecutionFailed(error.report.summary(), error.report) from cause
        deletion = ", ".join(str(s) for s in plan.selections)
        # A data dir that cannot be written must not fail a deletion that is done: the
        # collection will then count its blobs as earlier garbage.
        with contextlib.suppress(OSError):
            self.pending.record(self.registry, deletion, planned_blobs(plan))
        with contextlib.suppress(OSError):  # for the lab guide and its report
            self.records.add_deletion(
                self.registry,
                deletion,
                sorted({s.node.kind.value for s in plan.steps if s.node is not None}),
                [str(r) for s in plan.steps for r in s.requests],
                plan.freed_bytes,
                blobs=[(b.digest, b.size) for b in plan.freed_blobs],
                digests=[s.digest for s in plan.steps if s.action is StepAction.DELETE],
            )
        return report

    async def verify(self, graph: RegistryGraph, tags: Sequence[TagRef]) -> VerifyReport:
        try:
            return await self.registry_service.call(lambda client: verify_tags(graph, tags, client))
        except RegistryError as error:
            raise await self._advised(from_registry_error(error)) from error

    async def delete_and_verify(
        self,
        plan: Plan,
        graph: RegistryGraph | None,
        on_progress: ProgressCallback | None = None,
        *,
        holder: str = "",
        on_deleted: Callable[[ExecutionReport], None] | None = None,
    ) -> DeletionResult:
        """Carry out `plan`, then check every tag it leaves against `graph` (the graph
        the plan was made from; None: nothing checked), the whole under the registry
        container's lock: no garbage collection stops the registry between the checks
        before the first request and the last HEAD of the verification. `holder` names
        the lock's holder for whoever it refuses (the command line by default); a caller
        that holds the lock already (`rm`, from its reading on) keeps it.

        `on_deleted` hears the report once the deletion is done, before the verification.
        ExecutionFailed when a step fails (the report says what was done; nothing is
        verified); another CleanupError when nothing was deleted (the lock, the checks);
        a verification that cannot run is the result's `verify_error`.
        """
        async with self.exclusive("deletion", holder):
            report = await self.execute(plan, on_progress)
            if on_deleted is not None:
                on_deleted(report)
            if graph is None:
                return DeletionResult(report, None)
            try:
                verification = await self.verify(graph, plan.remaining_tags)
            except CleanupError as error:
                return DeletionResult(report, None, error)
        return DeletionResult(report, verification)

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
                        _(
                            "{registry} does not answer {timeout} s after garbage "
                            "collection ({error}); check `docker ps` and `docker logs "
                            "{container_name}`"
                        ).format(
                            registry=self.registry,
                            timeout=number(timeout, 0),
                            error=error,
                            container_name=self.container_name,
                        )
                    ) from error
            await asyncio.sleep(0.2)

    async def aclose(self) -> None:
        await self.registry_service.aclose()

    # -- docker (blocking) -----------------------------------------------------------

    def at(self, url: str) -> CleanupService:
        """A service for the same registry at the address it answers at now (a restart
        gave its container a new host port)."""
        return CleanupService(self.settings.with_overrides({"registry_url": url}))

    def resuming(self, settings: Settings, container: ContainerControl) -> CleanupService:
        """A service for the collection a journal recorded (another container or engine)."""
        return CleanupService(
            settings,
            container=container,
            transport=self._transport,
            detached=False,
            pending=self.pending,
            records=self.records,
        )

    # -- the registry container's lock --------------------------------------------------

    @contextlib.asynccontextmanager
    async def exclusive(self, what: str, command: str = "") -> AsyncIterator[None]:
        """Hold the container's lock (a deletion: no collection stops the registry meanwhile).

        CollectionBusy when a collection runs; CollectionInterrupted when one was
        interrupted and may have left the registry stopped. The task that holds it may
        enter it again (it keeps the lock, whoever asks).
        """
        task = asyncio.current_task()
        if task is not None and task is self._locked_by:
            yield
            return

        def take() -> RegistryLock | None:
            info = self.collector.target()
            if info is None:
                return None
            key, journal = self.collector.key_and_interrupted(info)
            if journal is not None:
                raise CollectionInterrupted(journal.interruption())
            lock = RegistryLock.of(key, info.name)
            lock.acquire(what, command or shlex.join(["buildtui", *sys.argv[1:]]))
            return lock

        lock = await asyncio.to_thread(take)
        self._locked_by = task
        try:
            yield
        finally:
            self._locked_by = None
            if lock is not None:
                lock.release()

    # -- space, retention, version (space_reads) -----------------------------------------

    def space_index(self, graph: RegistryGraph) -> SpaceIndex:
        """The space of a loaded graph: every tag's figure, and any selection's (pure)."""
        return SpaceIndex(graph)

    async def tag_dates(self, graph: RegistryGraph, repository: str) -> dict[str, TagDate]:
        return await space_reads.tag_dates(self, graph, repository)

    async def retention(
        self, graph: RegistryGraph, repository: str, rules: RetentionRules
    ) -> RetentionChoice:
        """What the rules delete in `repository` (RuleError for rules that cannot apply)."""
        rules.check()
        if repository not in graph.repositories:
            raise RuleError(
                _("repository {repository} is not in {registry}").format(
                    repository=repository, registry=self.registry
                )
            )
        dates = await self.tag_dates(graph, repository)
        return choose(graph, repository, rules, dates, time.time())

    async def registry_version(self) -> RegistryVersion:
        return await space_reads.registry_version(self)


def _translate_cause(cause: BaseException | None, registry: str) -> CleanupError | None:
    """The clean-up error of a failed step's cause, when a command can fix it."""
    if isinstance(cause, DeletionDisabled) and cause.unsupported:
        return cause
    if isinstance(cause, DeleteDisabled):
        return deletion_refused(registry, 405, b"UNSUPPORTED")
    if isinstance(cause, Unreachable):
        return from_registry_error(cause)
    return None
