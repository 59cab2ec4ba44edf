"""Random registries and random deletions, for the planner's property tests.

`registries()` draws what a lab registry holds after a few weeks of buildx: single-
platform images (OCI and Docker), multi-arch indexes with attestation manifests,
BuildKit cache images in both forms (an index listing layers and the cache config, and
the `image-manifest=true` form), the same manifest under several tags and in several
repositories, tags on a platform manifest of an index, layers and configs shared
across all of them, and revisions a tag moved away from (untagged). The content is
real manifest JSON with correct digests and sizes, so the same `RegistryContent` can
fill the in-memory registry (`fill`) or a real one over HTTP (`push`).

`deletions(content)` draws what a user could ask for: tags, tags only, digests
(tagged, platform, attestation or untagged ones), a repository's untagged manifests,
whole repositories, and now and then something that is not there.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import httpx
from hypothesis import strategies as st

from buildtui.cleanup.plan import Selection
from buildtui.registry.models import (
    BUILDKIT_CACHE_CONFIG,
    DOCKER_CONFIG,
    DOCKER_LIST,
    DOCKER_MANIFEST,
    IN_TOTO,
    OCI_CONFIG,
    OCI_EMPTY,
    OCI_INDEX,
    OCI_MANIFEST,
)
from tests.fakes.cleanup import WritableFakeRegistry

OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
COSIGN_SIGNATURE = "application/vnd.dev.cosign.simplesigning.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
REPOSITORIES = ("app", "base", "cache", "lab/web")
TAGS = ("latest", "v1", "v2", "amd64", "buildcache")
PLATFORMS = ("linux/amd64", "linux/arm64", "linux/arm/v7")
KINDS = ("image", "index", "cache index", "cache manifest", "referrer")
SELECTION_KINDS = (
    "tag",
    "tag",
    "tag only",
    "digest",
    "digest",
    "untagged",
    "repository",
    "missing",
)
T = TypeVar("T")


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Blob:
    data: bytes
    media_type: str

    @property
    def digest(self) -> str:
        return digest_of(self.data)

    def descriptor(self) -> dict[str, Any]:
        return {"mediaType": self.media_type, "digest": self.digest, "size": len(self.data)}


@dataclass(frozen=True)
class Document:
    """A manifest as pushed, with what distribution's garbage collector marks from it."""

    raw: bytes
    media_type: str
    children: tuple[str, ...] = ()
    """Manifests an index lists (revisions of the same repository)."""
    blobs: tuple[str, ...] = ()
    """Config and layers (for a cache index: its layers and cache config)."""

    @property
    def digest(self) -> str:
        return digest_of(self.raw)

    def descriptor(self, **extra: Any) -> dict[str, Any]:
        return {
            "mediaType": self.media_type,
            "digest": self.digest,
            "size": len(self.raw),
            **extra,
        }

    @property
    def references(self) -> tuple[str, ...]:
        return self.children + self.blobs


def document(body: dict[str, Any], children: tuple[str, ...], blobs: tuple[str, ...]) -> Document:
    raw = json.dumps(body, separators=(",", ":")).encode()
    return Document(raw, str(body["mediaType"]), children, blobs)


