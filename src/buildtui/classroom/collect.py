"""What a student hands in, gathered from what the Lab pane sees: the report (Markdown
and HTML), the lab's records, each build's command (values masked) and summary, the
Dockerfiles of the cited builds and every digest the evidence cites.

A build's whole log is not handed in (the report quotes the lines that prove each
step), nor the history's side file that keeps `--build-arg` values for `r`: each
command is masked again here, whatever the history gave back.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

from buildtui.builds.history import BuildEntry
from buildtui.builds.options import shown_command
from buildtui.classroom.bundle import (
    BUILDS_FORMAT,
    DIGESTS_FORMAT,
    FORMAT_VERSION,
    MAX_DOCKERFILES,
    REQUIRED,
    Evidence,
)
from buildtui.classroom.names import StudentTag
from buildtui.lab.build_command import registry_caches
from buildtui.lab.checklist import Guide, Observations
from buildtui.lab.service import LabService
from buildtui.lab_records import iso_time, records_document
from buildtui.logs import masked_argv
from buildtui.registry.errors import BadReference
from buildtui.registry.reference import parse_reference

_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
Key = tuple[str, str, str, bool]
"""(registry, repository, digest, is a blob)."""


def collect_evidence(
    service: LabService,
    observations: Observations,
    student: StudentTag,
    language: str,
    now: float,
) -> Evidence:
    """Everything a submission holds but the list of earlier submissions."""
    english = service.guide(observations, "en")
    markdown, html = service.reports(observations, language, ("md", "html"), student.name)
    settings = service.settings
    return Evidence(
        student=student.name,
        tag=student.tag,
        created=now,
        language=language,
        done=english.done,
        total=len(english.items),
        lab_registry={"host": settings.registry_host, "url": settings.registry_url},
        items=items_document(english),
        report_md=markdown,
        report_html=html,
        records=records_document(observations.records),
        builds=builds_document(observations.builds),
        digests=digests_document(observations, english),
        dockerfiles=dockerfiles(service, observations, english),
    )


def items_document(guide: Guide) -> list[dict[str, Any]]:
    return [
        {
            "number": item.number,
            "key": item.key,
            "title": item.title,
            "status": item.status.value,
            "proven_at": iso_time(item.proven_at) if item.proven_at is not None else None,
            "builds": list(item.build_ids),
            "records": list(item.records),
            "digests": [{"ref": ref, "digest": digest} for ref, digest in item.digests],
        }
        for item in guide.items
    ]


def builds_document(builds: Iterable[BuildEntry]) -> dict[str, Any]:
    """Each build's command with every `--build-arg` (and `--secret`) value masked, and
    its summary (masked as the build ran)."""
    return {
        "format": BUILDS_FORMAT,
        "version": FORMAT_VERSION,
        "builds": [
            {
                "id": build.id,
                "started": iso_time(build.started),
                "command": shown_command(masked_argv(build.argv)),
                "exit_code": build.exit_code,
                "canceled": build.canceled,
                "log_lines": build.log_lines,
                "summary": build.summary.to_json(),
                "imported": build.origin or build.source if build.imported else None,
            }
            for build in builds
        ],
    }


def _key(ref: str, digest: str, blob: bool = False) -> Key | None:
    try:
        parsed = parse_reference(ref)
    except BadReference:
        return None
    return parsed.registry, parsed.repository, digest, blob


def digests_document(observations: Observations, guide: Guide) -> dict[str, Any]:
    """Every digest the evidence cites, where it is (registry, repository), what cites
    it, and the deletion that removed it when the records hold one."""
    cited: dict[Key, list[str]] = {}

    def cite(key: Key | None, by: str) -> None:
        if key is not None and by not in cited.setdefault(key, []):
            cited[key].append(by)

    for item in guide.items:
        for ref, digest in item.digests:
            cite(_key(ref, digest), f"item {item.number}")
    host = observations.registry_host
    for build in observations.builds:
        for ref, digest in build.summary.pushed:
            cite(_key(ref, digest), f"build {build.id}")
        cache = observations.cache_digests.get(build.id)
        refs = registry_caches(build.argv, "--cache-to", host)
        if cache and refs:
            cite(_key(refs[0].get("ref", ""), cache), f"build {build.id}")
    records = observations.records
    for size in records.cache_sizes:
        cite(_key(size.cache_ref, size.cache_digest), size.id)
        cite(_key(size.image_ref, size.image_digest), size.id)
        cache_key = _key(size.cache_ref, size.cache_digest)
        for digest, _size in size.blobs:
            if cache_key is not None:
                cite((cache_key[0], cache_key[1], digest, True), size.id)
    for proof in records.proofs:
        for ref, digest in proof.digests:
            cite(_key(ref, digest), proof.id)
    deleted = {
        digest: deletion.id
        for deletion in records.deletions
        for digest in (*deletion.digests, *(d for d, _n in deletion.blobs))
    }
    return {
        "format": DIGESTS_FORMAT,
        "version": FORMAT_VERSION,
        "digests": [
            {
                "registry": registry,
                "repository": repository,
                "digest": digest,
                "kind": "blob" if blob else "manifest",
                "cited_by": by,
                "deleted_by": deleted.get(digest),
            }
            for (registry, repository, digest, blob), by in cited.items()
        ],
    }


def dockerfiles(
    service: LabService, observations: Observations, guide: Guide
) -> list[tuple[str, str]]:
    """(file name, text) of each Dockerfile the cited builds used, once each."""
    cited = sorted({b for item in guide.items for b in item.build_ids})
    known = {b.id for b in observations.builds}
    found: dict[str, tuple[str, str]] = {}
    taken = set(REQUIRED.values())
    for build_id in cited:
        if build_id not in known:
            continue
        evidence = service.evidence(build_id)
        if evidence is None or evidence.dockerfile_text is None:
            continue
        text = evidence.dockerfile_text
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if digest in found or len(found) == MAX_DOCKERFILES:
            continue
        name = file_name(os.path.basename(evidence.dockerfile or "Dockerfile"), taken)
        taken.add(name)
        found[digest] = (name, text)
    return list(found.values())


def file_name(name: str, taken: Mapping[str, object] | set[str]) -> str:
    """`name` as a plain file name (letters, digits, `. _ -`), not one of `taken`."""
    base = _UNSAFE_NAME.sub("-", name).strip(".-_")[:90] or "Dockerfile"
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}-{number}"
    return candidate
