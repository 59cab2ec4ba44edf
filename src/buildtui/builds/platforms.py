"""The platforms the current builder can build for (what the build form offers)."""

from __future__ import annotations

from buildtui.builds.errors import BuildUnavailable
from buildtui.engine.client import make_docker_client
from buildtui.i18n import _
from buildtui.settings import Settings


def builder_platforms(settings: Settings, builder: str | None = None) -> list[str]:
    """Platforms of every node of `builder` (None: the current one), in buildx's order.

    Blocking (runs `docker buildx inspect`); call it from a thread worker.
    """
    from python_on_whales.exceptions import DockerException  # with pydantic: only when used

    docker = make_docker_client(settings)
    try:
        inspected = docker.buildx.inspect(builder)
    except DockerException as error:
        detail = (error.stderr or str(error)).strip().splitlines()
        raise BuildUnavailable(
            _(
                "Cannot read the builder's platforms: {value}. Check that the engine "
                "runs and buildx is installed (buildtui doctor)."
            ).format(value=detail[-1] if detail else error)
        ) from error
    except FileNotFoundError as error:
        raise BuildUnavailable(
            _("The docker CLI is not installed or not on PATH: install it with the buildx plugin.")
        ) from error
    platforms: list[str] = []
    for node in inspected.nodes or []:
        for platform in node.platforms or []:
            if platform not in platforms:
                platforms.append(platform)
    return platforms
