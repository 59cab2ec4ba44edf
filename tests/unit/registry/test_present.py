"""Pure presentation: sizes, digests, JSON documents for --json."""

from __future__ import annotations

import json

import pytest

from buildtui.registry.auth import Authenticator, NoCredentials
from buildtui.registry.classify import parse_manifest
from buildtui.registry.client import RegistryClient
from buildtui.registry.outline import report_outline
from buildtui.registry.present import (
    format_size,
    inspect_json,
    pretty_json,
    scan_json,
    short_digest,
)
from buildtui.registry.scan import ImageReport, Inspector
from buildtui.registry.walk import scan_registry
from tests.fakes.registry import FakeRegistry, lab_registry


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (0, "0 B"),
        (999, "999 B"),
        (1000, "1 kB"),
        (1234, "1.23 kB"),
        (2_100_762, "2.1 MB"),
        (456_000_000, "456 MB"),
        (3 * 10**12, "3 TB"),
    ],
)
def test_format_size(size: int, text: str) -> None:
    assert format_size(size) == text


def test_short_digest() -> None:
    assert short_digest("sha256:0123456789abcdef0123") == "sha256:0123456789ab"
    assert short_digest("weird") == "weird"


async def report_of(registry: FakeRegistry, repository: str, tag: str) -> ImageReport:
    client = RegistryClient(
        registry.host,
        f"http://{registry.host}",
        auth=Authenticator(registry.host, store=NoCredentials()),
        transport=registry.transport,
    )
    async with client:
        return await Inspector(client).inspect(repository, tag)


async def test_inspect_json_keys_as_the_issue_names_them() -> None:
    registry = lab_registry()
    report = await report_of(registry, "lab", "cachetest")
    document = inspect_json(report)
    assert document["ref"] == "registry.test:5000/lab:cachetest"
    assert document["digest"] == registry.tags["lab"]["cachetest"]
    assert document["media_type"] == "application/vnd.oci.image.index.v1+json"
    assert document["kind"] == "index"
    assert document["size"] == len(registry.manifests["lab"][document["digest"]][0])
    assert [m["platform"] for m in document["manifests"]] == [
        "linux/amd64",
        "linux/arm64",
        "unknown/unknown",
        "unknown/unknown",
    ]
    assert [m["kind"] for m in document["manifests"]] == [
        "image",
        "image",
        "attestation",
        "attestation",
    ]
    for entry in document["manifests"]:
        assert set(entry) >= {"digest", "media_type", "platform", "kind", "size", "layers"}
        assert entry["layers"], entry  # every descriptor: never an empty list
    json.dumps(document)  # serialisable


def test_pretty_json() -> None:
    assert pretty_json(b'{"a":[1]}') == '{\n  "a": [\n    1\n  ]\n}'
    assert pretty_json(b"not json") == "not json"


async def test_scan_json() -> None:
    registry = lab_registry()
    client = RegistryClient(
        registry.host,
        f"http://{registry.host}",
        auth=Authenticator(registry.host, store=NoCredentials()),
        transport=registry.transport,
    )
    async with client:
        scan = await scan_registry(client)
    document = scan_json(scan)
    repos = {r["name"]: r for r in document["repositories"]}
    tag = next(t for t in repos["lab"]["tags"] if t["tag"] == "cachetest")
    assert set(tag) == {"tag", "digest", "media_type", "kind", "platforms", "size", "damaged"}
    assert tag["damaged"] is False
    assert tag["platforms"] == ["linux/amd64", "linux/arm64"]
    report = scan.entries()[5].report
    assert report is not None and tag["size"] == report.unique_size


async def test_a_report_by_digest_is_named_with_an_at_sign() -> None:
    registry = lab_registry()
    digest = registry.tags["lab"]["cachetest"]
    auth = Authenticator(registry.host, store=NoCredentials())
    async with RegistryClient(
        registry.host, f"http://{registry.host}", auth=auth, transport=registry.transport
    ) as client:
        report = await Inspector(client).inspect("lab", digest)
    assert report.ref == f"{registry.host}/lab@{digest}"
    assert report_outline(report).label.startswith(f"lab@{digest}  index")


def test_a_sha512_reference_is_named_with_an_at_sign() -> None:
    digest = "sha512:" + "a" * 128
    manifest = parse_manifest(b'{"schemaVersion": 2, "manifests": []}', digest)
    report = ImageReport("registry.test:5000", "lab", digest, manifest)
    assert report.ref == f"registry.test:5000/lab@{digest}"


def test_pretty_json_of_a_manifest_nested_too_deeply_is_its_text() -> None:
    assert pretty_json(b"[" * 200_000) == "[" * 200_000
