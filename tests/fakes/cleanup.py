"""Fakes for the clean-up: small graphs for the planner, a registry that also takes PUT
and collects garbage, and a registry container; shaped like what buildx pushes.

`fake_cleanup_service` is the real `CleanupService` over them: its HTTP goes through
the in-memory registry's transport and its docker calls to `FakeContainer`, so pane
tests run the real planner, executor and verifier with no socket and no engine.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from buildtui.cleanup.distribution import RegistryVersion, from_binary, minus_m_allowed
from buildtui.cleanup.docker_output import ContainerInfo, parse_gc_output
from buildtui.cleanup.errors import ContainerNotFound, GcRefused
from buildtui.cleanup.gc import GcPreview, GcResult, RepositoryRemoval, minus_m_refusal
from buildtui.cleanup.graph import BlobRef, ManifestNode, RegistryGraph, RepositoryGraph
from buildtui.cleanup.service import CleanupService
from buildtui.engine.registry_container import ContainerState, registry_down_advice
from buildtui.registry.models import (
    BUILDKIT_CACHE_CONFIG,
    IN_TOTO,
    OCI_CONFIG,
    OCI_EMPTY,
    OCI_INDEX,
    OCI_MANIFEST,
    Kind,
)
from buildtui.registry.service import RegistryService
from buildtui.settings import Settings
from tests.fakes.registry import FakeRegistry, digest_of, encode, fake_service

LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
V3_VERSION = "registry github.com/distribution/distribution/v3 v3.0.0"
"""`registry --version` of distribution 3.0.0 (the official registry:3 image)."""


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


# -- a registry that takes PUT and DELETE and collects garbage ------------------------


@dataclass
class WritableFakeRegistry(FakeRegistry):
    """The registry fake, plus PUT of manifests, read-only mode, failures and mark-and-sweep."""

    read_only: bool = False
    fail_deletes_after: int | None = None
    """Answer 500 to every DELETE after this many succeeded (to test midway failures)."""
    deletes: int = 0
    garbage: dict[str, bytes] = field(default_factory=dict)
    """Manifest blobs of deleted revisions, until garbage collection removes them."""

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if request.method in ("PUT", "DELETE") and "/manifests/" in path:
            self.requests.append(request)
            if self.read_only:
                return httpx.Response(405, text="Method not allowed\n")
            name, _, reference = path[len("/v2/") :].partition("/manifests/")
            if request.method == "PUT":
                raw = request.content
                digest = digest_of(raw)
                media_type = request.headers.get("content-type", "")
                self.manifests.setdefault(name, {})[digest] = (raw, media_type)
                self.tags.setdefault(name, {})
                if not reference.startswith("sha256:"):
                    self.tags[name][reference] = digest
                return httpx.Response(201, headers={"Docker-Content-Digest": digest})
            stored = self.manifests.get(name, {}).get(reference)
            failing = (
                self.fail_deletes_after is not None and self.deletes >= self.fail_deletes_after
            )
            if failing and stored is not None:
                return httpx.Response(500, json={"errors": [{"code": "UNKNOWN"}]})
            self.requests.pop()
            response = super().handle(request)
            if response.status_code == 202:
                self.deletes += 1
                if stored is not None:
                    self.garbage[reference] = stored[0]
            return response
        return super().handle(request)

    def revisions(self) -> dict[str, set[str]]:
        return {name: set(manifests) for name, manifests in self.manifests.items()}

    def collect(self, dry_run: bool = False, delete_untagged: bool = False) -> str:
        """Mark and sweep as distribution 2.8 does without -m; with `delete_untagged`, as
        distribution 3 does with -m (the revisions no tag reaches go first, the entries of
        a tagged index stay). Returns its summary output."""
        untagged: dict[str, set[str]] = {}
        if delete_untagged:
            for name, manifests in self.manifests.items():
                reached: set[str] = set()
                stack = list(self.tags.get(name, {}).values())
                while stack:
                    digest = stack.pop()
                    if digest in reached or digest not in manifests:
                        continue
                    reached.add(digest)
                    document = json.loads(manifests[digest][0])
                    stack += [entry["digest"] for entry in document.get("manifests", [])]
                untagged[name] = set(manifests) - reached
        marked: set[str] = set()
        for name, manifests in self.manifests.items():
            for digest, (raw, _) in manifests.items():
                if digest in untagged.get(name, ()):
                    continue
                marked.add(digest)
                document = json.loads(raw)
                for entry in [*document.get("manifests", []), *document.get("layers", [])]:
                    marked.add(entry["digest"])
                if isinstance(document.get("config"), dict):
                    marked.add(document["config"]["digest"])
        dropped = [d for digests in untagged.values() for d in digests]
        sweep = sorted({d for d in [*self.blobs, *self.garbage, *dropped] if d not in marked})
        if not dry_run:
            for name, digests in untagged.items():
                for digest in digests:
                    self.manifests[name].pop(digest)
            for digest in sweep:
                self.blobs.pop(digest, None)
                self.garbage.pop(digest, None)
        lines = [
            f"\n{len(marked)} blobs marked, {len(sweep)} blobs and {len(dropped)} manifests "
            "eligible for deletion"
        ]
        lines += [f"blob eligible for deletion: {digest}" for digest in sweep]
        return "\n".join(lines)

    def stored_kb(self) -> int:
        total = sum(len(b) for b in self.blobs.values()) + sum(
            len(b) for b in self.garbage.values()
        )
        total += sum(len(raw) for m in self.manifests.values() for raw, _ in m.values())
        return total // 1024 + 1


@dataclass
class FakeContainer:
    """The registry container: GC runs the fake registry's mark and sweep."""

    registry: WritableFakeRegistry
    name: str = "registry7"
    missing: bool = False
    collected: int = 0
    steps: list[str] = field(default_factory=list)
    running: bool = True
    """A stopped container's registry does not answer (`registry.down`)."""
    host_port: int | None = None
    """The host port it publishes (default: the fake registry's)."""
    container_id: str = ""
    """Its ID (default: made from its first name; a rename keeps it)."""
    engine: list[FakeContainer] = field(default_factory=list)
    """The other containers on the same fake engine (`named` and `find` look there)."""
    version_text: str = "registry github.com/docker/distribution 2.8.2+ds1"
    """What `registry --version` answers in it (distribution 3: see V3_VERSION)."""
    pushed: dict[str, dict[str, float]] = field(default_factory=dict)
    """repository -> tag -> when it was pushed (its link file's time in storage)."""

    def __post_init__(self) -> None:
        self.container_id = self.container_id or hashlib.sha256(self.name.encode()).hexdigest()
        if self not in self.engine:
            self.engine.append(self)

    def __eq__(self, other: object) -> bool:
        return self is other

    __hash__ = object.__hash__

    @property
    def docker(self) -> list[str]:
        return ["docker"]

    def engine_id(self) -> str:
        return "fake-engine-0001"

    def find(self, container_id: str) -> ContainerInfo | None:
        for container in self.engine:
            if container.container_id == container_id and not container.missing:
                return container.inspect()
        return None

    def inspect(self) -> ContainerInfo:
        if self.missing:
            # The production error's kind; the wording is the real container's to test.
            raise ContainerNotFound(f"FakeContainer {self.name} is missing")
        port = self.host_port or int(self.registry.host.rsplit(":", 1)[1])
        return ContainerInfo(
            name=self.name,
            id=self.container_id,
            image="sha256:registry",
            image_name="registry:2",
            running=self.running,
            auto_remove=False,
            binary="/bin/registry",
            config_path="/etc/docker/registry/config.yml",
            storage_root="/var/lib/registry",
            mounts=("/var/lib/registry",),
            storage_env=(("REGISTRY_STORAGE_DELETE_ENABLED", "true"),),
            ports=(f"0.0.0.0:{port}->5000/tcp",),
            host_ports=(port,) if self.running else (),
            delete_enabled=True,
            port_map=(("5000/tcp", port),) if self.running else (),
            bound_ports=(port,),
        )

    def revisions(self, info: ContainerInfo | None = None) -> dict[str, set[str]]:
        self.inspect()
        return self.registry.revisions()

    def _commands(self, dry_run: bool, delete_untagged: bool = False) -> tuple[str, ...]:
        minus_m = "--delete-untagged " if delete_untagged else ""
        if dry_run:
            return (
                f"docker exec {self.name} /bin/registry garbage-collect --dry-run {minus_m}"
                "/etc/docker/registry/config.yml",
            )
        return (
            f"docker stop -t 10 {self.name}",
            f"docker run --rm --volumes-from {self.name} --entrypoint /bin/registry registry:2 "
            f"garbage-collect {minus_m}/etc/docker/registry/config.yml",
            f"docker start {self.name}",
        )

    def registry_version(self, info: ContainerInfo | None = None) -> RegistryVersion:
        info = info or self.inspect()
        return from_binary(self.version_text, info.name)

    def tag_times(self, info: ContainerInfo, repository: str) -> dict[str, float]:
        return dict(self.pushed.get(repository, {}))

    def _allow_minus_m(self, delete_untagged: bool) -> None:
        problem = minus_m_allowed(self.registry_version()) if delete_untagged else None
        if problem is not None:
            raise GcRefused(
                f"{minus_m_refusal(Settings(registry_container=self.name))} ({problem})"
            )

    def preview(self, *, delete_untagged: bool = False) -> GcPreview:
        info = self.inspect()
        self._allow_minus_m(delete_untagged)
        output = parse_gc_output(
            self.registry.collect(dry_run=True, delete_untagged=delete_untagged)
        )
        return GcPreview(
            info, output, self.registry.stored_kb(), self._commands(False, delete_untagged)
        )

    def commands(
        self,
        info: ContainerInfo,
        *,
        dry_run: bool,
        start_stopped: bool = False,
        delete_untagged: bool = False,
    ) -> tuple[str, ...]:
        return self._commands(dry_run, delete_untagged)

    def collect(
        self,
        *,
        dry_run: bool = False,
        delete_untagged: bool = False,
        on_step: Callable[[str], None] | None = None,
        on_phase: Callable[[str], None] | None = None,
        remove_repositories: Sequence[str] = (),
        start_stopped: bool = False,
        info: ContainerInfo | None = None,
    ) -> GcResult:
        info = info or self.inspect()
        self._allow_minus_m(delete_untagged)
        before = self.registry.stored_kb()
        sequence = [("stopping", "stopping registry7"), ("collecting", "collecting garbage")]
        if info.running or start_stopped:
            sequence.append(("starting", "starting registry7 again"))
        for phase, step in sequence if info.running else sequence[1:]:
            self.steps.append(step)
            if on_phase:
                on_phase(phase)
            if on_step:
                on_step(step)
            if phase == "stopping":  # as `docker stop`: the registry does not answer
                self.running, self.registry.down = False, True
        removals = tuple(self.remove_empty_repository(info, n) for n in remove_repositories)
        output = parse_gc_output(
            self.registry.collect(dry_run=dry_run, delete_untagged=delete_untagged)
        )
        self.collected += 1
        if info.running or start_stopped:
            self.start(info)
            if on_phase:
                on_phase("started")
        return GcResult(
            info,
            dry_run,
            output,
            before,
            self.registry.stored_kb(),
            self._commands(dry_run, delete_untagged),
            info.ports,
            repositories=removals,
            left_stopped=not info.running and not start_stopped,
        )

    def remove_empty_repository(
        self, info: ContainerInfo, name: str, *, check: bool = False
    ) -> RepositoryRemoval:
        if name not in self.registry.manifests and name not in self.registry.tags:
            return RepositoryRemoval(name, False, "there is no such repository in storage")
        if self.registry.tags.get(name) or self.registry.manifests.get(name):
            return RepositoryRemoval(name, False, "it still holds tags or manifests")
        if not check:
            self.registry.tags.pop(name, None)
            self.registry.manifests.pop(name, None)
        return RepositoryRemoval(name, not check)

    def publishing(self, port: int) -> list[str]:
        return [self.name] if self.registry.host.endswith(f":{port}") else []

    def named(self, name: str) -> FakeContainer:
        for container in self.engine:
            if name in (container.name, container.container_id) and not container.missing:
                return container
        return FakeContainer(self.registry, name=name, engine=self.engine)

    def running_collectors(self, name: str | None = None) -> list[str]:
        return []

    def wait_for(self, container_id: str, timeout: float = 600) -> None:
        return None

    def commands_in_flight(self, name: str) -> list[int]:
        return []

    def wait_for_commands(self, name: str, timeout: float = 600) -> None:
        return None

    def start(self, info: ContainerInfo) -> None:
        self.steps.append(f"started {self.name}")
        self.running = True
        self.registry.down = False


