"""Where the registry's space goes: what deleting each tag, repository, cache image or
untagged revision would free after a collection, ranked, and the space by repository and
by kind.

Built from one `RegistryGraph` (one scan) and one `ReferenceCounts`: a tag's figure is
the planner's own computation (`deletion_starts`, `deleted_closure`, `candidate_blobs`
and the counts' `swept`), run for that tag alone, so no tag is planned (or read) twice.
`SpaceIndex.frees` gives the same for any selection, computed on the union: a blob two
selected tags share is counted once, and one a tag outside the selection still needs
is not counted at all. The planner's `Plan.reclaimed_bytes` for the same selection is
the same figure (a property test holds them equal).

Pure: nothing here talks to a registry.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from buildtui.cleanup.graph import ManifestNode, ReferenceCounts, RegistryGraph, RepositoryGraph
from buildtui.cleanup.plan import (
    Selection,
    candidate_blobs,
    check_selection,
    deleted_closure,
    deletion_starts,
)
from buildtui.cleanup.referrers import Referrer, find_referrers, subject_label
from buildtui.i18n import N_, _, ngettext
from buildtui.registry.models import Kind
from buildtui.registry.present import short_digest

IMAGES = "images"
CACHES = N_("cache images")
ATTESTATIONS = "attestations"
REFERRERS = "referrers"
UNTAGGED = N_("untagged revisions")
KINDS = (IMAGES, CACHES, ATTESTATIONS, REFERRERS, UNTAGGED)
"""The kinds the space is split into, in the order they are shown."""


@dataclass(frozen=True)
class SpaceRow:
    """One thing that can be deleted, with what it holds and what deleting it frees."""

    key: str
    """The Clean-up pane's key: `repo:tag`, `repo (untagged)`, `repo (repository)`,
    `repo@digest` (an untagged referrer)."""
    kind: str
    """image, cache image, attestation, artifact, referrer, orphaned referrer, unreadable,
    untagged or repository."""
    repository: str
    name: str
    selections: tuple[Selection, ...]
    size: int
    """Bytes it references (manifests, configs, layers), each once."""
    frees: int
    """Bytes a collection frees once it is deleted (nothing a remaining tag shares)."""
    digest: str = ""
    subject: str = ""
    """For a referrer: what it refers to (its subject's tags, or its digest)."""
    note: str = ""

    @property
    def shared(self) -> int:
        """Bytes of it that stay: other tags (or untagged revisions) need them."""
        return max(0, self.size - self.frees)

    @property
    def label(self) -> str:
        """`repo:tag`, `repo (N untagged)`, `repo (whole repository)`, `repo@digest`."""
        if self.key.startswith(f"{self.repository}@"):
            return f"{self.repository}{self.name}"
        if self.kind in ("untagged", "repository"):
            return f"{self.repository} {self.name}"
        return f"{self.repository}:{self.name}"


@dataclass(frozen=True)
class Bar:
    """One bar of the picture: bytes only this holds (freeable) and bytes it shares."""

    label: str
    freeable: int
    shared: int

    @property
    def total(self) -> int:
        return self.freeable + self.shared


@dataclass(frozen=True)
class WhatIf:
    """What deleting a selection frees, computed on the union (shared blobs once)."""

    selections: tuple[Selection, ...]
    frees: int
    blobs: int
    rows_sum: int
    """The rows' own figures added up, to show how far adding them is off."""


@dataclass(frozen=True)
class SpaceReport:
    registry: str
    total: int
    """Bytes the registry holds that a collection keeps (every blob marked, once)."""
    rows: tuple[SpaceRow, ...]
    """Largest `frees` first."""
    repositories: tuple[Bar, ...]
    kinds: tuple[Bar, ...]
    referrers: tuple[Referrer, ...] = ()
    revisions_known: bool = True
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def row(self, key: str) -> SpaceRow | None:
        return next((r for r in self.rows if r.key == key), None)


def _node_class(
    node: ManifestNode, counts: ReferenceCounts, referrer_digests: set[tuple[str, str]]
) -> str:
    if counts.reach.get((node.repository, node.digest), 0) == 0:
        return UNTAGGED
    if node.subject is not None or (node.repository, node.digest) in referrer_digests:
        return REFERRERS
    if node.kind is Kind.CACHE:
        return CACHES
    if node.kind is Kind.ATTESTATION:
        return ATTESTATIONS
    return IMAGES


class SpaceIndex:
    """The counts of one graph, and what deleting any selection of it frees."""

    def __init__(self, graph: RegistryGraph, counts: ReferenceCounts | None = None) -> None:
        self.graph = graph
        self.counts = counts or ReferenceCounts(graph)
        self.sizes = graph.blob_sizes()

    def freed(self, selections: Iterable[Selection]) -> dict[str, int]:
        """digest -> size of every blob (and manifest blob) a collection frees once the
        selections are deleted, as the planner decides it."""
        graph = self.graph
        by_repo: dict[str, list[Selection]] = {}
        for selection in selections:
            repo = graph.repositories.get(selection.repository)
            if check_selection(graph, repo, selection) is None:
                by_repo.setdefault(selection.repository, []).append(selection)
        gone: list[ManifestNode] = []
        for name, chosen in by_repo.items():
            repo = graph.repositories[name]
            removed = {s.tag for s in chosen if s.tag and not s.digest and not s.untagged}
            for s in chosen:
                if s.digest:
                    removed.update(repo.tags_of(s.digest))
            still = self.counts.reached(name, removed)
            starts = deletion_starts(repo, chosen, still)
            for digest, _why in deleted_closure(repo, starts, still):
                node = repo.manifests.get(digest)
                if node is not None:
                    gone.append(node)
        swept = self.counts.swept(gone)
        return {
            digest: size
            for digest, (size, _what, _owners) in candidate_blobs(graph, gone).items()
            if swept(digest)
        }

    def frees(self, selections: Iterable[Selection]) -> int:
        return sum(self.freed(selections).values())

    def what_if(self, selections: Sequence[Selection], rows: Sequence[SpaceRow] = ()) -> WhatIf:
        freed = self.freed(selections)
        return WhatIf(
            tuple(selections), sum(freed.values()), len(freed), sum(r.frees for r in rows)
        )

    def _bytes(self, digests: Iterable[str]) -> int:
        return sum(self.sizes.get(d, 0) for d in set(digests))

    def _reached_bytes(self, repo: RepositoryGraph, roots: Iterable[str]) -> int:
        found: set[str] = set()
        for digest in repo.closure(roots):
            node = repo.manifests.get(digest)
            if node is not None:
                found.add(node.digest)
                found.update(b.digest for b in node.blobs)
        return self._bytes(found)

    def report(self) -> SpaceReport:
        graph = self.graph
        referrers = find_referrers(graph)
        by_digest = {(r.repository, r.digest): r for r in referrers}
        rows: list[SpaceRow] = []
        repositories: list[Bar] = []
        for name, repo in sorted(graph.repositories.items()):
            rows += self._tag_rows(repo, by_digest)
            untagged = repo.untagged
            if untagged:
                selection = (Selection(name, untagged=True),)
                rows.append(
                    SpaceRow(
                        key=f"{name} (untagged)",
                        kind="untagged",
                        repository=name,
                        name=_("({count} untagged)").format(count=len(untagged)),
                        selections=selection,
                        size=self._reached_bytes(repo, untagged),
                        frees=self.frees(selection),
                        note=_("kept by GC without -m; deleting them is safe"),
                    )
                )
            for referrer in referrers:
                if referrer.repository == name and not referrer.tags:
                    rows.append(self._referrer_row(repo, referrer))
            everything = tuple(Selection(name, tag=t) for t in sorted(repo.tags))
            if repo.revisions is not None and untagged:
                everything += (Selection(name, untagged=True),)
            stored = [n for n in repo.manifests.values() if graph.stored(n)]
            own = self._bytes(d for n in stored for d in (n.digest, *n.references))
            frees = self.frees(everything) if everything else 0
            repositories.append(Bar(name, frees, max(0, own - frees)))
            if everything and (len(repo.tags) > 1 or untagged):
                rows.append(
                    SpaceRow(
                        key=f"{name} (repository)",
                        kind="repository",
                        repository=name,
                        name=_("(whole repository)"),
                        selections=everything,
                        size=own,
                        frees=frees,
                        note=ngettext("{count} tag", "{count} tags", len(repo.tags)).format(
                            count=len(repo.tags)
                        )
                        + (
                            ngettext(
                                " and {count} untagged revision",
                                " and {count} untagged revisions",
                                len(untagged),
                            ).format(count=len(untagged))
                            if untagged
                            else ""
                        ),
                    )
                )
        rows.sort(key=lambda r: (-r.frees, -r.size, r.key))
        repositories.sort(key=lambda b: (-b.total, b.label))
        warnings = list(graph.warnings)
        if not graph.revisions_known:
            warnings.append(
                _(
                    "untagged revisions were not listed (the registry container's "
                    "storage could not be read): what they keep is not counted, and "
                    "figures may be too high"
                )
            )
        return SpaceReport(
            registry=graph.registry,
            total=self._bytes(self.counts.markers),
            rows=tuple(rows),
            repositories=tuple(repositories),
            kinds=self._kinds({(r.repository, r.digest) for r in referrers}),
            referrers=tuple(referrers),
            revisions_known=graph.revisions_known,
            warnings=tuple(warnings),
        )

    def _tag_rows(
        self, repo: RepositoryGraph, referrers: dict[tuple[str, str], Referrer]
    ) -> list[SpaceRow]:
        rows = []
        name = repo.name
        for tag, digest in sorted(repo.tags.items()):
            selection = (Selection(name, tag=tag),)
            node = repo.manifests.get(digest)
            referrer = referrers.get((name, digest))
            kind = _tag_kind(node, referrer)
            same = [t for t in repo.tags_of(digest) if t != tag]
            note = (
                _("same manifest as {same}: removing this tag alone frees nothing").format(
                    same=", ".join(same)
                )
                if same
                else ""
            )
            subject = ""
            if referrer is not None:
                subject = (
                    _("{what} of {digest} (gone)").format(
                        what=referrer.what, digest=short_digest(referrer.subject)
                    )
                    if referrer.orphaned
                    else _("{what} of {label}").format(
                        what=referrer.what, label=subject_label(self.graph, name, referrer.subject)
                    )
                )
            rows.append(
                SpaceRow(
                    key=f"{name}:{tag}",
                    kind=kind,
                    repository=name,
                    name=tag,
                    selections=selection,
                    size=self._reached_bytes(repo, [digest]),
                    frees=self.frees(selection),
                    digest=digest,
                    subject=subject,
                    note=note,
                )
            )
        for tag, error in sorted(repo.unreadable_tags.items()):
            rows.append(SpaceRow(f"{name}:{tag}", "unreadable", name, tag, (), 0, 0, note=error))
        return rows

    def _referrer_row(self, repo: RepositoryGraph, referrer: Referrer) -> SpaceRow:
        """An untagged referrer (found by its subject field), deleted by its digest."""
        selection = (Selection(repo.name, digest=referrer.digest),)
        return SpaceRow(
            key=f"{repo.name}@{referrer.digest}",
            kind=N_("orphaned referrer") if referrer.orphaned else "referrer",
            repository=repo.name,
            name=f"@{short_digest(referrer.digest)}",
            selections=selection,
            size=self._reached_bytes(repo, [referrer.digest]),
            frees=self.frees(selection),
            digest=referrer.digest,
            subject=_subject_words(self.graph, referrer),
            note=_("its subject is gone: nothing reads it") if referrer.orphaned else "untagged",
        )

    def _kinds(self, referrer_digests: set[tuple[str, str]]) -> tuple[Bar, ...]:
        """Per kind: the bytes only manifests of that kind hold, and those it shares."""
        classes: dict[str, set[str]] = {}
        for digest, markers in self.counts.markers.items():
            # An index marks its entries' manifests too; an entry's manifest is its own kind.
            own = [n for n in markers if digest not in n.children] or markers
            classes[digest] = {_node_class(n, self.counts, referrer_digests) for n in own}
        bars = []
        for kind in KINDS:
            only = sum(self.sizes.get(d, 0) for d, c in classes.items() if c == {kind})
            total = sum(self.sizes.get(d, 0) for d, c in classes.items() if kind in c)
            bars.append(Bar(kind, only, total - only))
        return tuple(bars)


def _subject_words(graph: RegistryGraph, referrer: Referrer) -> str:
    if referrer.orphaned:
        return _("{what} of {digest} (gone)").format(
            what=referrer.what, digest=short_digest(referrer.subject)
        )
    return _("{what} of {label}").format(
        what=referrer.what, label=subject_label(graph, referrer.repository, referrer.subject)
    )


def _tag_kind(node: ManifestNode | None, referrer: Referrer | None) -> str:
    if referrer is not None:
        return N_("orphaned referrer") if referrer.orphaned else "referrer"
    if node is None or not node.readable:
        return "unreadable"
    if node.kind is Kind.CACHE:
        return N_("cache image")
    if node.kind in (Kind.INDEX, Kind.IMAGE):
        return "image"
    return node.kind.value


def space_report(graph: RegistryGraph) -> SpaceReport:
    """The ranking and the picture of one graph."""
    return SpaceIndex(graph).report()
