"""BuildersService on the real engine and buildx 0.13.1.

Each test runs with its own DOCKER_CONFIG (so `buildx use` and the builders it creates
never touch the user's or the other sessions' buildx state) and removes every builder
it creates (`builder_names`). The `default` builder is only read, or pruned of one
cache record the test itself made.
"""

from __future__ import annotations

import json
import os
import socket
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from buildtui.buildx import BuildersService
from buildtui.buildx.errors import (
    BootstrapCancelled,
    BootstrapFailed,
    BuilderExists,
    BuilderNotFound,
    BuildKitImagePullFailed,
    ContextBuilderRemoval,
    DriverUnavailable,
    DuplicateEndpoint,
    EngineUnavailable,
    NodeNotFound,
    SecondDockerDriver,
)
from buildtui.buildx.models import CreateOptions, CreateRequest, PruneOptions
from buildtui.buildx.parsing import parse_size
from buildtui.settings import Settings
from tests.integration.lab import docker, unique

LOCAL_IMAGE = "buildtui-lab/busybox:amd64"


@pytest.fixture
def lab_buildx(engine: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private DOCKER_CONFIG (buildx instances, `current`, contexts) for this test."""
    config = tmp_path / "docker-config"
    config.mkdir()
    monkeypatch.setenv("DOCKER_CONFIG", str(config))
    monkeypatch.delenv("BUILDX_BUILDER", raising=False)
    monkeypatch.delenv("BUILDX_CONFIG", raising=False)
    yield config
    docker("buildx", "use", "default", check=False)


@pytest.fixture
def names(lab_buildx: Path, builder_names: list[str]) -> list[str]:
    """`builder_names`, set up after (so torn down before) the private config goes."""
    return builder_names


@pytest.fixture
def service(lab_buildx: Path) -> BuildersService:
    return BuildersService(Settings(), timeout=60)


def create(service: BuildersService, names: list[str], prefix: str, **kwargs: Any) -> str:
    name = unique(prefix)
    names.append(name)
    request = CreateRequest(CreateOptions(name=name, **kwargs))
    assert service.create(service.plan_create(request)) == name
    return name


def buildx_in_use(*global_flags: str) -> str:
    """The builder real buildx resolves when none is named: `buildx inspect`'s Name."""
    first = docker(*global_flags, "buildx", "inspect").stdout.splitlines()[0]
    return first.split(":", 1)[1].strip()


def failed_local_bootstrap(service: BuildersService, names: list[str], prefix: str) -> str:
    """A docker-container builder whose container and state volume exist (stopped).

    Its image is a local one (no registry needed); bootstrap creates the container and
    volume, then fails to start BuildKit in it.
    """
    name = create(service, names, prefix, driver_options=(f"image={LOCAL_IMAGE}",))
    with pytest.raises(BootstrapFailed):
        service.bootstrap(name)
    assert docker("container", "inspect", f"buildx_buildkit_{name}0", check=False).returncode == 0
    assert (
        docker("volume", "inspect", f"buildx_buildkit_{name}0_state", check=False).returncode == 0
    )
    return name


def test_list_shows_default_in_use(service: BuildersService) -> None:
    listing = service.list()
    default = listing.get("default")
    assert default is not None and default.driver == "docker" and default.current
    assert listing.current == "default" == buildx_in_use()
    node = default.nodes[0]
    assert node.status == "running"
    assert "linux/amd64" in node.platform_names
    assert not any(p.set_by_hand for p in node.platforms)


def test_create_lab7_builder_without_use(service: BuildersService, names: list[str]) -> None:
    name = create(service, names, "bt-lab")
    listing = service.list()
    builder = listing.get(name)
    assert builder is not None
    assert builder.driver == "docker-container" and not builder.current
    (node,) = builder.nodes
    assert (node.name, node.status, node.endpoint) == (
        f"{name}0",
        "inactive",
        "unix:///var/run/docker.sock",
    )
    assert listing.current == "default"


def test_create_with_hand_set_platforms_and_host_network_preset(
    service: BuildersService, names: list[str]
) -> None:
    name = unique("bt-net")
    names.append(name)
    options = CreateOptions(name=name, platforms=("linux/amd64", "linux/arm64"))
    service.create(service.plan_create(CreateRequest(options, host_network=True)))
    builder = service.list().get(name)
    assert builder is not None
    node = builder.nodes[0]
    assert node.driver_options == {"network": "host"}
    assert "--allow-insecure-entitlement=network.host" in node.flags
    assert [str(p) for p in node.platforms] == ["linux/amd64*", "linux/arm64*"]


def test_create_with_plain_http_preset(service: BuildersService, names: list[str]) -> None:
    name = unique("bt-http")
    names.append(name)
    request = CreateRequest(CreateOptions(name=name), plain_http_hosts=("myhost:5000",))
    plan = service.plan_create(request)
    service.create(plan)
    assert plan.config_path is not None and plan.config_path.is_file()
    assert str(plan.config_path).startswith(os.environ["XDG_DATA_HOME"])
    builder = service.list().get(name)
    assert builder is not None
    config = tomllib.loads(builder.nodes[0].files["buildkitd.toml"])
    assert config["registry"]["myhost:5000"] == {"http": True}


def test_create_with_both_presets(service: BuildersService, names: list[str]) -> None:
    name = unique("bt-both")
    names.append(name)
    request = CreateRequest(
        CreateOptions(name=name), host_network=True, plain_http_hosts=("10.1.2.3:5000",)
    )
    service.create(service.plan_create(request))
    node = service.inspect(name).nodes[0]
    assert node.get("Driver Options") == 'network="host"'
    builder = service.list().get(name)
    assert builder is not None and "10.1.2.3:5000" in builder.nodes[0].files["buildkitd.toml"]


def test_use_and_buildx_builder_match_what_buildx_resolves(
    service: BuildersService, names: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    name = create(service, names, "bt-use", use=True)
    listing = service.list()
    assert listing.current == name == buildx_in_use()
    assert listing.current_source == "buildx"

    service.use("default")
    assert service.list().current == "default" == buildx_in_use()

    monkeypatch.setenv("BUILDX_BUILDER", name)
    listing = service.list()
    assert listing.current == name == buildx_in_use()
    assert listing.current_source == "BUILDX_BUILDER"
    assert [b.name for b in listing.builders if b.current] == [name]


def test_current_follows_the_docker_context(
    service: BuildersService, names: list[str], lab_buildx: Path
) -> None:
    name = create(service, names, "bt-ctx", use=True)
    context = unique("btctx")
    docker("context", "create", context, "--docker", "host=unix:///var/run/docker.sock")
    in_context = BuildersService(Settings(docker_context=context)).list()
    # In the other context buildx uses that context's own (docker driver) builder.
    assert in_context.current == context == buildx_in_use("--context", context)
    context_builder = in_context.get(context)
    assert context_builder is not None and context_builder.is_context_builder
    assert name in in_context.names
    # buildx keeps a plain `buildx use` for one context only: having looked at another
    # context, it is back to the default context's own builder, and so is the list.
    assert service.list().current == "default" == buildx_in_use()


def test_use_of_a_missing_builder(service: BuildersService) -> None:
    with pytest.raises(BuilderNotFound):
        service.use(unique("bt-nosuch"))


def test_inspect_shows_everything(service: BuildersService, names: list[str]) -> None:
    name = create(
        service,
        names,
        "bt-insp",
        driver_options=("network=host",),
        buildkitd_flags="--debug",
        platforms=("linux/arm64",),
    )
    inspection = service.inspect(name)
    assert (inspection.name, inspection.driver) == (name, "docker-container")
    assert inspection.get("Last Activity")
    (node,) = inspection.nodes
    assert node.name == f"{name}0"
    assert node.get("Endpoint") == "unix:///var/run/docker.sock"
    assert node.get("Driver Options") == 'network="host"'
    assert node.get("Status") == "inactive"
    assert node.get("BuildKit daemon flags") == (
        "--debug --allow-insecure-entitlement=network.host"
    )
    assert node.get("Platforms") == "linux/arm64*"


def test_bootstrap_failure_explains_the_buildkit_image(
    service: BuildersService, names: list[str]
) -> None:
    name = create(service, names, "bt-boot")
    run = service.start_bootstrap(name)
    lines = list(run.lines())
    assert any("pulling image moby/buildkit:buildx-stable-1" in line for line in lines)
    with pytest.raises(BuildKitImagePullFailed) as caught:
        run.wait()
    assert "cannot be pulled" in caught.value.what
    assert "docker load" in caught.value.fix
    assert run.command == f"docker buildx inspect --bootstrap {name}"


def test_create_with_bootstrap_keeps_the_builder_and_explains(
    service: BuildersService, names: list[str]
) -> None:
    name = unique("bt-cboot")
    names.append(name)
    plan = service.plan_create(CreateRequest(CreateOptions(name=name, bootstrap=True)))
    with pytest.raises(BuildKitImagePullFailed):
        service.create(plan)
    assert name in service.list().names


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_bootstrap_is_cancellable(service: BuildersService, names: list[str]) -> None:
    # Nothing listens there: buildx waits 20 s for a connection unless cancelled.
    name = create(
        service, names, "bt-cancel", driver="remote", endpoint=f"tcp://127.0.0.1:{free_port()}"
    )
    run = service.start_bootstrap(name)
    lines = run.lines()
    assert "waiting for connection" in next(lines)
    started = time.monotonic()
    run.cancel()
    with pytest.raises(BootstrapCancelled):
        run.wait()
    assert time.monotonic() - started < 5
    with pytest.raises(ProcessLookupError):
        os.killpg(run.pid, 0)  # docker and its buildx plugin are both gone


def test_stop(service: BuildersService, names: list[str]) -> None:
    name = failed_local_bootstrap(service, names, "bt-stop")
    service.stop(name)
    builder = service.list().get(name)
    assert builder is not None and builder.nodes[0].status == "stopped"
    with pytest.raises(BuilderNotFound):
        service.stop(unique("bt-nosuch"))


def test_rm_removes_builder_container_and_state(service: BuildersService, names: list[str]) -> None:
    name = failed_local_bootstrap(service, names, "bt-rm")
    service.remove(name)
    assert name not in service.list().names
    assert docker("container", "inspect", f"buildx_buildkit_{name}0", check=False).returncode
    assert docker("volume", "inspect", f"buildx_buildkit_{name}0_state", check=False).returncode


def test_rm_keep_state_keeps_the_volume(service: BuildersService, names: list[str]) -> None:
    name = failed_local_bootstrap(service, names, "bt-keep")
    service.remove(name, keep_state=True)
    assert name not in service.list().names
    assert docker("container", "inspect", f"buildx_buildkit_{name}0", check=False).returncode
    volume = docker("volume", "inspect", f"buildx_buildkit_{name}0_state", check=False)
    assert volume.returncode == 0  # the fixture removes it afterwards


def test_rm_of_the_context_builder_is_refused_and_explained(service: BuildersService) -> None:
    with pytest.raises(ContextBuilderRemoval) as caught:
        service.remove("default")
    assert "docker context rm" in caught.value.fix
    assert "default" in service.list().names


def test_second_docker_driver_is_refused_and_explained(
    service: BuildersService, names: list[str]
) -> None:
    name = unique("bt-dock")
    names.append(name)
    with pytest.raises(SecondDockerDriver):
        service.create(
            service.plan_create(CreateRequest(CreateOptions(name=name, driver="docker")))
        )
    assert name not in service.list().names


def test_create_errors_from_buildx(service: BuildersService, names: list[str]) -> None:
    name = create(service, names, "bt-err")
    with pytest.raises(BuilderExists):
        service.create(service.plan_create(CreateRequest(CreateOptions(name=name))))
    kube = unique("bt-kube")
    names.append(kube)
    with pytest.raises(DriverUnavailable):
        service.create(
            service.plan_create(CreateRequest(CreateOptions(name=kube, driver="kubernetes")))
        )


def test_node_append_and_leave(service: BuildersService, names: list[str]) -> None:
    name = create(service, names, "bt-nodes")
    node = f"{name}-n2"
    append = CreateOptions(name=name, node=node, mode="append", endpoint="unix:///run/docker.sock")
    service.create(service.plan_create(CreateRequest(append)))
    builder = service.list().get(name)
    assert builder is not None
    assert [(n.name, n.endpoint) for n in builder.nodes] == [
        (f"{name}0", "unix:///var/run/docker.sock"),
        (node, "unix:///run/docker.sock"),
    ]
    duplicate = CreateOptions(name=name, node=f"{name}-n3", mode="append")
    with pytest.raises(DuplicateEndpoint):
        service.create(service.plan_create(CreateRequest(duplicate)))

    service.create(
        service.plan_create(CreateRequest(CreateOptions(name=name, node=node, mode="leave")))
    )
    builder = service.list().get(name)
    assert builder is not None and [n.name for n in builder.nodes] == [f"{name}0"]
    with pytest.raises(NodeNotFound):
        service.create(
            service.plan_create(CreateRequest(CreateOptions(name=name, node=node, mode="leave")))
        )


def test_du_of_the_default_builder(service: BuildersService) -> None:
    usage = service.disk_usage("default")
    assert usage.records, "the default builder has build cache on the lab engine"
    assert all(len(record.id) == 25 for record in usage.records)
    assert all(record.record_type for record in usage.records)  # only --verbose has types
    total = parse_size(usage.total)
    assert abs(usage.total_bytes - total) <= total * 0.01 + 1000 * len(usage.records)
    assert parse_size(usage.reclaimable) <= total
    if usage.shared is not None:
        assert usage.private is not None


def test_prune_of_the_default_builder_with_preview(
    service: BuildersService, base_image: str, tmp_path: Path
) -> None:
    marker = unique("bt-prune")
    (tmp_path / "Dockerfile").write_text(f"FROM {base_image}\nRUN echo {marker} > /marker\n")
    docker("buildx", "build", "--builder", "default", "--output", "type=cacheonly", str(tmp_path))
    record = next(r for r in service.disk_usage("default").records if marker in r.description)

    # Only the record this test made: its id as the filter.
    options = PruneOptions(all=True, filters=(f"id={record.id}",))
    preview = service.prune_preview("default", options)
    assert [r.id for r in preview.records] == [record.id]

    result = service.prune("default", options)
    assert [r.id for r in result.records] == [record.id]
    assert parse_size(result.total) == record.size_bytes
    assert record.id not in {r.id for r in service.disk_usage("default").records}


def test_engine_that_does_not_answer_is_one_clear_error(lab_buildx: Path, tmp_path: Path) -> None:
    nowhere = f"unix://{tmp_path}/no-docker.sock"
    with pytest.raises(EngineUnavailable) as caught:
        BuildersService(Settings(docker_host=nowhere)).list()
    assert "Cannot connect to the Docker daemon" in caught.value.what
    assert "Start the Docker daemon" in caught.value.fix


def test_cli_list_json_create_and_rm_on_the_engine(
    names: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    from buildtui.cli import main

    name = unique("bt-cli")
    names.append(name)
    assert main(["builders", "create", "--name", name, "--platform", "linux/arm64"]) == 0
    assert capsys.readouterr().out.strip() == f"created {name}"
    assert main(["builders", "list", "--json"]) == 0
    listed = {b["name"]: b for b in json.loads(capsys.readouterr().out)["builders"]}
    assert listed["default"]["current"] is True and listed["default"]["driver"] == "docker"
    node = listed[name]["nodes"][0]
    assert set(node) >= {"name", "endpoint", "status", "buildkit", "platforms"}
    assert (node["name"], node["status"], node["platforms"]) == (
        f"{name}0",
        "inactive",
        ["linux/arm64"],
    )
    assert main(["builders", "rm", "-f", name]) == 0
    assert capsys.readouterr().out.strip() == f"{name} removed"
    assert main(["builders", "rm", "-f", "default"]) == 1
    err = capsys.readouterr().err
    assert "docker context rm default" in err
    assert main(["builders", "list", "--json"]) == 0
    assert name not in {b["name"] for b in json.loads(capsys.readouterr().out)["builders"]}
