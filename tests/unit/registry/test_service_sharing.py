"""One registry client shared by services and calls: closed only when the last lets go."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from buildtui.registry.auth import NoCredentials
from buildtui.registry.blobcache import open_cache
from buildtui.registry.client import RegistryClient
from buildtui.registry.service import RegistryService
from buildtui.settings import Settings
from tests.fakes.gate import Gate
from tests.fakes.registry import fake_service, lab_registry


class Transport(httpx.MockTransport):
    """Answers /v2/ with 200; counts the closes of the clients built on it."""

    def __init__(self) -> None:
        super().__init__(lambda request: httpx.Response(200, json={}))
        self.closed = 0

    async def aclose(self) -> None:
        self.closed += 1


def service(transport: Transport) -> RegistryService:
    return RegistryService(
        Settings(registry_url="http://localhost:5000"), transport=transport, store=NoCredentials()
    )


async def test_a_shared_client_closes_when_the_last_service_closes() -> None:
    transport = Transport()
    first = service(transport)
    second = first.share()
    await first.ping()
    assert second.client is first.client
    await first.aclose()
    await first.aclose()  # once per service, however often it is called
    assert transport.closed == 0
    await second.ping()
    await second.aclose()
    assert transport.closed > 0


async def test_a_call_in_flight_holds_the_client_open_past_every_aclose() -> None:
    transport = Transport()
    only = service(transport)
    inside, release = Gate(), Gate()

    async def held(client: RegistryClient) -> str:
        inside.set()
        await release.wait()
        await client.ping()
        return "answered"

    call = asyncio.create_task(only.call(held))
    await asyncio.wait_for(inside.wait(), 5)
    await only.aclose()
    assert transport.closed == 0
    release.set()
    assert await asyncio.wait_for(call, 5) == "answered"
    assert transport.closed > 0


async def test_a_service_used_after_aclose_holds_a_new_client() -> None:
    transport = Transport()
    only = service(transport)
    await only.ping()
    await only.aclose()
    closes = transport.closed
    assert closes > 0
    await only.ping()
    assert transport.closed == closes
    await only.aclose()
    assert transport.closed > closes


async def test_the_services_of_a_process_share_one_disk_cache_and_its_writes(
    tmp_path: Path,
) -> None:
    # The Registry pane and the Lab guide (a service per observation) scan at once; with
    # a connection each, one's writes were refused while the other's were under way.
    registry = lab_registry()
    settings = Settings(registry_url=f"http://{registry.host}")
    services = [fake_service(registry, settings) for _ in range(3)]
    caches = {id(s.blob_cache) for s in services}
    assert len(caches) == 1 and services[0].blob_cache is not None
    assert open_cache(tmp_path / "other.sqlite3") is not services[0].blob_cache
    try:
        scans = await asyncio.gather(*(s.scan() for s in services))
    finally:
        for s in services:
            await s.aclose()
    assert all(scan.entries() and not any(e.error for e in scan.entries()) for scan in scans)
    cache = services[0].blob_cache
    kept = cache.usage().entries
    assert kept > 0
    cache.close()
    reopened = open_cache()
    assert reopened is not None and reopened is not cache  # a closed one is not handed out
    assert reopened.usage().entries == kept  # every scan's writes were committed
    reopened.close()
