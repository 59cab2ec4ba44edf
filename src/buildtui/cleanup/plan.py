"""The deletion planner: what a selection deletes, what stays and why, and the space freed.

Pure: it reads a `RegistryGraph` and returns a `Plan`; nothing here talks to a registry.

How registry:2 (distribution 2.8) deletes, and so how the plan is built:
- DELETE works by digest only and removes the revision and every tag pointing at it.
  Tags the user did not select that would go too are listed (`collateral_tags`) and
  the plan is refused unless that is explicitly allowed.
- Removing one tag of a manifest other tags (or an index) still need uses the
  throw-away-manifest trick: PUT a unique empty index to the tag, then DELETE that.
- Deleting an index leaves its platform and attestation manifests as untagged
  revisions, which garbage collection without `-m` keeps with all their blobs; so the
  plan deletes them too, except those a remaining tag still needs.
- Garbage collection frees a blob only if no remaining manifest revision in any
  repository references it: with `mode=max` most cache layers are the image's own
  layers and stay.
"""

from __future__ import annotations

import hashlib
import shlex
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from buildtui.cleanup.graph import (
    ManifestNode,
    ReferenceCounts,
    RegistryGraph,
    RepositoryGraph,
    TagRef,
)
from buildtui.cleanup.referrers import Referrer, orphaned_by, orphans_note
from buildtui.cleanup.steps import HttpRequest, Step, StepAction, placeholder_manifest, sha256
from buildtui.i18n import N_, _, ngettext
from buildtui.registry.models import BUILDKIT_CACHE_CONFIG, IMAGE_CONFIG_TYPES
from buildtui.registry.present import short_digest


@dataclass(frozen=True)
class Selection:
    """What the user chose: a tag, a digest, or a repository's untagged manifests."""

    repository: str
    tag: str | None = None
    digest: str | None = None
    untag_only: bool = False
    """For a tag: remove the tag and keep its manifest, even if nothing else needs it."""
    untagged: bool = False
    """The repository's manifests no tag reaches (what `-m` would delete, done safely)."""

    def __str__(self) -> str:
        if self.untagged:
            return _("{repository} (untagged manifests)").format(repository=self.repository)
        if self.digest:
            return f"{self.repository}@{self.digest}"
        return f"{self.repository}:{self.tag}"


@dataclass(frozen=True)
class KeptManifest:
    """A manifest the selection touches that stays, and who needs it."""

    repository: str
    digest: str
    label: str
    needed_by: tuple[str, ...]


@dataclass(frozen=True)
class BlobFate:
    """A blob (or manifest blob) a deleted manifest referenced: freed by GC, or kept and why."""

    digest: str
    size: int
    what: str
    freed: bool
    owners: tuple[str, ...]
    """The deleted manifests that referenced it."""
    kept_by: tuple[str, ...] = ()
    """The remaining manifests (as repo:tag (platform), or untagged) that still reference it."""


