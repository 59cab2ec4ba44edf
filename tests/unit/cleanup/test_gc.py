"""Garbage collection through the docker CLI, with a scripted runner instead of docker."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from buildtui.cleanup.container import RegistryContainer
from buildtui.cleanup.docker_output import parse_gc_output, parse_inspect
from buildtui.cleanup.errors import (
    ContainerNotFound,
    EngineUnavailable,
    GcFailed,
    GcRefused,
    NotARegistryContainer,
    RestartFailed,
)
from buildtui.cleanup.gc import address_after
from buildtui.settings import Settings

GC_OUTPUT = """busybox
busybox: marking manifest sha256:aaa
busybox: marking blob sha256:bbb
lab: marking manifest sha256:ccc

21 blobs marked, 4 blobs and 0 manifests eligible for deletion
blob eligible for deletion: sha256:111
blob eligible for deletion: sha256:222
blob eligible for deletion: sha256:333
blob eligible for deletion: sha256:444
"""
GC_LOG = (
    'time="2026-11-27T17:04:49Z" level=info msg="Deleting blob: /docker/registry/v2/blobs/'
    'sha256/11/111" go.version=go1.19.8 service=registry\n'
)


def inspect_data(**changes: Any) -> dict[str, Any]:
    """`docker container inspect registry7` of the lab's registry, as Docker 26 prints it."""
    data: dict[str, Any] = {
        "Id": "6dff359fb5b6",
        "Path": "/bin/registry",
        "Args": ["serve", "/etc/docker/registry/config.yml"],
        "State": {"Running": True},
        "Image": "sha256:d6f744ced659",
        "HostConfig": {"AutoRemove": False},
        "Mounts": [{"Type": "volume", "Name": "abc", "Destination": "/var/lib/registry"}],
        "Config": {
            "Image": "registry:2",
            "Env": ["REGISTRY_STORAGE_DELETE_ENABLED=true", "PATH=/usr/bin:/bin"],
        },
        "NetworkSettings": {"Ports": {"5000/tcp": [{"HostIp": "0.0.0.0", "HostPort": "5000"}]}},
    }
    data.update(changes)
    return data


class Docker:
    """A scripted docker CLI: answers by the first word after `docker`, records every call."""

    def __init__(self, data: dict[str, Any] | None = None) -> None:
        self.data = data or inspect_data()
        self.calls: list[list[str]] = []
        self.answers: dict[str, Callable[[list[str]], tuple[int, str, str]]] = {}
        self.du = iter(["3272\t/var/lib/registry\n", "2840\t/var/lib/registry\n"])

    def __call__(self, argv: Sequence[str], timeout: float) -> subprocess.CompletedProcess[str]:
        args = list(argv)
        self.calls.append(args)
        rest = _without_globals(args)
        word = rest[0]
        if word in self.answers:
            code, out, err = self.answers[word](args)
        elif word == "container":
            code, out, err = 0, json.dumps([self.data]), ""
        elif word == "exec" and rest[2] == "du":
            code, out, err = 0, next(self.du), ""
        elif word == "exec" and args[-1] == "--version":
            code, out, err = 0, "registry github.com/docker/distribution 2.8.2+ds1\n", ""
        elif (word == "exec" and "garbage-collect" in args) or word == "run":
            code, out, err = 0, GC_OUTPUT, GC_LOG
        else:
            code, out, err = 0, "", ""
        return subprocess.CompletedProcess(args, code, out, err)

    def words(self) -> list[str]:
        rests = [_without_globals(c) for c in self.calls]
        return [" ".join(r[:2]) if r[0] == "exec" else r[0] for r in rests]


def _without_globals(argv: list[str]) -> list[str]:
    rest = argv[1:]
    while rest[0] in ("--context", "--host"):
        rest = rest[2:]
    return rest


def container(docker: Docker, **settings: Any) -> RegistryContainer:
    return RegistryContainer(Settings(**settings), run=docker)


def test_parse_gc_output_reads_the_summary_and_each_blob() -> None:
    output = parse_gc_output(GC_OUTPUT + GC_LOG)

    assert output.counts is not None
    assert (output.counts.marked, output.counts.blobs, output.counts.manifests) == (21, 4, 0)
    assert output.blobs == ("sha256:111", "sha256:222", "sha256:333", "sha256:444")
    assert output.summary == "21 blobs marked, 4 blobs and 0 manifests eligible for deletion"
    assert parse_gc_output("panic: boom").counts is None


def test_parse_inspect_of_the_lab_registry() -> None:
    info = parse_inspect(inspect_data(), "registry7")

    assert info.binary == "/bin/registry"
    assert info.config_path == "/etc/docker/registry/config.yml"
    assert info.storage_root == "/var/lib/registry"
    assert info.storage_mounted
    assert info.delete_enabled
    assert info.host_ports == (5000,)
    assert info.ports == ("0.0.0.0:5000->5000/tcp",)
    assert info.storage_env == (("REGISTRY_STORAGE_DELETE_ENABLED", "true"),)


