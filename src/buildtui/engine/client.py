"""One place that turns settings into a python-on-whales client and a docker argv prefix."""

from __future__ import annotations

from typing import TYPE_CHECKING

from buildtui.settings import Settings

if TYPE_CHECKING:
    from python_on_whales import DockerClient


def docker_command(settings: Settings) -> list[str]:
    """`docker` plus the global flags the settings ask for (context or host)."""
    command = ["docker"]
    if settings.docker_context:
        command += ["--context", settings.docker_context]
    if settings.docker_host:
        command += ["--host", settings.docker_host]
    return command


def make_docker_client(settings: Settings) -> DockerClient:
    """A python-on-whales client that runs the same `docker` as `docker_command`."""
    from python_on_whales import DockerClient  # ~0.25 s with pydantic: only when used

    return DockerClient(context=settings.docker_context, host=settings.docker_host)