@dataclass(repr=False)
class RegistryContent:
    """What a registry holds, in the order it was pushed."""

    blobs: dict[str, Blob] = field(default_factory=dict)
    documents: dict[str, Document] = field(default_factory=dict)
    repo_blobs: dict[str, list[str]] = field(default_factory=dict)
    """repository -> the blobs uploaded to it (the links `_layers` holds)."""
    revisions: dict[str, list[str]] = field(default_factory=dict)
    """repository -> manifests pushed by digest, children before parents."""
    tag_pushes: list[tuple[str, str, str]] = field(default_factory=list)
    """(repository, tag, digest) in order: a later push moves the tag."""
    deleted: list[tuple[str, str]] = field(default_factory=list)
    """(repository, digest) DELETEd after every push: platform manifests of damaged indexes."""

    @property
    def tags(self) -> dict[str, dict[str, str]]:
        tags: dict[str, dict[str, str]] = {name: {} for name in self.revisions}
        for name, tag, digest in self.tag_pushes:
            tags[name][tag] = digest
        for name, digest in self.deleted:  # a DELETE removes the tags on that digest
            tags[name] = {t: d for t, d in tags[name].items() if d != digest}
        return tags

    def live(self, repository: str) -> list[str]:
        """The repository's revisions after the deletions."""
        gone = {d for name, d in self.deleted if name == repository}
        return [d for d in self.revisions[repository] if d not in gone]

    def sizes(self) -> dict[str, int]:
        sizes = {digest: len(blob.data) for digest, blob in self.blobs.items()}
        sizes.update({digest: len(doc.raw) for digest, doc in self.documents.items()})
        return sizes

    def __repr__(self) -> str:
        """A readable summary, for Hypothesis's falsifying example."""
        lines = ["RegistryContent:"]
        tags = self.tags
        for name, digests in self.revisions.items():
            lines.append(f" {name}:")
            for digest in digests:
                doc = self.documents[digest]
                on = sorted(t for t, d in tags[name].items() if d == digest)
                gone = " DELETED" if (name, digest) in self.deleted else ""
                lines.append(
                    f"  {digest[7:19]} {doc.media_type.rsplit('.', 2)[-2]:<14} "
                    f"children={[c[7:19] for c in doc.children]} "
                    f"blobs={[b[7:19] for b in doc.blobs]} tags={on}{gone}"
                )
        return "\n".join(lines)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))

    # -- building --------------------------------------------------------------------

    def _blob(self, repository: str, blob: Blob) -> dict[str, Any]:
        self.blobs[blob.digest] = blob
        uploaded = self.repo_blobs.setdefault(repository, [])
        if blob.digest not in uploaded:
            uploaded.append(blob.digest)
        return blob.descriptor()

    def _revision(self, repository: str, doc: Document) -> Document:
        self.documents[doc.digest] = doc
        pushed = self.revisions.setdefault(repository, [])
        if doc.digest not in pushed:
            pushed.append(doc.digest)
        return doc

    def image(
        self, repository: str, config: Blob, layers: list[Blob], *, docker: bool = False
    ) -> Document:
        body = {
            "schemaVersion": 2,
            "mediaType": DOCKER_MANIFEST if docker else OCI_MANIFEST,
            "config": self._blob(repository, config),
            "layers": [self._blob(repository, layer) for layer in layers],
        }
        blobs = (config.digest, *(layer.digest for layer in layers))
        return self._revision(repository, document(body, (), blobs))

    def attestation(self, repository: str, subject: Document, seed: int) -> Document:
        config = Blob(b'{"architecture":"unknown","os":"unknown","config":{}}', OCI_CONFIG)
        statement = Blob(
            json.dumps({"_type": "https://in-toto.io/Statement/v0.1", "subject": subject.digest})
            .encode()
            .ljust(64 + seed, b" "),
            IN_TOTO,
        )
        return self.image(repository, config, [statement])

    def index(
        self,
        repository: str,
        platforms: list[tuple[str, Blob, list[Blob]]],
        *,
        attestations: bool,
        docker: bool,
    ) -> Document:
        entries: list[dict[str, Any]] = []
        proofs: list[dict[str, Any]] = []
        for platform, config, layers in platforms:
            child = self.image(repository, config, layers, docker=docker)
            os_name, arch, *variant = platform.split("/")
            where = {
                "os": os_name,
                "architecture": arch,
                **({"variant": variant[0]} if variant else {}),
            }
            entries.append(child.descriptor(platform=where))
            if attestations and not docker:
                proof = self.attestation(repository, child, len(proofs))
                proofs.append(
                    proof.descriptor(
                        platform={"os": "unknown", "architecture": "unknown"},
                        annotations={
                            "vnd.docker.reference.digest": child.digest,
                            "vnd.docker.reference.type": "attestation-manifest",
                        },
                    )
                )
        manifests = entries + proofs
        body = {
            "schemaVersion": 2,
            "mediaType": DOCKER_LIST if docker else OCI_INDEX,
            "manifests": manifests,
        }
        children = tuple(str(m["digest"]) for m in manifests)
        return self._revision(repository, document(body, children, ()))

    def cache(
        self, repository: str, layers: list[Blob], cache_config: Blob, *, image_manifest: bool
    ) -> Document:
        blobs = (*(layer.digest for layer in layers), cache_config.digest)
        if image_manifest:
            body = {
                "schemaVersion": 2,
                "mediaType": OCI_MANIFEST,
                "config": self._blob(repository, cache_config),
                "layers": [self._blob(repository, layer) for layer in layers],
            }
        else:
            body = {
                "schemaVersion": 2,
                "mediaType": OCI_INDEX,
                "manifests": [
                    *(self._blob(repository, layer) for layer in layers),
                    self._blob(repository, cache_config),
                ],
            }
        return self._revision(repository, document(body, (), blobs))

    def referrer(self, repository: str, subject: str, size: int, seed: int) -> Document:
        """An OCI artifact (a signature) whose `subject` is `subject`, as cosign and oras
        push one: an empty config, one layer, and the subject's descriptor."""
        empty = Blob(b"{}", OCI_EMPTY)
        signature = Blob(f"signature {seed} of {subject}".encode(), COSIGN_SIGNATURE)
        body = {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "artifactType": COSIGN_SIGNATURE,
            "config": self._blob(repository, empty),
            "layers": [self._blob(repository, signature)],
            "subject": {"mediaType": OCI_MANIFEST, "digest": subject, "size": size},
        }
        return self._revision(repository, document(body, (), (empty.digest, signature.digest)))

    def tag(self, repository: str, tag: str, digest: str) -> None:
        self.tag_pushes.append((repository, tag, digest))


