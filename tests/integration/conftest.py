"""Fixtures for tests against the real Docker engine, buildx and registry:2.

When ``CI=true`` a missing engine, buildx or registry image fails the run with a
message that says what is missing; elsewhere those tests skip with that message.
Every container, image, builder and volume a fixture creates has a unique name
and is removed afterwards, also when the test fails.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.integration.lab import (
    REGISTRY_IMAGE,
    TestRegistry,
    docker,
    missing,
    push_base_image,
    start_registry,
    stop_registry,
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def engine() -> None:
    """The real engine with buildx; skip (fail in CI) with what is missing."""
    if shutil.which("docker") is None:
        missing("the docker CLI is not installed")
    try:
        info = docker("info", "--format", "{{.ServerVersion}}", check=False, timeout=20)
    except subprocess.TimeoutExpired:
        missing("the Docker engine does not answer (docker info timed out)")
    if info.returncode != 0:
        missing(f"the Docker engine is not reachable: {info.stderr.strip()}")
    if docker("buildx", "version", check=False).returncode != 0:
        missing("the buildx plugin is missing")
    if docker("image", "inspect", REGISTRY_IMAGE, check=False).returncode != 0:
        missing(f"the {REGISTRY_IMAGE} image is missing")


@pytest.fixture(scope="session")
def registry(engine: None) -> Iterator[TestRegistry]:
    """One registry for the session, shared by read-only tests."""
    reg = start_registry()
    try:
        yield reg
    finally:
        stop_registry(reg)


@pytest.fixture
def registry_factory(engine: None) -> Iterator[Callable[..., TestRegistry]]:
    """Start fresh registries (for tests that delete or collect garbage)."""
    started: list[TestRegistry] = []

    def make(env: dict[str, str] | None = None, extra_args: tuple[str, ...] = ()) -> TestRegistry:
        reg = start_registry(env, extra_args)
        started.append(reg)
        return reg

    try:
        yield make
    finally:
        for reg in started:
            stop_registry(reg)


@pytest.fixture(scope="session")
def base_image(registry: TestRegistry) -> str:
    """`localhost:PORT/busybox:latest` in the session registry: a multi-arch base image."""
    return push_base_image(registry)


@pytest.fixture
def builder_names(engine: None) -> Iterator[list[str]]:
    """Names appended here are removed as buildx builders (and their state) after the test."""
    names: list[str] = []
    try:
        yield names
    finally:
        for name in names:
            docker("buildx", "rm", "-f", name, check=False)
            docker("rm", "-f", "-v", f"buildx_buildkit_{name}0", check=False)
            docker("volume", "rm", "-f", f"buildx_buildkit_{name}0_state", check=False)


@pytest.fixture
def image_names(engine: None) -> Iterator[list[str]]:
    """Local image references appended here are removed after the test."""
    names: list[str] = []
    try:
        yield names
    finally:
        for name in names:
            docker("rmi", "-f", name, check=False)
