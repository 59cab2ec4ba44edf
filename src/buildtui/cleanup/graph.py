"""What a registry holds, as a graph the planner can walk: tags -> manifests -> blobs.

Manifests are per repository (a DELETE removes a repository's revision); blobs are
global (garbage collection keeps a blob while any manifest revision of any
repository references it). Built from the registry client's scan, plus, when the
registry container's storage could be listed, the manifest revisions no tag
reaches: registry:2's garbage collector without `-m` keeps those and their blobs.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from buildtui.i18n import _, ngettext
from buildtui.registry.classify import child_kind
from buildtui.registry.models import Kind, Manifest
from buildtui.registry.scan import RegistryScan, TagEntry


@dataclass(frozen=True, slots=True)
class BlobRef:
    """A config, layer or cache blob a manifest points at."""

    digest: str
    size: int
    media_type: str


@dataclass(frozen=True, slots=True)
class ManifestNode:
    """One manifest revision of one repository."""

    repository: str
    digest: str
    media_type: str
    kind: Kind
    size: int
    """Bytes of the manifest itself (stored as a blob too)."""
    children: tuple[str, ...] = ()
    """Manifests an index lists (platforms, attestations): revisions of the same repository."""
    blobs: tuple[BlobRef, ...] = ()
    """Config and layers (for a cache index: its layers and cache config)."""
    label: str = ""
    """How the lab names it inside an index: `linux/amd64`, `attestation for linux/amd64`."""
    readable: bool = True
    """False when the manifest could not be read, so its blobs are unknown."""
    subject: str | None = None
    """The digest an OCI referrer (signature, SBOM) names in its `subject` field."""
    artifact_type: str | None = None

    @property
    def references(self) -> tuple[str, ...]:
        """Every digest the garbage collector marks from this manifest."""
        return self.children + tuple(blob.digest for blob in self.blobs)


def node_from_manifest(
    repository: str, manifest: Manifest, label: str = "", blobs: BlobRefs | None = None
) -> ManifestNode:
    """The node of a manifest; `blobs` makes each distinct blob one BlobRef (a registry's
    layers are shared by thousands of manifests)."""
    children: tuple[str, ...] = ()
    if manifest.is_index and manifest.kind is not Kind.CACHE:
        children = tuple(d.digest for d in manifest.manifests)
    blobs = blobs or BlobRefs()
    return ManifestNode(
        repository=repository,
        digest=manifest.digest,
        media_type=sys.intern(manifest.media_type),
        kind=manifest.kind,
        size=manifest.size,
        children=children,
        blobs=tuple(blobs.of(d.digest, d.size, d.media_type) for d in manifest.blobs),
        label=sys.intern(label),
        subject=manifest.subject.digest if manifest.subject is not None else None,
        artifact_type=(
            sys.intern(manifest.artifact_type) if manifest.artifact_type is not None else None
        ),
    )


class BlobRefs:
    """One BlobRef per distinct blob (and one string per media type)."""

    def __init__(self) -> None:
        self._refs: dict[str, BlobRef] = {}

    def of(self, digest: str, size: int, media_type: str) -> BlobRef:
        ref = self._refs.get(digest)
        if ref is None or ref.size != size or ref.media_type != media_type:
            ref = BlobRef(digest, size, sys.intern(media_type))
            self._refs.setdefault(digest, ref)
        return ref


@dataclass(frozen=True, slots=True)
class TagRef:
    repository: str
    tag: str
    digest: str

    def __str__(self) -> str:
        return f"{self.repository}:{self.tag}"


@dataclass
class RepositoryGraph:
    """One repository: its tags, its manifest revisions, and what could not be read."""

    name: str
    tags: dict[str, str] = field(default_factory=dict)
    """tag -> manifest digest."""
    manifests: dict[str, ManifestNode] = field(default_factory=dict)
    unreadable_tags: dict[str, str] = field(default_factory=dict)
    """tag -> why its manifest could not be read (its digest is unknown)."""
    revisions: frozenset[str] | None = None
    """Every manifest revision in storage, when the container's storage was listed."""
    error: str | None = None
    """Why the tags could not be listed, if they could not."""

    def tags_of(self, digest: str) -> list[str]:
        return sorted(tag for tag, target in self.tags.items() if target == digest)

    def closure(self, roots: Iterable[str]) -> set[str]:
        """The manifests reachable from `roots` through index entries (roots included)."""
        seen: set[str] = set()
        stack = list(roots)
        while stack:
            digest = stack.pop()
            if digest in seen:
                continue
            seen.add(digest)
            node = self.manifests.get(digest)
            if node is not None:
                stack.extend(node.children)
        return seen

    @property
    def untagged(self) -> frozenset[str]:
        """Revisions no tag reaches (empty when the storage was not listed)."""
        if self.revisions is None:
            return frozenset()
        return frozenset(self.revisions - self.closure(self.tags.values()))


