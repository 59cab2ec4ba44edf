"""What must hold after a deletion plan is carried out and the garbage collected.

The registry is seen as distribution 2.8 stores it (`Storage`): per repository its
tags and manifest revisions, and one global blob store that holds configs, layers and
manifests alike. `collected` is its garbage collector without `-m`: mark every
manifest revision of every repository, tagged or not, and everything it references
(config, layers, index entries), then sweep every blob not marked.

`expected_outcome` says, from the selections alone and without the planner, which
tags and revisions must be left and whether the plan must be refused; `plan_problems`
compares a plan and the registry before, after the requests and after the collection
with that, and returns every difference as a sentence (empty when all holds).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from buildtui.cleanup.graph import (
    ManifestNode,
    RegistryGraph,
    RepositoryGraph,
    TagRef,
    node_from_manifest,
)
from buildtui.cleanup.plan import Plan
from buildtui.registry.classify import child_kind, parse_manifest
from buildtui.registry.models import OCI_INDEX
from tests.fakes.cleanup import WritableFakeRegistry
from tests.fakes.random_registry import Deletion, Document, RegistryContent, closure


@dataclass(frozen=True)
class Storage:
    """The registry's storage: tags and revisions per repository, and the blob store."""

    tags: Mapping[str, Mapping[str, str]]
    revisions: Mapping[str, frozenset[str]]
    blobs: frozenset[str]
    """Every blob in the store: configs, layers and manifests (also deleted ones, until GC)."""


def storage_of(registry: WritableFakeRegistry) -> Storage:
    """The in-memory registry as distribution would store it."""
    revisions = {name: frozenset(stored) for name, stored in registry.manifests.items()}
    blobs = set(registry.blobs) | set(registry.garbage)
    for digests in revisions.values():
        blobs |= digests
    return Storage(
        {name: dict(tags) for name, tags in registry.tags.items()}, revisions, frozenset(blobs)
    )


def collected(storage: Storage, documents: Mapping[str, Document]) -> Storage:
    """Distribution 2.8's `garbage-collect` without `-m`, applied to `storage`."""
    marked: set[str] = set()
    for digests in storage.revisions.values():
        for digest in digests:
            marked.add(digest)
            marked.update(documents[digest].references)
    return Storage(storage.tags, storage.revisions, storage.blobs & frozenset(marked))


def graph_of(registry: WritableFakeRegistry) -> RegistryGraph:
    """The graph `CleanupService.load` builds, read straight from the in-memory registry."""
    graph = RegistryGraph(registry.host, f"http://{registry.host}", revisions_known=True)
    for name, stored in registry.manifests.items():
        repo = RepositoryGraph(name, tags=dict(registry.tags.get(name, {})))
        for digest, (raw, media_type) in stored.items():
            manifest = parse_manifest(raw, digest, media_type)
            repo.manifests[digest] = node_from_manifest(name, manifest)
            for entry in manifest.manifests if repo.manifests[digest].children else ():
                if entry.digest not in stored:  # the scan keeps an entry it cannot read
                    repo.manifests[entry.digest] = ManifestNode(
                        name,
                        entry.digest,
                        entry.media_type,
                        child_kind(entry),
                        entry.size,
                        readable=False,
                    )
        repo.revisions = frozenset(stored)
        graph.repositories[name] = repo
    return graph


def documents_of(content: RegistryContent, plan: Plan) -> dict[str, Document]:
    """Every manifest the registry can hold during the plan: the content's, and the
    throw-away manifests of the plan's tag-only steps."""
    documents = dict(content.documents)
    for step in plan.steps:
        if step.placeholder is not None:
            documents[step.digest] = Document(step.placeholder, OCI_INDEX)
    return documents


@dataclass
class Expected:
    """What a deletion must leave, worked out from the selections without the planner."""

    refusals: list[str] = field(default_factory=list)
    tags: dict[str, dict[str, str]] = field(default_factory=dict)
    revisions: dict[str, frozenset[str]] = field(default_factory=dict)
    selected_tags: set[tuple[str, str]] = field(default_factory=set)
    changes: bool = False