def test_parse_inspect_of_the_official_image_uses_its_entrypoint_script() -> None:
    data = inspect_data(Path="/entrypoint.sh", Args=["/etc/docker/registry/config.yml"])
    info = parse_inspect(data, "registry7")

    assert info.binary == "registry"
    assert info.config_path == "/etc/docker/registry/config.yml"


def test_parse_inspect_refuses_another_container() -> None:
    data = inspect_data(Path="nginx", Args=["-g", "daemon off;"])
    data["Config"]["Image"] = "nginx:latest"

    with pytest.raises(NotARegistryContainer, match="not a registry:2 registry"):
        parse_inspect(data, "web")


def test_collect_stops_runs_a_one_off_collector_and_starts_the_registry_again() -> None:
    docker = Docker()
    steps: list[str] = []
    result = container(docker).collect(on_step=steps.append)

    assert docker.words() == [
        "container",
        "exec registry7",  # registry --version
        "exec registry7",  # du before
        "stop",
        "run",
        "start",
        "container",
        "exec registry7",  # du after
    ]
    run = next(c for c in docker.calls if c[1] == "run")
    assert run == [
        "docker", "run", "--rm", "--label", "dev.buildtui.collector-for=registry7",
        "--volumes-from", "registry7", "--entrypoint", "/bin/registry",
        "-e", "REGISTRY_STORAGE_DELETE_ENABLED=true", "sha256:d6f744ced659",
        "garbage-collect", "/etc/docker/registry/config.yml",
    ]  # fmt: skip
    assert "-m" not in run and "--delete-untagged" not in run
    assert (result.kb_before, result.kb_after, result.freed_kb) == (3272, 2840, 432)
    assert result.output.counts is not None and result.output.counts.blobs == 4
    assert steps == [
        "measuring /var/lib/registry",
        "stopping registry7",
        "collecting garbage",
        "starting registry7 again",
    ]
    assert result.commands[2] == " ".join(run)
    assert result.warnings == ()


def test_the_registry_is_started_again_when_the_collector_fails() -> None:
    docker = Docker()
    docker.answers["run"] = lambda args: (1, "", "failed to walk storage: permission denied")

    with pytest.raises(GcFailed, match="permission denied") as caught:
        container(docker).collect()

    assert docker.words()[-1] == "start"
    assert "the registry was started again" in str(caught.value)


def test_a_registry_that_does_not_start_again_says_how_to_start_it() -> None:
    docker = Docker()
    docker.answers["start"] = lambda args: (1, "", "port is already allocated")

    with pytest.raises(RestartFailed, match="docker start registry7"):
        container(docker).collect()


def test_minus_m_is_refused_on_distribution_2_8_before_anything_changes() -> None:
    docker = Docker()

    with pytest.raises(GcRefused, match="platform manifests of tagged multi-arch") as caught:
        container(docker).collect(delete_untagged=True)

    assert "distribution#3178" in str(caught.value)
    assert "this registry is distribution 2.8.2 (registry --version in registry7)" in str(
        caught.value
    )
    # Only read: the container inspected and its binary asked its version.
    assert docker.words() == ["container", "exec registry7"]
    assert docker.calls[-1][-1] == "--version"


def test_minus_m_is_refused_when_the_version_cannot_be_read() -> None:
    docker = Docker()
    docker.answers["exec"] = lambda args: (0, "registry (devel)\n", "")

    with pytest.raises(GcRefused, match="version is not known"):
        container(docker).collect(delete_untagged=True)
    assert "exec registry7" in docker.words()  # the version was asked
    assert "stop" not in docker.words()


def test_minus_m_runs_on_distribution_3_with_the_collector_flag() -> None:
    docker = Docker()
    version = "registry github.com/distribution/distribution/v3 v3.0.0\n"
    du = docker.du

    def exec_answer(args: list[str]) -> tuple[int, str, str]:
        if args[-1] == "--version":
            return 0, version, ""
        return 0, next(du), ""

    docker.answers["exec"] = exec_answer
    result = container(docker).collect(delete_untagged=True)

    (collector,) = [c for c in docker.calls if "garbage-collect" in c]
    assert collector[-2:] == ["--delete-untagged", "/etc/docker/registry/config.yml"]
    assert any("--delete-untagged" in command for command in result.commands)
    assert docker.words() == ["container", "exec registry7", "exec registry7", "stop", "run",
                              "start", "container", "exec registry7"]  # fmt: skip


def test_the_collection_without_minus_m_never_passes_the_flag() -> None:
    docker = Docker()
    docker.answers["exec"] = lambda args: (
        (0, "registry github.com/distribution/distribution/v3 v3.0.0\n", "")
        if args[-1] == "--version"
        else (0, "3272\t/var/lib/registry\n", "")
    )
    container(docker).collect()

    assert any("garbage-collect" in call for call in docker.calls)  # it collected
    assert not any("--delete-untagged" in call for call in docker.calls)


def test_a_container_started_with_rm_is_never_stopped() -> None:
    docker = Docker(inspect_data(HostConfig={"AutoRemove": True}))

    with pytest.raises(GcRefused, match="started with --rm"):
        container(docker).collect()

    assert "container" in docker.words()  # refused from what the inspection said
    assert "stop" not in docker.words()


