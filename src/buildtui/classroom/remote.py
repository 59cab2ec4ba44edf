"""Submissions in the class's registry: pushed by a student, read back by the instructor.

Both go through the app's one registry client (`registry.client`): blobs are uploaded
monolithically after a HEAD that skips those already there, the manifest is PUT under
the student's tag. A submission replaces the one under its tag; the ones before stay
in the registry by digest, each listed in the next one's `submission.json` (`earlier`)
and the latest in its `io.buildtui.lab7.previous` annotation.

Reading one back checks the manifest first (size, media types, caps: `schema`), then
fetches its JSON files, each capped at its declared size and checked against its digest.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from buildtui.classroom.bundle import (
    BUILDS,
    DIGESTS,
    EMPTY_CONFIG,
    MANIFEST_CAP,
    MARKDOWN,
    RECORDS,
    SUMMARY,
    Bundle,
    Earlier,
    Evidence,
    cap_text,
    make_bundle,
)
from buildtui.classroom.names import same_student
from buildtui.classroom.schema import (
    BuildFacts,
    CitedDigest,
    Layer,
    Malformed,
    SubmissionManifest,
    Summary,
    read_builds,
    read_digests,
    read_manifest,
    read_records,
    read_summary,
)
from buildtui.i18n import _
from buildtui.l10n import count
from buildtui.lab_records import LabRecords
from buildtui.registry.blobcache import BlobCache, CachedReads
from buildtui.registry.client import RegistryClient
from buildtui.registry.errors import ManifestTooLarge, NotFound, RegistryError
from buildtui.registry.models import OCI_MANIFEST
from buildtui.registry.reference import echo, is_loopback

Translate = Callable[[str], str]
LIST_BUDGET = 256 * 1024 * 1024
"""Bytes of submissions' files one listing reads at most (a real one is ~50 KiB)."""


class SubmitError(Exception):
    """A submission that is not sent; the message says why and what to do."""


# -- submitting ------------------------------------------------------------------------


@dataclass(frozen=True)
class Pushed:
    bundle: Bundle
    digest: str
    uploaded: tuple[bool, ...]
    """For each file of the bundle, whether it was uploaded (else it was there)."""
    earlier: tuple[Earlier, ...]
    replaced_other: str | None = None
    """What the tag held before when it was not this student's submission (`replace`)."""


async def earlier_submissions(
    client: RegistryClient,
    repository: str,
    evidence: Evidence,
    _: Translate,
    *,
    replace: bool = False,
) -> tuple[list[Earlier], str | None]:
    """The student's submissions before this one, newest first (from the one the tag
    holds now), and what the tag held if it was not one of theirs (only with
    `replace`: else SubmitError)."""
    tag = evidence.tag
    try:
        raw = await client.fetch_manifest(repository, tag, max_bytes=MANIFEST_CAP)
    except NotFound:  # the tag, or the whole repository: a first submission
        return [], None
    except ManifestTooLarge:
        raw = None
    problem: str | None = None
    manifest: SubmissionManifest | None = None
    if raw is None:
        problem = _("it is not a submission (its manifest is too large)")
    else:
        try:
            manifest = read_manifest(raw.raw, raw.digest)
        except Malformed as error:
            problem = str(error)
    if manifest is None or raw is None:
        if replace:
            return [], problem
        raise SubmitError(
            _(
                "The tag {tag} of {repository} already holds something that is not a lab "
                "submission ({problem}). Ask your instructor about it, or submit again with "
                "--replace to put yours in its place."
            ).format(tag=tag, repository=repository, problem=problem)
        )
    if not same_student(manifest.student, evidence.student):
        other = _("the submission of {name}").format(name=echo(manifest.student, 80))
        if replace:
            return [], other
        raise SubmitError(
            _(
                "The tag {tag} of {repository} holds the submission of {name}, not yours. If "
                "that is you under another spelling, submit with that name; otherwise give a "
                "name that tells you apart (e.g. with your student number), or submit with "
                "--replace to put yours in its place."
            ).format(tag=tag, repository=repository, name=echo(manifest.student, 80))
        )
    chain: Sequence[Earlier] = ()
    try:
        summary = read_summary(await _blob(client, repository, manifest.layer(SUMMARY)))
        chain = summary.earlier
        created = manifest.created if manifest.created is not None else summary.created
    except (Malformed, RegistryError):
        created = manifest.created or 0.0
    latest = Earlier(raw.digest, created, manifest.progress or "")
    return [latest, *(e for e in chain if e.digest != raw.digest)], None