def expected_outcome(
    documents: Mapping[str, Document], before: Storage, deletion: Deletion
) -> Expected:
    expected = Expected()
    removed: dict[str, set[str]] = {}
    roots: dict[str, set[str]] = {}
    digests: list[tuple[str, str]] = []
    for s in deletion.selections:
        name = s.repository
        if name not in before.revisions:
            expected.refusals.append(f"{s}: no such repository")
            continue
        tags = before.tags.get(name, {})
        repo_removed = removed.setdefault(name, set())
        repo_roots = roots.setdefault(name, set())
        if s.untagged:
            reached = closure(documents, tags.values())
            repo_roots.update(before.revisions[name] - reached)
        elif s.digest:
            if s.digest not in before.revisions[name]:
                expected.refusals.append(f"{s}: no such manifest")
                continue
            repo_roots.add(s.digest)
            repo_removed.update(t for t, d in tags.items() if d == s.digest)
            digests.append((name, s.digest))
        elif s.tag not in tags:
            expected.refusals.append(f"{s}: no such tag")
        else:
            assert s.tag is not None
            expected.selected_tags.add((name, s.tag))
            repo_removed.add(s.tag)
            if not s.untag_only:
                repo_roots.add(tags[s.tag])
    collateral = sorted(
        f"{name}:{tag}"
        for name, tags in removed.items()
        for tag in tags
        if (name, tag) not in expected.selected_tags
    )
    if collateral and not deletion.allow_tag_loss:
        expected.refusals.append(f"tags not selected would go: {', '.join(collateral)}")
    for name, digests_now in before.revisions.items():
        left = {
            t: d for t, d in before.tags.get(name, {}).items() if t not in removed.get(name, ())
        }
        expected.tags[name] = left
        keep = closure(documents, left.values())
        gone = (closure(documents, roots.get(name, ())) & digests_now) - keep
        expected.revisions[name] = frozenset(digests_now - gone)
    for name, digest in digests:
        needed_by = closure(documents, expected.tags[name].values())
        if digest in needed_by:
            expected.refusals.append(f"{name}@{digest} is needed by a remaining tag")
    expected.changes = expected.tags != {
        n: dict(t) for n, t in before.tags.items()
    } or expected.revisions != dict(before.revisions)
    return expected


def tag_problems(
    storage: Storage, documents: Mapping[str, Document], tags: Iterable[TagRef], baseline: Storage
) -> list[str]:
    """Every manifest, entry, config and layer each tag needs must be in `storage`, if it
    is in `baseline` (the registry before, collected: a damaged index lacks an entry)."""
    problems = []
    for ref in tags:
        now = storage.tags.get(ref.repository, {}).get(ref.tag)
        if now != ref.digest:
            problems.append(f"tag {ref} points at {now}, not {ref.digest}")
            continue
        revisions = storage.revisions.get(ref.repository, frozenset())
        had = baseline.revisions.get(ref.repository, frozenset())
        for digest in sorted(closure(documents, [ref.digest])):
            if digest in had and digest not in revisions:
                problems.append(f"tag {ref} needs manifest {digest}: no longer a revision")
            if digest in baseline.blobs and digest not in storage.blobs:
                problems.append(f"tag {ref} needs manifest {digest}: its blob is gone")
            if digest not in had:
                continue  # already missing: its own blobs were garbage before the plan
            for blob in documents[digest].blobs:
                if blob in baseline.blobs and blob not in storage.blobs:
                    problems.append(f"tag {ref} needs blob {blob} (of {digest}): gone")
    return problems