@dataclass(frozen=True)
class Plan:
    """Everything a deletion will do, computed before any request is sent."""

    registry: str
    base_url: str
    selections: tuple[Selection, ...]
    steps: tuple[Step, ...] = ()
    removed_tags: tuple[TagRef, ...] = ()
    collateral_tags: tuple[TagRef, ...] = ()
    """Tags that go although the user did not select them (they share a deleted digest)."""
    kept: tuple[KeptManifest, ...] = ()
    blobs: tuple[BlobFate, ...] = ()
    refusals: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    expected_tags: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """Every tag of each repository the plan changes, with its digest now (checked first)."""
    remaining_tags: tuple[TagRef, ...] = ()
    """Every tag of the registry that stays (verified afterwards)."""
    allow_tag_loss: bool = False
    emptied: tuple[str, ...] = ()
    """Repositories that keep no tags: registry:2 cannot delete a repository, so they stay
    in the catalog until their directory is removed (`gc --remove-empty-repo`)."""
    left_untagged: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """repository -> manifests this plan leaves with no tag (the collector keeps them)."""
    cli: str = "buildtui"
    """The command line that reaches this registry, for the commands the plan proposes."""
    orphans: tuple[Referrer, ...] = ()
    """Referrers (signatures, SBOMs) whose subject the plan deletes and that it keeps: they
    would be left orphaned (`referrer_selections` adds them)."""

    @property
    def referrer_selections(self) -> tuple[Selection, ...]:
        """The orphans as selections: by tag when tagged, else by digest."""
        return tuple(
            Selection(r.repository, tag=r.tags[0])
            if r.tags
            else Selection(r.repository, digest=r.digest)
            for r in self.orphans
        )

    @property
    def follow_ups(self) -> tuple[str, ...]:
        """The commands that reclaim the space after this plan, in order: the untagged
        manifests it leaves, then the collection (removing the repositories it empties)."""
        commands = [f"{self.cli} rm --untagged {shlex.quote(name)}" for name in self.left_untagged]
        commands += [
            f"{self.cli} gc --remove-empty-repo {shlex.quote(name)}" for name in self.emptied
        ] or [f"{self.cli} gc"]
        return tuple(commands)

    @property
    def ok(self) -> bool:
        return not self.refusals and bool(self.steps)

    @property
    def freed_blobs(self) -> tuple[BlobFate, ...]:
        return tuple(b for b in self.blobs if b.freed)

    @property
    def reclaimed_bytes(self) -> int:
        """What the collection gives back of the storage there is now: the freed blobs but
        the throw-away manifests (the plan writes them, and they go again)."""
        return sum(b.size for b in self.freed_blobs if b.what != THROW_AWAY)

    @property
    def kept_blobs(self) -> tuple[BlobFate, ...]:
        return tuple(b for b in self.blobs if not b.freed)

    @property
    def freed_bytes(self) -> int:
        return sum(b.size for b in self.freed_blobs)

    @property
    def deleted_manifests(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.action is StepAction.DELETE)

    @property
    def untag_steps(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.action is StepAction.UNTAG)

    @property
    def requests(self) -> tuple[HttpRequest, ...]:
        return tuple(r for step in self.steps for r in step.requests)

    def curl(self) -> list[str]:
        return [request.curl(self.base_url) for request in self.requests]


THROW_AWAY = N_("throw-away manifest")


def _blob_what(media_type: str) -> str:
    if media_type == BUILDKIT_CACHE_CONFIG:
        return N_("cache config")
    if media_type in IMAGE_CONFIG_TYPES or media_type.endswith("config.v1+json"):
        return N_("config")
    return N_("layer")


class _Users:
    """Labels of the manifests that reference each digest, for "kept by" reasons; worked
    out per repository when first asked (a plan touches a few of a registry's hundreds)."""

    def __init__(self, graph: RegistryGraph, removed: Mapping[str, set[str]]) -> None:
        self.graph = graph
        self.removed = removed
        self._reach: dict[str, dict[str, list[str]]] = {}

    def needed(self, repository: str) -> dict[str, list[str]]:
        """digest -> the remaining tags of `repository` that need it (directly or as an entry)."""
        reach = self._reach.get(repository)
        if reach is not None:
            return reach
        reach = self._reach[repository] = {}
        repo = self.graph.repositories.get(repository)
        if repo is None:
            return reach
        removed = self.removed.get(repository, set())
        for tag, digest in sorted(repo.tags.items()):
            if tag in removed:
                continue
            for reached in repo.closure([digest]):
                node = repo.manifests.get(reached)
                label = f"{repository}:{tag}"
                if reached != digest and node is not None and node.label:
                    label += f" ({node.label})"
                reach.setdefault(reached, []).append(label)
        return reach

    def of(self, node: ManifestNode) -> list[str]:
        found = self.needed(node.repository).get(node.digest)
        if found:
            return found
        return [
            _("{repository}@{digest} (untagged, kept by GC without -m)").format(
                repository=node.repository, digest=short_digest(node.digest)
            )
        ]


