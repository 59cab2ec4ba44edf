"""Walking a registry: kinds, platforms, sizes with shared blobs once, failures kept per tag."""

from __future__ import annotations

import httpx
import pytest

from buildtui.registry.auth import Authenticator, NoCredentials
from buildtui.registry.client import RegistryClient
from buildtui.registry.errors import Unreachable
from buildtui.registry.models import Kind
from buildtui.registry.scan import Inspector, ScanProgress
from buildtui.registry.walk import scan_registry
from tests.fakes.registry import FakeRegistry, digest_of, lab_registry


def client_for(
    registry: FakeRegistry, transport: httpx.AsyncBaseTransport | None = None
) -> RegistryClient:
    return RegistryClient(
        registry.host,
        f"http://{registry.host}",
        auth=Authenticator(registry.host, store=NoCredentials()),
        transport=transport or registry.transport,
    )


def reachable_blobs(registry: FakeRegistry, repository: str, digest: str) -> dict[str, int]:
    """Blob digest -> size, walked straight from the fake's stored JSON."""
    import json

    raw, _ = registry.manifests[repository][digest]
    document = json.loads(raw)
    blobs: dict[str, int] = {}
    if "manifests" in document and "config" not in document:
        for entry in document["manifests"]:
            if entry["digest"] in registry.manifests[repository]:
                blobs.update(reachable_blobs(registry, repository, entry["digest"]))
            else:
                blobs[entry["digest"]] = entry["size"]
        return blobs
    for entry in [document["config"], *document["layers"]]:
        blobs[entry["digest"]] = entry["size"]
    return blobs


async def test_scan_the_lab_registry() -> None:
    registry = lab_registry()
    async with client_for(registry) as client:
        scan = await scan_registry(client)
    assert list(scan.repositories) == ["busybox", "cachedata1", "cachedata2", "lab", "sbom"]
    by_ref = {f"{e.repository}:{e.tag}": e.report for e in scan.entries()}
    assert all(report is not None for report in by_ref.values())
    kinds = {ref: report.kind for ref, report in by_ref.items() if report}
    assert kinds == {
        "busybox:amd64": Kind.IMAGE,
        "busybox:arm64": Kind.IMAGE,
        "busybox:latest": Kind.INDEX,
        "cachedata1:latest": Kind.CACHE,
        "cachedata2:latest": Kind.CACHE,
        "lab:cachetest": Kind.INDEX,
        "lab:single": Kind.IMAGE,
        "lab:v2": Kind.INDEX,
        "sbom:v1": Kind.ARTIFACT,
    }
    cachetest = by_ref["lab:cachetest"]
    assert cachetest is not None
    assert cachetest.badge == "linux/amd64 + linux/arm64"
    assert [c.kind for c in cachetest.children] == [
        Kind.IMAGE,
        Kind.IMAGE,
        Kind.ATTESTATION,
        Kind.ATTESTATION,
    ]
    assert [cachetest.label(c) for c in cachetest.children][2:] == [
        "attestation for linux/amd64",
        "attestation for linux/arm64",
    ]
    v2 = by_ref["lab:v2"]
    assert v2 is not None and v2.badge == "linux/amd64 + linux/arm/v7"
    single = by_ref["busybox:amd64"]
    assert single is not None and single.badge == "linux/amd64"  # from its config
    # Every tag, every child, single images' configs: nothing more, nothing twice. lab:v2's
    # linux/amd64 manifest and its attestation are byte-identical to lab:cachetest's, so
    # 8 distinct children of 10 entries are fetched.
    assert scan.requests == 1 + 5 + 9 + 8 + 3


