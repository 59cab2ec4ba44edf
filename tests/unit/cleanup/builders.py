"""Small registry graphs for planner tests, shaped like what buildx pushes."""

from __future__ import annotations

import hashlib

from buildtui.cleanup.graph import BlobRef, ManifestNode, RegistryGraph, RepositoryGraph
from buildtui.registry.models import (
    BUILDKIT_CACHE_CONFIG,
    IN_TOTO,
    OCI_CONFIG,
    OCI_INDEX,
    OCI_MANIFEST,
    Kind,
)

LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"


def d(name: str) -> str:
    """A stable fake digest for a readable name."""
    return "sha256:" + hashlib.sha256(name.encode()).hexdigest()


def layer(name: str, size: int) -> BlobRef:
    return BlobRef(d(name), size, LAYER)


def config(name: str, size: int = 500) -> BlobRef:
    return BlobRef(d(name), size, OCI_CONFIG)


class GraphBuilder:
    def __init__(self, *, revisions_known: bool = True) -> None:
        self.graph = RegistryGraph("localhost:5000", "http://localhost:5000")
        self.graph.revisions_known = revisions_known
        self.revisions_known = revisions_known

    def repo(self, name: str) -> RepositoryGraph:
        repo = self.graph.repositories.setdefault(name, RepositoryGraph(name))
        if self.revisions_known and repo.revisions is None:
            repo.revisions = frozenset()
        return repo

    def add(self, node: ManifestNode, *tags: str) -> ManifestNode:
        repo = self.repo(node.repository)
        repo.manifests[node.digest] = node
        if repo.revisions is not None:
            repo.revisions = repo.revisions | {node.digest}
        for tag in tags:
            repo.tags[tag] = node.digest
        return node

    def image(
        self, repository: str, name: str, blobs: list[BlobRef], *tags: str, label: str = ""
    ) -> ManifestNode:
        node = ManifestNode(
            repository, d(name), OCI_MANIFEST, Kind.IMAGE, 400, blobs=tuple(blobs), label=label
        )
        return self.add(node, *tags)

    def attestation(self, repository: str, name: str, label: str) -> ManifestNode:
        blobs = (config(f"{name} config", 200), BlobRef(d(f"{name} statement"), 1500, IN_TOTO))
        node = ManifestNode(
            repository, d(name), OCI_MANIFEST, Kind.ATTESTATION, 300, blobs=blobs, label=label
        )
        return self.add(node)

    def index(
        self, repository: str, name: str, children: list[ManifestNode], *tags: str
    ) -> ManifestNode:
        node = ManifestNode(
            repository,
            d(name),
            OCI_INDEX,
            Kind.INDEX,
            800,
            children=tuple(c.digest for c in children),
        )
        return self.add(node, *tags)

    def cache(self, repository: str, name: str, blobs: list[BlobRef], *tags: str) -> ManifestNode:
        entries = (*blobs, BlobRef(d(f"{name} cache config"), 700, BUILDKIT_CACHE_CONFIG))
        node = ManifestNode(repository, d(name), OCI_INDEX, Kind.CACHE, 900, blobs=entries)
        return self.add(node, *tags)


def lab_graph() -> GraphBuilder:
    """The lab: busybox base (amd64 + arm64 tags and a latest index), lab:cachetest built
    from it for two platforms with attestations, and its mode=max cache cachedata1."""
    g = GraphBuilder()
    base_amd = layer("busybox amd64", 1_000_000)
    base_arm = layer("busybox arm64", 900_000)
    bb_amd = g.image(
        "busybox", "bb amd64", [config("bb amd64 cfg"), base_amd], "amd64", label="linux/amd64"
    )
    bb_arm = g.image(
        "busybox", "bb arm64", [config("bb arm64 cfg"), base_arm], "arm64", label="linux/arm64"
    )
    g.index("busybox", "bb index", [bb_amd, bb_arm], "latest")
    final_amd = layer("final amd64", 3_000)
    final_arm = layer("final arm64", 3_100)
    amd = g.image(
        "lab", "lab amd64", [config("lab amd64 cfg"), base_amd, final_amd], label="linux/amd64"
    )
    arm = g.image(
        "lab", "lab arm64", [config("lab arm64 cfg"), base_arm, final_arm], label="linux/arm64"
    )
    att_amd = g.attestation("lab", "att amd64", "attestation for linux/amd64")
    att_arm = g.attestation("lab", "att arm64", "attestation for linux/arm64")
    g.index("lab", "lab index", [amd, arm, att_amd, att_arm], "cachetest")
    stage_amd = layer("build stage amd64", 200_000)
    stage_arm = layer("build stage arm64", 210_000)
    g.cache(
        "cachedata1",
        "cache",
        [base_amd, stage_amd, final_amd, base_arm, stage_arm, final_arm],
        "latest",
    )
    return g