def lab_fake_registry() -> WritableFakeRegistry:
    """The lab's registry (base image, lab:cachetest with attestations, two caches, ...)
    with the cache sharing layers with the image, as mode=max does."""
    registry = WritableFakeRegistry(host="localhost:5000")
    registry.push_image("busybox", "amd64", "linux/amd64", (b"busybox amd64",))
    registry.push_image("busybox", "arm64", "linux/arm64", (b"busybox arm64",))
    registry.push_index("busybox", "latest", attestations=False, shared=b"busybox shared")
    registry.push_index("lab", "cachetest", shared=b"busybox shared")
    registry.push_index("lab", "v2", platforms=("linux/amd64", "linux/arm/v7"))
    registry.tags["lab"]["stable"] = registry.tags["lab"]["v2"]
    stage = registry.add_blob(b"build stage layer" * 500)
    shared = registry.add_blob(b"busybox shared")
    own = registry.add_blob(b"lab linux/amd64 layer")
    config = registry.add_blob(encode({"layers": [], "records": []}), BUILDKIT_CACHE_CONFIG)
    document = {
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": [stage, shared, own, config],
    }
    registry.put_manifest("cachedata1", document, OCI_INDEX, "latest")
    return registry


class InspectedSide:
    """The engine (`registry.service.EngineSide`) as `docker inspect` would describe the
    registry's container: `state`, whatever container is asked about; no insecure
    registries. No engine is asked."""

    def __init__(self, state: ContainerState) -> None:
        self.state = state

    def is_insecure(self, registry: str) -> bool:
        return False

    def down_advice(self, container: str, base_url: str) -> str:
        return str(registry_down_advice(self.state, base_url))