def plan_problems(
    content: RegistryContent,
    deletion: Deletion,
    plan: Plan,
    before: Storage,
    after_requests: Storage,
    after_gc: Storage,
) -> list[str]:
    """Everything that does not hold for this plan and what it did (empty: all holds)."""
    documents = documents_of(content, plan)
    expected = expected_outcome(documents, before, deletion)
    problems: list[str] = []
    should_run = not expected.refusals and expected.changes
    if plan.ok != should_run:
        problems.append(
            f"plan.ok is {plan.ok}, expected {should_run}: expected refusals "
            f"{expected.refusals or 'none'}, changes {expected.changes}; the plan's "
            f"refusals: {list(plan.refusals) or 'none'}"
        )
    gc_model = collected(after_requests, documents)
    if after_gc != gc_model:
        problems.append(
            "the garbage collection did not do what distribution's does: "
            f"kept {sorted(after_gc.blobs - gc_model.blobs)}, "
            f"swept {sorted(gc_model.blobs - after_gc.blobs)} against the model"
        )
    if not plan.ok:
        if after_requests != before:
            problems.append("a refused plan changed the registry")
        return problems

    def normal(tags: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, str]]:
        return {name: dict(t) for name, t in tags.items() if t}

    if normal(after_requests.tags) != normal(expected.tags):
        problems.append(
            f"tags after: {normal(after_requests.tags)}, expected {normal(expected.tags)}"
        )
    if dict(after_requests.revisions) != expected.revisions:
        for name in sorted(expected.revisions):
            now = after_requests.revisions.get(name, frozenset())
            if now != expected.revisions[name]:
                problems.append(
                    f"revisions of {name}: left {sorted(now - expected.revisions[name])} "
                    f"that should be gone, deleted {sorted(expected.revisions[name] - now)} "
                    "that should stay"
                )
    remaining = {
        TagRef(name, tag, digest)
        for name, tags in expected.tags.items()
        for tag, digest in tags.items()
    }
    if set(plan.remaining_tags) != remaining:
        problems.append(
            f"plan.remaining_tags differs: {sorted(map(str, set(plan.remaining_tags) ^ remaining))}"
        )
    removed = {
        TagRef(name, tag, digest)
        for name, tags in before.tags.items()
        for tag, digest in tags.items()
        if tag not in expected.tags.get(name, {})
    }
    if set(plan.removed_tags) != removed:
        problems.append(
            f"plan.removed_tags differs: {sorted(map(str, set(plan.removed_tags) ^ removed))}"
        )
    collateral = {t for t in removed if (t.repository, t.tag) not in expected.selected_tags}
    if set(plan.collateral_tags) != collateral:
        differs = sorted(map(str, set(plan.collateral_tags) ^ collateral))
        problems.append(f"plan.collateral_tags differs: {differs}")
    baseline = collected(before, documents)
    problems += tag_problems(after_gc, documents, sorted(remaining, key=str), baseline)
    for name, tag in sorted(expected.selected_tags):
        if tag in after_gc.tags.get(name, {}):
            problems.append(f"selected tag {name}:{tag} is still there")
    sizes = content.sizes()
    sizes.update({d: len(doc.raw) for d, doc in documents.items()})
    for fate in plan.blobs:
        if fate.size != sizes.get(fate.digest):
            problems.append(
                f"the plan says {fate.digest} has {fate.size} bytes, not {sizes.get(fate.digest)}"
            )
        if fate.freed and fate.digest in after_gc.blobs:
            problems.append(f"the plan frees {fate.what} {fate.digest}, but GC kept it")
        if not fate.freed and fate.digest not in after_gc.blobs:
            problems.append(f"the plan keeps {fate.what} {fate.digest}, but GC swept it")
        if not fate.freed and not fate.kept_by:
            problems.append(f"the plan keeps {fate.what} {fate.digest} but names no keeper")
    freed = {fate.digest for fate in plan.freed_blobs}
    earlier_garbage = before.blobs - collected(before, documents).blobs
    gone = before.blobs - after_gc.blobs
    if gone != (freed & before.blobs) | earlier_garbage:
        problems.append(
            f"GC swept {sorted(gone - freed - earlier_garbage)} the plan did not announce, "
            f"and kept {sorted((freed & before.blobs) - gone)} it announced as freed"
        )
    if not after_gc.blobs <= before.blobs:
        problems.append(f"left behind: {sorted(after_gc.blobs - before.blobs)}")
    if plan.freed_bytes != sum(sizes[d] for d in freed):
        problems.append(f"plan.freed_bytes {plan.freed_bytes} is not the freed blobs' sizes")
    return problems