@dataclass
class RegistryGraph:
    """The whole registry as the planner sees it."""

    registry: str
    base_url: str
    repositories: dict[str, RepositoryGraph] = field(default_factory=dict)
    revisions_known: bool = False
    """True when untagged revisions were read from the container's storage."""
    warnings: list[str] = field(default_factory=list)

    def node(self, repository: str, digest: str) -> ManifestNode | None:
        repo = self.repositories.get(repository)
        return repo.manifests.get(digest) if repo else None

    def nodes(self) -> list[ManifestNode]:
        return [node for repo in self.repositories.values() for node in repo.manifests.values()]

    def empty_repositories(self) -> tuple[str, ...]:
        """Repositories with no tag and (storage read) no manifest: `gc --remove-empty-repo`."""
        return tuple(
            name
            for name, repo in sorted(self.repositories.items())
            if not repo.tags and repo.revisions is not None and not repo.revisions
        )

    def tag_refs(self) -> list[TagRef]:
        """Every tag of the registry with the digest it points at."""
        return [
            TagRef(name, tag, digest)
            for name, repo in sorted(self.repositories.items())
            for tag, digest in sorted(repo.tags.items())
        ]

    def blob_sizes(self) -> dict[str, int]:
        """Every known blob and manifest digest -> its size in bytes."""
        sizes: dict[str, int] = {}
        for node in self.nodes():
            sizes.setdefault(node.digest, node.size)
            for blob in node.blobs:
                sizes.setdefault(blob.digest, blob.size)
        return sizes

    def stored(self, node: ManifestNode) -> bool:
        """False for an index entry read from the index whose revision is not in storage (the
        collector marks only revisions); True when the storage was not listed."""
        revisions = self.repositories[node.repository].revisions
        return revisions is None or node.digest in revisions

    def tag_size(self, repository: str, tag: str) -> int:
        """Every blob (and manifest) a tag needs, counted once."""
        repo = self.repositories[repository]
        seen: dict[str, int] = {}
        for digest in repo.closure([repo.tags[tag]]):
            node = repo.manifests.get(digest)
            if node is None:
                continue
            seen.setdefault(node.digest, node.size)
            for blob in node.blobs:
                seen.setdefault(blob.digest, blob.size)
        return sum(seen.values())


def _better(label: str, than: str) -> bool:
    """Whether a manifest's `label` names it better than `than`: a label beats none, and
    of two (indexes that list it under different platforms) the first in order, so the
    graph is the same whatever order its tags were read in."""
    return bool(label) and (not than or label < than)