def fake_cleanup_service(
    registry: WritableFakeRegistry,
    container: FakeContainer | None = None,
    container_state: ContainerState | None = None,
    registry_service: RegistryService | None = None,
) -> CleanupService:
    """The service over the fakes; `container_state` is what `docker inspect` tells the
    hints (by default: no such container), so no test inspects the real engine.
    `registry_service` is shared with it (as the app shares the Registry pane's)."""
    settings = Settings(registry_url=f"http://{registry.host}", registry_container="registry7")
    container = container or FakeContainer(registry)
    state = container_state or ContainerState(container.name, None)
    engine = InspectedSide(state)

    def down_advice() -> str:
        return engine.down_advice(container.name, settings.registry_url)

    return CleanupService(
        settings,
        registry=registry_service.share()
        if registry_service
        else fake_service(registry, settings, down_advice),
        container=container,
        transport=registry.transport,
        container_state=lambda: state,
        engine=engine,
    )


COSIGN_SIGNATURE = "application/vnd.dev.cosign.simplesigning.v1+json"


def dated_image(
    registry: WritableFakeRegistry, repository: str, tag: str, created: str, size: int
) -> dict[str, Any]:
    """An image whose config says `created`, with a layer of its own of `size` bytes."""
    config = registry.add_blob(
        encode({"architecture": "amd64", "os": "linux", "created": created, "config": {}}),
        OCI_CONFIG,
    )
    own = registry.add_blob(f"{repository}:{tag} ".encode().ljust(size, b"."))
    document = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": config,
        "layers": [registry.add_blob(b"app base layer" * 100), own],
    }
    return registry.put_manifest(repository, document, OCI_MANIFEST, tag)


