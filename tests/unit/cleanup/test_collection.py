"""The collection sequence, its lock and its journal, with the in-memory registry and
container; the container's port checks with a scripted docker CLI."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from buildtui.cleanup.container import RegistryContainer
from buildtui.cleanup.errors import CollectionBusy, CollectionInterrupted, GcRefused
from buildtui.cleanup.journal import ContainerKey, Journal, RegistryLock
from buildtui.cleanup.plan import Selection
from buildtui.cleanup.service import CleanupService
from buildtui.cli import main
from buildtui.settings import Settings
from tests.fakes.cleanup import (
    FakeContainer,
    WritableFakeRegistry,
    fake_cleanup_service,
    lab_fake_registry,
)
from tests.unit.cleanup.test_gc import Docker, inspect_data


def key(service: CleanupService) -> ContainerKey:
    return service.collector.key_of(service.container.inspect())


def journal_of(service: CleanupService) -> Journal | None:
    return Journal.load(Journal.path_for(key(service)))


def lock_of(service: CleanupService) -> RegistryLock:
    return RegistryLock.of(key(service), service.container.name)


def begin(service: CleanupService) -> Journal:
    return Journal.begin(service.settings, key(service), service.container.name)


async def test_a_collection_journals_each_phase_and_its_verified_result() -> None:
    registry = lab_fake_registry()
    service = fake_cleanup_service(registry)
    steps: list[str] = []

    result = await service.collector.collect_garbage(steps.append)
    await service.aclose()

    journal = journal_of(service)
    assert journal is not None and journal.state == "done" and journal.finished
    assert journal.data["was_running"] is True
    assert {t["tag"] for t in journal.data["tags"]} >= {"cachetest", "v2", "stable"}
    assert [s["what"] for s in journal.data["steps"]] == steps
    assert steps[0] == "reading every tag" and steps[-1] == "verifying every tag"
    assert result.verification is not None and result.verification.ok
    assert journal.data["result"]["verification"]["checks"]
    assert not lock_of(service).held()


async def test_a_second_collection_and_a_deletion_are_refused_while_one_runs() -> None:
    service = fake_cleanup_service(lab_fake_registry())
    lock = lock_of(service)
    lock.acquire("garbage collection", "buildtui gc -y")
    try:
        with pytest.raises(CollectionBusy, match="a garbage collection of registry7 runs"):
            await service.collector.collect_garbage()
        busy = pytest.raises(CollectionBusy, match="a garbage collection of registry7 runs")
        with busy:
            async with service.exclusive("deletion"):
                pass
        with pytest.raises(CollectionBusy):
            service.collector.check_idle()
    finally:
        lock.release()
    await service.aclose()


async def test_an_interrupted_collection_blocks_gc_and_rm_until_it_is_resumed() -> None:
    registry = lab_fake_registry()
    container = FakeContainer(registry)
    service = fake_cleanup_service(registry, container)
    graph = await service.load()
    journal = begin(service)
    v2 = {"repository": "lab", "tag": "v2", "digest": graph.repositories["lab"].tags["v2"]}
    journal.update(was_running=True, tags=[v2])
    journal.phase("collecting")  # ... and its process died
    container.running, registry.down = False, True

    with pytest.raises(CollectionInterrupted, match="gc --resume"):
        await service.collector.collect_garbage()
    stopped = pytest.raises(CollectionInterrupted, match="registry7 may still be stopped")
    with stopped:
        async with service.exclusive("deletion"):
            pass
    assert service.collector.interruption() is not None

    resumed = await service.collector.resume_gc()

    assert resumed.started and container.running
    assert resumed.verification is not None and resumed.verification.ok
    assert [str(c.ref) for c in resumed.verification.checks] == ["lab:v2"]
    assert service.collector.interruption() is None
    with pytest.raises(GcRefused, match="no interrupted garbage collection"):
        await service.collector.resume_gc()
    await service.aclose()


async def test_a_stopped_registry_is_collected_without_reading_it_and_left_stopped() -> None:
    registry = lab_fake_registry()
    container = FakeContainer(registry, running=False)
    registry.down = True
    service = fake_cleanup_service(registry, container)

    preview = await asyncio.to_thread(service.collector.preview_gc)
    result = await service.collector.collect_garbage()

    assert any("leaves it stopped (`buildtui gc --start` starts it" in w for w in preview.warnings)
    assert result.left_stopped and result.verification is None
    assert not container.running and "stopping registry7" not in container.steps
    assert registry.requests == []  # no HTTP to a registry that cannot answer

    started = await service.collector.collect_garbage(start_stopped=True)

    assert container.running and not started.left_stopped
    assert started.verification is not None and started.verification.ok
    await service.aclose()


def test_gc_json_of_a_stopped_registry_says_it_is_left_stopped(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    registry = lab_fake_registry()
    container = FakeContainer(registry, running=False)
    registry.down = True
    monkeypatch.setattr(
        "buildtui.cleanup.service.CleanupService",
        lambda settings: fake_cleanup_service(registry, container),
    )

    assert main(["gc", "-y", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["ok"] is True and document["gc"]["left_stopped"] is True
    assert document["verification"] is None


def test_gc_json_refuses_a_container_that_does_not_publish_the_port(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    registry = lab_fake_registry()
    container = FakeContainer(registry, host_port=5001)  # the URL says 5000
    monkeypatch.setattr(
        "buildtui.cleanup.service.CleanupService",
        lambda settings: fake_cleanup_service(registry, container),
    )

    assert main(["gc", "-y", "--json"]) == 1
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    assert document["ok"] is False
    assert "publishes 0.0.0.0:5001->5000/tcp, not port 5000 of localhost:5000" in document["error"]
    assert "no running container publishes port 5000" in document["error"]
    assert "`buildtui --registry http://localhost:5001 gc`" in document["error"]
    assert document["error"] in captured.err
    assert container.collected == 0


def scripted(**containers: dict[str, Any]) -> Docker:
    """docker answering `container inspect NAME` per name and `ps --filter publish=`."""
    docker = Docker()

    def inspect(args: list[str]) -> tuple[int, str, str]:
        return 0, json.dumps([containers[args[-1]]]), ""

    def ps(args: list[str]) -> tuple[int, str, str]:
        port = next(a for a in args if a.startswith("publish=")).split("=")[1]
        names = [
            name
            for name, data in containers.items()
            if any(b["HostPort"] == port for b in data["NetworkSettings"]["Ports"]["5000/tcp"])
        ]
        return 0, "\n".join(names) + "\n", ""

    docker.answers["container"] = inspect
    docker.answers["ps"] = ps
    return docker


def published(port: str, running: bool = True) -> dict[str, Any]:
    data = inspect_data(
        State={"Running": running},
        HostConfig={"PortBindings": {"5000/tcp": [{"HostIp": "", "HostPort": port}]}},
    )
    data["NetworkSettings"]["Ports"]["5000/tcp"][0]["HostPort"] = port
    return data


def service_for(docker: Docker, url: str = "http://localhost:5000") -> CleanupService:
    settings = Settings(registry_url=url)
    return CleanupService(settings, container=RegistryContainer(settings, run=docker))


def test_the_container_that_publishes_the_port_is_used_and_said_so() -> None:
    docker = scripted(registry7=published("5001"), **{"lab-registry": published("5000")})
    service = service_for(docker)

    info, warnings = service.collector.resolve_container()

    assert info.name == "lab-registry" and service.container.name == "lab-registry"
    assert "container registry7 publishes 0.0.0.0:5001->5000/tcp, not port 5000" in warnings[0]
    assert "garbage collection runs in lab-registry" in warnings[0]


def test_no_container_publishing_the_port_refuses() -> None:
    service = service_for(scripted(registry7=published("5001")))

    with pytest.raises(GcRefused, match="no running container publishes port 5000"):
        service.collector.resolve_container()


def test_a_stopped_container_is_checked_by_the_port_it_asks_for() -> None:
    stopped = published("5000", running=False)
    stopped["NetworkSettings"]["Ports"] = {}
    info, warnings = service_for(scripted(registry7=stopped)).collector.resolve_container()

    assert not info.running and info.bound_ports == (5000,) and warnings == ()


def test_an_ephemeral_port_is_announced_before_the_restart() -> None:
    data = published("32768")
    data["HostConfig"]["PortBindings"]["5000/tcp"][0]["HostPort"] = ""
    _, warnings = service_for(
        scripted(registry7=data), "http://localhost:32768"
    ).collector.resolve_container()

    assert "publishes port 32768 as an ephemeral host port" in warnings[0]
    assert "-p 32768:5000" in warnings[0]


def test_a_stopped_container_can_be_started_after_its_collection() -> None:
    data = inspect_data(State={"Running": False})
    docker = Docker(data)
    docker.answers["run"] = lambda args: (
        (0, "3000\t/var/lib/registry\n", "")
        if "du" in args
        else (0, "registry 2.8.2\n", "")
        if "--version" in args
        else (0, "1 blobs marked, 0 blobs and 0 manifests eligible for deletion", "")
    )
    result = RegistryContainer(Settings(), run=docker).collect(start_stopped=True)

    assert docker.words().count("start") == 1 and "stop" not in docker.words()
    assert not result.left_stopped
    assert result.commands[-1] == "docker start registry7"


async def test_a_deletion_holds_the_lock_so_no_collection_starts_under_it() -> None:
    registry: WritableFakeRegistry = lab_fake_registry()
    service = fake_cleanup_service(registry)
    graph = await service.load()
    async with service.exclusive("deletion", "buildtui rm lab:stable"):
        await service.execute(service.plan(graph, [Selection("lab", tag="stable")]))
        with pytest.raises(CollectionBusy, match=r"a deletion of registry7 runs .*rm lab:stable"):
            await service.collector.collect_garbage()
    await service.aclose()


async def test_a_stop_asked_before_the_registry_is_stopped_cancels_and_changes_nothing() -> None:
    from buildtui.cleanup.collection import run_collection
    from buildtui.cleanup.errors import Cancelled
    from buildtui.cleanup.gc import CollectionRequest

    registry = lab_fake_registry()
    container = FakeContainer(registry)
    service = fake_cleanup_service(registry, container)
    journal = begin(service)

    with pytest.raises(Cancelled, match="cancelled before anything was stopped"):
        await run_collection(service, journal, CollectionRequest(), should_stop=lambda: True)
    await service.aclose()

    assert container.collected == 0 and container.running
    assert journal.state == "cancelled" and not journal.needs_resume()


async def test_a_stop_asked_after_the_stop_finishes_the_start_without_verifying() -> None:
    from buildtui.cleanup.collection import run_collection
    from buildtui.cleanup.gc import CollectionRequest

    registry = lab_fake_registry()
    container = FakeContainer(registry)
    service = fake_cleanup_service(registry, container)
    journal = begin(service)
    asked = iter([False, True, True])  # no at "stopping", yes afterwards

    result = await run_collection(
        service, journal, CollectionRequest(), should_stop=lambda: next(asked)
    )
    await service.aclose()

    assert container.collected == 1 and container.running
    assert result.verification is None
    assert any("the tags were not verified" in w for w in result.warnings)
    assert journal.state == "done"


async def test_the_collection_itself_settles_the_account_and_journals_it() -> None:
    # The detached collection outlives its caller: the prediction it settles must be
    # forgotten by it, not by the caller (a closed terminal would leave it pending, and
    # the next collection would report those blobs as "predicted, not deleted").
    registry = lab_fake_registry()
    service = fake_cleanup_service(registry)
    graph = await service.load()
    plan = service.plan(graph, [Selection("cachedata1", tag="latest")])
    await service.execute(plan)
    predicted = {b.digest for b in plan.freed_blobs}
    assert {b.digest for b in service.pending.get(service.registry).blobs} == predicted

    result = await service.collector.collect_garbage()
    await service.aclose()

    assert result.account is not None
    assert {b.digest for b in result.account.planned} == predicted
    assert service.pending.get(service.registry).blobs == ()
    journal = journal_of(service)
    assert journal is not None
    kept = journal.data["result"]["account"]
    assert {b["digest"] for b in kept["planned"]} == predicted
    assert kept["deletions"] == ["cachedata1:latest"]