# -- filling a registry ----------------------------------------------------------------


@dataclass
class ModelRegistry(WritableFakeRegistry):
    """The writable fake, plus one more trait of distribution 2.8: a repository no tag was
    ever pushed to (its manifests all pushed by digest) is in the catalog, but its tag list
    answers 404 NAME_UNKNOWN. Blob links per repository are not modelled (one store)."""

    tagged: set[str] = field(default_factory=set)
    """Repositories that have had a tag (distribution keeps their `_manifests/tags`)."""

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        name, marker, reference = path[len("/v2/") :].partition("/manifests/")
        if request.method == "PUT" and marker and not reference.startswith("sha256:"):
            self.tagged.add(name)
        name, marker, _ = path[len("/v2/") :].partition("/tags/list")
        if marker and name in self.tags and name not in self.tagged:
            self.requests.append(request)
            return httpx.Response(404, json={"errors": [{"code": "NAME_UNKNOWN"}]})
        return super().handle(request)


def fill(content: RegistryContent) -> ModelRegistry:
    """The in-memory registry holding `content`."""
    registry = ModelRegistry(host="localhost:5000")
    for digest, blob in content.blobs.items():
        registry.blobs[digest] = blob.data
    for name, digests in content.revisions.items():
        stored = registry.manifests.setdefault(name, {})
        registry.tags.setdefault(name, {})
        for digest in digests:
            doc = content.documents[digest]
            stored[digest] = (doc.raw, doc.media_type)
    for name, tag, digest in content.tag_pushes:
        registry.tags[name][tag] = digest
        registry.tagged.add(name)
    for name, digest in content.deleted:
        raw, _ = registry.manifests[name].pop(digest)
        registry.garbage[digest] = raw
        registry.tags[name] = {t: d for t, d in registry.tags[name].items() if d != digest}
    return registry


