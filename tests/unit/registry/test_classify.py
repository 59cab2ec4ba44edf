"""Classification of every manifest kind, including JSON nobody expected."""

from __future__ import annotations

import json

import pytest

from buildtui.registry.classify import child_kind, parse_manifest
from buildtui.registry.errors import MalformedManifest
from buildtui.registry.models import (
    DOCKER_LIST,
    DOCKER_MANIFEST,
    OCI_INDEX,
    OCI_MANIFEST,
    Descriptor,
    Kind,
    Manifest,
)
from tests.fakes.registry import FakeRegistry, digest_of


def stored(registry: FakeRegistry, repository: str, tag: str) -> tuple[bytes, str]:
    return registry.manifests[repository][registry.tags[repository][tag]]


def parse_tag(registry: FakeRegistry, repository: str, tag: str) -> Manifest:
    raw, media_type = stored(registry, repository, tag)
    return parse_manifest(raw, digest_of(raw), media_type)


def test_oci_index_with_attestations() -> None:
    registry = FakeRegistry()
    registry.push_index("lab", "cachetest")
    manifest = parse_tag(registry, "lab", "cachetest")
    assert manifest.kind is Kind.INDEX
    assert manifest.media_type == OCI_INDEX
    kinds = [child_kind(d) for d in manifest.manifests]
    assert kinds == [Kind.IMAGE, Kind.IMAGE, Kind.ATTESTATION, Kind.ATTESTATION]
    assert [str(d.platform) for d in manifest.manifests] == [
        "linux/amd64",
        "linux/arm64",
        "unknown/unknown",
        "unknown/unknown",
    ]


def test_docker_manifest_list_and_v2_manifest() -> None:
    registry = FakeRegistry()
    registry.push_index("lab", "list", attestations=False, docker=True)
    manifest = parse_tag(registry, "lab", "list")
    assert (manifest.kind, manifest.media_type) == (Kind.INDEX, DOCKER_LIST)
    child_raw, child_type = registry.manifests["lab"][manifest.manifests[0].digest]
    child = parse_manifest(child_raw, manifest.manifests[0].digest, child_type)
    assert (child.kind, child.media_type) == (Kind.IMAGE, DOCKER_MANIFEST)
    assert len(child.layers) == 2


def test_image_manifest_sizes() -> None:
    registry = FakeRegistry()
    registry.push_image("lab", "one", layers=(b"a" * 10, b"b" * 20, b"a" * 10))
    manifest = parse_tag(registry, "lab", "one")
    assert manifest.kind is Kind.IMAGE
    assert manifest.config is not None
    # The repeated layer counts once in the blob size.
    assert manifest.blob_size == manifest.config.size + 30


def test_attestation_manifest_classified_by_its_in_toto_layers() -> None:
    registry = FakeRegistry()
    subject = registry.push_image("lab", "x")
    attestation = registry.push_attestation("lab", subject)
    raw, media_type = registry.manifests["lab"][attestation["digest"]]
    assert parse_manifest(raw, attestation["digest"], media_type).kind is Kind.ATTESTATION


@pytest.mark.parametrize("image_manifest", [False, True])
def test_buildkit_cache_both_forms(image_manifest: bool) -> None:
    registry = FakeRegistry()
    registry.push_cache("cache", image_manifest=image_manifest)
    manifest = parse_tag(registry, "cache", "latest")
    assert manifest.kind is Kind.CACHE
    assert manifest.is_index is (not image_manifest)
    assert manifest.media_type == (OCI_MANIFEST if image_manifest else OCI_INDEX)
    # Both forms point at the two layers and the cache config.
    assert len(manifest.blobs) == 3
    assert "cache" in (manifest.note or "")


def test_oci_artifact_by_artifact_type_or_config_type() -> None:
    registry = FakeRegistry()
    registry.push_artifact("sbom")
    manifest = parse_tag(registry, "sbom", "v1")
    assert manifest.kind is Kind.ARTIFACT
    assert manifest.artifact_type == "application/vnd.example.sbom.v1"
    helm = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {
            "mediaType": "application/vnd.cncf.helm.config.v1+json",
            "digest": "sha256:" + "1" * 64,
            "size": 2,
        },
        "layers": [],
    }
    assert parse_manifest(json.dumps(helm).encode(), "d").kind is Kind.ARTIFACT


def test_media_type_guessed_from_shape_when_missing() -> None:
    index = {"schemaVersion": 2, "manifests": []}
    assert parse_manifest(json.dumps(index).encode(), "d").kind is Kind.INDEX
    image = {
        "schemaVersion": 2,
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": "sha256:" + "2" * 64,
            "size": 1,
        },
        "layers": [],
    }
    manifest = parse_manifest(json.dumps(image).encode(), "d")
    assert (manifest.kind, manifest.media_type) == (Kind.IMAGE, OCI_MANIFEST)


@pytest.mark.parametrize(
    "document",
    [
        {},
        {"schemaVersion": 1, "name": "x", "fsLayers": []},
        {"mediaType": "application/vnd.example.thing", "foo": [1, 2]},
        {"mediaType": 7, "config": "nope", "layers": "nope", "manifests": {"a": 1}},
        {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "layers": [{"no": "digest"}]},
    ],
)
def test_unknown_json_never_crashes(document: dict[str, object]) -> None:
    manifest = parse_manifest(json.dumps(document).encode(), "sha256:x")
    assert manifest.kind is Kind.UNKNOWN
    assert manifest.note


def test_bad_entries_are_skipped_and_noted() -> None:
    index = {
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": [
            {"mediaType": OCI_MANIFEST, "size": "big"},
            {"digest": "sha256:" + "3" * 64, "size": -4, "platform": "linux"},
        ],
    }
    manifest = parse_manifest(json.dumps(index).encode(), "d")
    assert manifest.kind is Kind.INDEX
    assert len(manifest.manifests) == 1
    assert manifest.manifests[0].size == 0
    assert manifest.manifests[0].platform is None
    assert "1 entries" in (manifest.note or "")


@pytest.mark.parametrize("raw", [b"not json", b"\xff\xfe", b"[1, 2]", b'"text"', b""])
def test_malformed_manifest_keeps_the_bytes(raw: bytes) -> None:
    with pytest.raises(MalformedManifest) as caught:
        parse_manifest(raw, "sha256:abc")
    assert caught.value.raw == raw
    assert "sha256:abc" in str(caught.value)


def test_child_kind_from_descriptor_alone() -> None:
    assert child_kind(Descriptor(OCI_INDEX, "d", 1)) is Kind.INDEX
    assert child_kind(Descriptor(OCI_MANIFEST, "d", 1, artifact_type="x/y")) is Kind.ARTIFACT
    assert child_kind(Descriptor("application/octet-stream", "d", 1)) is Kind.UNKNOWN


@pytest.mark.parametrize("platform", [{"os": "linux", "architecture": ""}, {"os": "linux"}])
def test_an_entry_without_an_architecture_has_no_platform(platform: dict[str, str]) -> None:
    # A cache manifest listed in an index with `{"os": "linux", "architecture": ""}` once
    # showed as `linux/`: an incomplete platform is no platform; the entry is named by kind.
    registry = FakeRegistry()
    registry.push_cache("lab", "cache", image_manifest=True)
    raw, media_type = stored(registry, "lab", "cache")
    entry = {"mediaType": media_type, "digest": digest_of(raw), "size": len(raw)}
    index = parse_manifest(
        json.dumps({"schemaVersion": 2, "manifests": [{**entry, "platform": platform}]}).encode(),
        "sha256:" + "1" * 64,
        OCI_INDEX,
    )
    assert index.manifests[0].platform is None