def plan_deletion(
    graph: RegistryGraph,
    selections: Sequence[Selection],
    *,
    allow_tag_loss: bool = False,
    nonce: str = "",
    cli: str = "buildtui",
) -> Plan:
    """The plan for `selections`; refusals (not exceptions) say why it cannot run."""
    refusals: list[str] = []
    warnings: list[str] = []
    by_repo: dict[str, list[Selection]] = {}
    for selection in selections:
        repo = graph.repositories.get(selection.repository)
        problem = check_selection(graph, repo, selection)
        if problem:
            refusals.append(problem)
        else:
            by_repo.setdefault(selection.repository, []).append(selection)

    removed: dict[str, set[str]] = {}
    selected: dict[str, set[str]] = {}
    for name, chosen in by_repo.items():
        repo = graph.repositories[name]
        selected[name] = {s.tag for s in chosen if s.tag and not s.digest and not s.untagged}
        removed[name] = set(selected[name])
        for s in chosen:
            if s.digest:
                removed[name].update(repo.tags_of(s.digest))

    users = _Users(graph, removed)
    untag_steps: list[Step] = []
    delete_steps: list[Step] = []
    kept: dict[tuple[str, str], KeptManifest] = {}
    collateral: list[TagRef] = []
    for name, chosen in by_repo.items():
        repo = graph.repositories[name]
        needed = users.needed(name)
        for s in chosen:
            if s.digest and not s.untagged and s.digest in needed:
                users_of = needed[s.digest]
                refusals.append(
                    ngettext(
                        "{name}@{digest} cannot be deleted: the tag {items} still needs it",
                        "{name}@{digest} cannot be deleted: {count} tags still need it: {items}",
                        len(users_of),
                    ).format(
                        name=name,
                        digest=short_digest(s.digest),
                        count=len(users_of),
                        items=", ".join(users_of),
                    )
                )
        starts = deletion_starts(repo, chosen, needed.__contains__)
        for s in chosen:
            if not s.tag or s.digest or s.untagged:
                continue
            digest = repo.tags[s.tag]
            if digest in starts:
                continue
            reason = (
                ngettext(
                    "its manifest stays: the tag {items} still needs it",
                    "its manifest stays: {count} tags still need it: {items}",
                    len(needed[digest]),
                ).format(count=len(needed[digest]), items=", ".join(needed[digest]))
                if digest in needed
                else _(
                    "its manifest stays as an untagged revision (asked for the tag "
                    "only); GC without -m keeps it, so this frees nothing"
                )
            )
            placeholder = placeholder_manifest(name, s.tag, nonce or _nonce(name, s.tag, digest))
            untag_steps.append(
                Step(
                    StepAction.UNTAG,
                    name,
                    sha256(placeholder),
                    why=reason,
                    tag=s.tag,
                    placeholder=placeholder,
                    removes_tags=(s.tag,),
                    kept_digest=digest,
                )
            )
            if digest in needed:
                node = repo.manifests.get(digest)
                kept[(name, digest)] = KeptManifest(
                    name, digest, node.label if node else "", tuple(needed[digest])
                )
        deleted = deleted_closure(repo, starts, needed.__contains__, _keeper(kept, repo, needed))
        for digest, why in deleted:
            tags = repo.tags_of(digest)
            lost = [t for t in tags if t not in selected[name]]
            collateral.extend(TagRef(name, t, digest) for t in lost)
            delete_steps.append(
                Step(
                    StepAction.DELETE,
                    name,
                    digest,
                    why=why,
                    removes_tags=tuple(tags),
                    node=repo.manifests.get(digest),
                )
            )
    if collateral and not allow_tag_loss:
        names = ", ".join(str(t) for t in collateral)
        refusals.append(
            ngettext(
                "the deletion also removes the tag {names}, which you did not select; select "
                "it too, or allow removing it",
                "the deletion also removes {count} tags you did not select: {names}; select "
                "them too, or allow removing them",
                len(collateral),
            ).format(count=len(collateral), names=names)
        )
    steps = tuple(untag_steps + delete_steps)
    affected = {s.repository for s in steps}
    for name in sorted(affected):
        repo = graph.repositories[name]
        for tag, error in sorted(repo.unreadable_tags.items()):
            refusals.append(
                _(
                    "tag {name}:{tag} could not be read ({error}); it may point at a "
                    "manifest this plan deletes: refresh, and fix or delete it first"
                ).format(name=name, tag=tag, error=error)
            )
    blobs = _blob_fates(graph, steps, users, ReferenceCounts(graph))
    if not graph.revisions_known:
        warnings.append(
            _(
                "untagged manifests were not listed (the registry container's storage "
                "could not be read): blobs they keep may be counted as freed"
            )
        )
    warnings.extend(graph.warnings)
    if steps and not refusals:
        real = [b for b in blobs if b.freed and b.what != THROW_AWAY]
        if not real:
            warnings.append(
                _(
                    "this frees no space: everything it touches is still needed (only "
                    "tags or index entries go)"
                )
            )
    orphans = orphaned_by(graph, [(s.repository, s.digest) for s in delete_steps])
    if orphans:
        warnings.append(orphans_note(graph, orphans, cli))
    emptied, left_untagged = _left_behind(graph, steps, removed)
    warnings.extend(_left_behind_notes(graph, emptied, left_untagged, cli))
    if not selections:
        refusals.append(_("nothing selected"))
    elif not steps and not refusals:
        refusals.append(_("the selection changes nothing"))
    remaining_tags = tuple(
        TagRef(name, tag, digest)
        for name, repo in sorted(graph.repositories.items())
        for tag, digest in sorted(repo.tags.items())
        if tag not in removed.get(name, set())
    )
    return Plan(
        registry=graph.registry,
        base_url=graph.base_url,
        selections=tuple(selections),
        steps=steps,
        removed_tags=tuple(
            TagRef(name, tag, graph.repositories[name].tags[tag])
            for name in sorted(removed)
            for tag in sorted(removed[name])
        ),
        collateral_tags=tuple(collateral),
        kept=tuple(kept.values()),
        blobs=blobs,
        refusals=tuple(refusals),
        warnings=tuple(warnings),
        expected_tags={name: dict(graph.repositories[name].tags) for name in sorted(affected)},
        remaining_tags=remaining_tags,
        allow_tag_loss=allow_tag_loss,
        emptied=emptied,
        left_untagged=left_untagged,
        cli=cli,
        orphans=orphans,
    )


