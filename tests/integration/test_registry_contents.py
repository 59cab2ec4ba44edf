"""Every descriptor, BuildKit caches and attestations, on what buildx really pushes.

One build of a two-stage Dockerfile (linux/amd64 + linux/arm64, provenance with
mode=max and a build argument) pushes the image and three caches: `mode=max` in
the index form and in the image-manifest form, and `mode=min`. Each document is
checked against `docker buildx imagetools inspect --raw` (and each blob against the
registry's bytes): every descriptor, the cache config's layers and what they share
with the image, the provenance's subject, builder, frontend and materials. The
engine has no SBOM scanner image (it cannot be pulled here), so the SBOM decoding is
checked on an SPDX statement made the way buildx writes it, pushed as an attestation.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from buildtui.registry.blobcache import BlobCache
from buildtui.registry.contents import counted
from buildtui.registry.crossref import CacheBreakdown
from buildtui.registry.present import inspect_json
from buildtui.registry.scan import ImageReport
from buildtui.registry.service import RegistryService
from buildtui.settings import Settings
from tests.integration.lab import TestRegistry, docker, docker_push, unique
from tests.integration.registry_fixtures import Pusher

SECRET = unique("not-shown")


def raw(ref: str) -> dict[str, Any]:
    result = subprocess.run(
        ["docker", "buildx", "imagetools", "inspect", "--raw", ref],
        capture_output=True,
        timeout=60,
        check=True,
    )
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def blob(url: str, repository: str, digest: str) -> Any:
    return json.loads(httpx.get(f"{url}/v2/{repository}/blobs/{digest}", timeout=30).content)


class Built:
    def __init__(self, registry: TestRegistry) -> None:
        self.registry = registry
        # Names of their own: other tests of the session registry expect `lab` absent.
        self.repository = unique("contents-lab")
        self.image = registry.ref(self.repository, "cachetest")
        self.caches = {
            "max-index": registry.ref(unique("cachemax"), "latest"),
            "max-manifest": registry.ref(unique("cacheim"), "latest"),
            "min-index": registry.ref(unique("cachemin"), "latest"),
        }


@pytest.fixture(scope="module")
def built(
    registry: TestRegistry, base_image: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Built]:
    context = tmp_path_factory.mktemp("contents")
    (context / "Dockerfile").write_text(
        f"FROM {base_image} AS build\nRUN echo {unique('stage')} > /a\n"
        f'FROM {base_image}\nCOPY --from=build /a /a\nARG LAB_TOKEN\nCMD ["sh"]\n'
    )
    out = Built(registry)
    docker_push(
        "buildx",
        "build",
        "--progress=quiet",
        "--platform",
        "linux/amd64,linux/arm64",
        "--provenance=mode=max",
        "--build-arg",
        f"LAB_TOKEN={SECRET}",
        "-t",
        out.image,
        "--push",
        "--cache-to",
        f"type=registry,ref={out.caches['max-index']},mode=max",
        "--cache-to",
        f"type=registry,ref={out.caches['max-manifest']},mode=max,image-manifest=true,"
        "oci-mediatypes=true",
        "--cache-to",
        f"type=registry,ref={out.caches['min-index']},mode=min",
        str(context),
        timeout=600,
    )
    try:
        yield out
    finally:
        docker("rmi", "-f", out.image, check=False)


def read(
    url: str, ref: str, cache: BlobCache | None = None
) -> tuple[ImageReport, CacheBreakdown | None, int]:
    path = ref.split("/", 1)[1]
    repository, _, tag = path.partition("@") if "@" in path else path.partition(":")

    async def run() -> tuple[ImageReport, CacheBreakdown | None, int]:
        service = RegistryService(Settings(registry_url=url), blob_cache=cache or False)
        try:
            report = await service.inspect(repository, tag)
            breakdown = await service.breakdown(report)
            return report, breakdown, service.client.requests
        finally:
            await service.aclose()

    return asyncio.run(run())


def descriptors(document: dict[str, Any], key: str) -> dict[str, int]:
    return counted(d["digest"] for d in document.get(key, []))


def test_every_descriptor_of_the_image_agrees_with_imagetools(built: Built) -> None:
    report, _, _ = read(built.registry.url, built.image)
    document = inspect_json(report)
    top = raw(built.image)
    assert [m["digest"] for m in document["manifests"]] == [m["digest"] for m in top["manifests"]]
    for entry in document["manifests"]:
        oracle = raw(f"{built.image.rsplit(':', 1)[0]}@{entry['digest']}")
        assert entry["config"]["digest"] == oracle["config"]["digest"]
        assert entry["config"]["size"] == oracle["config"]["size"]
        assert {d["digest"]: d["count"] for d in entry["layers"]} == descriptors(oracle, "layers")
        assert [d["media_type"] for d in entry["layers"]] == [
            layer["mediaType"] for layer in {d["digest"]: d for d in oracle["layers"]}.values()
        ]
        if entry["kind"] == "image":
            config = blob(built.registry.url, built.repository, entry["config"]["digest"])
            assert entry["config"]["platform"] == f"{config['os']}/{config['architecture']}"
            assert entry["config"]["cmd"] == config["config"]["Cmd"]
            assert entry["config"]["history"] == [
                h.get("created_by", "") for h in config["history"]
            ]


def test_provenance_says_what_it_is_about_and_never_a_value(built: Built) -> None:
    report, _, _ = read(built.registry.url, built.image)
    document = inspect_json(report)
    images = {m["digest"]: m["platform"] for m in document["manifests"] if m["kind"] == "image"}
    attestations = [m for m in document["manifests"] if m["kind"] == "attestation"]
    assert len(attestations) == 2
    for entry in attestations:
        [statement] = entry["statements"]
        layer = blob(built.registry.url, built.repository, statement["layer"])
        assert statement["predicate_type"] == layer["predicateType"]
        assert statement["predicate_type"].startswith("https://slsa.dev/provenance/")
        subject = statement["subjects"][0]["digest"]
        assert subject == entry["subject"] and subject in images
        provenance = statement["provenance"]
        assert provenance["frontend"] == "dockerfile.v0"
        assert provenance["build_args"] == ["LAB_TOKEN"]
        materials = layer["predicate"]["materials"]
        assert [m["digest"] for m in provenance["materials"]] == [
            f"sha256:{m['digest']['sha256']}" for m in materials
        ]
        assert provenance["started"] == layer["predicate"]["metadata"]["buildStartedOn"]
    assert SECRET not in json.dumps(document)


@pytest.mark.parametrize("name", ["max-index", "max-manifest", "min-index"])
def test_cache_config_and_what_the_cache_shares(built: Built, name: str) -> None:
    ref = built.caches[name]
    report, breakdown, _ = read(built.registry.url, ref)
    document = inspect_json(report, breakdown)
    oracle = raw(ref)
    repository = ref.split("/", 1)[1].split(":")[0]
    if name.endswith("index"):
        assert {d["digest"]: d["count"] for d in document["manifests"]} == descriptors(
            oracle, "manifests"
        )
        config_digest = next(
            d["digest"] for d in oracle["manifests"] if "cacheconfig" in d["mediaType"]
        )
        layers = [d for d in oracle["manifests"] if "cacheconfig" not in d["mediaType"]]
    else:
        assert document["config"]["digest"] == oracle["config"]["digest"]
        assert {d["digest"]: d["count"] for d in document["layers"]} == descriptors(
            oracle, "layers"
        )
        config_digest = oracle["config"]["digest"]
        layers = oracle["layers"]
    cache = document["cache"]
    stored = blob(built.registry.url, repository, config_digest)
    assert cache["config"] == config_digest
    assert cache["records"] == len(stored["records"])
    assert {b for chain in cache["chains"] for b in chain} == {
        layer["blob"] for layer in stored["layers"]
    }
    # Every cache layer is either a layer of lab:cachetest (or of the base) or cache-only.
    image_layers: set[str] = set()
    top = raw(built.image)
    for entry in top["manifests"]:
        if entry.get("platform", {}).get("os") == "linux":
            manifest = raw(f"{built.image.rsplit(':', 1)[0]}@{entry['digest']}")
            image_layers |= {layer["digest"] for layer in manifest["layers"]}
    sizes = {layer["digest"]: layer["size"] for layer in layers}
    for layer in cache["layers"]:
        assert layer["cache_only"] is (layer["digest"] not in image_layers and not layer["also_in"])
        if layer["digest"] in image_layers:
            assert any(
                f"of {built.repository}:cachetest (linux/" in where for where in layer["also_in"]
            )
    only = sum(sizes[d] for d in sizes if d not in image_layers)
    assert cache["shared_bytes"] == sum(sizes[d] for d in sizes if d in image_layers)
    assert cache["cache_only_bytes"] == only + cache["config_bytes"]
    if name == "min-index":
        assert only == 0  # mode=min keeps only the image's own layers
    else:
        assert only > 0  # mode=max also keeps the build stage's layer


def test_sbom_statement_decoded(registry: TestRegistry) -> None:
    """An SPDX statement as buildx writes it (in-toto v0.1, predicate SPDX 2.3)."""
    repository = unique("sbom")
    pusher = Pusher(registry.url)
    try:
        subject = "sha256:" + hashlib.sha256(b"the image").hexdigest()
        statement = {
            "_type": "https://in-toto.io/Statement/v0.1",
            "predicateType": "https://spdx.dev/Document",
            "subject": [
                {
                    "name": "pkg:docker/lab@v1?platform=linux%2Famd64",
                    "digest": {"sha256": subject.split(":")[1]},
                }
            ],
            "predicate": {
                "spdxVersion": "SPDX-2.3",
                "packages": [{"name": "busybox"}, {"name": "musl"}, {"name": "zlib"}],
            },
        }
        layer = pusher.blob(
            repository, json.dumps(statement).encode(), "application/vnd.in-toto+json"
        )
        layer["annotations"] = {"in-toto.io/predicate-type": "https://spdx.dev/Document"}
        config = pusher.blob(
            repository,
            b'{"architecture":"unknown","os":"unknown","config":{},"rootfs":{"type":"layers","diff_ids":[]}}',
            "application/vnd.oci.image.config.v1+json",
        )
        document = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": config,
            "layers": [layer],
        }
        pusher.manifest(repository, "att", document, "application/vnd.oci.image.manifest.v1+json")
    finally:
        pusher.close()
    report, _, _ = read(registry.url, f"{registry.host}/{repository}:att")
    [decoded] = inspect_json(report)["statements"]
    assert decoded["what"] == "SPDX SBOM"
    assert decoded["packages"] == 3
    assert decoded["subjects"][0]["digest"] == subject


def test_a_repeat_inspection_reads_by_digest_from_disk(built: Built, tmp_path: Path) -> None:
    cache = BlobCache(tmp_path / "cache.sqlite3")
    first, _, first_requests = read(built.registry.url, built.image, cache)
    again, _, again_requests = read(built.registry.url, built.image, cache)
    assert inspect_json(again) == inspect_json(first)
    assert again_requests == 1  # one HEAD of the tag; the rest came from the cache
    assert first_requests > 4


def test_a_single_image_and_an_attestation_by_digest_agree_with_imagetools(
    built: Built, registry: TestRegistry
) -> None:
    single = registry.ref("busybox", "arm64")
    report, _, _ = read(registry.url, single)
    document = inspect_json(report)
    oracle = raw(single)
    assert document["manifests"] == []  # a manifest has no index entries, but:
    assert document["config"]["digest"] == oracle["config"]["digest"]
    assert document["config"]["platform"] == "linux/arm64"
    assert {d["digest"]: d["count"] for d in document["layers"]} == descriptors(oracle, "layers")
    top = raw(built.image)
    attestation = next(
        m for m in top["manifests"] if m.get("annotations", {}).get("vnd.docker.reference.type")
    )
    ref = f"{built.image.rsplit(':', 1)[0]}@{attestation['digest']}"
    report, _, _ = read(registry.url, ref)
    document = inspect_json(report)
    oracle = raw(ref)
    assert document["kind"] == "attestation"
    assert {d["digest"]: d["count"] for d in document["layers"]} == descriptors(oracle, "layers")
    [statement] = document["statements"]
    assert (
        statement["subjects"][0]["digest"]
        == attestation["annotations"]["vnd.docker.reference.digest"]
    )
