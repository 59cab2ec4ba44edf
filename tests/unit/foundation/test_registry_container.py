"""`docker inspect` of the registry container -> the exact commands the hints propose."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import pytest

from buildtui.engine.registry_container import (
    ContainerState,
    deletion_disabled_advice,
    parse_registry_run,
    registry_down_advice,
    run_command,
)

IMAGE_ID = "sha256:" + "a" * 64
ANONYMOUS = "f" * 64
COPY_TO = Path("/home/student/.local/share/buildtui/registry-storage/lab-reg")


def image(**config: Any) -> dict[str, Any]:
    """`docker image inspect` of the lab's registry:2 (the Debian-built one)."""
    return {
        "Id": IMAGE_ID,
        "RepoTags": ["registry:2"],
        "Config": {
            "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
            "Entrypoint": ["/bin/registry"],
            "Cmd": ["serve", "/etc/docker/registry/config.yml"],
            **config,
        },
    }


def container(
    *,
    name: str = "lab-reg",
    env: tuple[str, ...] = (),
    ports: dict[str, Any] | None = None,
    mounts: tuple[dict[str, Any], ...] = (),
    running: bool = True,
    auto_remove: bool = False,
    image_name: str = "registry:2",
    cmd: tuple[str, ...] = ("serve", "/etc/docker/registry/config.yml"),
    restart: str = "no",
) -> dict[str, Any]:
    """`docker container inspect` of a registry container, as Docker 26 prints it."""
    ports = (
        ports if ports is not None else {"5000/tcp": [{"HostIp": "127.0.0.1", "HostPort": "5001"}]}
    )
    return {
        "Name": f"/{name}",
        "Image": IMAGE_ID,
        "Path": "/bin/registry",
        "Args": list(cmd),
        "State": {"Running": running},
        "Config": {
            "Image": image_name,
            "Env": [*env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
            "Entrypoint": ["/bin/registry"],
            "Cmd": list(cmd),
        },
        "HostConfig": {
            "AutoRemove": auto_remove,
            "NetworkMode": "bridge",
            "RestartPolicy": {"Name": restart, "MaximumRetryCount": 0},
            "PortBindings": {"5000/tcp": [{"HostIp": "127.0.0.1", "HostPort": "5001"}]},
        },
        "NetworkSettings": {"Ports": ports if running else {}},
        "Mounts": list(mounts),
    }


def volume(name: str, destination: str = "/var/lib/registry") -> dict[str, Any]:
    return {"Type": "volume", "Name": name, "Source": f"/var/lib/docker/volumes/{name}/_data",
            "Destination": destination, "RW": True}  # fmt: skip


def state(data: dict[str, Any], image_data: dict[str, Any] | None = None) -> ContainerState:
    name = str(data["Name"]).lstrip("/")
    return ContainerState(name, parse_registry_run(data, image_data or image(), name))


def fix(data: dict[str, Any], url: str = "http://localhost:5001", **kw: Any) -> str:
    advice = deletion_disabled_advice(state(data), url, COPY_TO, **kw)
    assert advice.command is not None, advice.text
    return advice.command


def test_recreate_keeps_the_volume_address_port_and_own_settings() -> None:
    data = container(
        env=("REGISTRY_STORAGE_DELETE_ENABLED=false", "REGISTRY_HTTP_SECRET=s3cret"),
        mounts=(
            volume("labdata"),
            {
                "Type": "bind",
                "Source": "/srv/reg/config.yml",
                "RW": False,
                "Destination": "/etc/docker/registry/config.yml",
            },
        ),
        restart="unless-stopped",
    )
    assert fix(data) == (
        "docker rm -f lab-reg && docker run -d --name lab-reg --restart unless-stopped "
        "-p 127.0.0.1:5001:5000 -v labdata:/var/lib/registry "
        "-v /srv/reg/config.yml:/etc/docker/registry/config.yml:ro "
        "-e REGISTRY_HTTP_SECRET=s3cret -e REGISTRY_STORAGE_DELETE_ENABLED=true registry:2"
    )


def test_no_placeholder_nor_the_default_names_in_any_command() -> None:
    data = container(mounts=(volume(ANONYMOUS),))
    command = fix(data)
    assert "<" not in command and ">" not in command
    assert "registry7" not in command and "5000:5000" not in command
    assert f"-v {ANONYMOUS}:/var/lib/registry" in command
    assert shlex.split(command).count("&&") == 1


def test_all_addresses_publish_once_and_keep_their_port() -> None:
    ports = {"5000/tcp": [{"HostIp": "0.0.0.0", "HostPort": "5002"},
                          {"HostIp": "::", "HostPort": "5002"}]}  # fmt: skip
    command = fix(container(ports=ports, mounts=(volume("v"),)), "http://localhost:5002")
    assert " -p 5002:5000 " in command
    assert command.count(" -p ") == 1


def test_an_ephemeral_port_is_pinned_to_the_one_it_has_now() -> None:
    ports = {"5000/tcp": [{"HostIp": "127.0.0.1", "HostPort": "32771"}]}
    command = fix(container(ports=ports, mounts=(volume("v"),)), "http://127.0.0.1:32771")
    assert "-p 127.0.0.1:32771:5000" in command


def test_docker_context_flags_reach_every_docker_call() -> None:
    command = fix(container(mounts=(volume("v"),)), docker=["docker", "--context", "lab"])
    assert command.count("docker --context lab ") == 2


def test_storage_in_the_container_layer_is_copied_out_first() -> None:
    data = container(env=("REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY=/data",))
    advice = deletion_disabled_advice(state(data), "http://localhost:5001", COPY_TO)
    assert "would lose them all" in advice.text and "own layer" in advice.text
    assert advice.command == (
        f"mkdir -p {COPY_TO} && docker cp lab-reg:/data/. {COPY_TO} && docker rm -f lab-reg && "
        "docker run -d --name lab-reg -p 127.0.0.1:5001:5000 "
        f"-v {COPY_TO}:/data -e REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY=/data "
        "-e REGISTRY_STORAGE_DELETE_ENABLED=true registry:2"
    )


def test_an_anonymous_volume_of_a_rm_container_is_copied_out_too() -> None:
    data = container(auto_remove=True, mounts=(volume(ANONYMOUS),))
    advice = deletion_disabled_advice(state(data), "http://localhost:5001", COPY_TO)
    assert "--rm" in advice.text
    assert advice.command is not None
    assert f"-v {COPY_TO}:/var/lib/registry" in advice.command
    assert ANONYMOUS not in advice.command


def test_a_named_volume_of_a_rm_container_is_kept() -> None:
    command = fix(container(auto_remove=True, mounts=(volume("kept"),)))
    assert "-v kept:/var/lib/registry" in command and "docker cp" not in command


def test_a_moved_image_tag_recreates_from_the_image_id() -> None:
    moved = image() | {"RepoTags": ["registry:old"]}
    run = parse_registry_run(container(mounts=(volume("v"),)), moved, "lab-reg")
    assert run.image == IMAGE_ID


def test_a_changed_command_is_kept_the_image_default_is_not() -> None:
    custom = container(cmd=("serve", "/etc/custom.yml"), mounts=(volume("v"),))
    assert fix(custom).endswith("registry:2 serve /etc/custom.yml")
    assert fix(container(mounts=(volume("v"),))).endswith("=true registry:2")


def test_deletion_fix_refuses_a_container_on_another_port() -> None:
    advice = deletion_disabled_advice(
        state(container(mounts=(volume("v"),))), "http://localhost:5000", COPY_TO
    )
    assert advice.command is None
    assert "127.0.0.1:5001->5000/tcp" in advice.text and "port 5000" in advice.text


def test_deletion_fix_without_a_container_names_no_command() -> None:
    advice = deletion_disabled_advice(
        ContainerState("lab-reg", None), "http://localhost:5001", COPY_TO
    )
    assert advice.command is None and "no registry:2 container lab-reg" in advice.text


@pytest.mark.parametrize(
    ("url", "publish"),
    [("http://localhost:5003", "127.0.0.1:5003:5000"), ("http://localhost", "127.0.0.1:80:5000"),
     ("http://127.0.0.1:6000", "127.0.0.1:6000:5000")],
)  # fmt: skip
def test_a_missing_container_gets_docker_run_with_its_name_and_port(url: str, publish: str) -> None:
    advice = registry_down_advice(ContainerState("lab-reg", None), url)
    assert advice.command == run_command("lab-reg", url)
    assert advice.command == (
        f"docker run -d --name lab-reg -p {publish} -v lab-reg-data:/var/lib/registry "
        "-e REGISTRY_STORAGE_DELETE_ENABLED=true registry:2"
    )
    assert "its images in volume lab-reg-data" in advice.text


def test_a_stopped_container_gets_docker_start() -> None:
    advice = registry_down_advice(state(container(running=False)), "http://localhost:5001")
    assert advice.command == "docker start lab-reg"
    assert "stopped" in advice.text


def test_a_stopped_container_on_another_port_is_said_so() -> None:
    advice = registry_down_advice(state(container(running=False)), "http://localhost:5000")
    assert advice.command is None
    assert "stopped" in advice.text and "not port 5000" in advice.text


def test_a_running_container_on_another_port_is_said_so() -> None:
    advice = registry_down_advice(state(container()), "http://localhost:5000")
    assert advice.command is None and "runs but publishes 127.0.0.1:5001->5000/tcp" in advice.text


def test_a_container_that_is_not_a_registry_gets_no_command() -> None:
    data = container() | {"Path": "nginx", "Args": ["-g", "daemon off;"]}
    data["Config"] = data["Config"] | {"Image": "nginx:latest"}
    advice = registry_down_advice(state(data), "http://localhost:5001")
    assert advice.command is None and "not a registry:2 container" in advice.text


def test_an_engine_that_does_not_answer_gets_no_command() -> None:
    advice = registry_down_advice(
        ContainerState("lab-reg", None, "Cannot connect to the Docker daemon"),
        "http://localhost:5001",
    )
    assert advice.command is None and "Cannot connect" in advice.text


def test_a_remote_registry_gets_no_container_command() -> None:
    advice = registry_down_advice(ContainerState("lab-reg", None), "https://registry.example.com")
    assert advice.command is None and "not on this machine" in advice.text


def test_a_stopped_container_on_an_ephemeral_port_is_warned_it_may_move() -> None:
    data = container(running=False)
    data["HostConfig"]["PortBindings"] = {"5000/tcp": [{"HostIp": "127.0.0.1", "HostPort": ""}]}
    advice = registry_down_advice(state(data), "http://localhost:5001")
    assert advice.command == "docker start lab-reg"
    assert "ephemeral" in advice.text and "docker port lab-reg" in advice.text


def test_a_port_published_on_all_addresses_is_exposed_loopback_is_not() -> None:
    everywhere = {
        "5000/tcp": [
            {"HostIp": "0.0.0.0", "HostPort": "5001"},
            {"HostIp": "::", "HostPort": "5001"},
        ]
    }
    run = parse_registry_run(container(ports=everywhere), image(), "lab-reg")
    assert [str(p) for p in run.exposed(5001)] == ["0.0.0.0:5001->5000/tcp"]
    assert run.exposed(5002) == ()
    local = parse_registry_run(container(), image(), "lab-reg")
    assert local.exposed(5001) == ()


def test_doctor_warns_of_an_exposed_registry_with_a_pasteable_fix() -> None:
    from buildtui.doctor import _exposure_check
    from buildtui.settings import Settings

    everywhere = {"5000/tcp": [{"HostIp": "0.0.0.0", "HostPort": "5001"}]}
    state = ContainerState(
        "lab-reg", parse_registry_run(container(ports=everywhere), image(), "lab-reg")
    )
    settings = Settings(registry_url="http://localhost:5001", registry_container="lab-reg")
    check = _exposure_check(settings, state)
    assert check is not None and check.level == "warn"
    assert "on all addresses" in check.detail and "no authentication" in check.detail
    assert check.fix.endswith(
        "`buildtui --registry http://localhost:5001 --registry-container lab-reg lab up --recreate`"
    )
    assert _exposure_check(settings, state_with(container())) is None


def state_with(data: dict[str, Any]) -> ContainerState:
    return ContainerState("lab-reg", parse_registry_run(data, image(), "lab-reg"))
