"""A class over fakes: students' labs (fake lab services with captured builds) submitted
to an in-memory class registry, and submissions a student could have pushed by hand."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from buildtui.classroom.bundle import (
    ARTIFACT_TYPE,
    EMPTY_CONFIG,
    SUMMARY,
    TITLE,
)
from buildtui.classroom.ref import parse_class_ref
from buildtui.classroom.service import ClassListing, ClassRow, ClassService
from buildtui.classroom.submit import SubmitResult, submit_lab
from buildtui.lab.service import LabService
from buildtui.registry.auth import NoCredentials
from buildtui.registry.models import OCI_EMPTY, OCI_MANIFEST
from buildtui.registry.service import RegistryService
from buildtui.settings import Settings
from tests.fakes.cleanup import lab_fake_registry
from tests.fakes.lab import fake_lab_service, record_build
from tests.fakes.registry import FakeRegistry, digest_of

CLASS_HOST = "class.test:5000"
CLASS_REF = f"{CLASS_HOST}/lab7"
SUBMITTED = 4_000.0
"""When the fake students submit (after the fake guide looked, at 3600 s)."""


def class_registry() -> FakeRegistry:
    return FakeRegistry(host=CLASS_HOST)


def routed(*registries: FakeRegistry) -> httpx.MockTransport:
    """One transport for several fake registries, by the host a request goes to."""
    by_host = {registry.host: registry for registry in registries}

    def handle(request: httpx.Request) -> httpx.Response:
        host = f"{request.url.host}:{request.url.port}" if request.url.port else request.url.host
        registry = by_host.get(host)
        if registry is None:
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        return registry.handle(request)

    return httpx.MockTransport(handle)


def opener(registry: FakeRegistry, settings: Settings, *others: FakeRegistry) -> Any:
    transport = routed(registry, *others)
    return lambda host: RegistryService(
        settings, address=f"http://{host}", transport=transport, store=NoCredentials()
    )


def student_lab(data_dir: Path, *, second_build: bool = True, at: float = 100.0) -> LabService:
    """A student's lab: the lab registry and the lab's builds (the second optional), the
    first started at `at` (each student's builds start at their own times)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    lab = fake_lab_service(data_dir, lab_fake_registry())
    record_build(lab.history, "lab-first-build.log", at)
    if second_build:
        record_build(lab.history, "lab-second-build.log", at + 100.0)
    return lab


def copied_lab(source: Path, target: Path) -> LabService:
    """Another student's lab made from a copy of `source`'s data dir."""
    shutil.copytree(source, target)
    return fake_lab_service(target, lab_fake_registry())


def submit(
    lab: LabService,
    registry: FakeRegistry,
    student: str,
    *,
    now: float = SUBMITTED,
    ref: str = CLASS_REF,
    replace: bool = False,
    others: Sequence[FakeRegistry] = (),
) -> SubmitResult:
    return submit_lab(
        lab,
        lab.observe(),
        ref,
        student,
        "en",
        replace=replace,
        opener=opener(registry, lab.settings, *others),
        now=now,
    )


def class_service(
    registry: FakeRegistry, *others: FakeRegistry, settings: Settings | None = None
) -> ClassService:
    settings = settings or Settings()
    service = RegistryService(
        settings,
        address=f"http://{registry.host}",
        transport=routed(registry, *others),
        store=NoCredentials(),
    )
    return ClassService(settings, parse_class_ref(CLASS_REF), registry=service)


def read_class(service: ClassService) -> tuple[ClassListing, list[ClassRow]]:
    """The class as `class ls` reads it, and each row as it was handed over."""
    seen: list[ClassRow] = []

    async def main() -> ClassListing:
        try:
            return await service.read(seen.append)
        finally:
            await service.aclose()

    return asyncio.run(main()), seen


def push_raw(
    registry: FakeRegistry,
    tag: str,
    layers: Sequence[tuple[str, str, bytes]],
    *,
    annotations: dict[str, str] | None = None,
    artifact_type: str = ARTIFACT_TYPE,
    sizes: dict[str, int] | None = None,
) -> str:
    """A manifest a student could push by hand: (name, media type, bytes) layers; `sizes`
    declares other sizes than the bytes' (a lie)."""
    config = registry.add_blob(EMPTY_CONFIG, OCI_EMPTY)
    descriptors = []
    for name, media_type, data in layers:
        registry.blobs[digest_of(data)] = data
        descriptors.append(
            {
                "mediaType": media_type,
                "digest": digest_of(data),
                "size": (sizes or {}).get(name, len(data)),
                "annotations": {TITLE: name},
            }
        )
    document = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "artifactType": artifact_type,
        "config": config,
        "layers": descriptors,
        "annotations": annotations or {"io.buildtui.lab7.student": tag},
    }
    return str(registry.put_manifest("lab7", document, OCI_MANIFEST, tag)["digest"])


def submitted_layers(registry: FakeRegistry, tag: str) -> list[tuple[str, str, bytes]]:
    """The (name, media type, bytes) of each file of the submission under `tag`."""
    raw, _media = registry.manifests["lab7"][registry.tags["lab7"][tag]]
    return [
        (d["annotations"][TITLE], d["mediaType"], registry.blobs[d["digest"]])
        for d in json.loads(raw)["layers"]
    ]


def summary_of(registry: FakeRegistry, tag: str) -> dict[str, Any]:
    layers = submitted_layers(registry, tag)
    data = next(data for _name, kind, data in layers if kind == SUMMARY)
    summary: dict[str, Any] = json.loads(data)
    return summary


HOSTILE_NAME = "[@click=app.quit]Eve[/]\x1b]0;pwned\x07\u202eevil"
HOSTILE_REPORT = (
    "# Laboratory 7: report\n\n- Student: [bold red]Eve[/]\x1b[2J\x1b]52;c;cHduZWQ=\x07\n\n"
    "## 1. [@click=app.quit]quit[/]\n\n```\nRUN echo \x9b31m hi\n```\n"
)


def a_class(tmp_path: Path) -> FakeRegistry:
    """A class of five: two honest students, one who copied the first's data dir, one
    whose submission holds markup and control codes, and one that cannot be read."""
    registry = class_registry()
    submit(student_lab(tmp_path / "jan"), registry, "Jan Kowalski")
    submit(copied_lab(tmp_path / "jan", tmp_path / "piotr"), registry, "Piotr Zieliński")
    submit(student_lab(tmp_path / "ola", second_build=False, at=150.0), registry, "Ola Nowak")
    layers = submitted_layers(registry, "ola-nowak")
    summary = json.loads(next(d for _n, k, d in layers if k == SUMMARY))
    summary["student"], summary["tag"] = HOSTILE_NAME, "eve"
    hostile = [
        (
            name,
            kind,
            json.dumps(summary).encode()
            if kind == SUMMARY
            else HOSTILE_REPORT.encode()
            if name == "lab7-report.md"
            else data,
        )
        for name, kind, data in layers
    ]
    push_raw(registry, "eve", hostile, annotations={"io.buildtui.lab7.student": HOSTILE_NAME})
    broken = [(n, k, b"{not json" if n == "builds.json" else d) for n, k, d in layers]
    push_raw(registry, "zed", broken, annotations={"io.buildtui.lab7.student": "Zed"})
    return registry