def _left_behind(
    graph: RegistryGraph, steps: Sequence[Step], removed: Mapping[str, set[str]]
) -> tuple[tuple[str, ...], dict[str, tuple[str, ...]]]:
    """Repositories the plan leaves with no tag, and the manifests it leaves untagged."""
    emptied: list[str] = []
    left: dict[str, tuple[str, ...]] = {}
    for name in sorted({s.repository for s in steps}):
        repo = graph.repositories[name]
        deleted = {
            s.digest for s in steps if s.repository == name and s.action is StepAction.DELETE
        }
        remaining = [d for t, d in repo.tags.items() if t not in removed.get(name, set())]
        if not remaining and not repo.unreadable_tags:
            emptied.append(name)
        stored = set(repo.revisions if repo.revisions is not None else repo.manifests)
        untagged_after = stored - deleted - repo.closure(remaining)
        new = sorted(untagged_after - repo.untagged)
        if new:
            left[name] = tuple(new)
    return tuple(emptied), left


def _left_behind_notes(
    graph: RegistryGraph,
    emptied: Sequence[str],
    left_untagged: Mapping[str, Sequence[str]],
    cli: str,
) -> list[str]:
    notes = []
    for name, digests in left_untagged.items():
        repo = graph.repositories[name]
        tags = sorted({t for t, d in repo.tags.items() if d in digests})
        note = (
            ngettext(
                "the manifest of {tags} stays as an untagged revision ({items}): the "
                "collector keeps it and every blob it references (it never runs with -m). "
                "To free them, delete the untagged manifests of {name} afterwards: {cli} rm "
                "--untagged {quote} (in the Clean-up pane: the row {name} (N untagged))",
                "the {count} manifests of {tags} stay as untagged revisions ({items}): the "
                "collector keeps them and every blob they reference (it never runs with -m). "
                "To free them, delete the untagged manifests of {name} afterwards: {cli} rm "
                "--untagged {quote} (in the Clean-up pane: the row {name} (N untagged))",
                len(digests),
            )
            if tags
            else ngettext(
                "{count} manifest of {name} stays as an untagged revision ({items}): the "
                "collector keeps it and every blob it references (it never runs with -m). "
                "To free them, delete the untagged manifests of {name} afterwards: {cli} rm "
                "--untagged {quote} (in the Clean-up pane: the row {name} (N untagged))",
                "{count} manifests of {name} stay as untagged revisions ({items}): the "
                "collector keeps them and every blob they reference (it never runs with -m). "
                "To free them, delete the untagged manifests of {name} afterwards: {cli} rm "
                "--untagged {quote} (in the Clean-up pane: the row {name} (N untagged))",
                len(digests),
            )
        )
        notes.append(
            note.format(
                count=len(digests),
                tags=", ".join(f"{name}:{t}" for t in tags),
                items=", ".join(short_digest(d) for d in digests),
                name=name,
                cli=cli,
                quote=shlex.quote(name),
            )
        )
    for name in emptied:
        repo = graph.repositories[name]
        untagged = [*left_untagged.get(name, ()), *sorted(repo.untagged)]
        command = f"{cli} gc --remove-empty-repo {shlex.quote(name)}"
        first = (
            _("once its untagged manifests are deleted ({cli} rm --untagged {quote}), ").format(
                cli=cli, quote=shlex.quote(name)
            )
            if untagged
            else ""
        )
        notes.append(
            _(
                "{name} keeps no tags: registry:2 has no API to delete a repository, "
                "so {name} stays in the catalog, listed with no tags. To remove its "
                "directory from storage, {first}run {command} (the collection removes "
                "it while the registry is stopped, only if it holds no tags and no "
                "manifests)"
            ).format(name=name, first=first, command=command)
        )
    return notes


