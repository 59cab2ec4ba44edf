"""A lab submission as one OCI artifact: what it holds, its media types, its caps.

The artifact is an OCI image manifest (image-spec 1.1's artifact guidance): its
`artifactType` says what it is, its config is the empty descriptor (`{}`), and each
file of the submission is a layer named by its `org.opencontainers.image.title`:

- `submission.json`: who, when, each item's state, the earlier submissions
  (`…lab7.summary.v1+json`, 256 KiB at most);
- `lab7-report.md` (`text/markdown`, 4 MiB) and `lab7-report.html` (`text/html`, 8 MiB);
- `lab-records.json`: prunes, deletions, collections, cache sizes, proofs
  (`…lab7.records.v2+json`, 8 MiB);
- `builds.json`: each build's command, values masked, and summary
  (`…lab7.builds.v1+json`, 4 MiB);
- `digests.json`: every digest the evidence cites (`…lab7.digests.v1+json`, 1 MiB);
- the Dockerfiles of the cited builds, 8 at most (`…lab7.dockerfile.v1`, 1 MiB each).

The manifest is capped at 64 KiB and the whole submission at 32 MiB; the instructor's
side refuses anything above those caps before reading it (`classroom.schema`).
Nothing here is a build's whole log or the history's side file of `--build-arg`
values: no value leaves the machine.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from buildtui import __version__
from buildtui.i18n import _
from buildtui.l10n import count
from buildtui.lab_records import iso_time
from buildtui.registry.client import compute_digest
from buildtui.registry.models import OCI_EMPTY, OCI_MANIFEST

ARTIFACT_TYPE = "application/vnd.buildtui.lab7.submission.v1+json"
SUMMARY = "application/vnd.buildtui.lab7.summary.v1+json"
RECORDS = "application/vnd.buildtui.lab7.records.v2+json"
BUILDS = "application/vnd.buildtui.lab7.builds.v1+json"
DIGESTS = "application/vnd.buildtui.lab7.digests.v1+json"
DOCKERFILE = "application/vnd.buildtui.lab7.dockerfile.v1"
MARKDOWN = "text/markdown"
HTML = "text/html"
EMPTY_CONFIG = b"{}"

SUMMARY_NAME = "submission.json"
REPORT_MD = "lab7-report.md"
REPORT_HTML = "lab7-report.html"
RECORDS_NAME = "lab-records.json"
BUILDS_NAME = "builds.json"
DIGESTS_NAME = "digests.json"

KIB = 1024
MIB = 1024 * KIB
CAPS = {
    SUMMARY: 256 * KIB,
    MARKDOWN: 4 * MIB,
    HTML: 8 * MIB,
    RECORDS: 8 * MIB,
    BUILDS: 4 * MIB,
    DIGESTS: 1 * MIB,
    DOCKERFILE: 1 * MIB,
}
"""Bytes each kind of file may have at most."""
REQUIRED = {
    SUMMARY: SUMMARY_NAME,
    MARKDOWN: REPORT_MD,
    HTML: REPORT_HTML,
    RECORDS: RECORDS_NAME,
    BUILDS: BUILDS_NAME,
    DIGESTS: DIGESTS_NAME,
}
"""The files every submission has, once each, by media type."""
MAX_DOCKERFILES = 8
MANIFEST_CAP = 64 * KIB
TOTAL_CAP = 32 * MIB
EARLIER_KEPT = 50
"""Earlier submissions a submission lists at most (the newest)."""

TITLE = "org.opencontainers.image.title"
CREATED = "org.opencontainers.image.created"
STUDENT = "io.buildtui.lab7.student"
PROGRESS = "io.buildtui.lab7.progress"
PREVIOUS = "io.buildtui.lab7.previous"
VERSION = "io.buildtui.version"

SUMMARY_FORMAT = "buildtui lab7 submission"
BUILDS_FORMAT = "buildtui lab7 builds"
DIGESTS_FORMAT = "buildtui lab7 digests"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class BundleFile:
    name: str
    media_type: str
    data: bytes

    @property
    def digest(self) -> str:
        return compute_digest(self.data)

    @property
    def size(self) -> int:
        return len(self.data)

    def descriptor(self) -> dict[str, Any]:
        return {
            "mediaType": self.media_type,
            "digest": self.digest,
            "size": self.size,
            "annotations": {TITLE: self.name},
        }


@dataclass(frozen=True)
class Earlier:
    """An earlier submission of the same student, reachable by its digest."""

    digest: str
    created: float
    progress: str = ""


@dataclass(frozen=True)
class Evidence:
    """What a submission holds, before it is made a bundle (the earlier submissions are
    known only once the class's registry has been asked)."""

    student: str
    tag: str
    created: float
    language: str
    done: int
    total: int
    lab_registry: Mapping[str, str]
    """`host` and `url` of the lab's registry, which the digests are on."""
    items: Sequence[Mapping[str, Any]]
    report_md: str
    report_html: str
    records: Mapping[str, Any]
    builds: Mapping[str, Any]
    digests: Mapping[str, Any]
    dockerfiles: Sequence[tuple[str, str]] = ()
    """(file name, text) of each Dockerfile the cited builds used."""

    @property
    def progress(self) -> str:
        return f"{self.done}/{self.total}"


@dataclass(frozen=True)
class Bundle:
    student: str
    tag: str
    created: float
    progress: str
    files: tuple[BundleFile, ...]
    previous: str | None = None

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files)

    def manifest(self) -> bytes:
        """The OCI image manifest of the artifact (compact JSON, as pushed)."""
        annotations = {
            CREATED: iso_time(self.created),
            TITLE: f"Laboratory 7: {self.student}",
            STUDENT: self.student,
            PROGRESS: self.progress,
            VERSION: __version__,
        }
        if self.previous:
            annotations[PREVIOUS] = self.previous
        document = {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "artifactType": ARTIFACT_TYPE,
            "config": {
                "mediaType": OCI_EMPTY,
                "digest": compute_digest(EMPTY_CONFIG),
                "size": len(EMPTY_CONFIG),
            },
            "layers": [f.descriptor() for f in self.files],
            "annotations": annotations,
        }
        return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode("utf-8")

    def too_large(self) -> str | None:
        """Which file (or the whole) is above its cap, in a sentence; None: none."""
        for one in self.files:
            cap = CAPS[one.media_type]
            if one.size > cap:
                return over_cap(one.name, one.size, cap)
        if self.size > TOTAL_CAP:
            return over_cap(_("the whole submission"), self.size, TOTAL_CAP)
        manifest = len(self.manifest())
        if manifest > MANIFEST_CAP:
            return over_cap(_("its manifest"), manifest, MANIFEST_CAP)
        return None


