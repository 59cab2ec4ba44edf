"""The clean-up service's errors carry the exact command for the configured container."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from buildtui.cleanup.errors import DeletionDisabled, RegistryUnavailable
from buildtui.cleanup.execute import ExecutionFailed
from buildtui.cleanup.plan import Selection
from buildtui.cleanup.service import CleanupService
from buildtui.engine.registry_container import ContainerState, parse_registry_run
from buildtui.registry.deletion_probe import PROBE_DIGEST
from buildtui.settings import Settings
from tests.fakes.cleanup import (
    FakeContainer,
    InspectedSide,
    WritableFakeRegistry,
    fake_cleanup_service,
    lab_fake_registry,
)
from tests.unit.foundation.test_registry_container import container, image, volume


def lab_state(port: int, *, running: bool = True) -> ContainerState:
    ports = {"5000/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(port)}]}
    data = container(name="lab-reg", ports=ports, mounts=(volume("labdata"),), running=running)
    data["HostConfig"]["PortBindings"] = ports
    return ContainerState("lab-reg", parse_registry_run(data, image(), "lab-reg"))


async def test_deletion_disabled_names_the_recreate_command_of_the_real_container(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr("buildtui.cleanup.service.data_dir", lambda: tmp_path)
    registry = lab_fake_registry()
    registry.delete_enabled = False
    service = fake_cleanup_service(registry, container_state=lab_state(5000))
    graph = await service.load()
    with pytest.raises(DeletionDisabled) as caught:
        await service.execute(service.plan(graph, [Selection("cachedata1", tag="latest")]))
    await service.aclose()
    message = str(caught.value)
    assert "deletion is turned off" in message
    assert message.endswith(
        "`docker rm -f lab-reg && docker run -d --name lab-reg -p 127.0.0.1:5000:5000 "
        "-v labdata:/var/lib/registry -e REGISTRY_STORAGE_DELETE_ENABLED=true registry:2`"
    )
    assert "<" not in message and "registry7" not in message


async def test_deletion_disabled_on_another_container_names_no_command() -> None:
    registry = lab_fake_registry()
    registry.delete_enabled = False
    service = fake_cleanup_service(registry, container_state=lab_state(5001))
    graph = await service.load()
    with pytest.raises(DeletionDisabled) as caught:
        await service.execute(service.plan(graph, [Selection("cachedata1", tag="latest")]))
    await service.aclose()
    assert "docker rm" not in str(caught.value)
    assert "not port 5000" in str(caught.value)


async def test_a_stopped_registry_is_told_to_start_by_its_own_name() -> None:
    registry = lab_fake_registry()
    registry.down = True
    service = fake_cleanup_service(registry, container_state=lab_state(5000, running=False))
    with pytest.raises(RegistryUnavailable) as caught:
        await service.load()
    await service.aclose()
    assert str(caught.value).endswith(
        "lab-reg exists but is stopped; start it: `docker start lab-reg`"
    )


class TurnedOffMidway(WritableFakeRegistry):
    """Deletion on for the probe, then turned off (the registry restarted without it)."""

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.method == "DELETE" and not request.url.path.endswith(PROBE_DIGEST):
            self.delete_enabled = False
        return super().handle(request)


async def test_deletion_turned_off_midway_puts_the_fix_in_the_report() -> None:
    source = lab_fake_registry()
    registry = TurnedOffMidway(host=source.host, blobs=source.blobs,
                               manifests=source.manifests, tags=source.tags)  # fmt: skip
    service = fake_cleanup_service(registry, container_state=lab_state(5000))
    graph = await service.load()
    with pytest.raises(ExecutionFailed) as caught:
        await service.execute(service.plan(graph, [Selection("cachedata1", tag="latest")]))
    await service.aclose()
    assert caught.value.report.error is not None
    assert "`docker rm -f lab-reg && docker run" in caught.value.report.error
    assert "`docker rm -f lab-reg && docker run" in str(caught.value)


async def test_a_registry_that_does_not_answer_is_advised_once() -> None:
    registry = lab_fake_registry()
    registry.down = True
    service = fake_cleanup_service(registry, container_state=lab_state(5000, running=False))
    with pytest.raises(RegistryUnavailable) as caught:
        await service.load()
    await service.aclose()
    assert str(caught.value).count("`docker start lab-reg`") == 1
    assert "registry7" not in str(caught.value)


class AskedSide(InspectedSide):
    """The engine, and what it was asked about the registry's container."""

    def __init__(self, state: ContainerState) -> None:
        super().__init__(state)
        self.asked: list[tuple[str, str]] = []

    def down_advice(self, container: str, base_url: str) -> str:
        self.asked.append((container, base_url))
        return super().down_advice(container, base_url)


async def test_a_service_with_its_own_client_asks_the_engine_about_its_container() -> None:
    registry = lab_fake_registry()
    registry.down = True
    engine = AskedSide(lab_state(5000, running=False))
    settings = Settings(registry_url=f"http://{registry.host}", registry_container="registry7")
    service = CleanupService(
        settings, container=FakeContainer(registry), transport=registry.transport, engine=engine
    )
    with pytest.raises(RegistryUnavailable) as caught:
        await service.load()
    await service.aclose()
    assert str(caught.value).endswith(
        "lab-reg exists but is stopped; start it: `docker start lab-reg`"
    )
    assert engine.asked == [("registry7", "http://localhost:5000")]