def test_storage_outside_any_volume_is_refused() -> None:
    docker = Docker(inspect_data(Mounts=[]))

    with pytest.raises(GcRefused, match="own writable layer"):
        container(docker).collect()
    assert "container" in docker.words()  # refused from what the inspection said
    assert "stop" not in docker.words()


def test_a_stopped_registry_is_collected_in_one_off_containers_and_left_stopped() -> None:
    data = inspect_data(State={"Running": False})
    docker = Docker(data)
    docker.answers["run"] = lambda args: (
        (0, "3000\t/var/lib/registry\n", "")
        if "du" in args
        else (0, "registry 2.8.2\n", "")
        if "--version" in args
        else (0, GC_OUTPUT, "")
    )
    result = container(docker).collect()

    assert any(c[1] == "run" for c in docker.calls)
    assert "stop" not in docker.words() and "start" not in docker.words()
    assert all(c[1] in ("container", "run") for c in docker.calls)
    assert result.output.counts is not None


def test_dry_run_execs_in_the_running_registry() -> None:
    docker = Docker()
    preview = container(docker).preview()

    assert "stop" not in docker.words()
    gc = next(c for c in docker.calls if "garbage-collect" in c)
    assert gc == [
        "docker", "exec", "registry7", "/bin/registry", "garbage-collect", "--dry-run",
        "/etc/docker/registry/config.yml",
    ]  # fmt: skip
    assert preview.kb == 3272
    assert preview.output.counts is not None and preview.output.counts.blobs == 4
    assert preview.commands[1] == "docker stop -t 10 registry7"


def test_a_missing_container_says_how_to_start_the_lab_registry() -> None:
    docker = Docker()
    docker.answers["container"] = lambda args: (1, "", "Error: No such container: registry7")

    with pytest.raises(ContainerNotFound) as caught:
        container(docker).inspect()
    assert "`docker run -d --name registry7 -p 127.0.0.1:5000:5000 " in str(caught.value)


def test_the_engine_down_is_engine_unavailable() -> None:
    docker = Docker()
    docker.answers["container"] = lambda args: (
        1,
        "",
        "Cannot connect to the Docker daemon at unix:///var/run/docker.sock.",
    )

    with pytest.raises(EngineUnavailable, match="does not answer"):
        container(docker).inspect()


def test_the_settings_context_is_used_for_every_command() -> None:
    docker = Docker()
    container(docker, docker_context="lab").preview()

    assert any("garbage-collect" in c for c in docker.calls)
    assert all(c[:3] == ["docker", "--context", "lab"] for c in docker.calls)


def test_revisions_are_read_from_the_storage_tree() -> None:
    docker = Docker()
    root = "/var/lib/registry/docker/registry/v2/repositories/"
    docker.answers["exec"] = lambda args: (
        0,
        f"{root}lab/_manifests/revisions/sha256/aaa/link\n"
        f"{root}lab/_manifests/revisions/sha256/bbb/link\n"
        f"{root}team/app/_manifests/revisions/sha256/ccc/link\n",
        "",
    )

    assert container(docker).revisions() == {
        "lab": {"sha256:aaa", "sha256:bbb"},
        "team/app": {"sha256:ccc"},
    }


def test_a_host_port_that_changed_gives_the_new_address() -> None:
    ephemeral = inspect_data(HostConfig={"PortBindings": {"5000/tcp": [{"HostPort": ""}]}})
    before = parse_inspect(ephemeral, "registry7")
    moved = inspect_data()
    moved["NetworkSettings"]["Ports"]["5000/tcp"][0]["HostPort"] = "32782"
    after = parse_inspect(moved, "registry7")

    assert before.ephemeral and before.bound_ports == ()
    assert address_after("http://localhost:5000", before, after) == "http://localhost:32782"
    assert address_after("http://localhost:5000", before, before) is None


def test_a_fixed_port_beside_an_ephemeral_one_keeps_the_address() -> None:
    data = inspect_data(
        HostConfig={"PortBindings": {"5000/tcp": [{"HostPort": ""}, {"HostPort": "5000"}]}}
    )
    data["NetworkSettings"]["Ports"]["5000/tcp"].append({"HostIp": "", "HostPort": "32001"})
    before = parse_inspect(data, "registry7")
    data["NetworkSettings"]["Ports"]["5000/tcp"][1]["HostPort"] = "32002"
    after = parse_inspect(data, "registry7")

    assert before.bound_ports == (5000,) and before.ephemeral
    assert address_after("http://localhost:5000", before, after) is None
    assert address_after("http://localhost:32001", before, after) == "http://localhost:32002"


def test_a_registry_that_never_stored_anything_has_nothing_to_collect() -> None:
    docker = Docker()
    docker.answers["exec"] = lambda args: (
        (0, "4\t/var/lib/registry\n", "")
        if "du" in args
        else (0, "registry 2.8.2\n", "")
        if "--version" in args
        else (1, "", "failed to garbage collect: failed to mark: filesystem: Path not found: "
              "/docker/registry/v2/repositories")
    )  # fmt: skip

    preview = container(docker).preview()

    assert preview.output.counts is not None and preview.output.counts.blobs == 0
