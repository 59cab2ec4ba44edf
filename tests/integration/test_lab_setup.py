"""`buildtui lab up | down` on the real engine, with unique names and ports (never registry7)."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from buildtui.cli import main
from tests.integration.lab import BASE_IMAGE_PARTS, TestRegistry, docker, docker_push, unique

PROBE = "sha256:" + "0" * 64
ACCEPT = ", ".join(
    [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ]
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Lab:
    """One `lab up` target: a unique container name, volume and port, removed afterwards."""

    def __init__(self) -> None:
        self.container = unique("buildtui-test-lab")
        self.volume = f"{self.container}-data"
        self.port = free_port()
        self.url = f"http://localhost:{self.port}"
        self.builders: list[str] = []

    def flags(self) -> list[str]:
        return ["--registry", self.url, "--registry-container", self.container]

    def run(
        self, capsys: pytest.CaptureFixture[str], *args: str, json_out: bool = True
    ) -> tuple[int, Any, str]:
        argv = [*self.flags(), "lab", *args, *(["--json"] if json_out else [])]
        code = main(argv)
        out, err = capsys.readouterr()
        return code, json.loads(out) if json_out else out, err

    def inspect(self) -> dict[str, Any]:
        return dict(json.loads(docker("container", "inspect", self.container).stdout)[0])

    def cleanup(self) -> None:
        docker("rm", "-f", self.container, check=False)
        docker("volume", "rm", "-f", self.volume, check=False)
        for name in self.builders:
            docker("buildx", "rm", name, check=False)


@pytest.fixture
def lab(engine: None) -> Iterator[Lab]:
    made = Lab()
    try:
        yield made
    finally:
        made.cleanup()


def kinds(document: dict[str, Any]) -> list[tuple[str, str]]:
    return [(o["kind"], o["what"]) for o in document["outcomes"]]


def deletion_enabled(port: int) -> bool:
    answer = httpx.delete(f"http://127.0.0.1:{port}/v2/buildtui-probe/manifests/{PROBE}")
    return answer.status_code != 405


def push_busybox(port: int, repository: str) -> str:
    ref = f"localhost:{port}/{repository}:1"
    docker("tag", BASE_IMAGE_PARTS["amd64"], ref)
    try:
        docker_push("push", "-q", ref)
    finally:
        docker("rmi", ref, check=False)
    return ref


def serves(port: int, repository: str) -> bool:
    answer = httpx.get(
        f"http://127.0.0.1:{port}/v2/{repository}/manifests/1", headers={"Accept": ACCEPT}
    )
    return answer.status_code == 200


def test_up_twice_is_idempotent(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    code, first, _ = lab.run(capsys, "up")
    assert code == 0, first
    assert first["changed"] is True
    assert ("created", "container") in kinds(first)
    assert ("created", "volume") in kinds(first)
    data = lab.inspect()
    bindings = data["HostConfig"]["PortBindings"]["5000/tcp"]
    assert bindings == [{"HostIp": "127.0.0.1", "HostPort": str(lab.port)}]
    assert "REGISTRY_STORAGE_DELETE_ENABLED=true" in data["Config"]["Env"]
    mounts = {m["Destination"]: m.get("Name") for m in data["Mounts"]}
    assert mounts["/var/lib/registry"] == lab.volume
    assert deletion_enabled(lab.port)

    code, second, _ = lab.run(capsys, "up")
    assert code == 0
    assert second["changed"] is False
    assert ("existed", "container") in kinds(second)
    assert lab.inspect()["Id"] == data["Id"]

    code, text, _ = lab.run(capsys, "up", json_out=False)
    assert code == 0
    assert "Nothing changed" in text


def test_down_removes_only_what_up_created(
    lab: Lab,
    registry_factory: Callable[..., TestRegistry],
    capsys: pytest.CaptureFixture[str],
) -> None:
    other = registry_factory()
    assert lab.run(capsys, "up")[0] == 0

    # Asked without a terminal: the data volume is kept.
    code, down, _ = lab.run(capsys, "down")
    assert code == 0
    assert ("removed", "container") in kinds(down)
    assert ("kept", "volume") in kinds(down)
    assert docker("container", "inspect", lab.container, check=False).returncode != 0
    assert docker("volume", "inspect", lab.volume, check=False).returncode == 0

    code, down, _ = lab.run(capsys, "down", "-y")
    assert code == 0
    assert kinds(down) == [("removed", "volume")]
    assert docker("volume", "inspect", lab.volume, check=False).returncode != 0

    # Another registry, never set up by lab up, is left alone even when named.
    code = main(["--registry-container", other.container, "lab", "down", "-y", "--json"])
    document = json.loads(capsys.readouterr().out)
    assert code == 0
    assert kinds(document) == [("kept", "container")]
    assert document["outcomes"][0]["detail"] == "not created by `lab up`; left alone"
    state = json.loads(docker("container", "inspect", other.container).stdout)[0]
    assert state["State"]["Running"] is True
    assert docker("volume", "inspect", other.volume, check=False).returncode == 0


def test_down_leaves_a_container_that_took_the_name(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    assert lab.run(capsys, "up")[0] == 0
    docker("rm", "-f", lab.container)
    docker("run", "-d", "--name", lab.container, "registry:2")
    code, down, _ = lab.run(capsys, "down", "--keep-data")
    assert code == 0
    assert ("kept", "container") in kinds(down)
    assert ("kept", "volume") in kinds(down)
    assert docker("container", "inspect", lab.container, check=False).returncode == 0


def test_recreate_keeps_the_images_of_a_lab_style_registry(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    # As the lab starts it: no volume, no deletion (here on loopback and a free port).
    docker("run", "-d", "--name", lab.container, "-p", f"127.0.0.1:{lab.port}:5000", "registry:2")
    lab.run(capsys, "up")  # waits for it to answer
    push_busybox(lab.port, "kept")

    code, found, _ = lab.run(capsys, "up")
    assert code == 0
    warnings = [o["detail"] for o in found["outcomes"] if o["kind"] == "warning"]
    assert any("deletion is not enabled" in w and "--recreate" in w for w in warnings)
    assert f"--registry-container {lab.container}" in warnings[0]
    assert not deletion_enabled(lab.port)

    code, recreated, _ = lab.run(capsys, "up", "--recreate")
    assert code == 0, recreated
    assert ("recreated", "container") in kinds(recreated)
    assert serves(lab.port, "kept")
    assert deletion_enabled(lab.port)
    mounts = {m["Destination"]: m.get("Name") for m in lab.inspect()["Mounts"]}
    assert mounts["/var/lib/registry"] == lab.volume

    # Recreated again, from its volume this time: still there.
    push_busybox(lab.port, "second")
    code, _again, _ = lab.run(capsys, "up", "--recreate")
    assert code == 0
    assert serves(lab.port, "kept") and serves(lab.port, "second")


def test_expose_warns_and_doctor_warns_too(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    code, _text, err = lab.run(capsys, "up", "--expose", json_out=False)
    assert code == 0
    assert "on all addresses" in err and "no authentication" in err
    bindings = lab.inspect()["HostConfig"]["PortBindings"]["5000/tcp"]
    assert bindings[0]["HostIp"] in ("", "0.0.0.0")
    code, again, _ = lab.run(capsys, "up", "--expose")
    assert code == 0 and again["changed"] is False
    assert any(
        o["kind"] == "warning" and "on all addresses" in o["detail"] for o in again["outcomes"]
    )

    code = main([*lab.flags(), "doctor", "--json"])
    checks = {c["name"]: c for c in json.loads(capsys.readouterr().out)["checks"]}
    assert checks["exposure"]["level"] == "warn"
    assert f"--registry-container {lab.container} lab up --recreate" in checks["exposure"]["fix"]

    code, _recreated, _ = lab.run(capsys, "up", "--recreate")
    assert code == 0
    bindings = lab.inspect()["HostConfig"]["PortBindings"]["5000/tcp"]
    assert bindings == [{"HostIp": "127.0.0.1", "HostPort": str(lab.port)}]
    main([*lab.flags(), "doctor", "--json"])
    names = [c["name"] for c in json.loads(capsys.readouterr().out)["checks"]]
    assert "exposure" not in names


def test_a_missing_image_that_cannot_be_pulled(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    image = f"buildtui-test/{unique('no-such-registry')}:2"
    code, _text, err = lab.run(capsys, "up", "--image", image, json_out=False)
    assert code == 1
    assert f"the image {image} is not on this engine and cannot be pulled" in err
    assert "docker load -i registry.tar" in err
    assert "`buildtui lab engine` builds it locally" in err
    assert "Traceback" not in err
    assert docker("container", "inspect", lab.container, check=False).returncode != 0
    assert docker("volume", "inspect", lab.volume, check=False).returncode != 0


def test_builder_is_created_not_used_and_removed_by_down(
    lab: Lab, capsys: pytest.CaptureFixture[str]
) -> None:
    before = docker("buildx", "inspect").stdout.splitlines()[0]
    builder = unique("buildtui-test-lab-builder")
    lab.builders.append(builder)
    code, up, _ = lab.run(capsys, "up", "--builder", builder)
    assert ("created", "builder") in kinds(up)
    inspected = docker("buildx", "inspect", builder).stdout
    assert "docker-container" in inspected
    assert 'network="host"' in inspected
    assert docker("buildx", "inspect").stdout.splitlines()[0] == before
    started = docker("image", "inspect", "moby/buildkit:buildx-stable-1", check=False)
    if started.returncode != 0:
        # No network here: the builder cannot start, and that is said plainly.
        assert code == 0
        warning = next(o for o in up["outcomes"] if o["kind"] == "warning")
        assert "cannot start here" in warning["detail"]

    code, again, _ = lab.run(capsys, "up", "--builder", builder)
    assert ("existed", "builder") in kinds(again)

    code, down, _ = lab.run(capsys, "down", "-y")
    assert ("removed", "builder") in kinds(down)
    assert docker("buildx", "inspect", builder, check=False).returncode != 0


def test_a_port_in_use_leaves_nothing_behind(
    lab: Lab, registry: TestRegistry, capsys: pytest.CaptureFixture[str]
) -> None:
    lab.port = registry.port  # served by another registry already
    lab.url = f"http://localhost:{registry.port}"
    code, _text, err = lab.run(capsys, "up", json_out=False)
    assert code == 1
    assert f"port {registry.port} is already in use" in err
    assert f"--registry-container {lab.container} lab up`" in err
    assert "Run 'docker run --help'" not in err
    assert docker("container", "inspect", lab.container, check=False).returncode != 0
    assert docker("volume", "inspect", lab.volume, check=False).returncode != 0
    code, down, _ = lab.run(capsys, "down")
    assert kinds(down) == [("missing", "container")]
