"""The clean-up service the pane and the CLI use: read, plan, delete, collect, verify.

Async methods talk HTTP (one reused registry client, async workers); `preview_gc` and
`resolve_container` block on the docker CLI (thread workers). `collect_garbage` starts
the collection in a detached process (`buildtui.cleanup.worker`) and follows its
journal; `exclusive` is the lock a deletion holds so that no collection stops the
registry under it (and the other way round).
"""

from __future__ import annotations

import asyncio
import contextlib
import shlex
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import replace
from pathlib import Path

import httpx

from buildtui.cleanup import space_reads
from buildtui.cleanup.accounting import account_for, planned_blobs
from buildtui.cleanup.backend import CleanupBackend as CleanupBackend  # the pane's interface
from buildtui.cleanup.collection import resume_collection, run_collection
from buildtui.cleanup.detach import follow_journal, spawn_worker
from buildtui.cleanup.distribution import RegistryVersion
from buildtui.cleanup.docker_output import ContainerInfo
from buildtui.cleanup.errors import (
    BadInput,
    CleanupError,
    CollectionBusy,
    CollectionInterrupted,
    ContainerNotFound,
    DeletionDisabled,
    EngineUnavailable,
    GcRefused,
    JournalDamaged,
    NotARegistryContainer,
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
from buildtui.cleanup.gc import (
    CollectionRequest,
    ContainerControl,
    GcPreview,
    GcResult,
    RegistryContainer,
    ResumeResult,
    StepCallback,
)
from buildtui.cleanup.graph import GraphBuilder, RegistryGraph, TagRef
from buildtui.cleanup.journal import ContainerKey, Journal, RegistryLock
from buildtui.cleanup.pending import PendingDeletions
from buildtui.cleanup.plan import Plan, Selection, plan_deletion
from buildtui.cleanup.recovery import (
    Unreadable,
    interrupted_journals,
    read_journal,
    unreadable_message,
    unreadable_state,
)
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
    registry_down_advice,
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
from buildtui.registry.service import RegistryService
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
    ) -> None:
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
        # A registry that does not answer: its client's message says what to do about the
        # container, from the same `docker inspect` as every other hint here.
        self.registry_service = registry or RegistryService(
            settings,
            transport=transport,
            down_advice=self._down_advice,
            engine=DockerSide(settings),
        )

    @property
    def _docker(self) -> list[str]:
        # Hand-built argv: the hints print the exact docker commands that fix a problem.
        from buildtui.engine.client import docker_command

        return docker_command(self.settings)

    def _inspect_container(self) -> ContainerState:
        return inspect_registry_container(self.container_name, self._docker)

    def _down_advice(self) -> str:
        """What to do when nothing answers (blocking: asked off the event loop)."""
        url = self.registry_service.base_url
        return str(registry_down_advice(self._container_state(), url, self._docker))

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
                info = self.resolve_container()[0]  # the container that publishes the port
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

    def resolve_container(self) -> tuple[ContainerInfo, tuple[str, ...]]:
        """The container that serves the registry's port, and warnings; GcRefused if none.

        When the configured container (registry7 by default) does not publish the port
        of the registry URL, the running container that does is used instead (and said
        so); when none does, the collection is refused: it would clean another registry.
        """
        info = self.container.inspect()
        warnings: list[str] = []
        _host, port = split_host(self.registry)
        if not is_loopback(self.registry):
            warnings.append(
                _(
                    "{registry} is not on this machine, so container {name} is not "
                    "known to hold its storage"
                ).format(registry=self.registry, name=info.name)
            )
        elif port is not None and not _publishes(info, port):
            others = [name for name in self.container.publishing(port) if name != info.name]
            published = ", ".join(info.ports) or _("no port")
            if not others:
                raise GcRefused(
                    _(
                        "container {name} publishes {published}, not port {port} of "
                        "{registry}, and no running container publishes port {port}: "
                        "garbage collection would clean another registry than "
                        "{registry}. "
                    ).format(name=info.name, published=published, port=port, registry=self.registry)
                    + _fix_for(info, self.settings)
                )
            other = self.container.named(others[0])
            info = other.inspect()  # NotARegistryContainer if it is not a registry
            self.container = other
            warnings.append(
                _(
                    "container {registry_container} publishes {published}, not port "
                    "{port} of {registry}; {name} publishes it, so garbage collection "
                    "runs in {name} (`buildtui --registry-container {name} ...` names "
                    "it directly)"
                ).format(
                    registry_container=self.settings.registry_container,
                    published=published,
                    port=port,
                    registry=self.registry,
                    name=info.name,
                )
            )
        ephemeral = info.ephemeral and port is not None and port not in info.bound_ports
        if info.running and ephemeral and port in info.host_ports:
            warnings.append(
                _(
                    "{name} publishes port {port} as an ephemeral host port: the "
                    "restart gives it a new port, and buildtui says which. Recreate it "
                    "with -p {port}:5000 to keep the address {registry}"
                ).format(name=info.name, port=port, registry=self.registry)
            )
        return info, tuple(warnings)

    def preview_gc(
        self,
        remove_repositories: Sequence[str] = (),
        *,
        start_stopped: bool = False,
        delete_untagged: bool = False,
    ) -> GcPreview:
        info, warnings = self.resolve_container()
        self.check_idle(info)  # a collection that runs (or was interrupted) may have stopped it
        preview = self.container.preview(delete_untagged=delete_untagged)
        info = preview.info
        commands = self.container.commands(
            info, dry_run=False, start_stopped=start_stopped, delete_untagged=delete_untagged
        )
        checks = tuple(
            self.container.remove_empty_repository(info, name, check=True)
            for name in remove_repositories
        )
        notes = list(warnings)
        if not info.running:
            notes.append(
                _("{name} is stopped: the collection runs in one-off containers and ").format(
                    name=info.name
                )
                + (
                    _("starts it afterwards (--start), then verifies every tag")
                    if start_stopped
                    else _(
                        "leaves it stopped (`buildtui gc --start` starts it afterwards "
                        "and verifies every tag)"
                    )
                )
            )
        return replace(
            preview,
            commands=commands,
            warnings=(*preview.warnings, *notes),
            repositories=checks,
        )

    # -- the lock and the journal ------------------------------------------------------

    def key_of(self, info: ContainerInfo) -> ContainerKey:
        """The container's key: the engine's ID and its own (blocking: `docker info`)."""
        return ContainerKey(self.container.engine_id(), info.id)

    def journal_of(self, key: ContainerKey) -> Journal | None:
        """The journal of that container (blocking). One that cannot be read is moved
        aside and JournalDamaged says what state the registry is in; something else than
        a regular file in its place is refused (UnusableFile)."""
        found = read_journal(Journal.path_for(key))
        if isinstance(found, Unreadable):
            if found.unusable:
                raise JournalDamaged(found.what())
            state = unreadable_state(found, self.container, self.settings)
            raise JournalDamaged(
                unreadable_message(found, state)
                + _(". Nothing else was done: run this again (the journal is out of the way)")
            )
        return found

    def _pending(self, info: ContainerInfo) -> tuple[ContainerKey, Journal | None]:
        """The container's key, and its collection to resume if one was interrupted."""
        key = self.key_of(info)
        journal = self.journal_of(key)
        return key, journal if journal is not None and journal.needs_resume() else None

    def _target(self) -> ContainerInfo | None:
        """The container of this registry (as a collection would choose it), or None
        when no container serves it here (a deletion then has no collection to fear)."""
        try:
            return self.resolve_container()[0]
        except (ContainerNotFound, NotARegistryContainer, EngineUnavailable, GcRefused):
            return None

    def interruption(self) -> str | None:
        """What an interrupted collection (this container's, or any) left to do, or None.

        Reads files only (the pane asks it on its event loop): a journal that cannot be
        read is left to the doctor and to `gc`, `rm`, which ask the engine about it."""
        pending = interrupted_journals()
        ours = [j for j in pending if j.container == self.container.name]
        return (ours or pending)[0].interruption() if pending else None

    def check_idle(self, info: ContainerInfo | None = None) -> None:
        """CollectionBusy if a collection (or deletion) runs, CollectionInterrupted if one
        was interrupted: the registry may be stopped (blocking)."""
        info = info or self._target()
        if info is None:
            return
        key, journal = self._pending(info)
        if journal is not None:
            raise CollectionInterrupted(journal.interruption())
        lock = RegistryLock.of(key, info.name)
        if lock.held():
            raise CollectionBusy(lock.busy_message())

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
            info = self._target()
            if info is None:
                return None
            key, journal = self._pending(info)
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

    async def collect_garbage(
        self,
        on_step: StepCallback | None = None,
        *,
        remove_repositories: Sequence[str] = (),
        start_stopped: bool = False,
        delete_untagged: bool = False,
    ) -> GcResult:
        """Collect garbage under the container's lock; the registry comes back in any case.

        `delete_untagged` (-m) only on distribution 3: the container refuses it otherwise.

        With `detached` (the real engine) the sequence runs in its own process and this
        only follows its journal: a kill of this process does not stop it.
        """
        info = (await asyncio.to_thread(self.resolve_container))[0]
        key, journal = await asyncio.to_thread(self._pending, info)
        if journal is not None:
            raise CollectionInterrupted(journal.interruption())
        lock = RegistryLock.of(key, info.name)
        command = shlex.join(["buildtui", *sys.argv[1:]]) if self.detached else "buildtui gc"
        fd = lock.acquire("garbage collection", command)
        try:
            journal = Journal.begin(
                self.settings.with_overrides({"registry_container": info.name}),
                key,
                info.name,
                remove_repositories=list(remove_repositories),
                start_stopped=start_stopped,
                delete_untagged=delete_untagged,
            )
            if not self.detached:
                request = CollectionRequest(
                    tuple(remove_repositories), start_stopped, delete_untagged
                )
                return await run_collection(self, journal, request, on_step)
            process = spawn_worker(journal, fd)
            journal.update(pid=process.pid)
            lock.describe("garbage collection", process.pid, command)
        finally:
            if self.detached:
                lock.forget()  # the worker holds the lock now (or nobody, if it failed)
            else:
                lock.release()
        return await follow_journal(journal, process, on_step, self.container)

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

    def account(self, result: GcResult) -> GcResult:
        """Which deleted blobs the recorded deletions planned (then forget those)."""
        pending = self.pending.get(self.registry)
        account = account_for(
            pending.blobs, result.output, result.kb_before, result.kb_after, pending.deletions
        )
        if not result.dry_run:
            with contextlib.suppress(OSError):  # next time they show as "not deleted"
                self.pending.clear(self.registry)
            verification = result.verification
            with contextlib.suppress(OSError):  # for the lab guide and its report
                self.records.add_collection(
                    self.registry,
                    result.info.name,
                    kb_before=result.kb_before,
                    kb_after=result.kb_after,
                    blobs_deleted=len(result.output.blobs),
                    deletions=pending.deletions,
                    tags_checked=len(verification.checks) if verification else 0,
                    problems=[
                        f"{c.ref}: {c.problems[0]}" for c in verification.failed if c.problems
                    ]
                    if verification
                    else [],
                    log=result.output.text.splitlines(),
                    started=result.started,
                )
        return replace(result, account=account)

    async def resume_gc(self, on_step: StepCallback | None = None) -> ResumeResult:
        """Finish an interrupted collection (of this container, or the only one there is).

        The registry is found by the container ID the journal recorded: a container
        renamed since is resumed by its name now, and another container that now bears
        the old name is not touched."""
        journal, own = await asyncio.to_thread(self._journal_to_resume)
        service = self
        recorded = journal.settings
        engine = (recorded.docker_context, recorded.docker_host)
        same_engine = engine == (self.settings.docker_context, self.settings.docker_host)
        mine = (
            own is not None
            and own.id == journal.container_id
            and recorded.registry_url == self.settings.registry_url
        )
        if not (mine and same_engine):
            control = self.container if same_engine else RegistryContainer(recorded)
            control = control.named(journal.container_id or journal.container)
            service = CleanupService(
                journal.settings.with_overrides({"registry_container": control.name}),
                container=control,
                transport=self._transport,
                detached=False,
                pending=self.pending,
                records=self.records,
            )
        lock = journal.lock()
        await asyncio.to_thread(lock.acquire, "garbage collection (resume)", "buildtui gc --resume")
        try:
            result = await resume_collection(service, journal, on_step)
        finally:
            lock.release()
            if service is not self:
                await service.aclose()
        if own is not None and journal.container_id and own.id != journal.container_id:
            untouched = _(
                "the container now named {name} ({value}) is another one: it was not touched"
            ).format(name=own.name, value=own.id[:12])
            note = (
                _("{note}; {untouched}").format(note=result.note, untouched=untouched)
                if result.note
                else untouched
            )
            result = replace(result, note=note)
        return result

    def _journal_to_resume(self) -> tuple[Journal, ContainerInfo | None]:
        """The journal to resume and the configured container as it is now (or None)."""
        try:
            own: ContainerInfo | None = self.container.inspect()
        except (ContainerNotFound, NotARegistryContainer):
            own = None
        last: Journal | None = None
        if own is not None:
            last = self.journal_of(self.key_of(own))
            if last is not None and last.needs_resume():
                return last, own
        pending = interrupted_journals()
        if len(pending) == 1:
            return pending[0], own
        if pending:
            raise CollectionInterrupted(
                _("several garbage collections were interrupted; resume each: ")
                + "; ".join(f"`{j.resume_command()}`" for j in pending)
            )
        if last is not None:
            history = _("the last one ended ({state})").format(state=last.state)
        elif own is not None and (aside := self._moved_aside(own)):
            history = _(
                "the journal of the last one could not be read and was moved to {aside}"
            ).format(aside=aside)
        else:
            history = _("none of {name} is recorded").format(name=self.container.name)
        raise GcRefused(
            _(
                "no interrupted garbage collection to resume: {history}; `buildtui "
                "doctor` shows the registry's state"
            ).format(history=history)
        )

    def _moved_aside(self, info: ContainerInfo) -> Path | None:
        path = Journal.path_for(self.key_of(info))
        found = sorted(path.parent.glob(f"{path.name}.bad-*"))
        return found[-1] if found else None


