"""What a registry holds, as plain data: descriptors, manifests, image configs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from buildtui.i18n import N_, _

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
MANIFEST_MEDIA_TYPES = (OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST)
INDEX_MEDIA_TYPES = (OCI_INDEX, DOCKER_LIST)
IMAGE_MEDIA_TYPES = (OCI_MANIFEST, DOCKER_MANIFEST)

OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
IMAGE_CONFIG_TYPES = (OCI_CONFIG, DOCKER_CONFIG)
BUILDKIT_CACHE_CONFIG = "application/vnd.buildkit.cacheconfig.v0"
OCI_EMPTY = "application/vnd.oci.empty.v1+json"
IN_TOTO = "application/vnd.in-toto+json"

REFERENCE_TYPE = "vnd.docker.reference.type"
REFERENCE_DIGEST = "vnd.docker.reference.digest"
ATTESTATION_MANIFEST = "attestation-manifest"

SHORT_MEDIA_TYPES = {
    OCI_INDEX: "OCI index",
    OCI_MANIFEST: "OCI manifest",
    DOCKER_LIST: "Docker manifest list",
    DOCKER_MANIFEST: "Docker manifest v2",
}


class Listing(list[str]):
    """Names from a paginated list (catalog, tags), each once; `cut` says why the list
    stops before its end (a bound was hit), and is None when it is complete."""

    cut: str | None = None


class Kind(StrEnum):
    """What a manifest is, in the lab's words."""

    INDEX = "index"
    IMAGE = "image"
    ATTESTATION = "attestation"
    CACHE = "cache"
    ARTIFACT = "artifact"
    UNKNOWN = "unknown"


KIND_WORDS = {
    Kind.INDEX: N_("index"),
    Kind.IMAGE: N_("image"),
    Kind.ATTESTATION: N_("attestation"),
    Kind.CACHE: N_("cache"),
    Kind.ARTIFACT: N_("artifact"),
    Kind.UNKNOWN: N_("unknown"),
}


def kind_word(kind: Kind | str) -> str:
    """A manifest's kind as the panes and the twins' text say it (the kind itself, for
    `--json`, is `kind.value`)."""
    try:
        return _(KIND_WORDS[Kind(kind)])
    except ValueError:
        return str(kind)


@dataclass(frozen=True)
class Platform:
    os: str
    architecture: str
    variant: str | None = None

    def __str__(self) -> str:
        text = f"{self.os}/{self.architecture}"
        return f"{text}/{self.variant}" if self.variant else text

    @property
    def is_unknown(self) -> bool:
        return self.os == "unknown" or self.architecture == "unknown"

    @classmethod
    def from_json(cls, data: object) -> Platform | None:
        if not isinstance(data, dict):
            return None
        os_name, arch = data.get("os"), data.get("architecture")
        if not isinstance(os_name, str) or not isinstance(arch, str) or not os_name or not arch:
            return None  # `{"os": "linux"}` alone is no platform (it would show as `linux/`)
        variant = data.get("variant")
        return cls(os_name, arch, variant if isinstance(variant, str) and variant else None)


@dataclass(frozen=True)
class Descriptor:
    """A pointer to content: media type, digest, size, and for index entries a platform."""

    media_type: str
    digest: str
    size: int
    platform: Platform | None = None
    annotations: Mapping[str, str] = field(default_factory=dict)
    artifact_type: str | None = None

    @property
    def is_attestation(self) -> bool:
        return self.annotations.get(REFERENCE_TYPE) == ATTESTATION_MANIFEST

    @classmethod
    def from_json(cls, data: object) -> Descriptor | None:
        """A descriptor, or None when the JSON lacks a digest (never raises)."""
        if not isinstance(data, dict) or not isinstance(data.get("digest"), str):
            return None
        size = data.get("size")
        annotations = data.get("annotations")
        artifact_type = data.get("artifactType")
        return cls(
            media_type=str(data.get("mediaType") or ""),
            digest=data["digest"],
            size=size if isinstance(size, int) and size >= 0 else 0,
            platform=Platform.from_json(data.get("platform")),
            annotations={str(k): str(v) for k, v in annotations.items()}
            if isinstance(annotations, dict)
            else {},
            artifact_type=artifact_type if isinstance(artifact_type, str) else None,
        )


@dataclass(frozen=True)
class Manifest:
    """One manifest as served: its exact bytes, digest, descriptors and classification
    (the parsed JSON itself is not kept: it takes several times the bytes' memory)."""

    raw: bytes
    digest: str
    media_type: str
    kind: Kind
    config: Descriptor | None = None
    layers: tuple[Descriptor, ...] = ()
    manifests: tuple[Descriptor, ...] = ()
    annotations: Mapping[str, str] = field(default_factory=dict)
    artifact_type: str | None = None
    subject: Descriptor | None = None
    note: str | None = None
    """Why the kind is what it is when that is not obvious (e.g. why unknown)."""

    @property
    def size(self) -> int:
        return len(self.raw)

    @property
    def is_index(self) -> bool:
        return self.kind is Kind.INDEX or (
            self.kind is Kind.CACHE and self.media_type in INDEX_MEDIA_TYPES
        )

    @property
    def blobs(self) -> tuple[Descriptor, ...]:
        """Config and layers: the blobs an image manifest (or a cache index) points at."""
        if self.is_index and self.kind is Kind.CACHE:
            return self.manifests
        return ((self.config,) if self.config else ()) + self.layers

    @property
    def blob_size(self) -> int:
        """Compressed size: the config plus every layer (each listed once per manifest)."""
        seen: dict[str, int] = {}
        for blob in self.blobs:
            seen.setdefault(blob.digest, blob.size)
        return sum(seen.values())


@dataclass(frozen=True)
class ImageConfig:
    """The parts of an image config blob the pane shows."""

    digest: str
    created: str | None
    platform: Platform | None
    data: Any

    @classmethod
    def from_json(cls, digest: str, data: Any) -> ImageConfig:
        created = data.get("created") if isinstance(data, dict) else None
        return cls(
            digest=digest,
            created=created if isinstance(created, str) else None,
            platform=Platform.from_json(data),
            data=data,
        )
