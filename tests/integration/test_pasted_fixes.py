"""Every command a hint proposes, pasted as it stands (`bash -c`) on a real registry:2.

The registries here have unique names and ports (never registry7 on 5000), so a test
that passes proves the command used the real name, address, port and storage.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from buildtui.cleanup.errors import DeletionDisabled
from buildtui.cleanup.plan import Selection
from buildtui.cleanup.service import CleanupService
from buildtui.engine.registry_container import (
    deletion_disabled_advice,
    inspect_registry_container,
)
from buildtui.registry.client import ACCEPT_MANIFESTS
from buildtui.settings import Settings
from tests.integration.lab import (
    BASE_IMAGE_PARTS,
    REGISTRY_IMAGE,
    TestRegistry,
    docker,
    docker_push,
    unique,
)
from tests.integration.registry_fixtures import free_port

PROBE = "sha256:" + "0" * 64


def command_in(message: str) -> str:
    """The one command between backticks at the end of a hint."""
    commands: list[str] = re.findall(r"`([^`]+)`", message)
    assert commands, f"no command in: {message}"
    return commands[-1]


def paste(command: str) -> None:
    result = subprocess.run(
        ["bash", "-c", command], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, f"{command}\n{result.stderr}"


def answers(url: str, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/v2/", timeout=1).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    return False


def push(url: str, host: str, names: list[str], repository: str = "lab", tag: str = "v1") -> str:
    """Push the amd64 busybox as REPOSITORY:TAG; its manifest digest."""
    target = f"{host}/{repository}:{tag}"
    names.append(target)
    docker("tag", BASE_IMAGE_PARTS["amd64"], target)
    docker_push("push", "-q", target)
    answer = httpx.head(
        f"{url}/v2/{repository}/manifests/{tag}", headers={"Accept": ACCEPT_MANIFESTS}
    )
    assert answer.status_code == 200
    return str(answer.headers["docker-content-digest"])


def deletion_works(url: str) -> bool:
    """DELETE of a digest no manifest has: 404 when deletion is on, 405 when off."""
    return httpx.delete(f"{url}/v2/lab/manifests/{PROBE}").status_code == 404


def still_there(url: str, digest: str) -> bool:
    answer = httpx.get(f"{url}/v2/lab/manifests/v1", headers={"Accept": ACCEPT_MANIFESTS})
    return answer.status_code == 200 and answer.headers["docker-content-digest"] == digest


@pytest.fixture
def containers(engine: None) -> Iterator[list[str]]:
    """Containers (their anonymous volumes, and the `NAME-data` volume a proposed `docker
    run` makes) appended here are removed after the test."""
    names: list[str] = []
    try:
        yield names
    finally:
        for name in names:
            docker("rm", "-f", "-v", name, check=False)
            docker("volume", "rm", "-f", f"{name}-data", check=False)


def test_the_deletion_hint_recreates_the_container_keeping_its_images(
    registry_factory: Callable[..., TestRegistry],
    image_names: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("buildtui.cleanup.service.data_dir", lambda: tmp_path)
    registry = registry_factory({"REGISTRY_STORAGE_DELETE_ENABLED": "false", "LAB": "seven"})
    url = f"http://localhost:{registry.port}"
    digest = push(url, registry.host, image_names)
    settings = Settings(registry_url=url, registry_container=registry.container)

    async def delete() -> None:
        service = CleanupService(settings)
        try:
            graph = await service.load()
            await service.execute(service.plan(graph, [Selection("lab", tag="v1")]))
        finally:
            await service.aclose()

    with pytest.raises(DeletionDisabled) as caught:
        asyncio.run(delete())
    command = command_in(str(caught.value))
    assert registry.container in command and f"127.0.0.1:{registry.port}:5000" in command
    assert f"-v {registry.volume}:/var/lib/registry" in command
    assert "registry7" not in command and "<" not in command
    before = docker("container", "inspect", registry.container).stdout

    paste(command)

    assert answers(url)
    assert deletion_works(url)
    assert still_there(url, digest)
    after = json.loads(docker("container", "inspect", registry.container).stdout)[0]
    assert after["Id"] != json.loads(before)[0]["Id"]  # recreated, under the same name
    assert "LAB=seven" in after["Config"]["Env"]


def test_storage_in_the_container_layer_is_copied_out_then_kept(
    containers: list[str], image_names: list[str], tmp_path: Path
) -> None:
    name, port = unique("buildtui-test-layer"), free_port()
    containers.append(name)
    root = "REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY=/srv/images"
    docker("run", "-d", "--name", name, "-p", f"127.0.0.1:{port}:5000", "-e", root, REGISTRY_IMAGE)
    url = f"http://localhost:{port}"
    assert answers(url)
    digest = push(url, f"localhost:{port}", image_names)
    assert not deletion_works(url)

    advice = deletion_disabled_advice(
        inspect_registry_container(name), url, tmp_path / "copy" / name
    )
    assert "would lose them all" in advice.text
    assert advice.command is not None
    paste(advice.command)

    assert answers(url)
    assert deletion_works(url)
    assert still_there(url, digest)


def doctor(url: str, container: str, check: str = "registry") -> dict[str, str]:
    """One check of `buildtui doctor --json`, by name."""
    result = subprocess.run(
        [sys.executable, "-m", "buildtui", "doctor", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "BUILDTUI_REGISTRY_URL": url, "BUILDTUI_REGISTRY_CONTAINER": container},
    )
    assert "Traceback" not in result.stderr
    checks = {c["name"]: c for c in json.loads(result.stdout)["checks"]}
    return dict(checks[check])


def test_doctor_on_a_stopped_container_proposes_docker_start(
    registry_factory: Callable[..., TestRegistry],
) -> None:
    port = free_port()
    registry = registry_factory(None, ("-p", f"127.0.0.1:{port}:5000"))
    url = f"http://localhost:{port}"
    docker("stop", registry.container)

    check = doctor(url, registry.container)
    assert check["level"] == "error"
    command = command_in(check["fix"])
    assert command == f"docker start {registry.container}"

    paste(command)
    assert answers(url)


def test_doctor_on_a_missing_container_proposes_docker_run_on_the_url_port(
    containers: list[str],
) -> None:
    name, port = unique("buildtui-test-missing"), free_port()
    containers.append(name)
    url = f"http://localhost:{port}"

    check = doctor(url, name)
    command = command_in(check["fix"])
    assert f"--name {name}" in command and f"127.0.0.1:{port}:5000" in command
    assert f"-v {name}-data:/var/lib/registry" in command

    paste(command)
    assert answers(url)
    assert deletion_works(url)
    assert doctor(url, name)["level"] == "ok"


def test_doctor_on_a_registry_without_deletion_proposes_the_recreate_command(
    registry_factory: Callable[..., TestRegistry], image_names: list[str]
) -> None:
    registry = registry_factory({"REGISTRY_STORAGE_DELETE_ENABLED": "false"})
    url = f"http://localhost:{registry.port}"
    digest = push(url, registry.host, image_names)

    check = doctor(url, registry.container, "deletion")
    assert check["level"] == "warn"
    command = command_in(check["fix"])
    assert f"-v {registry.volume}:/var/lib/registry" in command

    paste(command)
    assert answers(url)
    assert still_there(url, digest)
    assert doctor(url, registry.container, "deletion")["level"] == "ok"


def registry_ls(url: str, container: str) -> str:
    """`buildtui registry ls` (the Registry pane's twin) when nothing answers: its message."""
    argv = [sys.executable, "-m", "buildtui", "--registry", url, "--registry-container"]
    result = subprocess.run(
        [*argv, container, "registry", "ls"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "Traceback" not in result.stderr
    assert result.returncode == 1, result.stdout + result.stderr
    return result.stderr


def test_registry_ls_on_a_stopped_container_proposes_docker_start(
    registry_factory: Callable[..., TestRegistry],
) -> None:
    port = free_port()
    registry = registry_factory(None, ("-p", f"127.0.0.1:{port}:5000"))
    url = f"http://localhost:{port}"
    docker("stop", registry.container)

    command = command_in(registry_ls(url, registry.container))
    assert command == f"docker start {registry.container}"
    paste(command)
    assert answers(url)


def test_registry_ls_on_a_missing_container_proposes_docker_run_not_docker_start(
    containers: list[str],
) -> None:
    name, port = unique("buildtui-test-missing"), free_port()
    containers.append(name)
    url = f"http://localhost:{port}"

    message = registry_ls(url, name)
    assert f"there is no container {name}" in message and "docker start" not in message
    command = command_in(message)
    assert f"--name {name}" in command and f"127.0.0.1:{port}:5000" in command
    assert f"-v {name}-data:/var/lib/registry" in command  # its images outlive it
    paste(command)
    assert answers(url)
