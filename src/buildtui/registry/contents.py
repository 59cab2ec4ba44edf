"""What blobs say: a BuildKit cache config, buildx's in-toto attestations, an image config.

Pure decoding of JSON already fetched (and verified against its digest); anything
unexpected gives an empty or partial result with a note, never an exception.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from buildtui.i18n import _

SLSA_PROVENANCE_PREFIX = "https://slsa.dev/provenance/"
SPDX_PREFIX = "https://spdx.dev/Document"
PREDICATE_TYPE_ANNOTATION = "in-toto.io/predicate-type"


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


# -- BuildKit cache config (application/vnd.buildkit.cacheconfig.v0) -------------------


@dataclass(frozen=True)
class CacheLayer:
    """One layer of the cache config: a blob and the layer below it (-1: none)."""

    index: int
    blob: str
    parent: int


@dataclass(frozen=True)
class CacheRecord:
    """One cache record: a build step's cache key and the layer its result ends in."""

    digest: str
    layers: tuple[int, ...]
    inputs: int
    """How many inputs (links to other records) the step has."""


@dataclass(frozen=True)
class CacheConfig:
    """BuildKit's cache config: records (steps) and layers (blobs with parents)."""

    digest: str
    layers: tuple[CacheLayer, ...]
    records: tuple[CacheRecord, ...]
    note: str | None = None

    def chain(self, index: int) -> tuple[str, ...]:
        """The blobs of layer `index` from the bottom up (its parents first)."""
        blobs: list[str] = []
        seen: set[int] = set()
        while 0 <= index < len(self.layers) and index not in seen:
            seen.add(index)
            layer = self.layers[index]
            blobs.append(layer.blob)
            index = layer.parent
        return tuple(reversed(blobs))

    def chains(self) -> tuple[tuple[str, ...], ...]:
        """Every distinct layer chain that ends in a layer no other layer builds on."""
        parents = {layer.parent for layer in self.layers}
        found: dict[tuple[str, ...], None] = {}
        for layer in self.layers:
            if layer.index not in parents:
                found.setdefault(self.chain(layer.index))
        return tuple(found)

    @property
    def results(self) -> int:
        """Records that hold a result layer (the others are keys only)."""
        return sum(1 for record in self.records if record.layers)

    @classmethod
    def from_json(cls, digest: str, data: object) -> CacheConfig:
        if not isinstance(data, dict):
            return cls(digest, (), (), note=_("the cache config is not a JSON object"))
        layers = []
        for index, item in enumerate(_list(data.get("layers"))):
            item = _dict(item)
            parent = item.get("parent")
            layers.append(
                CacheLayer(
                    index,
                    _text(item.get("blob")) or "",
                    parent if isinstance(parent, int) else -1,
                )
            )
        records = []
        for item in _list(data.get("records")):
            item = _dict(item)
            numbers = tuple(
                result["layer"]
                for result in _list(item.get("layers"))
                if isinstance(result, dict) and isinstance(result.get("layer"), int)
            )
            records.append(
                CacheRecord(
                    _text(item.get("digest")) or "", numbers, len(_list(item.get("inputs")))
                )
            )
        note = None if layers or records else _("the cache config has no layers and no records")
        return cls(digest, tuple(layers), tuple(records), note)


# -- in-toto attestations (buildx: SLSA provenance, SPDX SBOM) --------------------------


@dataclass(frozen=True)
class Material:
    uri: str
    digest: str | None

    @property
    def name(self) -> str:
        """`pkg:docker/localhost%3A5000/busybox@latest?...` as `localhost:5000/busybox:latest`."""
        uri = self.uri
        if uri.startswith("pkg:docker/"):
            path = unquote(uri[len("pkg:docker/") :].split("?", 1)[0])
            name, _unused, version = path.rpartition("@")
            if name and version:
                return f"{name}@{version}" if ":" in version else f"{name}:{version}"
            return path
        return uri


@dataclass(frozen=True)
class Provenance:
    builder: str | None
    build_type: str | None
    frontend: str | None
    build_args: tuple[str, ...]
    """Names only: values can hold secrets and are never kept."""
    materials: tuple[Material, ...]
    started: str | None
    finished: str | None


@dataclass(frozen=True)
class Statement:
    """One in-toto statement of an attestation manifest."""

    layer: str
    """The digest of the layer that holds it."""
    predicate_type: str
    subjects: tuple[tuple[str, str], ...]
    """(name, digest) of what it is about."""
    provenance: Provenance | None = None
    packages: int | None = None
    """For an SBOM: how many packages it lists."""
    note: str | None = None

    @property
    def what(self) -> str:
        if self.predicate_type.startswith(SLSA_PROVENANCE_PREFIX):
            return _("SLSA provenance {value}").format(
                value=self.predicate_type[len(SLSA_PROVENANCE_PREFIX) :]
            )
        if self.predicate_type.startswith(SPDX_PREFIX):
            return _("SPDX SBOM")
        return self.predicate_type or _("unknown predicate")

    @property
    def subject_digests(self) -> tuple[str, ...]:
        return tuple(digest for _unused, digest in self.subjects)