def signature(
    registry: WritableFakeRegistry, repository: str, subject: dict[str, Any], tag: str = ""
) -> dict[str, Any]:
    """A cosign-style signature with an OCI subject (pushed by digest unless `tag`)."""
    document = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "artifactType": COSIGN_SIGNATURE,
        "config": registry.add_blob(b"{}", OCI_EMPTY),
        "layers": [
            registry.add_blob(f"signature of {subject['digest']}".encode(), COSIGN_SIGNATURE)
        ],
        "subject": {k: subject[k] for k in ("mediaType", "digest", "size")},
    }
    return registry.put_manifest(repository, document, OCI_MANIFEST, tag)


def space_fake_registry() -> WritableFakeRegistry:
    """The lab's registry, plus `app` with five dated releases (v4 also `stable`), a signed
    v5 (its signature pushed by digest, with a subject) and an untagged old revision."""
    registry = lab_fake_registry()
    for i, day in enumerate(("01", "05", "10", "15", "20"), start=1):
        image = dated_image(registry, "app", f"v{i}", f"2026-11-{day}T10:00:00Z", 2_000 * i)
        if i == 4:
            registry.tags["app"]["stable"] = image["digest"]
    signature(registry, "app", image)
    dated_image(registry, "app", "old", "2026-10-01T10:00:00Z", 9_000)
    del registry.tags["app"]["old"]
    return registry