def _publishes(info: ContainerInfo, port: int) -> bool:
    """Whether the container publishes (or, stopped, asks for) host port `port`."""
    if info.running:
        return not info.host_ports or port in info.host_ports
    if port in info.bound_ports:
        return True
    return not info.bound_ports  # an ephemeral or no binding: cannot tell while it is stopped


def _fix_for(info: ContainerInfo, settings: Settings) -> str:
    ports = [host for cport, host in info.port_map if cport == "5000/tcp"] or list(info.host_ports)
    if ports and info.running:
        url = f"http://localhost:{ports[0]}"
        return _(
            "To collect in {name}, name its address: `buildtui --registry {url} "
            "gc`; or start the registry that should answer at {registry_url}"
        ).format(name=info.name, url=url, registry_url=settings.registry_url)
    return _(
        "Start the registry that should answer at {registry_url} (`docker ps -a` "
        "lists the containers), or pass --registry with its address"
    ).format(registry_url=settings.registry_url)


def _translate_cause(cause: BaseException | None, registry: str) -> CleanupError | None:
    """The clean-up error of a failed step's cause, when a command can fix it."""
    if isinstance(cause, DeletionDisabled) and cause.unsupported:
        return cause
    if isinstance(cause, DeleteDisabled):
        return deletion_refused(registry, 405, b"UNSUPPORTED")
    if isinstance(cause, Unreachable):
        return from_registry_error(cause)
    return None
