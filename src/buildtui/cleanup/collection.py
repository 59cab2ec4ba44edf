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
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields, replace
from typing import TYPE_CHECKING, Any

from buildtui.cleanup import errors
from buildtui.cleanup.accounting import account_from_json, account_json
from buildtui.cleanup.docker_output import ContainerInfo, parse_gc_output
from buildtui.cleanup.errors import Cancelled, CleanupError
from buildtui.cleanup.gc import GcResult, RepositoryRemoval, StepCallback, address_after
from buildtui.cleanup.graph import RegistryGraph, TagRef
from buildtui.cleanup.journal import STOPPED_PHASES, Journal
from buildtui.cleanup.verify import TagCheck, VerifyReport
from buildtui.i18n import _

if TYPE_CHECKING:
    from buildtui.cleanup.service import CleanupService

UP_TIMEOUT = 30.0
"""How long the registry may take to answer after it was started again."""


@dataclass(frozen=True)
class CollectionRequest:
    remove_repositories: tuple[str, ...] = ()
    start_stopped: bool = False
    delete_untagged: bool = False
    """-m: only where the container's registry is distribution 3 (it refuses otherwise)."""


@dataclass(frozen=True)
class ResumeResult:
    """What `buildtui gc --resume` did."""

    container: str
    started: bool
    registry_url: str | None
    verification: VerifyReport | None
    note: str = ""


# -- JSON for the journal ----------------------------------------------------------------


def info_json(info: ContainerInfo) -> dict[str, Any]:
    return asdict(info)


def info_from_json(data: dict[str, Any]) -> ContainerInfo:
    known = {f.name for f in fields(ContainerInfo)}
    values = {key: value for key, value in data.items() if key in known}
    for key in ("mounts", "ports", "host_ports", "bound_ports"):
        values[key] = tuple(values.get(key) or ())
    values["storage_env"] = tuple(tuple(pair) for pair in values.get("storage_env") or ())
    values["port_map"] = tuple(tuple(pair) for pair in values.get("port_map") or ())
    return ContainerInfo(**values)


def verification_json(report: VerifyReport) -> dict[str, Any]:
    return {
        "registry": report.registry,
        "requests": report.requests,
        "checks": [
            {
                "ref": asdict(check.ref),
                "digest": check.digest,
                "checked": check.checked,
                "problems": list(check.problems),
            }
            for check in report.checks
        ],
    }


def verification_from_json(data: dict[str, Any]) -> VerifyReport:
    checks = tuple(
        TagCheck(_tag(c["ref"]), c.get("digest"), int(c["checked"]), tuple(c["problems"]))
        for c in data.get("checks") or ()
    )
    return VerifyReport(str(data.get("registry") or ""), checks, int(data.get("requests") or 0))


def result_json(result: GcResult) -> dict[str, Any]:
    return {
        "info": info_json(result.info),
        "dry_run": result.dry_run,
        "output": result.output.text,
        "kb_before": result.kb_before,
        "kb_after": result.kb_after,
        "commands": list(result.commands),
        "ports_after": list(result.ports_after),
        "warnings": list(result.warnings),
        "repositories": [asdict(r) for r in result.repositories],
        "left_stopped": result.left_stopped,
        "registry_url": result.registry_url,
        "verification": (
            verification_json(result.verification) if result.verification is not None else None
        ),
        "account": account_json(result.account) if result.account is not None else None,
        "started": result.started,
    }


def result_from_json(data: dict[str, Any]) -> GcResult:
    verification = data.get("verification")
    account = data.get("account")
    return GcResult(
        info_from_json(data["info"]),
        bool(data.get("dry_run")),
        parse_gc_output(str(data.get("output") or "")),
        data.get("kb_before"),
        data.get("kb_after"),
        tuple(data.get("commands") or ()),
        tuple(data.get("ports_after") or ()),
        tuple(data.get("warnings") or ()),
        tuple(
            RepositoryRemoval(str(r["name"]), bool(r["removed"]), str(r.get("reason") or ""))
            for r in data.get("repositories") or ()
        ),
        bool(data.get("left_stopped")),
        data.get("registry_url"),
        verification_from_json(verification) if verification else None,
        account_from_json(account) if account else None,
        data.get("started"),
    )


def error_json(error: CleanupError) -> dict[str, Any]:
    return {"type": type(error).__name__, "message": str(error)}


def error_from_json(data: dict[str, Any]) -> CleanupError:
    """The error the collection's process met, as the same class (GcFailed if unknown)."""
    kind = getattr(errors, str(data.get("type")), None)
    message = str(data.get("message") or _("the garbage collection failed"))
    if isinstance(kind, type) and issubclass(kind, CleanupError):
        try:
            return kind(message)
        except TypeError:
            pass
    return errors.GcFailed(message)


def tags_json(tags: list[TagRef]) -> list[dict[str, str]]:
    return [asdict(tag) for tag in tags]


def _tag(data: dict[str, Any]) -> TagRef:
    return TagRef(str(data["repository"]), str(data["tag"]), str(data["digest"]))


def tags_from_json(data: Any) -> list[TagRef]:
    return [_tag(tag) for tag in data or ()]


# -- the sequence -----------------------------------------------------------------------


def _service_at(service: CleanupService, url: str | None) -> CleanupService:
    """The same service, or a new one at the address the registry answers at now."""
    if url is None:
        return service
    from buildtui.cleanup.service import CleanupService

    return CleanupService(service.settings.with_overrides({"registry_url": url}))


async def run_collection(
    service: CleanupService,
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
    result = service.account(result)
    journal.tolerant = True
    journal.finish("done", result=result_json(result))
    return result


async def _collect(
    service: CleanupService,
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
    service: CleanupService, journal: Journal, on_step: StepCallback | None = None
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