def _keeper(
    kept: dict[tuple[str, str], KeptManifest],
    repo: RepositoryGraph,
    needed: Mapping[str, list[str]],
) -> Callable[[str], None]:
    """Records an entry a deletion keeps because remaining tags need it."""

    def keep(child: str) -> None:
        node = repo.manifests.get(child)
        kept[(repo.name, child)] = KeptManifest(
            repo.name, child, node.label if node else "", tuple(needed[child])
        )

    return keep


def _nonce(repository: str, tag: str, digest: str) -> str:
    return hashlib.sha256(f"{repository}:{tag}@{digest}".encode()).hexdigest()[:16]


def check_selection(
    graph: RegistryGraph, repo: RepositoryGraph | None, selection: Selection
) -> str | None:
    name = selection.repository
    if repo is None:
        return _("repository {name} is not in {registry}").format(
            name=name, registry=graph.registry
        )
    if repo.error:
        return _("the tags of {name} could not be listed ({error}); refresh and try again").format(
            name=name, error=repo.error
        )
    if selection.untagged:
        if repo.revisions is None:
            return _(
                "the untagged manifests of {name} cannot be listed over HTTP: the "
                "registry container's storage must be readable (check "
                "registry_container)"
            ).format(name=name)
        return None
    if selection.digest:
        known = selection.digest in repo.manifests or selection.digest in (repo.revisions or ())
        if not known:
            return _("{name}@{digest} is not in {registry}").format(
                name=name, digest=selection.digest, registry=graph.registry
            )
        return None
    if selection.tag in repo.unreadable_tags:
        return _("{name}:{tag} could not be read ({value}); delete it by digest instead").format(
            name=name, tag=selection.tag, value=repo.unreadable_tags[selection.tag]
        )
    if selection.tag not in repo.tags:
        return _("{name}:{tag} is not in {registry}").format(
            name=name, tag=selection.tag, registry=graph.registry
        )
    return None


def deletion_starts(
    repo: RepositoryGraph, chosen: Sequence[Selection], needed: Callable[[str], bool]
) -> dict[str, str]:
    """The manifests the selections of one repository delete by themselves (digest -> why):
    a selected tag's manifest no remaining tag needs, a selected digest no remaining tag
    needs (one that is needed is refused), the untagged manifests."""
    starts: dict[str, str] = {}
    for s in chosen:
        if s.untagged:
            for digest in sorted(repo.untagged):
                starts.setdefault(digest, _("untagged manifest: no tag reaches it"))
        elif s.digest:
            if not needed(s.digest):
                starts.setdefault(s.digest, _("selected digest"))
        elif s.tag and not s.untag_only:
            digest = repo.tags[s.tag]
            if not needed(digest):
                starts.setdefault(digest, _("tag {name}:{tag}").format(name=repo.name, tag=s.tag))
    return starts


