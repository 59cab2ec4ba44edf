"""What a registry service asks the engine (`registry.service.EngineSide`), through the
docker CLI: whether a registry is one of the engine's insecure ones, and how to bring the
lab's registry container back when it does not answer."""

from __future__ import annotations

from buildtui.settings import Settings


class DockerSide:
    """The engine of `settings` (its context or host), asked with the docker CLI."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def is_insecure(self, registry: str) -> bool:
        from buildtui.engine.registries import engine_registries

        return engine_registries(self.settings).is_insecure(registry)

    def down_advice(self, container: str, base_url: str) -> str:
        from buildtui.engine.client import docker_command
        from buildtui.engine.registry_container import (
            inspect_registry_container,
            registry_down_advice,
        )

        docker = docker_command(self.settings)
        state = inspect_registry_container(container, docker)
        return str(registry_down_advice(state, base_url, docker))
