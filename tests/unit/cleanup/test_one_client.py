"""The clean-up's writes and checks go through the registry client: one bound on requests
in flight, one cap on a reply's size, the same deadline, for reads and writes."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest

from buildtui.cleanup.http import RegistryWriter
from buildtui.cleanup.service import CleanupService
from buildtui.engine.registry_container import ContainerState
from buildtui.registry.auth import Authenticator, NoCredentials
from buildtui.registry.client import DEFAULT_MANIFEST_CAP, RegistryClient
from buildtui.registry.deletion_probe import PROBE_DIGEST
from buildtui.registry.errors import ManifestTooLarge
from buildtui.registry.service import RegistryService
from buildtui.settings import Settings
from tests.fakes.cleanup import FakeContainer, lab_fake_registry
from tests.fakes.hostile_registry import HostileRegistry, Reply


class CountingTransport(httpx.AsyncBaseTransport):
    """The fake registry's transport, counting the requests in flight at once."""

    def __init__(self, inner: httpx.MockTransport) -> None:
        self.inner = inner
        self.in_flight = 0
        self.most = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        try:
            await asyncio.sleep(0.002)  # long enough for the others to start theirs
            return await self.inner.handle_async_request(request)
        finally:
            self.in_flight -= 1


async def test_verification_keeps_to_the_registry_clients_bound_on_requests_in_flight() -> None:
    registry = lab_fake_registry()
    transport = CountingTransport(registry.transport)
    settings = Settings(registry_url=f"http://{registry.host}", registry_container="registry7")
    service = CleanupService(
        settings,
        registry=RegistryService(
            settings, transport=transport, store=NoCredentials(), max_concurrency=2
        ),
        container=FakeContainer(registry),
        transport=transport,
        container_state=lambda: ContainerState("registry7", None),
    )
    try:
        graph = await service.load()
        transport.most = 0
        report = await service.verify(graph, graph.tag_refs())
    finally:
        await service.aclose()

    assert report.ok
    blob_heads = [r for r in registry.requests if r.method == "HEAD" and "/blobs/" in r.url.path]
    assert blob_heads  # the blobs were HEADed too, within the same bound
    assert 1 < transport.most <= 2
    assert report.requests >= len(blob_heads)


@pytest.fixture
def hostile() -> Iterator[HostileRegistry]:
    registry = HostileRegistry()
    with registry.running():
        yield registry


async def test_a_huge_answer_to_the_deletion_probe_is_refused_unread(
    hostile: HostileRegistry,
) -> None:
    hostile.route(
        f"/v2/lab/manifests/{PROBE_DIGEST}", Reply(404, b" " * (DEFAULT_MANIFEST_CAP + 1))
    )
    auth = Authenticator(hostile.host, store=NoCredentials())
    writer = RegistryWriter(hostile.host, hostile.url, auth)
    try:
        with pytest.raises(ManifestTooLarge, match="over the"):
            await writer.probe_delete("lab")
    finally:
        await writer.aclose()
    assert hostile.requests == [f"/v2/lab/manifests/{PROBE_DIGEST}"]


async def test_the_writer_sends_through_the_client_it_is_given(hostile: HostileRegistry) -> None:
    hostile.route(f"/v2/lab/manifests/{PROBE_DIGEST}", Reply(404, b"{}"))
    auth = Authenticator(hostile.host, store=NoCredentials())
    client = RegistryClient(hostile.host, hostile.url, auth=auth)
    try:
        await RegistryWriter.on(client).probe_delete("lab")
        assert client.requests == 1
    finally:
        await client.aclose()
