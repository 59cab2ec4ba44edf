"""The registry service the pane and the CLI use: one registry, one reused client."""

from __future__ import annotations

import httpx

from buildtui.registry.auth import Authenticator, Credentials, CredentialStore, DockerConfigStore
from buildtui.registry.browser import RegistryBrowser, equivalent_commands
from buildtui.registry.client import DEFAULT_CONCURRENCY, DEFAULT_TIMEOUT, RegistryClient
from buildtui.registry.models import Descriptor, ImageConfig, Listing, Manifest
from buildtui.registry.reference import Reference, parse_reference, parse_registry
from buildtui.registry.scan import ImageReport, Inspector, ProgressCallback, RegistryScan
from buildtui.registry.scan import scan_registry as _scan_registry
from buildtui.settings import Settings

__all__ = ["RegistryBrowser", "RegistryService", "equivalent_commands"]


class RegistryService:
    """One registry (`Settings.registry_url` unless another is given), its client and auth."""

    def __init__(
        self,
        settings: Settings,
        *,
        address: str | None = None,
        credentials: Credentials | None = None,
        store: CredentialStore | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        max_concurrency: int = DEFAULT_CONCURRENCY,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.settings = settings
        self._registry, self.base_url = parse_registry(
            address or settings.registry_url, settings.insecure_registries
        )
        self._credentials = credentials
        self._store = store if store is not None else DockerConfigStore()
        self._transport = transport
        self._max_concurrency = max_concurrency
        self._timeout = timeout
        self._client: RegistryClient | None = None
        # `docker start` hints name the lab's container only for the lab's registry.
        self._container = (
            settings.registry_container if self._registry == settings.registry_host else None
        )
        self._inspector: Inspector | None = None

    @property
    def registry(self) -> str:
        return self._registry

    @property
    def client(self) -> RegistryClient:
        """Created on first use (inside the event loop that uses it) and reused after."""
        if self._client is None:
            self._client = RegistryClient(
                self._registry,
                self.base_url,
                auth=Authenticator(self._registry, typed=self._credentials, store=self._store),
                transport=self._transport,
                max_concurrency=self._max_concurrency,
                timeout=self._timeout,
                container=self._container,
            )
        return self._client

    def _fresh_inspector(self) -> Inspector:
        # A new memo per call: the pane's refresh must see what changed in the registry.
        return Inspector(self.client)

    async def ping(self) -> str:
        return await self.client.ping()

    async def repositories(self) -> Listing:
        return await self.client.repositories()

    async def tags(self, repository: str) -> Listing:
        return await self.client.tags(repository)

    async def inspect(self, repository: str, reference: str) -> ImageReport:
        return await self._fresh_inspector().inspect(repository, reference)

    async def manifest(self, repository: str, digest: str) -> Manifest:
        return await self.client.get_manifest(repository, digest)

    async def config(self, repository: str, descriptor: Descriptor) -> ImageConfig:
        return await self.client.image_config(repository, descriptor)

    async def delete(self, repository: str, digest: str) -> None:
        await self.client.delete_manifest(repository, digest)

    async def scan(
        self, *, child_configs: bool = False, on_progress: ProgressCallback | None = None
    ) -> RegistryScan:
        return await _scan_registry(
            self.client, child_configs=child_configs, on_progress=on_progress
        )

    def parse(self, text: str) -> Reference:
        """A reference typed by the user; without a host it is on this registry."""
        return parse_reference(text, default_registry=self._registry)

    def open(self, address: str) -> RegistryService:
        return RegistryService(
            self.settings,
            address=address,
            store=self._store,
            transport=self._transport,
            max_concurrency=self._max_concurrency,
            timeout=self._timeout,
        )

    def with_credentials(self, username: str, password: str) -> RegistryService:
        return RegistryService(
            self.settings,
            address=self.base_url,
            credentials=Credentials(username, password, "typed in"),
            store=self._store,
            transport=self._transport,
            max_concurrency=self._max_concurrency,
            timeout=self._timeout,
        )

    def commands(self, ref: str) -> list[str]:
        # `docker manifest inspect` needs --insecure for plain HTTP, localhost included
        # (seen with Docker 26: without it, "no such manifest").
        return equivalent_commands(ref, self.base_url.startswith("http://"))

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
