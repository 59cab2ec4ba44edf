"""`buildtui lab submit` and the Lab pane's submit: the lab as one artifact in the class's
registry, tagged by the student's name.

Blocking (the guide's look, the report's HEAD requests, the upload): the pane calls it
from a thread worker.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from buildtui.classroom.bundle import Bundle, Earlier
from buildtui.classroom.collect import collect_evidence
from buildtui.classroom.names import StudentTag, name_problem, tag_for
from buildtui.classroom.ref import ClassRef, ClassRefError, parse_class_ref
from buildtui.classroom.remote import Pushed, SubmitError, push_submission
from buildtui.engine.registry_side import DockerSide
from buildtui.i18n import translator
from buildtui.lab.checklist import Observations
from buildtui.lab.service import LabService
from buildtui.registry.client import RegistryClient
from buildtui.registry.service import RegistryService

__all__ = ["ClassRefError", "SubmitError", "SubmitResult", "submit_lab"]

Opener = Callable[[str], RegistryService]
"""Opens the registry `host[:port]` of a class (tests give a fake's)."""


@dataclass(frozen=True)
class SubmitResult:
    ref: ClassRef
    student: StudentTag
    digest: str
    bundle: Bundle
    uploaded: tuple[bool, ...]
    earlier: tuple[Earlier, ...]
    replaced_other: str | None = None

    @property
    def reference(self) -> str:
        return self.ref.ref(self.student.tag)


def check_submission(
    to: str, student: str | None, _: Callable[[str], str]
) -> tuple[ClassRef, StudentTag]:
    """The class and the student's tag, or ClassRefError/SubmitError saying what to type."""
    ref = parse_class_ref(to)
    if not student:
        raise SubmitError(
            _("Give your name (--student NAME, or the student setting): it tags your submission.")
        )
    problem = name_problem(student)
    if problem is not None:
        raise SubmitError(problem)
    return ref, tag_for(student)


def submit_lab(
    lab: LabService,
    observations: Observations,
    to: str,
    student: str | None,
    language: str,
    *,
    replace: bool = False,
    opener: Opener | None = None,
    now: float | None = None,
) -> SubmitResult:
    """Gather the lab's evidence and push it to the class `to` (`HOST[:PORT]/REPO`)."""
    _ = translator(language)
    ref, tag = check_submission(to, student, _)
    evidence = collect_evidence(
        lab, observations, tag, language, time.time() if now is None else now
    )
    open_registry = opener or (
        lambda host: RegistryService(lab.settings, address=host, engine=DockerSide(lab.settings))
    )
    service = open_registry(ref.registry)

    async def push(client: RegistryClient) -> Pushed:
        return await push_submission(client, ref.repository, evidence, _, replace=replace)

    async def main() -> Pushed:
        try:
            return await service.call(push)
        finally:
            await service.aclose()

    pushed = asyncio.run(main())
    return SubmitResult(
        ref,
        tag,
        pushed.digest,
        pushed.bundle,
        pushed.uploaded,
        pushed.earlier,
        pushed.replaced_other,
    )