async def push_submission(
    client: RegistryClient,
    repository: str,
    evidence: Evidence,
    _: Translate,
    *,
    replace: bool = False,
) -> Pushed:
    """Push `evidence` as one artifact tagged with the student's tag."""
    earlier, replaced = await earlier_submissions(client, repository, evidence, _, replace=replace)
    bundle = make_bundle(evidence, earlier)
    too_large = bundle.too_large()
    if too_large is not None:
        raise SubmitError(
            _("The submission is not sent: {problem}. Tell your instructor.").format(
                problem=too_large
            )
        )
    await client.push_blob(repository, EMPTY_CONFIG)
    uploaded = await asyncio.gather(
        *(client.push_blob(repository, one.data, one.digest) for one in bundle.files)
    )
    digest = await client.put_manifest(repository, bundle.tag, bundle.manifest(), OCI_MANIFEST)
    return Pushed(bundle, digest, tuple(uploaded), tuple(earlier), replaced)


# -- reading ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Submission:
    """One tag of the class's repository as read: a submission, or why it is not one."""

    tag: str
    digest: str | None = None
    manifest: SubmissionManifest | None = None
    summary: Summary | None = None
    builds: tuple[BuildFacts, ...] = ()
    digests: tuple[CitedDigest, ...] = ()
    records: LabRecords = field(default_factory=LabRecords)
    problem: str | None = None
    """Why it cannot be read (malformed, too large, missing, the registry's error)."""

    @property
    def student(self) -> str:
        if self.summary is not None:
            return self.summary.student
        return self.manifest.student if self.manifest is not None else self.tag


async def _blob(
    client: RegistryClient, repository: str, layer: Layer, cache: BlobCache | None = None
) -> bytes:
    """A layer's bytes: at most its declared size, checked against its digest; from the
    disk cache of what digests name when it is kept there (a digest's bytes never change)."""
    try:
        reads = CachedReads(client, cache)
        data = await reads.blob(repository, layer.digest, max_bytes=max(layer.size, 1))
    except ManifestTooLarge:
        data = None
    if data is None or len(data) != layer.size:
        raise Malformed(
            _("its {name} does not have the {size} bytes its manifest says").format(
                name=layer.name, size=count(layer.size)
            )
        )
    return data


@dataclass
class Budget:
    """Bytes of submissions' files a listing may still read (a class of hostile
    submissions, each at its caps, would otherwise take gigabytes)."""

    left: int = LIST_BUDGET

    def take(self, size: int) -> bool:
        if size > self.left:
            return False
        self.left -= size
        return True


