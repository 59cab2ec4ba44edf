"""Validation as buildx does it, presets, and the exact command each action runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from buildtui.buildx.commands import (
    create_args,
    du_args,
    plain_http_config,
    plain_http_config_path,
    plan_create,
    prune_args,
    remove_args,
    render_create_command,
    split_list,
    validate_create,
    validate_name,
    validate_prune,
)
from buildtui.buildx.errors import InvalidName, InvalidOptions
from buildtui.buildx.models import CreateOptions, CreateRequest, PruneOptions

DOCKER = ["docker"]


@pytest.mark.parametrize("name", ["lab", "Lab7", "a", "x.y_z-1"])
def test_valid_names_are_lowered_as_buildx_stores_them(name: str) -> None:
    assert validate_name(name) == name.lower()


@pytest.mark.parametrize("name", ["", "bad name", "-x", "7up", "a/b", "ünï", "default", "DEFAULT"])
def test_invalid_names(name: str) -> None:
    with pytest.raises(InvalidName) as caught:
        validate_name(name)
    assert "starts with a letter" in caught.value.message


def test_default_is_a_valid_node_name() -> None:
    assert validate_name("default", what="node") == "default"


def test_lab7_create_command() -> None:
    options = CreateOptions(name="mybuilder", use=True, bootstrap=True)
    assert render_create_command(DOCKER, validate_create(options)) == (
        "docker buildx create --name mybuilder --driver docker-container --use --bootstrap"
    )


def test_every_create_option_in_order() -> None:
    options = CreateOptions(
        name="b",
        driver="docker-container",
        endpoint="unix:///run/docker.sock",
        driver_options=("network=host", "image=moby/buildkit:v0.13.2"),
        buildkitd_flags="--debug --allow-insecure-entitlement security.insecure",
        platforms=("linux/amd64", "linux/arm64"),
        node="b-arm",
        mode="append",
    )
    assert create_args(options) == [
        "buildx", "create", "--name", "b", "--node", "b-arm", "--append",
        "--driver", "docker-container",
        "--driver-opt", "network=host", "--driver-opt", "image=moby/buildkit:v0.13.2",
        "--buildkitd-flags", "--debug --allow-insecure-entitlement security.insecure",
        "--platform", "linux/amd64,linux/arm64",
        "unix:///run/docker.sock",
    ]  # fmt: skip
    rendered = render_create_command(["docker", "--context", "lab"], options)
    assert rendered.startswith("docker --context lab buildx create --name b")
    assert "--buildkitd-flags '--debug --allow-insecure-entitlement security.insecure'" in rendered


def test_leave_takes_only_name_and_node() -> None:
    options = validate_create(CreateOptions(name="B", node="B1", mode="leave", use=True))
    assert create_args(options) == ["buildx", "create", "--name", "b", "--node", "b1", "--leave"]


@pytest.mark.parametrize(
    ("options", "words"),
    [
        (CreateOptions(mode="append"), "--append needs the name"),
        (CreateOptions(name="b", mode="leave"), "--leave needs the node"),
        (CreateOptions(name="b", driver="remote"), "needs the BuildKit endpoint"),
        (CreateOptions(name="b", driver="podman"), "Unknown driver"),
        (CreateOptions(name="b", driver_options=("network",)), "not key=value"),
        (CreateOptions(name="b", platforms=("amd64",)), "not a platform"),
        (CreateOptions(name="b", buildkitd_config="/nonexistent.toml"), "does not exist"),
    ],
)
def test_options_buildx_would_refuse(options: CreateOptions, words: str) -> None:
    with pytest.raises(InvalidOptions) as caught:
        validate_create(options)
    assert words in caught.value.what
    assert caught.value.fix


def test_docker_driver_is_left_to_buildx_to_refuse() -> None:
    assert validate_create(CreateOptions(name="b", driver="docker")).driver == "docker"


def test_no_name_lets_buildx_pick_one() -> None:
    assert create_args(validate_create(CreateOptions())) == [
        "buildx", "create", "--driver", "docker-container",
    ]  # fmt: skip


def test_host_network_preset(tmp_path: Path) -> None:
    plan = plan_create(CreateRequest(CreateOptions(name="b"), host_network=True), data_dir=tmp_path)
    assert plan.options.driver_options == ("network=host",)
    assert plan.args[-2:] == ("--driver-opt", "network=host")
    assert plan.config_path is None


def test_host_network_preset_is_not_doubled(tmp_path: Path) -> None:
    request = CreateRequest(
        CreateOptions(name="b", driver_options=("network=host",)), host_network=True
    )
    assert plan_create(request, data_dir=tmp_path).options.driver_options == ("network=host",)


def test_plain_http_preset_plans_a_config_file(tmp_path: Path) -> None:
    request = CreateRequest(
        CreateOptions(name="b"), plain_http_hosts=("myhost:5000", "10.0.0.2:5000")
    )
    plan = plan_create(request, data_dir=tmp_path)
    assert plan.config_path == plain_http_config_path(tmp_path, ["10.0.0.2:5000", "myhost:5000"])
    assert plan.config_path.parent == tmp_path / "buildkitd"
    assert not plan.config_path.exists()  # planning writes nothing
    assert plan.config_text == (
        '[registry."myhost:5000"]\n  http = true\n\n[registry."10.0.0.2:5000"]\n  http = true\n'
    )
    assert ("--buildkitd-config", str(plan.config_path)) == plan.args[6:8]


def test_plain_http_config_is_valid_toml() -> None:
    import tomllib

    parsed = tomllib.loads(plain_http_config(["myhost:5000", "[::1]:5000"]))
    assert parsed == {"registry": {"myhost:5000": {"http": True}, "[::1]:5000": {"http": True}}}


@pytest.mark.parametrize("host", ["http://myhost:5000", "myhost:5000/path", "my host"])
def test_plain_http_preset_wants_host_port(tmp_path: Path, host: str) -> None:
    with pytest.raises(InvalidOptions):
        plan_create(CreateRequest(CreateOptions(), plain_http_hosts=(host,)), data_dir=tmp_path)


def test_presets_need_a_driver_that_starts_buildkit(tmp_path: Path) -> None:
    remote = CreateOptions(name="r", driver="remote", endpoint="tcp://h:1234")
    with pytest.raises(InvalidOptions, match="remote driver"):
        plan_create(CreateRequest(remote, plain_http_hosts=("h:5000",)), data_dir=tmp_path)
    kube = CreateOptions(name="k", driver="kubernetes")
    with pytest.raises(InvalidOptions, match="no network=host"):
        plan_create(CreateRequest(kube, host_network=True), data_dir=tmp_path)
    assert plan_create(CreateRequest(kube, plain_http_hosts=("h:5000",)), data_dir=tmp_path)


def test_remove_args() -> None:
    assert remove_args("b") == ["buildx", "rm", "b"]
    assert remove_args("b", keep_state=True, keep_daemon=True) == [
        "buildx", "rm", "--keep-state", "--keep-daemon", "b",
    ]  # fmt: skip


def test_du_and_prune_args() -> None:
    assert du_args("default") == ["buildx", "du", "--builder", "default", "--verbose"]
    options = PruneOptions(all=True, filters=("until=24h",), keep_storage="1GB")
    assert prune_args("b", options) == [
        "buildx", "prune", "--force", "--verbose", "--builder", "b", "--all",
        "--filter", "until=24h", "--keep-storage", "1GB",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "options",
    [
        PruneOptions(filters=("until",)),
        PruneOptions(filters=("until=tomorrow",)),
        PruneOptions(filters=("type=regular", "type=internal")),
        PruneOptions(keep_storage="lots"),
    ],
)
def test_prune_options_buildx_would_refuse(options: PruneOptions) -> None:
    with pytest.raises(InvalidOptions):
        validate_prune(options)


def test_split_list() -> None:
    assert split_list(" linux/amd64, linux/arm64\nlinux/arm/v7 ") == (
        "linux/amd64",
        "linux/arm64",
        "linux/arm/v7",
    )
