"""Referrers: signatures, SBOMs and other artifacts that point at a manifest (their subject).

registry:2 (distribution 2.8) has no referrers API, so they are found as clients store
them there:
- a manifest with an OCI `subject` field (oras, cosign with OCI 1.1 referrers, buildx
  attestations pushed as artifacts): tagged, an entry of an index, or untagged;
- the tag schema clients fall back to without that API: `sha256-<hex>` (the OCI
  referrers tag: an index listing the referrers of `sha256:<hex>`) and cosign's
  `sha256-<hex>.sig`, `.att` and `.sbom`.

A referrer lives in the repository of its subject. Once the subject is gone it is
orphaned: nothing reads it any more, and deleting it frees what only it holds.

Pure: reads a `RegistryGraph`.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from buildtui.cleanup.graph import ManifestNode, RegistryGraph, RepositoryGraph
from buildtui.i18n import ngettext
from buildtui.registry.models import IN_TOTO, Kind
from buildtui.registry.present import short_digest

REFERRER_TAG = re.compile(r"sha256-([0-9a-f]{64})(?:\.([a-z0-9]{1,20}))?")
"""`sha256-<hex>` and cosign's `sha256-<hex>.sig|att|sbom` (matched whole, in linear time)."""
SUFFIXES = {"sig": "signature", "att": "attestation", "sbom": "SBOM"}
SIGNATURE_TYPES = ("cosign", "signature", "notary", "sigstore")
SBOM_TYPES = ("spdx", "cyclonedx", "sbom", "syft")


def tag_subject(tag: str) -> tuple[str, str] | None:
    """(subject digest, what) for a tag of the referrer schema, else None."""
    found = REFERRER_TAG.fullmatch(tag)
    if found is None:
        return None
    suffix = found.group(2)
    what = SUFFIXES.get(suffix, "artifact") if suffix else "referrers index"
    return f"sha256:{found.group(1)}", what


def node_what(node: ManifestNode) -> str:
    """What a referrer manifest is, from its artifact type and blob media types."""
    types = [node.artifact_type or "", *(blob.media_type for blob in node.blobs)]
    text = " ".join(types).lower()
    if any(word in text for word in SIGNATURE_TYPES):
        return "signature"
    if any(word in text for word in SBOM_TYPES):
        return "SBOM"
    if IN_TOTO in types or node.kind is Kind.ATTESTATION:
        return "attestation"
    if node.kind is Kind.INDEX:
        return "referrers index"
    return "artifact"


@dataclass(frozen=True)
class Referrer:
    """One referrer manifest of one repository, with its subject."""

    repository: str
    digest: str
    subject: str
    """The digest it refers to (in the same repository)."""
    what: str
    """signature, SBOM, attestation, referrers index or artifact."""
    found_by: str
    """`subject field` or `tag schema`."""
    tags: tuple[str, ...] = ()
    orphaned: bool = False
    """Its subject is no longer in the repository."""

    @property
    def name(self) -> str:
        """`repo:tag` (its first tag), or `repo@digest` for an untagged one."""
        if self.tags:
            return f"{self.repository}:{self.tags[0]}"
        return f"{self.repository}@{short_digest(self.digest)}"

    @property
    def reference(self) -> str:
        """What `buildtui rm` takes to delete it: its tag, or its digest."""
        if self.tags:
            return f"{self.repository}:{self.tags[0]}"
        return f"{self.repository}@{self.digest}"


def _present(repo: RepositoryGraph, digest: str) -> bool:
    if repo.revisions is not None:
        return digest in repo.revisions
    node = repo.manifests.get(digest)
    return node is not None and node.readable