class GraphBuilder:
    """The graph of a scan, built a tag at a time as the scan reads them (it keeps each
    manifest's node, not its report: the scan lets the reports go)."""

    def __init__(self, registry: str, base_url: str) -> None:
        self.graph = RegistryGraph(registry, base_url)
        self.blobs = BlobRefs()

    def _repository(self, name: str) -> RepositoryGraph:
        repo = self.graph.repositories.get(name)
        if repo is None:
            repo = self.graph.repositories[name] = RepositoryGraph(name)
        return repo

    def add(self, entry: TagEntry) -> None:
        """One tag, just read (its report, or why it could not be read)."""
        graph = self.graph
        name = entry.repository
        repo = self._repository(name)
        report = entry.report
        if report is None and entry.digest is not None:
            # Read, but not a manifest (e.g. nested too deeply): its digest is known, so
            # it is a tag like the others, pointing at a manifest that references nothing
            # the planner can see; the other tags' plans need not wait for it.
            repo.tags[entry.tag] = entry.digest
            repo.manifests.setdefault(
                entry.digest,
                ManifestNode(name, entry.digest, "", Kind.UNKNOWN, 0, readable=False),
            )
            graph.warnings.append(
                _(
                    "{name}:{tag} is unreadable: {error}; whatever it references is not counted"
                ).format(name=name, tag=entry.tag, error=entry.error)
            )
            return
        if report is None:
            repo.unreadable_tags[entry.tag] = entry.error or _("could not be read")
            return
        repo.tags[entry.tag] = report.digest
        if report.digest not in repo.manifests:
            repo.manifests[report.digest] = node_from_manifest(
                name, report.manifest, "", self.blobs
            )
        for child in report.children:
            digest = child.descriptor.digest
            known = repo.manifests.get(digest)
            label = report.label(child)
            if (
                child.manifest is not None
                and known is not None
                and known.readable
                and not _better(label, known.label)
            ):
                continue  # the same manifest, already known as well as this tag knows it
            if child.manifest is not None:
                node = node_from_manifest(name, child.manifest, label, self.blobs)
            else:
                node = ManifestNode(
                    repository=name,
                    digest=digest,
                    media_type=sys.intern(child.descriptor.media_type),
                    kind=child_kind(child.descriptor),
                    size=child.descriptor.size,
                    label=sys.intern(label),
                    readable=False,
                )
                graph.warnings.append(
                    _(
                        "{name}@{digest} ({label}) could not be read: {error}; its blobs are "
                        "not counted"
                    ).format(name=name, digest=digest, label=label, error=child.error)
                )
            if known is None or not known.readable or _better(node.label, known.label):
                repo.manifests[digest] = node

    def finish(
        self,
        scan: RegistryScan,
        *,
        revisions: Mapping[str, Iterable[str]] | None = None,
        untagged: Mapping[str, Iterable[Manifest]] | None = None,
        warnings: Iterable[str] = (),
    ) -> RegistryGraph:
        """The graph, once every tag of `scan` was added: repositories in catalog order,
        with what could not be listed; `revisions` (repository -> digests in storage) and
        the `untagged` manifests fetched by digest complete it when the storage was listed."""
        graph = self.graph
        graph.revisions_known = revisions is not None
        added = graph.repositories
        graph.repositories = {}
        for name in scan.repositories:
            repo = added.pop(name, None) or RepositoryGraph(name)
            # A tag list cut short hides tags a deletion could take along: no plan there.
            repo.error = scan.errors.get(name) or scan.tags_cut.get(name)
            graph.repositories[name] = repo
        graph.repositories.update(added)
        first = list(warnings) + ([scan.catalog_cut] if scan.catalog_cut else [])
        graph.warnings[:0] = first
        for name, manifests in (untagged or {}).items():
            repo = self._repository(name)
            manifests = list(manifests)
            for manifest in manifests:
                repo.manifests.setdefault(
                    manifest.digest, node_from_manifest(name, manifest, "", self.blobs)
                )
            for manifest in manifests:
                # An entry of an untagged index that is not in storage (deleted before):
                # known from the index only, as the scan knows a tagged index's unreadable
                # entries.
                if manifest.is_index and manifest.kind is not Kind.CACHE:
                    for listed in manifest.manifests:
                        if listed.digest not in repo.manifests:
                            repo.manifests[listed.digest] = ManifestNode(
                                repository=name,
                                digest=listed.digest,
                                media_type=listed.media_type,
                                kind=child_kind(listed),
                                size=listed.size,
                                readable=False,
                            )
        for name, digests in (revisions or {}).items():
            repo = self._repository(name)
            repo.revisions = frozenset(digests)
            missing = sorted(repo.revisions - set(repo.manifests))
            if missing:
                graph.warnings.append(
                    ngettext(
                        "{count} untagged manifest of {name} could not be read; the blobs it "
                        "keeps are not counted",
                        "{count} untagged manifests of {name} could not be read; the blobs they "
                        "keep are not counted",
                        len(missing),
                    ).format(count=len(missing), name=name)
                )
        if revisions is not None:
            for repo in graph.repositories.values():
                if repo.revisions is None:
                    repo.revisions = frozenset(repo.manifests)
        return graph


