"""The registry client against an in-memory registry (httpx.MockTransport)."""

from __future__ import annotations

import ssl
import threading
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from buildtui.registry.auth import Authenticator, Credentials, NoCredentials
from buildtui.registry.client import ACCEPT_MANIFESTS, RegistryClient, compute_digest
from buildtui.registry.errors import (
    AuthError,
    BadReference,
    DeleteDisabled,
    DigestMismatch,
    MalformedManifest,
    ManifestTooLarge,
    NotFound,
    TLSError,
    UnexpectedResponse,
    Unreachable,
)
from buildtui.registry.models import DOCKER_LIST, DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST
from tests.fakes.registry import FakeRegistry, digest_of, lab_registry


def client_for(
    registry: FakeRegistry,
    credentials: Credentials | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    **kwargs: Any,
) -> RegistryClient:
    """A client of `registry`; `kwargs` go to `RegistryClient` as they are."""
    auth = Authenticator(registry.host, typed=credentials, store=NoCredentials())
    return RegistryClient(
        registry.host,
        f"http://{registry.host}",
        auth=auth,
        transport=transport or registry.transport,
        **kwargs,
    )


async def test_ping() -> None:
    async with client_for(FakeRegistry()) as client:
        assert await client.ping() == "registry/2.0"


async def test_catalog_follows_link_pages() -> None:
    registry = FakeRegistry(catalog_max=2)
    for number in range(5):
        registry.push_image(f"repo{number}", "v1")
    async with client_for(registry) as client:
        names = await client.repositories(page_size=100)
    assert names == [f"repo{n}" for n in range(5)]
    catalog = [r for r in registry.requests if r.url.path == "/v2/_catalog"]
    assert len(catalog) == 3
    assert catalog[0].url.params["n"] == "100"
    assert catalog[1].url.params["last"] == "repo1"


async def test_catalog_link_loop_stops() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            json={"repositories": ["a"]},
            headers={"Link": '</v2/_catalog?n=1>; rel="next"'},
        )

    registry = FakeRegistry()
    async with client_for(registry, transport=httpx.MockTransport(handler)) as client:
        # The next link points back at the page just read: stop instead of looping.
        assert await client.repositories(page_size=1) == ["a"]
        assert client.requests == 1


async def test_tags_and_missing_repository() -> None:
    async with client_for(lab_registry()) as client:
        assert await client.tags("busybox") == ["amd64", "arm64", "latest"]
        with pytest.raises(NotFound) as caught:
            await client.tags("nope")
    assert caught.value.what == "repository"
    assert "nope" in str(caught.value)


@pytest.mark.parametrize(
    ("tag", "media_type"),
    [
        ("oci", OCI_INDEX),
        ("docker", DOCKER_LIST),
        ("single", OCI_MANIFEST),
        ("v2", DOCKER_MANIFEST),
    ],
)
async def test_every_manifest_type_is_accepted(tag: str, media_type: str) -> None:
    registry = FakeRegistry()
    registry.push_index("lab", "oci")
    registry.push_index("lab", "docker", docker=True)
    registry.push_image("lab", "single")
    registry.push_image("lab", "v2", docker=True)
    async with client_for(registry) as client:
        manifest = await client.get_manifest("lab", tag)
    assert manifest.media_type == media_type
    assert manifest.digest == registry.tags["lab"][tag]
    accept = registry.requests[-1].headers["accept"]
    assert accept == ACCEPT_MANIFESTS
    for wanted in (OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST):
        assert wanted in accept


async def test_by_digest_and_head() -> None:
    registry = lab_registry()
    digest = registry.tags["lab"]["cachetest"]
    async with client_for(registry) as client:
        raw = await client.fetch_manifest("lab", digest)
        head = await client.head_manifest("lab", "cachetest")
    assert raw.digest == digest == compute_digest(raw.raw)
    assert head.digest == digest
    assert head.size == len(raw.raw)
    assert head.media_type == OCI_INDEX
    assert registry.requests[-1].method == "HEAD"