class BlobPusher(Protocol):
    """tests.integration.registry_fixtures.Pusher."""

    def blob(self, repository: str, data: bytes, media_type: str) -> dict[str, Any]: ...

    def manifest(
        self, repository: str, reference: str, document: dict[str, Any], media_type: str
    ) -> dict[str, Any]: ...

    @property
    def http(self) -> httpx.Client: ...


def push(content: RegistryContent, pusher: BlobPusher) -> None:
    """Upload `content` over the registry API: blobs, manifests by digest, then tags."""
    for name, digests in content.repo_blobs.items():
        for digest in digests:
            blob = content.blobs[digest]
            pusher.blob(name, blob.data, blob.media_type)
    for name, digests in content.revisions.items():
        for digest in digests:
            doc = content.documents[digest]
            pusher.manifest(name, digest, json.loads(doc.raw), doc.media_type)
    for name, tag, digest in content.tag_pushes:
        doc = content.documents[digest]
        pusher.manifest(name, tag, json.loads(doc.raw), doc.media_type)
    for name, digest in content.deleted:
        answer = pusher.http.delete(f"/v2/{name}/manifests/{digest}")
        assert answer.status_code == 202, answer.text


# -- strategies -------------------------------------------------------------------------


def pick(draw: st.DrawFn, items: Sequence[T], low: int = 1, high: int = 1) -> list[T]:
    """Between `low` and `high` items, repeats allowed. Integer draws only: strategies
    built per call (lists of sampled_from a new list) cost more than the test itself."""
    count = draw(st.integers(low, high))
    return [items[draw(st.integers(0, len(items) - 1))] for _ in range(count)]


def pick_unique(draw: st.DrawFn, items: Sequence[T], low: int, high: int) -> list[T]:
    return list(dict.fromkeys(pick(draw, items, low, high))) if items else []


@st.composite
def registries(draw: st.DrawFn, max_artifacts: int = 6) -> RegistryContent:
    """A random registry as buildx and BuildKit leave one."""
    layers = [
        Blob(f"layer {i} ".encode() + b"x" * draw(st.integers(0, 300)), OCI_LAYER)
        for i in range(draw(st.integers(1, 7)))
    ]
    configs = [
        Blob(
            json.dumps(
                {"architecture": "amd64", "os": "linux", "config": {"Env": [f"N={i}"]}}
            ).encode(),
            OCI_CONFIG,
        )
        for i in range(draw(st.integers(1, 4)))
    ]
    cache_configs = [
        Blob(
            json.dumps({"layers": [], "records": [{"digest": f"k{i}"}]}).encode(),
            BUILDKIT_CACHE_CONFIG,
        )
        for i in range(draw(st.integers(1, 3)))
    ]
    content = RegistryContent()
    built_parts: dict[bool, list[tuple[str, Blob, list[Blob]]]] = {False: [], True: []}
    for _ in range(draw(st.integers(1, max_artifacts))):
        kind = draw(st.sampled_from(KINDS))
        homes = pick_unique(draw, REPOSITORIES, 1, 2)
        docker = draw(st.booleans())
        if kind == "image":
            config = pick(draw, configs)[0]
            chosen = pick(draw, layers, 1, 3)
            if docker:
                config, chosen = _as_docker(config, chosen)
            built = [content.image(name, config, chosen, docker=docker) for name in homes]
        elif kind == "index":
            parts = []
            for platform in pick_unique(draw, PLATFORMS, 1, 3):
                if built_parts[docker] and draw(st.integers(0, 2)) == 0:
                    # A rebuild in which this platform was all cached: the same platform
                    # manifest as before, under a new index.
                    parts.append(pick(draw, built_parts[docker])[0])
                    continue
                config = pick(draw, configs)[0]
                chosen = pick(draw, layers, 1, 3)
                if docker:
                    config, chosen = _as_docker(config, chosen)
                parts.append((platform, config, chosen))
            built_parts[docker].extend(parts)
            attestations = draw(st.booleans())
            built = [
                content.index(name, parts, attestations=attestations, docker=docker)
                for name in homes
            ]
        elif kind == "referrer":
            built = []
            for name in homes:
                # Most often the signature of something there; now and then of a manifest
                # that is not (an orphan).
                there = content.revisions.get(name, [])
                orphan = not there or draw(st.integers(0, 3)) == 0
                subject = (
                    digest_of(b"gone %d" % len(content.documents))
                    if orphan
                    else (pick(draw, there)[0])
                )
                size = 500 if orphan else len(content.documents[subject].raw)
                built.append(content.referrer(name, subject, size, len(content.documents)))
                if draw(st.booleans()):  # cosign's tag schema, else pushed by digest only
                    content.tag(name, subject.replace(":", "-") + ".sig", built[-1].digest)
            continue
        else:
            chosen = pick_unique(draw, layers, 1, 4)
            cache_config = pick(draw, cache_configs)[0]
            built = [
                content.cache(name, chosen, cache_config, image_manifest=kind == "cache manifest")
                for name in homes
            ]
        for name, doc in zip(homes, built, strict=True):
            targets = [doc.digest, *doc.children]
            for tag in pick_unique(draw, TAGS, 0, 2):
                # Mostly the artifact itself; now and then one of its platform manifests.
                on_child = draw(st.integers(0, 4)) == 0
                content.tag(name, tag, pick(draw, targets)[0] if on_child else doc.digest)
            if doc.children and draw(st.integers(0, 7)) == 0:
                # A damaged index: one of its platform manifests was deleted by digest.
                gone = (name, pick(draw, doc.children)[0])
                if gone not in content.deleted:
                    content.deleted.append(gone)
    return content


