"""The registry client against real registries, checked against Docker's own tools.

Images are built with buildx and pushed to the session registry (registry:2
container): single-arch with --provenance=false, multi-arch with attestations (also
tagged in a second repository, so layers are shared across repositories),
multi-arch --provenance=false, and BuildKit cache in both forms. An OCI artifact is
pushed with plain HTTP requests. Everything is copied byte for byte into the registry
binary run directly on a free port, and for each reference the digests, media types and
platforms are compared with `docker buildx imagetools inspect --raw` and
`docker manifest inspect --insecure`.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest

from buildtui.registry.models import Kind
from buildtui.registry.scan import ImageReport, RegistryScan
from buildtui.registry.service import RegistryService
from buildtui.settings import Settings
from tests.integration.lab import TestRegistry, docker, docker_push, unique
from tests.integration.registry_fixtures import (
    Pusher,
    copy_image,
    local_registry,
    start_local_registry,
)

__all__ = ["local_registry"]  # the fixture, imported for the tests below

ARTIFACT_TYPE = "application/vnd.buildtui.test.note.v1"


def service_for(url: str) -> RegistryService:
    return RegistryService(Settings(registry_url=url))


def inspect(url: str, repository: str, reference: str) -> ImageReport:
    async def run() -> ImageReport:
        service = service_for(url)
        try:
            return await service.inspect(repository, reference)
        finally:
            await service.aclose()

    return asyncio.run(run())


def scan(url: str) -> RegistryScan:
    async def run() -> RegistryScan:
        service = service_for(url)
        try:
            return await service.scan()
        finally:
            await service.aclose()

    return asyncio.run(run())


def push_artifact(url: str, repository: str, tag: str) -> dict[str, Any]:
    pusher = Pusher(url)
    try:
        config = pusher.blob(repository, b"{}", "application/vnd.oci.empty.v1+json")
        note = pusher.blob(repository, b"lab 7 notes\n", "text/plain")
        document = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "artifactType": ARTIFACT_TYPE,
            "config": config,
            "layers": [note],
            "annotations": {"org.opencontainers.image.title": "notes.txt"},
        }
        return pusher.manifest(
            repository, tag, document, "application/vnd.oci.image.manifest.v1+json"
        )
    finally:
        pusher.close()


class Lab:
    """References pushed once per module: name -> (repository, tag)."""

    REFS = {
        "single": ("single", "v1"),
        "multi": ("multi", "v1"),
        "multi-other-repo": ("other", "v1"),
        "noprov": ("multi", "noprov"),
        "cache-index": ("cache", "index"),
        "cache-manifest": ("cache", "manifest"),
        "artifact": ("artifact", "v1"),
    }

    def __init__(self, host: str, url: str) -> None:
        self.host = host
        self.url = url

    def ref(self, name: str) -> str:
        repository, tag = self.REFS[name]
        return f"{self.host}/{repository}:{tag}"


def build(context: Path, *args: str) -> None:
    docker_push("buildx", "build", "--progress=quiet", *args, str(context), timeout=300)


@pytest.fixture(scope="module")
def lab(
    registry: TestRegistry, base_image: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Lab]:
    """Build and push every kind once into the session registry (3 small buildx builds)."""
    context = tmp_path_factory.mktemp("context")
    (context / "Dockerfile").write_text(f"FROM {base_image}\nCOPY note.txt /note.txt\n")
    (context / "note.txt").write_text(f"{unique('buildtui')}\n")
    lab = Lab(registry.host, registry.url)
    built = [lab.ref(n) for n in ("single", "multi", "multi-other-repo", "noprov")]
    try:
        build(
            context,
            "--platform",
            "linux/amd64",
            "--provenance=false",
            "-t",
            lab.ref("single"),
            "--push",
            "--cache-to",
            f"type=registry,ref={lab.ref('cache-manifest')},mode=max,image-manifest=true,"
            "oci-mediatypes=true",
        )
        build(
            context,
            "--platform",
            "linux/amd64,linux/arm64",
            "-t",
            lab.ref("multi"),
            "-t",
            lab.ref("multi-other-repo"),
            "--push",
            "--cache-to",
            f"type=registry,ref={lab.ref('cache-index')},mode=max",
        )
        build(
            context,
            "--platform",
            "linux/amd64,linux/arm64",
            "--provenance=false",
            "-t",
            lab.ref("noprov"),
            "--push",
        )
        push_artifact(registry.url, *Lab.REFS["artifact"])
        yield lab
    finally:
        for ref in built:
            docker("rmi", "-f", ref, check=False)


@pytest.fixture(scope="module")
def copied(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """The same references in the registry binary run directly on a free port."""
    local = start_local_registry(tmp_path_factory.mktemp("binary-registry"))
    try:
        copy = Lab(local.host, local.url)
        pusher = Pusher(local.url)
        try:
            for name in ("single", "multi", "noprov", "cache-index", "cache-manifest"):
                copy_image(lab.url, pusher, *Lab.REFS[name])
        finally:
            pusher.close()
        push_artifact(local.url, *Lab.REFS["artifact"])
        yield copy
    finally:
        local.stop()


def imagetools_raw(ref: str) -> bytes:
    result = subprocess.run(
        ["docker", "buildx", "imagetools", "inspect", "--raw", ref],
        capture_output=True,
        timeout=60,
        check=True,
    )
    return result.stdout


def manifest_inspect(ref: str) -> dict[str, Any] | None:
    """`docker manifest inspect --insecure` (plain HTTP needs --insecure even on localhost)."""
    result = subprocess.run(
        ["docker", "manifest", "inspect", "--insecure", ref],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if result.returncode != 0:
        return None
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def platform_of(entry: dict[str, Any]) -> str | None:
    platform = entry.get("platform")
    if not platform:
        return None
    text = f"{platform['os']}/{platform['architecture']}"
    return f"{text}/{platform['variant']}" if platform.get("variant") else text


def assert_agrees_with_docker(report: ImageReport, ref: str) -> None:
    raw = imagetools_raw(ref)
    assert report.manifest.raw == raw, "--raw bytes differ from what the app fetched"
    assert report.digest == "sha256:" + hashlib.sha256(raw).hexdigest()
    theirs = json.loads(raw)
    assert report.manifest.media_type == theirs["mediaType"]
    if report.manifest.kind is Kind.INDEX:
        assert [
            (c.descriptor.digest, c.descriptor.media_type, str(c.platform)) for c in report.children
        ] == [(m["digest"], m["mediaType"], platform_of(m)) for m in theirs["manifests"]]
    manifest = manifest_inspect(ref)
    if report.kind is Kind.CACHE and report.manifest.is_index:
        # docker manifest inspect cannot read a cache index (its entries are blobs).
        return
    assert manifest is not None, f"docker manifest inspect {ref} failed"
    assert manifest["mediaType"] == report.manifest.media_type
    if "manifests" in manifest:
        assert [(m["digest"], m["mediaType"], platform_of(m)) for m in manifest["manifests"]] == [
            (c.descriptor.digest, c.descriptor.media_type, str(c.platform)) for c in report.children
        ]
    else:
        assert report.manifest.config is not None
        assert manifest["config"]["digest"] == report.manifest.config.digest
        assert [layer["digest"] for layer in manifest["layers"]] == [
            layer.digest for layer in report.manifest.layers
        ]


EXPECTED = {
    "single": (Kind.IMAGE, ("linux/amd64",), 0),
    "multi": (Kind.INDEX, ("linux/amd64", "linux/arm64"), 2),
    "noprov": (Kind.INDEX, ("linux/amd64", "linux/arm64"), 0),
    "cache-index": (Kind.CACHE, (), 0),
    "cache-manifest": (Kind.CACHE, (), 0),
    "artifact": (Kind.ARTIFACT, (), 0),
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_registry_container_agrees_with_docker(lab: Lab, name: str) -> None:
    repository, tag = Lab.REFS[name]
    report = inspect(lab.url, repository, tag)
    kind, platforms, attestations = EXPECTED[name]
    assert report.kind is kind
    assert tuple(str(p) for p in report.platforms) == platforms
    assert sum(1 for c in report.children if c.kind is Kind.ATTESTATION) == attestations
    assert not report.errors
    assert_agrees_with_docker(report, lab.ref(name))


@pytest.mark.parametrize("name", list(EXPECTED))
def test_registry_binary_agrees_with_docker(copied: Lab, name: str) -> None:
    repository, tag = Lab.REFS[name]
    report = inspect(copied.url, repository, tag)
    kind, platforms, attestations = EXPECTED[name]
    assert report.kind is kind
    assert tuple(str(p) for p in report.platforms) == platforms
    assert sum(1 for c in report.children if c.kind is Kind.ATTESTATION) == attestations
    assert_agrees_with_docker(report, copied.ref(name))


def test_multi_arch_details(lab: Lab) -> None:
    report = inspect(lab.url, "multi", "v1")
    assert report.badge == "linux/amd64 + linux/arm64"
    labels = [report.label(c) for c in report.children]
    assert labels == [
        "linux/amd64",
        "linux/arm64",
        "attestation for linux/amd64",
        "attestation for linux/arm64",
    ]
    for child in report.images:
        assert child.config is not None and child.config.created
        assert str(child.config.platform) == str(child.platform)
        assert child.manifest is not None
        assert child.size == child.manifest.blob_size > 0
    assert report.unique_size <= sum(c.size for c in report.children)


def test_artifact_details(lab: Lab) -> None:
    report = inspect(lab.url, "artifact", "v1")
    assert report.manifest.artifact_type == ARTIFACT_TYPE
    assert report.manifest.annotations == {"org.opencontainers.image.title": "notes.txt"}


def test_shared_layers_across_tags_and_repositories(lab: Lab) -> None:
    result = scan(lab.url)
    by_ref = {f"{e.repository}:{e.tag}": e for e in result.entries()}
    for name in EXPECTED:
        repository, tag = Lab.REFS[name]
        entry = by_ref[f"{repository}:{tag}"]
        assert entry.report is not None, entry.error
        assert entry.report.kind is EXPECTED[name][0]
    multi, other = by_ref["multi:v1"].report, by_ref["other:v1"].report
    assert multi is not None and other is not None
    assert multi.digest == other.digest  # one build, two repositories
    users = {blob.digest: set(blob.users) for blob in result.shared_blobs}
    shared = multi.blob_digests() & other.blob_digests()
    assert shared
    assert all({"multi:v1", "other:v1"} <= users[d] for d in shared)
    # The base image's layers are also in single:v1, the cache and busybox.
    single = by_ref["single:v1"].report
    assert single is not None
    base_layers = multi.blob_digests() & single.blob_digests()
    assert base_layers
    assert all(len(users[d]) >= 3 for d in base_layers)
    assert result.unique_size < sum(e.report.unique_size for e in result.entries() if e.report)


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "buildtui", *args],
        capture_output=True,
        timeout=60,
        check=False,
        env={**os.environ, **(env or {})},
    )


def test_cli_registry_cache_keeps_what_a_real_scan_read_and_clears_it(lab: Lab) -> None:
    def cache(*args: str) -> dict[str, Any]:
        result = run_cli("registry", "cache", "--json", *args)
        assert result.returncode == 0, result.stderr
        return cast(dict[str, Any], json.loads(result.stdout))

    assert cache()["entries"] == 0
    first = run_cli("registry", "ls", lab.host, "--json")
    assert first.returncode == 0, first.stderr
    kept = cache()
    assert kept["entries"] > 0 and kept["bytes"] > 0
    again = run_cli("registry", "ls", lab.host, "--json")  # from the disk, tags re-resolved
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == json.loads(first.stdout)
    cleared = cache("--clear")
    assert cleared["cleared"] == kept["entries"] and cleared["entries"] == 0
    text = run_cli("registry", "cache")
    assert text.returncode == 0 and b"0 entries" in text.stdout


def test_cli_inspect_json_and_raw(lab: Lab) -> None:
    ref = lab.ref("multi")
    raw = imagetools_raw(ref)
    result = run_cli("inspect", ref, "--raw")
    assert result.returncode == 0, result.stderr
    assert result.stdout == raw
    result = run_cli("--registry", lab.url, "inspect", "multi:v1", "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    theirs = json.loads(raw)
    assert document["digest"] == "sha256:" + hashlib.sha256(raw).hexdigest()
    assert document["media_type"] == theirs["mediaType"]
    assert document["kind"] == "index"
    assert [(m["digest"], m["platform"]) for m in document["manifests"]] == [
        (m["digest"], platform_of(m)) for m in theirs["manifests"]
    ]


def test_cli_registry_ls(lab: Lab) -> None:
    result = run_cli("registry", "ls", lab.host, "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    tags = {f"{r['name']}:{t['tag']}": t for r in document["repositories"] for t in r["tags"]}
    assert tags["multi:v1"]["platforms"] == ["linux/amd64", "linux/arm64"]
    assert tags["cache:manifest"]["kind"] == "cache"
    assert tags["artifact:v1"]["kind"] == "artifact"
    assert (
        tags["single:v1"]["digest"]
        == "sha256:" + hashlib.sha256(imagetools_raw(lab.ref("single"))).hexdigest()
    )