async def test_digest_mismatch_against_the_digest_asked_for() -> None:
    registry = lab_registry()
    digest = registry.tags["lab"]["single"]
    registry.served[digest] = b'{"schemaVersion": 2, "tampered": true}'
    async with client_for(registry) as client:
        with pytest.raises(DigestMismatch, match="not " + digest):
            await client.fetch_manifest("lab", digest)
        # By tag, the announced Docker-Content-Digest is checked too.
        with pytest.raises(DigestMismatch):
            await client.fetch_manifest("lab", "single")


async def test_digest_computed_when_not_announced() -> None:
    registry = lab_registry()
    registry.send_digest_header = False
    async with client_for(registry) as client:
        raw = await client.fetch_manifest("lab", "single")
        head = await client.head_manifest("lab", "single")
    assert raw.digest == registry.tags["lab"]["single"]
    assert head.digest == raw.digest  # fell back to a GET


async def test_manifest_over_the_cap() -> None:
    registry = lab_registry()
    async with client_for(registry, max_manifest_bytes=100) as client:
        with pytest.raises(ManifestTooLarge, match="100-byte cap"):
            await client.get_manifest("lab", "cachetest")


async def test_manifest_over_the_cap_without_content_length() -> None:
    async def stream() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b"x" * 50

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=stream(), headers={"Content-Type": OCI_MANIFEST})

    async with client_for(
        FakeRegistry(), transport=httpx.MockTransport(handler), max_manifest_bytes=120
    ) as client:
        with pytest.raises(ManifestTooLarge):
            await client.fetch_manifest("lab", "x")


async def test_not_found_says_tag_or_digest() -> None:
    registry = lab_registry()
    async with client_for(registry) as client:
        with pytest.raises(NotFound) as tag:
            await client.get_manifest("lab", "nope")
        with pytest.raises(NotFound) as digest:
            await client.get_manifest("lab", "sha256:" + "0" * 64)
        with pytest.raises(NotFound) as repo:
            await client.get_manifest("ghost", "latest")
        with pytest.raises(NotFound) as blob:
            await client.fetch_blob("lab", "sha256:" + "0" * 64)
    assert (tag.value.what, digest.value.what, repo.value.what, blob.value.what) == (
        "tag",
        "digest",
        "repository",
        "blob",
    )
    assert "lab:nope" in str(tag.value)


async def test_malformed_json_manifest() -> None:
    registry = FakeRegistry()
    registry.put_manifest("lab", b"{not json", OCI_MANIFEST, "broken")
    async with client_for(registry) as client:
        with pytest.raises(MalformedManifest) as caught:
            await client.get_manifest("lab", "broken")
    assert caught.value.raw == b"{not json"


