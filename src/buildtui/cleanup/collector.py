"""The garbage-collection half of the clean-up service: which container serves the
registry, its lock and journal, the collection (in a detached process, or here with the
tests' fakes), a collection resumed, and the account of what it freed.

Each `CleanupService` makes one, its `collector`, which the pane and the commands ask
for a collection; the collection sequence itself (`collection.py`) reads and verifies the
registry through the service.
"""

from __future__ import annotations

import asyncio
import contextlib
import shlex
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from buildtui.cleanup.accounting import account_for
from buildtui.cleanup.collection import resume_collection, run_collection
from buildtui.cleanup.container import RegistryContainer
from buildtui.cleanup.detach import follow_journal, spawn_worker
from buildtui.cleanup.docker_output import ContainerInfo
from buildtui.cleanup.errors import (
    CollectionBusy,
    CollectionInterrupted,
    ContainerNotFound,
    EngineUnavailable,
    GcRefused,
    JournalDamaged,
    NotARegistryContainer,
)
from buildtui.cleanup.gc import (
    CollectionRequest,
    ContainerControl,
    GcPreview,
    GcResult,
    ResumeResult,
    StepCallback,
)
from buildtui.cleanup.journal import ContainerKey, Journal, RegistryLock
from buildtui.cleanup.recovery import (
    Unreadable,
    interrupted_journals,
    read_journal,
    unreadable_message,
    unreadable_state,
)
from buildtui.i18n import _
from buildtui.registry.reference import is_loopback, split_host
from buildtui.settings import Settings, cli_prefix

if TYPE_CHECKING:
    from buildtui.cleanup.pending import PendingDeletions
    from buildtui.cleanup.service import CleanupService
    from buildtui.lab_records import RecordBook


class Collector:
    """The collection methods of one `CleanupService` (its container, settings, records)."""

    def __init__(self, service: CleanupService) -> None:
        self.service = service

    @property
    def settings(self) -> Settings:
        return self.service.settings

    @property
    def registry(self) -> str:
        return self.service.registry

    @property
    def container(self) -> ContainerControl:
        return self.service.container

    @container.setter
    def container(self, control: ContainerControl) -> None:
        self.service.container = control  # the service collects in the one found

    @property
    def detached(self) -> bool:
        return self.service.detached

    @property
    def pending(self) -> PendingDeletions:
        return self.service.pending

    @property
    def records(self) -> RecordBook:
        return self.service.records

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
                        "leaves it stopped (`{cli} gc --start` starts it afterwards "
                        "and verifies every tag)"
                    ).format(cli=cli_prefix(self.settings))
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

    def key_and_interrupted(self, info: ContainerInfo) -> tuple[ContainerKey, Journal | None]:
        """The container's key, and its collection to resume if one was interrupted."""
        key = self.key_of(info)
        journal = self.journal_of(key)
        return key, journal if journal is not None and journal.needs_resume() else None

    def target(self) -> ContainerInfo | None:
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
        info = info or self.target()
        if info is None:
            return
        key, journal = self.key_and_interrupted(info)
        if journal is not None:
            raise CollectionInterrupted(journal.interruption())
        lock = RegistryLock.of(key, info.name)
        if lock.held():
            raise CollectionBusy(lock.busy_message())

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
        key, journal = await asyncio.to_thread(self.key_and_interrupted, info)
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
                return await run_collection(self.service, journal, request, on_step)
            process = spawn_worker(journal, fd)
            journal.update(pid=process.pid)
            lock.describe("garbage collection", process.pid, command)
        finally:
            if self.detached:
                lock.forget()  # the worker holds the lock now (or nobody, if it failed)
            else:
                lock.release()
        return await follow_journal(journal, process, on_step, self.container)

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
        service = self.service
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
            service = self.service.resuming(
                journal.settings.with_overrides({"registry_container": control.name}), control
            )
        lock = journal.lock()
        await asyncio.to_thread(lock.acquire, "garbage collection (resume)", "buildtui gc --resume")
        try:
            result = await resume_collection(service, journal, on_step)
        finally:
            lock.release()
            if service is not self.service:
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
