"""What a forecast asks the engine before a build: the builder that will run it (and
where it keeps its cache) and what each FROM image resolves to now.

A docker-driver builder resolves a FROM image from the engine's image store first (what
`docker image inspect` shows as its Id, the digest BuildKit then names), else from its
registry; other drivers ask the registry. The registry is asked with buildtui's own
client (a HEAD of the manifest, its `Docker-Content-Digest`), with a short deadline: a
registry that does not answer makes the digest "unknown: base not resolved".

Every call is blocking and bounded in time: the callers run it in a worker thread.
"""

from __future__ import annotations

import asyncio
import subprocess
import threading
import time
from collections.abc import Sequence

from buildtui import logs
from buildtui.builds.dockerfile import image_name
from buildtui.builds.forecast import UNRESOLVED, BaseImage, BuilderFacts
from buildtui.buildx.builders import BuildersService
from buildtui.buildx.errors import BuildxError
from buildtui.buildx.models import Builder
from buildtui.engine.client import docker_command
from buildtui.i18n import _
from buildtui.registry.client import RegistryClient
from buildtui.registry.errors import RegistryError
from buildtui.registry.reference import base_url, parse_reference
from buildtui.settings import Settings

DOCKER_TIMEOUT = 5.0
REGISTRY_TIMEOUT = 2.0
REGISTRY_DEADLINE = 3.0
BUILDERS_TTL = 10.0
"""Seconds the builders list is reused (the form's forecast asks again on each change)."""


class EngineFacts:
    """The real `ForecastFacts`: `docker buildx ls`, `docker context inspect`,
    `docker image inspect` and the registry."""

    def __init__(self, settings: Settings, builders: BuildersService | None = None) -> None:
        self.settings = settings
        self.builders = builders or BuildersService(settings)
        self._lock = threading.Lock()
        self._listed: tuple[float, tuple[Builder, ...], str | None] | None = None
        self._engines: dict[str, str | None] = {}

    def _list(self) -> tuple[tuple[Builder, ...], str | None]:
        with self._lock:
            now = time.monotonic()
            if self._listed is None or now - self._listed[0] > BUILDERS_TTL:
                listing = self.builders.list()
                self._listed = (now, tuple(listing.builders), listing.current)
            return self._listed[1], self._listed[2]

    def builder(self, name: str | None) -> BuilderFacts | None:
        try:
            builders, current = self._list()
        except BuildxError:
            return None
        chosen = (name or current or "").lower()
        for builder in builders:
            if builder.name == chosen:
                return BuilderFacts(builder.name, builder.driver, self._cache_of(builder))
        return None

    def _cache_of(self, builder: Builder) -> str | None:
        """Where `builder` keeps its cache, in words two builders can be compared by."""
        if builder.driver == "docker":
            context = builder.nodes[0].endpoint if builder.nodes else builder.name
            engine = self._engine(context)
            return _("the engine at {endpoint}").format(endpoint=engine) if engine else None
        if builder.driver == "docker-container" and builder.nodes:
            return _("container {name}").format(name=builder.nodes[0].container)
        if builder.nodes:
            return _("BuildKit at {endpoint}").format(endpoint=builder.nodes[0].endpoint)
        return None

    def _engine(self, context: str) -> str | None:
        """The Docker endpoint of a context (`unix:///var/run/docker.sock`)."""
        if context not in self._engines:
            out = self._docker(
                ["context", "inspect", "--format", "{{.Endpoints.docker.Host}}", context]
            )
            self._engines[context] = out.strip() or None if out is not None else None
        return self._engines[context]

    def _docker(self, args: Sequence[str]) -> str | None:
        """A short `docker` command's output; None when it fails or takes too long."""
        argv = [*docker_command(self.settings), *args]
        started = logs.command(argv)
        try:
            result = subprocess.run(
                argv,
                capture_output=True,
                text=True,
                timeout=DOCKER_TIMEOUT,
                check=False,
                stdin=subprocess.DEVNULL,
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        logs.finished(argv, result.returncode, started)
        return result.stdout if result.returncode == 0 else None

    def base_image(self, reference: str, platforms: Sequence[str], driver: str | None) -> BaseImage:
        name = image_name(reference)
        if "@" in reference:
            pinned, _at, digest = name.partition("@")
            return BaseImage(pinned, digest, _("pinned in the Dockerfile"))
        if driver == "docker":
            found = self._docker(["image", "inspect", "--format", "{{.Id}}", reference])
            if found is not None and found.strip().startswith("sha256:"):
                return BaseImage(name, found.strip(), _("the engine's image store"))
        try:
            parsed = parse_reference(reference)
        except RegistryError as error:
            return BaseImage(name, None, f"{UNRESOLVED} ({error})")
        try:
            digest = asyncio.run(self._head(parsed.registry, parsed.repository, parsed.tag))
        except RegistryError as error:
            return BaseImage(name, None, f"{UNRESOLVED} ({parsed.registry}: {error})")
        except (OSError, TimeoutError) as error:
            return BaseImage(name, None, f"{UNRESOLVED} ({parsed.registry}: {error})")
        return BaseImage(name, digest, f"the registry {parsed.registry}")

    async def _head(self, registry: str, repository: str, tag: str | None) -> str:
        client = RegistryClient(
            registry,
            base_url(registry, self.settings.insecure_registries),
            timeout=REGISTRY_TIMEOUT,
            deadline=REGISTRY_DEADLINE,
            max_concurrency=1,
        )
        try:
            return (await client.head_manifest(repository, tag or "latest")).digest
        finally:
            await client.aclose()