async def test_sizes_count_shared_blobs_once() -> None:
    registry = lab_registry()
    async with client_for(registry) as client:
        scan = await scan_registry(client)
    for entry in scan.entries():
        assert entry.report is not None
        expected = reachable_blobs(registry, entry.repository, entry.report.digest)
        assert entry.report.unique_size == sum(expected.values()), entry.tag
    cachetest = next(e.report for e in scan.entries() if e.tag == "cachetest")
    assert cachetest is not None
    per_platform = sum(c.size for c in cachetest.children)
    shared = cachetest.shared_blobs
    # The "shared layer" is in both platforms, the attestation config in both attestations.
    assert len(shared) == 2
    assert {u for blob in shared for u in blob.users} >= {"linux/amd64", "linux/arm64"}
    assert cachetest.unique_size == per_platform - sum(b.size for b in shared)
    # Across tags: the shared layer is used by lab:cachetest, lab:v2 and lab:single.
    users = {b.digest: set(b.users) for b in scan.shared_blobs}
    assert users[digest_of(b"shared layer")] == {"lab:cachetest", "lab:v2", "lab:single"}
    everything: dict[str, int] = {}
    for entry in scan.entries():
        assert entry.report is not None
        everything.update(reachable_blobs(registry, entry.repository, entry.report.digest))
    assert scan.unique_size == sum(everything.values())


async def test_tags_sharing_a_digest_fetch_it_once() -> None:
    registry = FakeRegistry()
    index = registry.push_index("lab", "v1")
    registry.tags["lab"]["latest"] = index["digest"]
    async with client_for(registry) as client:
        scan = await scan_registry(client)
    child_gets = [r for r in registry.requests if "/manifests/sha256:" in r.url.path]
    assert len(child_gets) == 4
    assert scan.tags_by_digest()[("lab", index["digest"])] == ["latest", "v1"]
    children = scan.references()[("lab", index["digest"])]
    assert len(children) == 4
    assert all(("lab", d) in scan.references() for d in children)


async def test_registry_vanishing_mid_scan_is_recorded_per_tag() -> None:
    registry = lab_registry()
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls > 8:
            registry.down = True
        return registry.handle(request)

    progress: list[ScanProgress] = []
    async with client_for(registry, httpx.MockTransport(handler)) as client:
        scan = await scan_registry(client, on_progress=progress.append)
    failed = [e for e in scan.entries() if e.error] + [
        e for e in scan.entries() if e.report and e.report.errors
    ]
    assert failed, "some tags must have failed"
    why = [e.error or (e.report.errors[0] if e.report else "") for e in failed]
    assert all("cannot connect" in text for text in why)
    last = progress[-1]
    assert (last.read, last.tags) == (len(scan.entries()), len(scan.entries()))
    assert last.done and last.listed == last.repositories == len(scan.repositories)


async def test_catalog_failure_raises() -> None:
    registry = lab_registry()
    registry.down = True
    async with client_for(registry) as client:
        with pytest.raises(Unreachable):
            await scan_registry(client)


async def test_broken_child_is_kept_with_its_bytes() -> None:
    registry = lab_registry()
    index = registry.manifests["lab"][registry.tags["lab"]["cachetest"]]
    import json

    child = json.loads(index[0])["manifests"][1]["digest"]
    registry.served[child] = b"garbage"
    async with client_for(registry) as client:
        report = await Inspector(client).inspect("lab", "cachetest")
    broken = report.children[1]
    assert broken.manifest is None
    assert broken.error is not None and "hash" in broken.error
    # The unreadable platform is not claimed.
    assert report.badge == "linux/amd64 (1 index entry unreadable)"
    assert report.errors == (broken.error,)


async def test_a_catalogued_repository_whose_tag_list_is_name_unknown_has_no_tags() -> None:
    # distribution 2.8 answers so for a repository whose manifests were all pushed by digest.
    registry = lab_registry()
    registry.push_image("bydigest", "", "linux/amd64", (b"pushed by digest",))

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v2/bydigest/tags/list":
            return httpx.Response(404, json={"errors": [{"code": "NAME_UNKNOWN"}]})
        return registry.handle(request)

    async with client_for(registry, httpx.MockTransport(handle)) as client:
        scan = await scan_registry(client)
        named = await scan_registry(client, repositories=["bydigest"])
    assert scan.repositories["bydigest"] == []
    assert "bydigest" not in scan.errors
    # Asked for by name, it is an unknown repository as far as the tag list can tell.
    assert "repository bydigest does not exist" in named.errors["bydigest"]
