"""The registry's requests run on an event loop of their own: results, errors, reports
and cancellation cross back to the caller's loop, and no thread outlives its client."""

from __future__ import annotations

import asyncio
import threading

import httpx
import pytest

from buildtui.registry.auth import NoCredentials
from buildtui.registry.requests_thread import THREAD_NAME, RequestsThread, on_caller
from buildtui.registry.service import RegistryService
from buildtui.settings import Settings
from tests.fakes.gate import Gate
from tests.fakes.registry import lab_registry


def requests_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name == THREAD_NAME}


async def test_a_call_runs_on_the_thread_and_its_result_and_errors_come_back() -> None:
    thread = RequestsThread()

    async def where() -> str:
        await asyncio.sleep(0)
        return threading.current_thread().name

    async def fails() -> None:
        raise LookupError("no such tag")

    try:
        assert await thread.run(where) == THREAD_NAME
        with pytest.raises(LookupError, match="no such tag"):
            await thread.run(fails)
    finally:
        thread.close()
    assert not thread.running


async def test_reports_reach_the_caller_in_order_before_the_result() -> None:
    thread = RequestsThread()
    seen: list[tuple[int, str]] = []
    caller = threading.current_thread().name
    report = on_caller(lambda n: seen.append((n, threading.current_thread().name)))

    async def counts() -> str:
        for n in range(50):
            report(n)
            if n % 7 == 0:
                await asyncio.sleep(0)
        return "counted"

    try:
        assert await thread.run(counts) == "counted"
    finally:
        thread.close()
    assert seen == [(n, caller) for n in range(50)]  # all on the caller's loop, in order


async def test_a_cancelled_caller_returns_only_once_the_call_has_ended_on_the_thread() -> None:
    thread = RequestsThread()
    inside = Gate()
    ended: list[str] = []

    async def endless() -> None:
        inside.set()
        try:
            await asyncio.sleep(3600)
        finally:
            await asyncio.sleep(0.05)  # its clean-up takes a while
            ended.append(threading.current_thread().name)

    call = asyncio.create_task(thread.run(endless))
    await asyncio.wait_for(inside.wait(), 5)
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    assert ended == [THREAD_NAME]
    thread.close()
    assert not thread.running


async def test_a_service_requests_off_the_callers_thread_and_its_close_ends_the_thread() -> None:
    handled: set[str] = set()
    registry = lab_registry()

    def handle(request: httpx.Request) -> httpx.Response:
        handled.add(threading.current_thread().name)
        return registry.handle(request)

    before = requests_threads()
    service = RegistryService(
        Settings(registry_url=f"http://{registry.host}"),
        transport=httpx.MockTransport(handle),
        store=NoCredentials(),
        blob_cache=False,
    )
    rows: list[str] = []
    caller = threading.current_thread().name
    threads: set[str] = set()

    def on_tag(entry: object) -> None:
        rows.append(str(entry))
        threads.add(threading.current_thread().name)

    scan = await service.scan(on_tag=on_tag)
    assert requests_threads() - before
    await service.aclose()
    assert handled == {THREAD_NAME}
    assert threads == {caller} and len(rows) == len(scan.entries()) > 0
    assert requests_threads() <= before


async def test_a_scan_cancelled_midway_stops_there_and_the_client_closes() -> None:
    registry = lab_registry()
    inside, release = Gate(), Gate()

    class Held(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            if "/manifests/" in request.url.path:
                inside.set()
                await release.wait()
            return registry.handle(request)

    before = requests_threads()
    service = RegistryService(
        Settings(registry_url=f"http://{registry.host}"),
        transport=Held(),
        store=NoCredentials(),
        blob_cache=False,
    )
    scan = asyncio.create_task(service.scan())
    await asyncio.wait_for(inside.wait(), 5)
    scan.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(scan, 5)
    await asyncio.wait_for(service.aclose(), 5)
    assert requests_threads() <= before
    assert not release.is_set()
