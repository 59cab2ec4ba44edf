"""The registry client's writes: blob uploads (HEAD, then POST and PUT) and manifest PUTs."""

from __future__ import annotations

import json

import httpx
import pytest

from buildtui.registry.auth import Authenticator, Credentials, NoCredentials
from buildtui.registry.client import RegistryClient, compute_digest
from buildtui.registry.errors import AuthError, DigestMismatch, UnexpectedResponse
from buildtui.registry.models import OCI_MANIFEST
from tests.fakes.registry import FakeRegistry


def client_for(
    registry: FakeRegistry,
    credentials: Credentials | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> RegistryClient:
    auth = Authenticator(registry.host, typed=credentials, store=NoCredentials())
    return RegistryClient(
        registry.host,
        f"http://{registry.host}",
        auth=auth,
        transport=transport or registry.transport,
    )


async def test_a_blob_is_uploaded_once_then_skipped() -> None:
    registry = FakeRegistry()
    async with client_for(registry) as client:
        assert await client.push_blob("class", b"report") is True
        assert registry.blobs[compute_digest(b"report")] == b"report"
        sent = [r.method for r in registry.requests]
        assert sent == ["HEAD", "POST", "PUT"]
        registry.tags["class"] = {}  # the repository exists once something is in it
        registry.requests.clear()
        assert await client.push_blob("class", b"report") is False
        assert [r.method for r in registry.requests] == ["HEAD"]


async def test_a_manifest_is_put_under_its_tag_and_checked() -> None:
    registry = FakeRegistry()
    async with client_for(registry) as client:
        await client.push_blob("class", b"{}")
        await client.push_blob("class", b"report")
        manifest = {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": "x", "digest": compute_digest(b"{}"), "size": 2},
            "layers": [{"mediaType": "y", "digest": compute_digest(b"report"), "size": 6}],
        }
        raw = json.dumps(manifest).encode()
        digest = await client.put_manifest("class", "jan-kowalski", raw, OCI_MANIFEST)
        assert digest == compute_digest(raw)
        assert registry.tags["class"]["jan-kowalski"] == digest
        fetched = await client.fetch_manifest("class", "jan-kowalski")
        assert fetched.raw == raw


async def test_a_manifest_the_registry_refuses_says_why() -> None:
    registry = FakeRegistry()
    async with client_for(registry) as client:
        manifest = {"config": {"digest": compute_digest(b"missing")}, "layers": []}
        with pytest.raises(UnexpectedResponse, match="MANIFEST_BLOB_UNKNOWN"):
            await client.put_manifest("class", "x", json.dumps(manifest).encode(), OCI_MANIFEST)


async def test_a_read_only_registry_is_named_as_such() -> None:
    registry = FakeRegistry(push_enabled=False)
    async with client_for(registry) as client:
        with pytest.raises(UnexpectedResponse, match="could not start the upload"):
            await client.push_blob("class", b"report")


async def test_an_upload_sent_to_another_host_is_refused() -> None:
    registry = FakeRegistry()

    def elsewhere(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(202, headers={"Location": "http://evil.test/v2/upload/1"})
        return registry.handle(request)

    async with client_for(registry, transport=httpx.MockTransport(elsewhere)) as client:
        with pytest.raises(UnexpectedResponse, match="to another host"):
            await client.push_blob("class", b"report")
    assert not any(r.url.host == "evil.test" for r in registry.requests)


async def test_a_registry_that_stores_other_bytes_is_caught() -> None:
    registry = FakeRegistry()

    def liar(request: httpx.Request) -> httpx.Response:
        answer = registry.handle(request)
        if request.method == "PUT":
            answer.headers["Docker-Content-Digest"] = compute_digest(b"other")
        return answer

    async with client_for(registry, transport=httpx.MockTransport(liar)) as client:
        with pytest.raises(DigestMismatch):
            await client.push_blob("class", b"report")


async def test_pushes_carry_basic_credentials_and_a_refusal_names_them() -> None:
    registry = FakeRegistry(basic_auth=("student", "secret"))
    good = Credentials("student", "secret", "typed in")
    async with client_for(registry, good) as client:
        assert await client.push_blob("class", b"report") is True
    bad = Credentials("student", "wrong", "typed in")
    async with client_for(registry, bad) as client:
        with pytest.raises(AuthError, match="docker login"):
            await client.push_blob("class", b"other")


async def test_a_token_registry_is_asked_for_a_push_scope() -> None:
    registry = FakeRegistry(bearer=("student", "secret"))
    async with client_for(registry, Credentials("student", "secret", "typed in")) as client:
        assert await client.push_blob("class", b"report") is True
    pushes = [r for r in registry.requests if r.method in ("POST", "PUT")]
    assert pushes and all(r.headers["authorization"] == "Bearer good-token" for r in pushes)
