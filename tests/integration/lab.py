"""Helpers for tests against the real lab engine: the docker CLI, registries, base images."""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from dataclasses import dataclass, field

import httpx
import pytest

REGISTRY_IMAGE = "registry:2"
BASE_IMAGE_PARTS = {"amd64": "buildtui-lab/busybox:amd64", "arm64": "buildtui-lab/busybox:arm64"}
PROVISION_HINT = "run `bash scripts/test.sh` (as root on Debian it provisions the lab engine)"


def missing(what: str) -> None:
    message = f"{what}; {PROVISION_HINT}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI needs the real lab engine: {message}", pytrace=False)
    pytest.skip(message)


def docker(
    *args: str, check: bool = True, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run the docker CLI; raise with its stderr when it fails."""
    result = subprocess.run(
        ["docker", *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    if check and result.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)} failed: {result.stderr.strip()}")
    return result


def docker_push(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """A docker command that pushes to a test registry, run a second time after a 500.

    registry:2 (distribution 2.8) now and then answers 500 ("invalid checksum digest
    format": it read a link file while a parallel upload of the same blob was writing it).
    Pushing again is idempotent for the content; any other failure fails at once.
    """
    result = docker(*args, check=False, timeout=timeout)
    if result.returncode != 0 and "500" in result.stderr:
        result = docker(*args, check=False, timeout=timeout)
    if result.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)} failed: {result.stderr.strip()}")
    return result


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@dataclass
class TestRegistry:
    """A running registry:2 container with deletion enabled."""

    __test__ = False

    container: str
    port: int
    volume: str
    env: dict[str, str] = field(default_factory=dict)

    @property
    def host(self) -> str:
        """`localhost:PORT`: plain HTTP is allowed for localhost by Docker and BuildKit."""
        return f"localhost:{self.port}"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def ref(self, repository: str, tag: str = "latest") -> str:
        return f"{self.host}/{repository}:{tag}"

    def logs(self) -> str:
        """The registry's own log (it logs to stderr)."""
        return docker("logs", self.container, check=False).stderr

    def exec(self, *args: str) -> subprocess.CompletedProcess[str]:
        return docker("exec", self.container, *args)


def start_registry(
    env: dict[str, str] | None = None, extra_args: tuple[str, ...] = ()
) -> TestRegistry:
    name = unique("buildtui-test-registry")
    volume = f"{name}-data"
    env = {"REGISTRY_STORAGE_DELETE_ENABLED": "true", **(env or {})}
    env_args = [arg for key, value in env.items() for arg in ("-e", f"{key}={value}")]
    docker(
        "run",
        "-d",
        "--name",
        name,
        "-p",
        "127.0.0.1::5000",
        "-v",
        f"{volume}:/var/lib/registry",
        *env_args,
        *extra_args,
        REGISTRY_IMAGE,
    )
    port = int(docker("port", name, "5000/tcp").stdout.strip().splitlines()[0].rsplit(":", 1)[1])
    registry = TestRegistry(container=name, port=port, volume=volume, env=env)
    deadline = time.monotonic() + 20
    while True:
        try:
            if httpx.get(f"{registry.url}/v2/", timeout=1).status_code in (200, 401):
                return registry
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            logs = docker("logs", name, check=False).stderr
            stop_registry(registry)
            raise AssertionError(f"registry {name} did not answer: {logs}")
        time.sleep(0.1)


def stop_registry(registry: TestRegistry) -> None:
    docker("rm", "-f", "-v", registry.container, check=False)
    docker("volume", "rm", "-f", registry.volume, check=False)


def push_base_image(registry: TestRegistry, repository: str = "busybox") -> str:
    """Push the multi-arch (linux/amd64 + linux/arm64) busybox base image; return its ref."""
    for arch, source in BASE_IMAGE_PARTS.items():
        if docker("image", "inspect", source, check=False).returncode != 0:
            missing(f"the base image {source} is missing")
        target = registry.ref(repository, arch)
        docker("tag", source, target)
        try:
            docker_push("push", "-q", target)
        finally:
            docker("rmi", target, check=False)
    ref = registry.ref(repository, "latest")
    docker_push(
        "buildx",
        "imagetools",
        "create",
        "-t",
        ref,
        registry.ref(repository, "amd64"),
        registry.ref(repository, "arm64"),
    )
    return ref