def graph_from_scan(
    scan: RegistryScan,
    base_url: str,
    *,
    revisions: Mapping[str, Iterable[str]] | None = None,
    untagged: Mapping[str, Iterable[Manifest]] | None = None,
    warnings: Iterable[str] = (),
) -> RegistryGraph:
    """The graph of a scan that kept its reports; `revisions` (repository -> digests in
    storage) and the `untagged` manifests fetched by digest complete it when the storage
    was listed."""
    builder = GraphBuilder(scan.registry, base_url)
    for entries in scan.repositories.values():
        for entry in entries:
            builder.add(entry)
    return builder.finish(scan, revisions=revisions, untagged=untagged, warnings=warnings)


class ReferenceCounts:
    """The graph's references, counted once: for each digest the stored manifest revisions
    the collector marks it from, and for each manifest how many tags reach it.

    From these, what a deletion frees is local work: a blob is swept when every revision
    that marks it is deleted (`swept`), and a manifest stays while a tag that is not
    removed still reaches it (`reached`). The planner decides with them, and so does the
    space ranking for every tag at once, without planning (or scanning) per tag.
    """

    def __init__(self, graph: RegistryGraph) -> None:
        self.graph = graph
        self.markers: dict[str, list[ManifestNode]] = {}
        """digest -> the stored manifest revisions (of any repository) that mark it."""
        self.reach: dict[tuple[str, str], int] = {}
        """(repository, manifest digest) -> how many tags reach it (directly or as an entry)."""
        self._closures: dict[tuple[str, str], frozenset[str]] = {}
        for node in graph.nodes():
            if not graph.stored(node):
                continue
            for digest in dict.fromkeys((node.digest, *node.references)):
                self.markers.setdefault(digest, []).append(node)
        for name, repo in graph.repositories.items():
            for digest in repo.tags.values():
                for reached in self.closure(name, digest):
                    key = (name, reached)
                    self.reach[key] = self.reach.get(key, 0) + 1

    def closure(self, repository: str, digest: str) -> frozenset[str]:
        """The manifests one manifest reaches (itself included), computed once."""
        key = (repository, digest)
        found = self._closures.get(key)
        if found is None:
            found = self._closures[key] = frozenset(
                self.graph.repositories[repository].closure([digest])
            )
        return found

    def reached(self, repository: str, removed_tags: Iterable[str]) -> Callable[[str], bool]:
        """Whether a manifest of `repository` is still reached by a tag once `removed_tags`
        are gone."""
        repo = self.graph.repositories[repository]
        lost: dict[str, int] = {}
        for tag in set(removed_tags):
            digest = repo.tags.get(tag)
            if digest is None:
                continue
            for reached in self.closure(repository, digest):
                lost[reached] = lost.get(reached, 0) + 1

        def still(digest: str) -> bool:
            return self.reach.get((repository, digest), 0) - lost.get(digest, 0) > 0

        return still

    def swept(self, deleted: Iterable[ManifestNode]) -> Callable[[str], bool]:
        """Whether the collector sweeps a digest once the `deleted` revisions are gone: no
        remaining stored revision marks it."""
        gone: dict[str, int] = {}
        seen: set[tuple[str, str]] = set()
        for node in deleted:
            key = (node.repository, node.digest)
            if key in seen or not self.graph.stored(node):
                continue
            seen.add(key)
            for digest in dict.fromkeys((node.digest, *node.references)):
                gone[digest] = gone.get(digest, 0) + 1

        def sweeps(digest: str) -> bool:
            return len(self.markers.get(digest, ())) - gone.get(digest, 0) <= 0

        return sweeps

    def keepers(self, digest: str, deleted: set[tuple[str, str]]) -> list[ManifestNode]:
        """The remaining stored revisions that mark `digest` (why a blob stays)."""
        return [
            node
            for node in self.markers.get(digest, ())
            if (node.repository, node.digest) not in deleted
        ]