def _as_docker(config: Blob, layers: list[Blob]) -> tuple[Blob, list[Blob]]:
    return Blob(config.data, DOCKER_CONFIG), [Blob(b.data, DOCKER_LAYER) for b in layers]


@dataclass(frozen=True)
class Deletion:
    """What the user asked for: the selections and whether tags they did not name may go."""

    selections: tuple[Selection, ...]
    allow_tag_loss: bool


def closure(documents: Mapping[str, Document], roots: Iterable[str]) -> set[str]:
    """The manifests reachable from `roots` through index entries (roots included)."""
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        digest = stack.pop()
        if digest in seen:
            continue
        seen.add(digest)
        doc = documents.get(digest)
        if doc is not None:
            stack.extend(doc.children)
    return seen


@st.composite
def deletions(draw: st.DrawFn, content: RegistryContent) -> Deletion:
    """Random selections over `content`, as the pane and `buildtui rm` make them."""
    tags = content.tags
    repositories = sorted(content.revisions)
    selections: list[Selection] = []
    for _ in range(draw(st.integers(1, 4))):
        name = pick(draw, repositories)[0]
        kind = draw(st.sampled_from(SELECTION_KINDS))
        if kind in ("tag", "tag only") and tags[name]:
            tag = pick(draw, sorted(tags[name]))[0]
            selections.append(Selection(name, tag=tag, untag_only=kind == "tag only"))
        elif kind == "digest":
            digest = pick(draw, content.live(name))[0]
            selections.append(Selection(name, digest=digest))
        elif kind == "untagged":
            selections.append(Selection(name, untagged=True))
        elif kind == "repository":
            selections += [Selection(name, tag=tag) for tag in sorted(tags[name])]
            selections.append(Selection(name, untagged=True))
        elif kind == "missing":
            missing = [
                Selection(name, tag="no-such-tag"),
                Selection(name, digest=digest_of(b"no such manifest")),
                Selection("no/such/repository", tag="latest"),
            ]
            selections.append(pick(draw, missing)[0])
    return Deletion(tuple(selections), draw(st.booleans()))