async def read_submission(
    client: RegistryClient,
    repository: str,
    reference: str,
    cache: BlobCache | None = None,
    budget: Budget | None = None,
) -> Submission:
    """A submission by tag (or digest), checked; a problem instead when it cannot be
    read (never an exception for what a student could have pushed). Its small files come
    from `cache` when kept there; `budget`: what the listing may still read."""
    try:
        raw = await client.fetch_manifest(repository, reference, max_bytes=MANIFEST_CAP)
    except ManifestTooLarge:
        return Submission(
            reference,
            problem=_("its manifest is above the {cap} a manifest may have").format(
                cap=cap_text(MANIFEST_CAP)
            ),
        )
    except RegistryError as error:
        return Submission(reference, problem=str(error))
    try:
        manifest = read_manifest(raw.raw, raw.digest)
    except Malformed as error:
        return Submission(reference, raw.digest, problem=str(error))
    kinds = (SUMMARY, BUILDS, DIGESTS, RECORDS)
    size = sum(manifest.layer(kind).size for kind in kinds)
    if budget is not None and not budget.take(size):
        return Submission(
            reference,
            raw.digest,
            manifest,
            problem=_(
                "not read: this listing has read nearly {budget} of submissions already, and "
                "this one's files are {size} bytes more; save it with class get"
            ).format(budget=cap_text(LIST_BUDGET), size=count(size)),
        )
    try:
        parts = await asyncio.gather(
            *(_blob(client, repository, manifest.layer(kind), cache) for kind in kinds)
        )
        summary, builds, digests, records = (
            read_summary(parts[0]),
            read_builds(parts[1]),
            read_digests(parts[2]),
            read_records(parts[3]),
        )
    except Malformed as error:
        return Submission(reference, raw.digest, manifest, problem=str(error))
    except NotFound:
        return Submission(
            reference,
            raw.digest,
            manifest,
            problem=_("one of its files is missing from the registry (pushed in part?)"),
        )
    except RegistryError as error:
        return Submission(reference, raw.digest, manifest, problem=str(error))
    return Submission(reference, raw.digest, manifest, summary, builds, digests, records)


async def read_report(client: RegistryClient, repository: str, reference: str) -> str:
    """A submission's Markdown report (Malformed or RegistryError when it cannot be read)."""
    raw = await client.fetch_manifest(repository, reference, max_bytes=MANIFEST_CAP)
    manifest = read_manifest(raw.raw, raw.digest)
    data = await _blob(client, repository, manifest.layer(MARKDOWN))
    return data.decode("utf-8", "replace")


async def read_files(
    client: RegistryClient, repository: str, reference: str
) -> tuple[SubmissionManifest, list[tuple[str, bytes]]]:
    """Every file of a submission with its name (each checked against its digest)."""
    raw = await client.fetch_manifest(repository, reference, max_bytes=MANIFEST_CAP)
    manifest = read_manifest(raw.raw, raw.digest)
    datas = await asyncio.gather(*(_blob(client, repository, one) for one in manifest.layers))
    return manifest, [(one.name, data) for one, data in zip(manifest.layers, datas, strict=True)]


def on_students_machine(registry: str) -> bool:
    """A lab registry on loopback is on the student's own machine: never asked from
    the instructor's (its localhost is another machine)."""
    return is_loopback(registry)


MAX_SUBMISSIONS = 2000
"""Tags of a class's repository read at most."""
READERS = 8
"""Submissions read at once (each is a manifest and four small files)."""


@dataclass(frozen=True)
class ClassRead:
    submissions: tuple[Submission, ...]
    cut: str | None = None
    """Why not every tag was read (a bound was hit)."""


async def read_class(
    client: RegistryClient,
    repository: str,
    on_submission: Callable[[Submission], None] | None = None,
    readers: int = READERS,
    cache: BlobCache | None = None,
    budget: int = LIST_BUDGET,
) -> ClassRead:
    """Every tag of the class's repository read as a submission, `readers` at a time;
    `on_submission` is called with each as soon as it is read."""
    tags = await client.tags(repository)
    cut = tags.cut
    names = sorted(tags)
    if len(names) > MAX_SUBMISSIONS:
        cut = _("the class has {count} tags; only the first {limit} are read").format(
            count=count(len(names)), limit=count(MAX_SUBMISSIONS)
        )
        names = names[:MAX_SUBMISSIONS]
    waiting = list(reversed(names))
    found: list[Submission] = []
    left = Budget(budget)

    async def reader() -> None:
        while waiting:
            submission = await read_submission(client, repository, waiting.pop(), cache, left)
            found.append(submission)
            if on_submission is not None:
                on_submission(submission)

    await asyncio.gather(*(reader() for _reader in range(min(readers, len(names)))))
    return ClassRead(tuple(sorted(found, key=lambda s: s.tag)), cut)