async def test_catalog_that_is_not_json() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>proxy login</html>")

    async with client_for(FakeRegistry(), transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(UnexpectedResponse, match="not a JSON object"):
            await client.repositories()


async def test_server_error_is_reported() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, text="maintenance")

    async with client_for(FakeRegistry(), transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(UnexpectedResponse, match="503"):
            await client.tags("lab")


async def test_config_blob_verified() -> None:
    registry = lab_registry()
    async with client_for(registry) as client:
        manifest = await client.get_manifest("lab", "single")
        assert manifest.config is not None
        config = await client.image_config("lab", manifest.config)
        assert config.created == "2026-01-02T03:04:05Z"
        assert str(config.platform) == "linux/amd64"
        registry.blobs[manifest.config.digest] = b"{}"
        with pytest.raises(DigestMismatch):
            await client.image_config("lab", manifest.config)


async def test_delete_by_digest_and_disabled() -> None:
    registry = lab_registry()
    digest = registry.tags["lab"]["single"]
    async with client_for(registry) as client:
        with pytest.raises(BadReference, match="by digest only"):
            await client.delete_manifest("lab", "single")
        await client.delete_manifest("lab", digest)
        assert "single" not in registry.tags["lab"]
        assert registry.requests[-1].method == "DELETE"
        registry.delete_enabled = False
        with pytest.raises(DeleteDisabled, match="REGISTRY_STORAGE_DELETE_ENABLED"):
            await client.delete_manifest("lab", registry.tags["lab"]["v2"])


async def test_unreachable_timeout_and_tls() -> None:
    registry = lab_registry()
    registry.down = True
    async with client_for(registry) as client:
        with pytest.raises(Unreachable, match="cannot connect"):
            await client.ping()

    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    async with client_for(registry, transport=httpx.MockTransport(timeout)) as client:
        with pytest.raises(Unreachable, match="in time"):
            await client.ping()

    def tls(request: httpx.Request) -> httpx.Response:
        try:
            raise ssl.SSLCertVerificationError("certificate verify failed")
        except ssl.SSLError as error:
            raise httpx.ConnectError(str(error), request=request) from error

    async with client_for(registry, transport=httpx.MockTransport(tls)) as client:
        with pytest.raises(TLSError, match="insecure_registries"):
            await client.ping()

    def dropped(request: httpx.Request) -> httpx.Response:
        raise httpx.RemoteProtocolError("Server disconnected", request=request)

    async with client_for(registry, transport=httpx.MockTransport(dropped)) as client:
        with pytest.raises(Unreachable, match="broke"):
            await client.tags("lab")


async def test_basic_auth_without_credentials_says_anonymous() -> None:
    registry = lab_registry()
    registry.basic_auth = ("bob", "secret")
    async with client_for(registry) as client:
        with pytest.raises(AuthError) as caught:
            await client.repositories()
    assert caught.value.status == 401
    assert "anonymous" in str(caught.value)
    # The advice works wherever the error is shown (a twin, the Class pane): only the
    # Registry pane has a log-in dialog, and it says so itself (`hint_for`).
    assert str(caught.value).endswith("Log in with `docker login registry.test:5000`")


async def test_basic_auth_with_wrong_and_right_credentials() -> None:
    registry = lab_registry()
    registry.basic_auth = ("bob", "secret")
    wrong = Credentials("bob", "guess", "typed in")
    async with client_for(registry, wrong) as client:
        with pytest.raises(AuthError) as caught:
            await client.repositories()
    assert "user 'bob' (typed in)" in str(caught.value)
    assert "guess" not in str(caught.value)
    right = Credentials("bob", "secret", "typed in")
    async with client_for(registry, right) as client:
        assert "lab" in await client.repositories()
        before = len(registry.requests)
        await client.tags("lab")
        # The basic header is remembered: one request, no new challenge.
        assert len(registry.requests) == before + 1


async def test_bearer_token_flow() -> None:
    registry = lab_registry()
    registry.bearer = ("alice", "pw")
    async with client_for(registry, Credentials("alice", "pw", "typed in")) as client:
        assert await client.tags("lab") == ["cachetest", "single", "v2"]
        token_requests = [r for r in registry.requests if r.url.host == "auth.test"]
        assert len(token_requests) == 1
        assert token_requests[0].url.params["scope"] == "repository:lab:pull"
        assert token_requests[0].url.params["service"] == registry.host
        before = len(registry.requests)
        await client.get_manifest("lab", "single")
        assert len(registry.requests) == before + 1  # token reused for the same scope


async def test_bearer_token_refused() -> None:
    registry = lab_registry()
    registry.bearer = ("alice", "pw")
    async with client_for(registry) as client:
        with pytest.raises(AuthError, match="token server") as anonymous:
            await client.tags("lab")
    assert anonymous.value.tried == ("anonymous at the token server",)
    async with client_for(registry, Credentials("alice", "nope", "typed in")) as client:
        with pytest.raises(AuthError, match="user 'alice'"):
            await client.tags("lab")


async def test_forbidden_names_the_credentials() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(403, json={"errors": [{"code": "DENIED"}]})

    credentials = Credentials("bob", "x", "/root/.docker/config.json")
    async with client_for(
        FakeRegistry(), credentials, transport=httpx.MockTransport(handler)
    ) as client:
        with pytest.raises(AuthError) as caught:
            await client.tags("lab")
    assert caught.value.status == 403
    assert "refused" in str(caught.value)
    assert "user 'bob' (/root/.docker/config.json)" in str(caught.value)


async def test_concurrency_is_bounded() -> None:
    import asyncio

    in_flight = 0
    peak = 0
    registry = lab_registry()

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.01)
        in_flight -= 1
        return registry.handle(request)

    class Transport(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            return await handler(request)

    async with client_for(registry, transport=Transport(), max_concurrency=3) as client:
        await asyncio.gather(*(client.tags("lab") for _ in range(12)))
        assert client.requests == 12
    assert peak == 3


def test_compute_digest() -> None:
    assert compute_digest(b"") == digest_of(b"")
    assert compute_digest(b"", "sha512").startswith("sha512:")


async def test_blob_redirect_followed_without_credentials_to_another_host() -> None:
    registry = lab_registry()
    registry.basic_auth = ("bob", "secret")
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.host == "storage.test":
            digest = request.url.path.rsplit("/", 1)[1]
            return httpx.Response(200, content=registry.blobs[digest])
        if "/blobs/" in request.url.path and registry._authorised(request) is None:
            digest = request.url.path.rsplit("/", 1)[1]
            return httpx.Response(307, headers={"Location": f"https://storage.test/b/{digest}"})
        return registry.handle(request)

    async with client_for(
        registry, Credentials("bob", "secret", "typed in"), transport=httpx.MockTransport(handler)
    ) as client:
        manifest = await client.get_manifest("lab", "single")
        assert manifest.config is not None
        config = await client.image_config("lab", manifest.config)
    assert str(config.platform) == "linux/amd64"
    assert seen[-1].url.host == "storage.test"
    assert "authorization" not in seen[-1].headers
    assert seen[-2].headers["authorization"].startswith("Basic ")


async def test_redirect_loop_is_reported() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(307, headers={"Location": "/v2/lab/blobs/sha256:" + "1" * 64})

    async with client_for(FakeRegistry(), transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(UnexpectedResponse, match="redirected"):
            await client.fetch_blob("lab", "sha256:" + "1" * 64)


async def test_a_missing_digest_is_named_with_an_at_sign() -> None:
    digest = "sha256:" + "d" * 64
    async with client_for(lab_registry()) as client:
        with pytest.raises(NotFound) as caught:
            await client.get_manifest("lab", digest)
    assert f"digest lab@{digest} is not on" in str(caught.value)


@pytest.mark.parametrize(
    ("container", "hint"),
    [("lab-registry", "`docker start lab-registry`"), (None, "check that it is running")],
)
async def test_the_connection_hint_names_the_configured_container(
    container: str | None, hint: str
) -> None:
    registry = lab_registry()
    registry.down = True
    async with client_for(registry, container=container) as client:
        with pytest.raises(Unreachable) as caught:
            await client.ping()
    assert hint in str(caught.value)
    assert "registry7" not in str(caught.value)


async def test_the_connection_hint_is_the_engine_s_advice_asked_once_off_the_loop() -> None:
    registry = lab_registry()
    registry.down = True
    loop_thread = threading.get_ident()
    asked: list[int] = []

    def advice() -> str:
        asked.append(threading.get_ident())
        return "there is no container lab-registry; start a lab registry on port 5000: `x`"

    async with client_for(registry, container="lab-registry", down_advice=advice) as client:
        for _ in range(3):
            with pytest.raises(Unreachable) as caught:
                await client.ping()
            assert "there is no container lab-registry" in str(caught.value)
            assert "docker start" not in str(caught.value)
    assert len(asked) == 1 and asked[0] != loop_thread


async def test_advice_that_fails_falls_back_to_the_hint_from_the_name() -> None:
    registry = lab_registry()
    registry.down = True

    def advice() -> str:
        raise OSError("no docker here")

    async with client_for(registry, container="lab-registry", down_advice=advice) as client:
        with pytest.raises(Unreachable, match="`docker start lab-registry`"):
            await client.ping()
