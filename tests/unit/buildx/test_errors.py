"""buildx's stderr, as seen on the lab engine, mapped to errors that say what to do."""

from __future__ import annotations

from pathlib import Path

import pytest

from buildtui.buildx.errors import (
    BootstrapFailed,
    BuilderExists,
    BuilderNotFound,
    BuildKitImagePullFailed,
    BuildxCommandFailed,
    BuildxError,
    BuildxMissing,
    ContextBuilderRemoval,
    DriverUnavailable,
    DuplicateEndpoint,
    EngineUnavailable,
    InvalidName,
    NodeNotFound,
    SecondDockerDriver,
    error_from_stderr,
    last_error_line,
)

DATA = Path(__file__).parent / "data"

CASES: list[tuple[str, str, type[BuildxError]]] = [
    (
        "failed to remove default: context builder cannot be removed, run `docker context rm "
        "default` to remove this context\nERROR: failed to remove one or more builders\n",
        "remove",
        ContextBuilderRemoval,
    ),
    (
        'ERROR: additional instances of driver "docker" cannot be created\n',
        "create",
        SecondDockerDriver,
    ),
    (
        "ERROR: invalid name bad name, name needs to start with a letter and may not contain "
        "symbols, except ._-\n",
        "create",
        InvalidName,
    ),
    (
        "ERROR: default is a reserved name and cannot be used to identify builder instance\n",
        "create",
        InvalidName,
    ),
    (
        'ERROR: existing instance for "lab" but no append mode, specify the node name to make '
        "changes for existing instances\n",
        "create",
        BuilderExists,
    ),
    (
        "ERROR: invalid duplicate endpoint unix:///var/run/docker.sock\n",
        "create",
        DuplicateEndpoint,
    ),
    ('ERROR: node "extra1" not found for lab\n', "create", NodeNotFound),
    (
        'failed to remove nosuch: no builder "nosuch" found\nERROR: failed to remove one or more '
        "builders\n",
        "remove",
        BuilderNotFound,
    ),
    (
        'ERROR: failed to find instance "nosuch": open /root/.docker/buildx/instances/nosuch: '
        "no such file or directory\n",
        "use",
        BuilderNotFound,
    ),
    ('ERROR: no builder "nosuch" found\n', "stop", BuilderNotFound),
    (
        "ERROR: failed to initialize builder k (k0): cannot determine Kubernetes namespace, "
        "specify manually: invalid configuration: no configuration has been provided, try "
        "setting KUBERNETES_MASTER environment variable\n",
        "create",
        DriverUnavailable,
    ),
    (
        "ERROR: Cannot connect to the Docker daemon at unix:///tmp/nope.sock. Is the docker "
        "daemon running?\n",
        "du",
        EngineUnavailable,
    ),
    ("docker: 'buildx' is not a docker command.\nSee 'docker --help'\n", "list", BuildxMissing),
    ("ERROR: something new\n", "du", BuildxCommandFailed),
]


@pytest.mark.parametrize(("stderr", "action", "kind"), CASES)
def test_known_messages(stderr: str, action: str, kind: type[BuildxError]) -> None:
    error = error_from_stderr(stderr, action=action, builder="lab")
    assert type(error) is kind
    assert error.what and error.fix
    assert error.message.startswith(error.what)


def test_context_builder_removal_names_docker_context_rm() -> None:
    error = error_from_stderr(CASES[0][0], action="remove")
    assert isinstance(error, ContextBuilderRemoval)
    assert error.name == "default"
    assert "`docker context rm default`" in error.fix


def test_second_docker_driver_explains_why() -> None:
    error = error_from_stderr(CASES[1][0], action="create")
    assert "each Docker context already has exactly one" in error.what
    assert "--driver docker-container" in error.fix


def test_pull_failure_of_the_buildkit_image_is_explained() -> None:
    stderr = (DATA / "bootstrap_pull_failed.txt").read_text()
    error = error_from_stderr(stderr, action="bootstrap", builder="labx")
    assert isinstance(error, BuildKitImagePullFailed)
    assert error.image == "moby/buildkit:buildx-stable-1"
    assert "cannot be pulled" in error.what and "no access" in error.what
    assert "default" in error.fix and "docker load" in error.fix and "image=" in error.fix
    assert "no such host" in error.detail


def test_create_with_bootstrap_failing_is_a_bootstrap_error() -> None:
    stderr = (DATA / "bootstrap_pull_failed.txt").read_text()
    assert isinstance(
        error_from_stderr(stderr, action="create", builder="b"), BuildKitImagePullFailed
    )


def test_missing_docker_init_is_a_bootstrap_error_not_a_pull_failure() -> None:
    stderr = (DATA / "bootstrap_no_init.txt").read_text()
    error = error_from_stderr(stderr, action="bootstrap", builder="stopped1")
    assert type(error) is BootstrapFailed
    assert "docker-init" in error.what


def test_unreachable_remote_bootstrap() -> None:
    stderr = "#1 [internal] waiting for connection\n#1 ERROR: context deadline exceeded\n"
    error = error_from_stderr(stderr, action="bootstrap", builder="r")
    assert type(error) is BootstrapFailed
    assert "no BuildKit daemon is listening" in error.what


def test_last_error_line() -> None:
    assert last_error_line("#1 x\nERROR: first\nnoise\n") == "first"
    assert last_error_line("just this\n\n") == "just this"
    assert last_error_line("") == ""