def find_referrers(graph: RegistryGraph) -> list[Referrer]:
    """Every referrer of the registry, by the subject field and by the tag schema."""
    found: dict[tuple[str, str], Referrer] = {}
    for name, repo in sorted(graph.repositories.items()):
        by_digest: dict[str, list[str]] = {}
        for tag, digest in sorted(repo.tags.items()):
            by_digest.setdefault(digest, []).append(tag)
        for digest, node in sorted(repo.manifests.items()):
            if node.subject is None or not graph.stored(node):
                continue
            found[(name, digest)] = Referrer(
                name,
                digest,
                node.subject,
                node_what(node),
                "subject field",
                tuple(by_digest.get(digest, ())),
                orphaned=not _present(repo, node.subject),
            )
        for tag, digest in sorted(repo.tags.items()):
            schema = tag_subject(tag)
            if schema is None or (name, digest) in found:
                continue
            subject, what = schema
            target = repo.manifests.get(digest)
            if what in ("artifact", "referrers index") and target is not None:
                what = node_what(target) if target.kind is not Kind.INDEX else "referrers index"
            found[(name, digest)] = Referrer(
                name,
                digest,
                subject,
                what,
                "tag schema",
                tuple(by_digest.get(digest, ())),
                orphaned=not _present(repo, subject),
            )
    return list(found.values())


def referrers_of(
    graph: RegistryGraph, repository: str, subjects: Collection[str]
) -> list[Referrer]:
    """The referrers of any of `subjects` in `repository`."""
    return [
        r for r in find_referrers_in(graph, repository) if r.subject in subjects and not r.orphaned
    ]


def find_referrers_in(graph: RegistryGraph, repository: str) -> list[Referrer]:
    if repository not in graph.repositories:
        return []
    one = RegistryGraph(graph.registry, graph.base_url, revisions_known=graph.revisions_known)
    one.repositories[repository] = graph.repositories[repository]
    return find_referrers(one)


def subject_label(graph: RegistryGraph, repository: str, subject: str) -> str:
    """How the subject is named: its tags, or the index entry it is, or its digest."""
    repo = graph.repositories.get(repository)
    if repo is None:
        return f"{repository}@{short_digest(subject)}"
    tags = repo.tags_of(subject)
    if tags:
        return ", ".join(f"{repository}:{t}" for t in tags)
    node = repo.manifests.get(subject)
    label = f" ({node.label})" if node is not None and node.label else ""
    return f"{repository}@{short_digest(subject)}{label}"


def left_orphaned(graph: RegistryGraph, deleted: Iterable[tuple[str, str]]) -> list[Referrer]:
    """The referrers a deletion would orphan: their subject is deleted, they are not."""
    gone = set(deleted)
    subjects: dict[str, set[str]] = {}
    for repository, digest in gone:
        subjects.setdefault(repository, set()).add(digest)
    return [
        r
        for repository, digests in sorted(subjects.items())
        for r in referrers_of(graph, repository, digests)
        if (r.repository, r.digest) not in gone
    ]


def orphaned_by(graph: RegistryGraph, deleted: Iterable[tuple[str, str]]) -> tuple[Referrer, ...]:
    """The referrers a deletion orphans, but those another of them reaches (the entries
    of a referrers index go with it)."""
    found = left_orphaned(graph, deleted)
    reached: set[tuple[str, str]] = set()
    for referrer in found:
        repo = graph.repositories[referrer.repository]
        reached.update(
            (referrer.repository, d)
            for d in repo.closure([referrer.digest])
            if d != referrer.digest
        )
    return tuple(r for r in found if (r.repository, r.digest) not in reached)


def orphans_note(graph: RegistryGraph, orphans: Sequence[Referrer], cli: str) -> str:
    """What a plan says of the referrers it would orphan, with the `rm` that deletes them."""
    subjects = sorted({subject_label(graph, r.repository, r.subject) for r in orphans})
    what = ", ".join(f"{r.what} {r.name}" for r in orphans)
    refs = " ".join(shlex.quote(r.reference) for r in orphans)
    return ngettext(
        "{count} referrer of {subjects} would be left orphaned by this deletion: {what}. "
        "Delete it too: {cli} rm {refs} (or add --with-referrers; in the Clean-up pane: f)",
        "{count} referrers of {subjects} would be left orphaned by this deletion: {what}. "
        "Delete them too: {cli} rm {refs} (or add --with-referrers; in the Clean-up pane: f)",
        len(orphans),
    ).format(count=len(orphans), subjects="; ".join(subjects), what=what, cli=cli, refs=refs)