def cap_text(cap: int) -> str:
    """A cap in binary units, as the caps are set (`4 MiB`, `256 KiB`)."""
    return f"{cap // MIB} MiB" if cap % MIB == 0 else f"{cap // KIB} KiB"


def over_cap(what: str, size: int, cap: int) -> str:
    """`what` is over `cap`, in a sentence that gives both in bytes."""
    return _("{what} is {size} bytes, above the {cap} ({cap_bytes} bytes) it may have").format(
        what=what, size=count(size), cap=cap_text(cap), cap_bytes=count(cap)
    )


def _json(document: Mapping[str, Any]) -> bytes:
    return json.dumps(document, indent=1, ensure_ascii=False).encode("utf-8")


def make_bundle(evidence: Evidence, earlier: Sequence[Earlier] = ()) -> Bundle:
    """The bundle of `evidence`; `earlier`: the student's submissions before it, newest
    first (the first is the one this one replaces under the tag)."""
    kept = list(earlier)[:EARLIER_KEPT]
    summary = {
        "format": SUMMARY_FORMAT,
        "version": FORMAT_VERSION,
        "student": evidence.student,
        "tag": evidence.tag,
        "created": iso_time(evidence.created),
        "buildtui": __version__,
        "language": evidence.language,
        "lab_registry": dict(evidence.lab_registry),
        "progress": {"done": evidence.done, "total": evidence.total},
        "items": [dict(item) for item in evidence.items],
        "earlier": [
            {"digest": e.digest, "created": iso_time(e.created), "progress": e.progress}
            for e in kept
        ],
    }
    files = [
        BundleFile(SUMMARY_NAME, SUMMARY, _json(summary)),
        BundleFile(REPORT_MD, MARKDOWN, evidence.report_md.encode("utf-8")),
        BundleFile(REPORT_HTML, HTML, evidence.report_html.encode("utf-8")),
        BundleFile(RECORDS_NAME, RECORDS, _json(evidence.records)),
        BundleFile(BUILDS_NAME, BUILDS, _json(evidence.builds)),
        BundleFile(DIGESTS_NAME, DIGESTS, _json(evidence.digests)),
    ]
    for name, text in list(evidence.dockerfiles)[:MAX_DOCKERFILES]:
        files.append(BundleFile(name, DOCKERFILE, text.encode("utf-8")))
    return Bundle(
        student=evidence.student,
        tag=evidence.tag,
        created=evidence.created,
        progress=evidence.progress,
        files=tuple(files),
        previous=kept[0].digest if kept else None,
    )
