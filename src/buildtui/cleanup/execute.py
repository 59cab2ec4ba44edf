"""Carry out a deletion plan: validate everything first, then send the requests in order.

Never half-done without saying so: before the first change every tag of every
repository the plan touches is listed and HEADed (same tags, same digests as
planned), every manifest to delete is HEADed, every throw-away digest is checked to
be new, and a DELETE of a digest no manifest has proves deletion is turned on. If a
request fails afterwards, `ExecutionFailed.report` lists what was done, what failed
and what was not run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from buildtui.cleanup.errors import (
    CleanupError,
    PlanRefused,
    RegistryChanged,
    deletion_refused,
    from_registry_error,
)
from buildtui.cleanup.plan import Plan
from buildtui.cleanup.steps import Step, StepAction
from buildtui.i18n import _, ngettext
from buildtui.registry.errors import DeleteDisabled, NotFound, RegistryError, UnexpectedResponse
from buildtui.registry.models import OCI_INDEX
from buildtui.registry.present import short_digest

if TYPE_CHECKING:
    from buildtui.cleanup.http import RegistryWriter
    from buildtui.cleanup.verify import VerifyReport
    from buildtui.registry.client import RegistryClient

ProgressCallback = Callable[[int, int, str], None]
"""(steps done, steps in all, what is happening now)."""


@dataclass
class ExecutionReport:
    """What a run of a plan did."""

    plan: Plan
    checks: list[str] = field(default_factory=list)
    done: list[Step] = field(default_factory=list)
    already_gone: list[Step] = field(default_factory=list)
    failed: Step | None = None
    error: str | None = None
    partial: str | None = None
    """What a failed step had already changed (e.g. a tag now on a throw-away manifest)."""
    not_run: list[Step] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.failed is None and not self.not_run

    def summary(self) -> str:
        total = len(self.plan.steps)
        if self.complete:
            return ngettext(
                "done: {total} step on {registry}; run garbage collection to reclaim the space",
                "done: {total} steps on {registry}; run garbage collection to reclaim the space",
                total,
            ).format(total=total, registry=self.plan.registry)
        assert self.failed is not None
        lines = [
            ngettext(
                "stopped after {count} of {total} step: {title} failed: {error}",
                "stopped after {count} of {total} steps: {title} failed: {error}",
                total,
            ).format(count=len(self.done), total=total, title=self.failed.title, error=self.error)
        ]
        if self.partial:
            lines.append(self.partial)
        if self.done:
            lines.append(_("done: {steps}").format(steps="; ".join(s.title for s in self.done)))
        if self.not_run:
            lines.append(
                _("not run: {steps}").format(steps="; ".join(s.title for s in self.not_run))
            )
        lines.append(_("Refresh, then plan again for what is left."))
        return "\n".join(lines)


@dataclass(frozen=True)
class DeletionResult:
    """A plan carried out, then the remaining tags checked (`CleanupService.delete`)."""

    report: ExecutionReport
    verification: VerifyReport | None
    """Every remaining tag checked after the deletion (None when it could not run, or
    without the graph the plan was made from)."""
    verify_error: CleanupError | None = None
    """Why the verification could not run; the deletion is done all the same."""


class ExecutionFailed(CleanupError):
    """A request failed midway; `report` says exactly what was done and what was not."""

    def __init__(self, message: str, report: ExecutionReport) -> None:
        super().__init__(message)
        self.report = report


async def validate_plan(plan: Plan, client: RegistryClient, writer: RegistryWriter) -> list[str]:
    """Check that the registry is still what the plan was made from; returns the checks made."""
    if plan.refusals:
        raise PlanRefused(
            _("the plan cannot run: {refusals}").format(refusals="; ".join(plan.refusals)),
            plan.refusals,
        )
    if not plan.steps:
        raise PlanRefused(_("the plan has nothing to do"))
    checks: list[str] = []
    changed: list[str] = []
    try:
        for repository, expected in plan.expected_tags.items():
            tags = await _tags(client, repository)
            added, gone = sorted(tags - set(expected)), sorted(set(expected) - tags)
            changed += [
                _("tag {repository}:{t} appeared").format(repository=repository, t=t) for t in added
            ]
            changed += [
                _("tag {repository}:{t} is gone").format(repository=repository, t=t) for t in gone
            ]
            heads = await asyncio.gather(
                *(client.head_manifest(repository, t) for t in sorted(set(expected) & tags))
            )
            for tag, head in zip(sorted(set(expected) & tags), heads, strict=True):
                if head.digest != expected[tag]:
                    changed.append(
                        _("tag {repository}:{tag} now points at {digest}, not {digest2}").format(
                            repository=repository,
                            tag=tag,
                            digest=short_digest(head.digest),
                            digest2=short_digest(expected[tag]),
                        )
                    )
            checks.append(
                ngettext(
                    "{repository}: {count} tag listed and HEADed",
                    "{repository}: {count} tags listed and HEADed",
                    len(tags),
                ).format(repository=repository, count=len(tags))
            )
        deletes = [s for s in plan.steps if s.action is StepAction.DELETE]
        found = await asyncio.gather(*(_exists(client, s.repository, s.digest) for s in deletes))
        # A manifest that could not be read when planning (an index entry already
        # deleted) may be missing still: that is no change (its DELETE will say so).
        changed += [
            _("{repository}@{digest} is no longer there").format(
                repository=s.repository, digest=short_digest(s.digest)
            )
            for s, present in zip(deletes, found, strict=True)
            if not present and (s.node is None or s.node.readable)
        ]
        checks.append(
            ngettext(
                "{count} manifest to delete HEADed",
                "{count} manifests to delete HEADed",
                len(deletes),
            ).format(count=len(deletes))
        )
        for step in plan.untag_steps:
            status = await writer.manifest_status(step.repository, step.digest)
            if status != 404:
                changed.append(
                    _("the throw-away manifest {digest} already exists in {repository}").format(
                        digest=short_digest(step.digest), repository=step.repository
                    )
                )
        if changed:
            raise RegistryChanged(
                _(
                    "{registry} changed since it was read: {changes}. Nothing was deleted: "
                    "refresh and plan again"
                ).format(registry=plan.registry, changes="; ".join(changed))
            )
        await writer.probe_delete(plan.steps[0].repository)
        checks.append(_("deletion is enabled (probe DELETE answered 404)"))
    except RegistryError as error:
        raise _translate(error, plan.registry) from error
    return checks


async def _tags(client: RegistryClient, repository: str) -> set[str]:
    """The repository's tags; none when distribution says NAME_UNKNOWN, as it does for a
    repository whose manifests were all pushed by digest (the plan read it from storage)."""
    try:
        return set(await client.tags(repository))
    except NotFound as error:
        if error.what != "repository":
            raise
        return set()


async def _exists(client: RegistryClient, repository: str, digest: str) -> bool:
    try:
        await client.head_manifest(repository, digest)
    except NotFound:
        return False
    return True


def _translate(error: RegistryError, registry: str) -> CleanupError:
    """The clean-up error for a registry error, a 405 with the way out."""
    if isinstance(error, DeleteDisabled):
        return deletion_refused(registry, 405, b"UNSUPPORTED")
    if isinstance(error, UnexpectedResponse) and "answered 405" in str(error):
        return deletion_refused(registry, 405, b"")  # read-only maintenance mode
    return from_registry_error(error)


async def execute_plan(
    plan: Plan, client: RegistryClient, on_progress: ProgressCallback | None = None
) -> ExecutionReport:
    """Validate, then run every step in order; raise ExecutionFailed with the report midway.

    Every request goes through `client`, the writes too (`RegistryWriter.on`)."""
    from buildtui.cleanup.http import RegistryWriter  # httpx: only when a plan runs

    writer = RegistryWriter.on(client)
    report = ExecutionReport(plan)
    total = len(plan.steps)
    if on_progress:
        on_progress(0, total, _("checking that the registry is as planned"))
    report.checks = await validate_plan(plan, client, writer)
    for index, step in enumerate(plan.steps):
        if on_progress:
            on_progress(index, total, step.title)
        try:
            gone = await _run_step(step, client, writer, report)
        except RegistryError as error:
            report.failed = step
            report.error = str(_translate(error, plan.registry))
            report.not_run = list(plan.steps[index + 1 :])
            raise ExecutionFailed(report.summary(), report) from error
        (report.already_gone if gone else report.done).append(step)
    if on_progress:
        on_progress(total, total, "done")
    return report


async def _run_step(
    step: Step, client: RegistryClient, writer: RegistryWriter, report: ExecutionReport
) -> bool:
    """Run one step; True when its manifest was already gone (nothing to do)."""
    if step.action is StepAction.UNTAG:
        assert step.tag is not None and step.placeholder is not None
        await writer.put_manifest(step.repository, step.tag, step.placeholder, OCI_INDEX)
        report.partial = _(
            "tag {repository}:{tag} now points at the throw-away manifest "
            "{digest}; remove it with: {curl}"
        ).format(
            repository=step.repository,
            tag=step.tag,
            digest=step.digest,
            curl=step.requests[1].curl(report.plan.base_url),
        )
    try:
        await client.delete_manifest(step.repository, step.digest)
    except NotFound:
        report.partial = None
        return True
    report.partial = None
    return False