def _subjects(value: object) -> tuple[tuple[str, str], ...]:
    found = []
    for item in _list(value):
        item = _dict(item)
        for algorithm, hexpart in _dict(item.get("digest")).items():
            if isinstance(hexpart, str):
                found.append((_text(item.get("name")) or "", f"{algorithm}:{hexpart}"))
    return tuple(found)


def _material(item: Mapping[str, Any]) -> Material:
    digests = [f"{k}:{v}" for k, v in _dict(item.get("digest")).items() if isinstance(v, str)]
    return Material(_text(item.get("uri")) or "", digests[0] if digests else None)


def _provenance(predicate: Mapping[str, Any]) -> Provenance:
    # v0.2: builder.id, invocation.parameters, metadata.buildStartedOn
    # v1: runDetails.builder.id, buildDefinition.externalParameters, runDetails.metadata
    invocation = _dict(predicate.get("invocation"))
    parameters = _dict(invocation.get("parameters"))
    metadata = _dict(predicate.get("metadata"))
    materials = _list(predicate.get("materials"))
    builder = _text(_dict(predicate.get("builder")).get("id"))
    definition = _dict(predicate.get("buildDefinition"))
    if definition:
        parameters = _dict(_dict(definition.get("externalParameters")).get("request")) or _dict(
            definition.get("externalParameters")
        )
        materials = _list(definition.get("resolvedDependencies"))
        details = _dict(predicate.get("runDetails"))
        builder = _text(_dict(details.get("builder")).get("id"))
        metadata = _dict(details.get("metadata"))
    args = _dict(parameters.get("args"))
    names = sorted(key.removeprefix("build-arg:") for key in args if key.startswith("build-arg:"))
    return Provenance(
        builder=builder,
        build_type=_text(predicate.get("buildType")) or _text(definition.get("buildType")),
        frontend=_text(parameters.get("frontend")),
        build_args=tuple(names),
        materials=tuple(_material(_dict(item)) for item in materials),
        started=_text(metadata.get("buildStartedOn")) or _text(metadata.get("startedOn")),
        finished=_text(metadata.get("buildFinishedOn")) or _text(metadata.get("finishedOn")),
    )


def decode_statement(layer: str, data: object, predicate_type: str | None = None) -> Statement:
    """An in-toto statement from its JSON (the layer's bytes, parsed)."""
    if not isinstance(data, dict):
        return Statement(layer, predicate_type or "", (), note=_("not an in-toto statement"))
    kind = _text(data.get("predicateType")) or predicate_type or ""
    predicate = _dict(data.get("predicate"))
    statement = Statement(layer, kind, _subjects(data.get("subject")))
    if kind.startswith(SLSA_PROVENANCE_PREFIX):
        return Statement(layer, kind, statement.subjects, provenance=_provenance(predicate))
    if kind.startswith(SPDX_PREFIX):
        return Statement(
            layer, kind, statement.subjects, packages=len(_list(predicate.get("packages")))
        )
    return statement


# -- image config ------------------------------------------------------------------------


@dataclass(frozen=True)
class ConfigDetails:
    """What an image config says about how the image runs and was made."""

    entrypoint: tuple[str, ...] | None
    cmd: tuple[str, ...] | None
    history: tuple[str, ...] = field(default_factory=tuple)
    """Each history entry's `created_by`, in order."""


def _words(value: object) -> tuple[str, ...] | None:
    if isinstance(value, list):
        return tuple(str(word) for word in value)
    return None


def config_details(data: object) -> ConfigDetails:
    data = _dict(data)
    run = _dict(data.get("config"))
    history = tuple(
        str(item.get("created_by", ""))
        for item in _list(data.get("history"))
        if isinstance(item, dict)
    )
    return ConfigDetails(_words(run.get("Entrypoint")), _words(run.get("Cmd")), history)


# -- repeated descriptors ----------------------------------------------------------------


def counted(digests: Iterable[str]) -> dict[str, int]:
    """Each digest once, in first-seen order, with how many times it appears."""
    counts: dict[str, int] = {}
    for digest in digests:
        counts[digest] = counts.get(digest, 0) + 1
    return counts


def join_words(words: Sequence[str] | None) -> str:
    return "[" + ", ".join(f'"{w}"' for w in words) + "]" if words is not None else "-"
