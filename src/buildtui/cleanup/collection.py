"""A garbage collection from start to end, as one sequence that keeps its journal.

`run_collection` reads every tag (while the registry still runs), stops the registry,
removes the empty repositories asked for, runs the collector, starts the registry,
waits until it answers and verifies every tag; each phase goes to the journal first.
The caller holds the registry container's lock meanwhile. In the app and the CLI it
runs in a detached process (`buildtui.cleanup.worker`), so that nothing that happens
to them (a hang-up, a terminate, a kill) leaves the registry stopped.

`resume_collection` finishes one whose own process died: it waits for a collector
still running, starts the registry if the collection stopped it, and verifies.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

from buildtui.cleanup.errors import Cancelled, CleanupError
from buildtui.cleanup.gc import (
    CollectionRequest,
    GcResult,
    ResumeResult,
    StepCallback,
    address_after,
)
from buildtui.cleanup.graph import RegistryGraph, TagRef
from buildtui.cleanup.journal import STOPPED_PHASES, Journal
from buildtui.cleanup.journal_codecs import (
    error_json,
    info_from_json,
    info_json,
    result_json,
    tags_from_json,
    tags_json,
    verification_json,
)
from buildtui.i18n import _

if TYPE_CHECKING:
    from buildtui.cleanup.gc import ContainerControl
    from buildtui.cleanup.verify import VerifyReport
    from buildtui.settings import Settings


class Accounting(Protocol):
    """The account of what a collection freed (`collector.Collector.account`)."""

    def account(self, result: GcResult) -> GcResult: ...


class Collecting(Protocol):
    """What a collection needs of the clean-up service (`service.CleanupService`): its
    container, its registry read and verified, the account of what was freed."""

    settings: Settings
    container: ContainerControl

    @property
    def collector(self) -> Accounting: ...

    @property
    def registry(self) -> str: ...

    async def load(self) -> RegistryGraph: ...

    async def wait_until_up(self, timeout: float = 20.0) -> None: ...

    async def verify(self, graph: RegistryGraph, tags: Sequence[TagRef]) -> VerifyReport: ...

    def at(self, url: str) -> Collecting:
        """The same service at another address."""
        ...

    async def aclose(self) -> None: ...


UP_TIMEOUT = 30.0
"""How long the registry may take to answer after it was started again."""


# -- the sequence -----------------------------------------------------------------------


def _service_at(service: Collecting, url: str | None) -> Collecting:
    """The same service, or a new one at the address the registry answers at now."""
    if url is None:
        return service
    return service.at(url)


async def run_collection(
    service: Collecting,
    journal: Journal,
    request: CollectionRequest,
    on_step: StepCallback | None = None,
    *,
    should_stop: Callable[[], bool] = lambda: False,
) -> GcResult:
    """The whole collection; the caller holds the container's lock. Its end is journaled.

    A journal that cannot be written before the registry is stopped stops the collection
    (JournalUnavailable: nothing was stopped); from the stop on, it never stops anything,
    and `journal.unsaved` says afterwards whether the last write failed."""
    try:
        result = await _collect(service, journal, request, on_step, should_stop)
    except CleanupError as error:
        journal.tolerant = True  # the error that ended it is the one to report
        journal.finish("cancelled" if isinstance(error, Cancelled) else "failed",
                       error=error_json(error))  # fmt: skip
        raise
    except BaseException as error:
        journal.tolerant = True
        journal.finish("failed", error={"type": "GcFailed", "message": repr(error)})
        raise
    # The account (and forgetting the deletions it settles) is part of the collection:
    # done here, in the process that outlives its caller, and kept in the journal.
    result = service.collector.account(result)
    journal.tolerant = True
    journal.finish("done", result=result_json(result))
    return result


async def _collect(
    service: Collecting,
    journal: Journal,
    request: CollectionRequest,
    on_step: StepCallback | None,
    should_stop: Callable[[], bool],
) -> GcResult:
    container = service.container

    def step(text: str) -> None:
        journal.step(text)
        if on_step is not None:
            on_step(text)

    def phase(name: str) -> None:
        if name == "stopping" and should_stop():
            raise Cancelled(_("the garbage collection was cancelled before anything was stopped"))
        journal.phase(name)  # "stopping" not written: raised, and nothing is stopped
        # From here the registry may be stopped: a journal write that fails (a full disk)
        # is tried again with the next one, and never keeps the registry from starting.
        journal.tolerant = True

    journal.update(pid=os.getpid(), state="running")
    info = await asyncio.to_thread(container.inspect)
    journal.update(was_running=info.running, info=info_json(info))
    graph: RegistryGraph | None = None
    if info.running:
        step(_("reading every tag"))
        graph = await service.load()
        journal.update(tags=tags_json(graph.tag_refs()))
    result = await asyncio.to_thread(
        lambda: container.collect(
            on_step=step,
            on_phase=phase,
            remove_repositories=request.remove_repositories,
            start_stopped=request.start_stopped,
            delete_untagged=request.delete_untagged,
            info=info,
        )
    )
    if result.left_stopped:
        return result
    after = await asyncio.to_thread(container.inspect)
    moved = address_after(service.settings.registry_url, info, after)
    warnings = list(result.warnings)
    if moved is not None:
        warnings.append(moved_message(info.name, service.settings.registry_url, moved))
        journal.update(registry_url_after=moved)
    result = replace(result, registry_url=moved, warnings=tuple(warnings))
    if should_stop():
        step(_("not verified: the collection's process was asked to stop"))
        note = _(
            "the tags were not verified: the collection's process was terminated "
            "after the registry was started again"
        )
        return replace(result, warnings=(*result.warnings, note))
    checker = _service_at(service, moved)
    try:
        step(_("waiting for the registry to answer"))
        journal.phase("waiting")
        await checker.wait_until_up(UP_TIMEOUT)
        journal.phase("verifying")
        step(_("verifying every tag"))
        if graph is None:
            graph = await checker.load()
            journal.update(tags=tags_json(graph.tag_refs()))
        verification = await checker.verify(graph, graph.tag_refs())
    finally:
        if checker is not service:
            await checker.aclose()
    if moved is not None:  # checked at the new address: say that one
        verification = replace(verification, registry=checker.registry)
    return replace(result, verification=verification)


def moved_message(container: str, before: str, after: str) -> str:
    return _(
        "{container} publishes its port on an ephemeral host port, and the restart "
        "gave it a new one: the registry answers at {after} now, not {before}. Use "
        "`buildtui --registry {after} ...` (and {value} in image references), or "
        "recreate it with a fixed host port (e.g. -p {value2}:5000) to keep its "
        "address"
    ).format(
        container=container,
        after=after,
        before=before,
        value=after.split("://", 1)[-1],
        value2=after.rsplit(":", 1)[-1],
    )


async def resume_collection(
    service: Collecting, journal: Journal, on_step: StepCallback | None = None
) -> ResumeResult:
    """Finish an interrupted collection; the caller holds the container's lock.

    The container is the one the journal recorded, found by its ID (`service.container`
    is named by it): renamed since, it is resumed by its name now; gone, nothing is."""
    say = on_step or (lambda _text: None)
    container = service.container
    phase = journal.phase_name
    # What its process had under way goes on without it: a `docker stop`, the collector's
    # `docker run`. The state the resume acts on is the one they leave.
    for pid in await asyncio.to_thread(container.commands_in_flight, journal.container):
        say(
            _(
                "waiting for the docker command (pid {pid}) that the collection had under way"
            ).format(pid=pid)
        )
        await asyncio.to_thread(container.wait_for_commands, journal.container)
        break
    for collector in await asyncio.to_thread(container.running_collectors, journal.container):
        say(_("waiting for the collector {value} that still runs").format(value=collector[:12]))
        await asyncio.to_thread(container.wait_for, collector)
    if journal.container_id:
        found = await asyncio.to_thread(container.find, journal.container_id)
    else:  # a journal of an older buildtui, before its container was inspected
        found = await asyncio.to_thread(container.inspect)
    if found is None:
        note = _(
            "the container {container} ({value}) that the collection stopped no "
            "longer exists: there is nothing to start or verify"
        ).format(container=journal.container, value=journal.container_id[:12])
        journal.finish("done", resumed=True, note=note)
        return ResumeResult(journal.container, False, None, None, note)
    info = found
    notes = []
    if info.name != journal.container:
        notes.append(
            _(
                "{container} was renamed {name} since the collection began: {name} "
                "({value}) was resumed"
            ).format(container=journal.container, name=info.name, value=info.id[:12])
        )
        say(notes[-1])
    before_data = journal.data.get("info")
    before = info_from_json(before_data) if isinstance(before_data, dict) else info
    started = False
    was_running = bool(journal.data.get("was_running"))
    started_by_us = was_running and phase in STOPPED_PHASES
    if not info.running and (started_by_us or journal.data.get("start_stopped")):
        say(_("starting {name}").format(name=info.name))
        await asyncio.to_thread(container.start, info)
        started = True
        info = await asyncio.to_thread(container.inspect)
    if not info.running:
        notes.append(
            _("{name} was stopped before the collection and stays stopped").format(name=info.name)
        )
        journal.finish("done", resumed=True, note="; ".join(notes))
        return ResumeResult(info.name, False, None, None, "; ".join(notes))
    moved = address_after(service.settings.registry_url, before, info)
    checker = _service_at(service, moved)
    try:
        say(_("waiting for the registry to answer"))
        await checker.wait_until_up(UP_TIMEOUT)
        say(_("verifying every tag"))
        graph = await checker.load()
        tags = tags_from_json(journal.data.get("tags")) or graph.tag_refs()
        verification = await checker.verify(graph, tags)
    finally:
        if checker is not service:
            await checker.aclose()
    if moved is not None:
        verification = replace(verification, registry=checker.registry)
    journal.tolerant = True  # verified: a journal that cannot say so is no failure of it
    journal.finish(
        "done",
        resumed=True,
        registry_url_after=moved,
        verification=verification_json(verification),
    )
    return ResumeResult(info.name, started, moved, verification, "; ".join(notes))