def deleted_closure(
    repo: RepositoryGraph,
    starts: Mapping[str, str],
    needed: Callable[[str], bool],
    keep: Callable[[str], None] = lambda _digest: None,
) -> list[tuple[str, str]]:
    """(digest, why) to delete, parents before children; children still needed are kept
    (`keep` is told each of them)."""
    why: dict[str, str] = dict(starts)
    parents: dict[str, set[str]] = {d: set() for d in starts}
    stack = list(starts)
    while stack:
        digest = stack.pop()
        node = repo.manifests.get(digest)
        if node is None:
            continue
        for child in node.children:
            if repo.revisions is not None and child not in repo.revisions:
                continue  # no such revision (a platform manifest deleted before): nothing to do
            if needed(child):
                keep(child)
                continue
            parents.setdefault(child, set()).add(digest)
            if child not in why:
                child_node = repo.manifests.get(child)
                label = child_node.label if child_node and child_node.label else "entry"
                why[child] = _("{label} of {name}@{digest}").format(
                    label=label, name=repo.name, digest=short_digest(digest)
                )
                stack.append(child)
    ordered: list[tuple[str, str]] = []
    done: set[str] = set()
    pending = sorted(why, key=lambda d: (d not in starts, d))
    while pending:
        ready = [d for d in pending if parents.get(d, set()) <= done | {d}]
        if not ready:  # a cycle cannot happen with content digests; be safe anyway
            ready = pending[:1]
        for digest in ready:
            ordered.append((digest, why[digest]))
            done.add(digest)
        pending = [d for d in pending if d not in done]
    return ordered


Candidates = dict[str, tuple[int, str, list[str]]]
"""digest -> (size, what it is, the deleted manifests that referenced it)."""


def candidate_blobs(graph: RegistryGraph, gone: Iterable[ManifestNode]) -> Candidates:
    """Every blob (and manifest blob) the deleted manifests referenced: what the collection
    may free."""
    candidates: Candidates = {}
    for node in gone:
        owner = f"{node.repository}@{short_digest(node.digest)}" + (
            f" ({node.label})" if node.label else ""
        )
        entry = candidates.setdefault(node.digest, (node.size, "manifest", []))
        entry[2].append(owner)
        for blob in node.blobs:
            entry = candidates.setdefault(blob.digest, (blob.size, _blob_what(blob.media_type), []))
            if owner not in entry[2]:
                entry[2].append(owner)
        for child in node.children:
            # An entry whose revision was deleted before: its manifest blob stays in
            # storage while this index lists it, and goes with the index.
            child_node = graph.node(node.repository, child)
            if child_node is not None and not graph.stored(child_node):
                entry = candidates.setdefault(child, (child_node.size, "manifest", []))
                if owner not in entry[2]:
                    entry[2].append(owner)
    return candidates


def _blob_fates(
    graph: RegistryGraph, steps: Sequence[Step], users: _Users, counts: ReferenceCounts
) -> tuple[BlobFate, ...]:
    candidates: Candidates = {}
    for step in steps:
        if step.action is StepAction.UNTAG and step.placeholder is not None:
            candidates[step.digest] = (len(step.placeholder), THROW_AWAY, [step.title])
    gone = [s.node for s in steps if s.action is StepAction.DELETE and s.node is not None]
    for digest, entry in candidate_blobs(graph, gone).items():
        candidates.setdefault(digest, entry)
    deleted = {(s.repository, s.digest) for s in steps if s.action is StepAction.DELETE}
    swept = counts.swept(gone)
    fates = []
    for digest, (size, what, owners) in candidates.items():
        freed = swept(digest)
        labels: dict[str, None] = {}
        if not freed:
            for keeper in counts.keepers(digest, deleted):
                labels.update(dict.fromkeys(users.of(keeper)))
        fates.append(BlobFate(digest, size, what, freed, tuple(owners), tuple(labels)))
    fates.sort(key=lambda b: (not b.freed, -b.size, b.digest))
    return tuple(fates)
