"""The registry service the pane and the CLI use: one registry, one reused client.

The app shares one client between the Registry and the Clean-up panes (`share`).
The client makes its requests, and decodes and checks what it reads, on an event loop
of its own thread (`RequestsThread`), off the event loop that handles keys; the thread
ends when the client is closed.
Whoever uses it holds it open until done: each sharing service until its `aclose`,
and each call while it runs. The client is closed when the last of them lets go, so
the Registry pane opening another registry (`o`) never closes the client a deletion
in the Clean-up pane is using.
"""

from __future__ import annotations

import asyncio
import copy
import shlex
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Protocol, TypeVar

import httpx

from buildtui.registry.auth import Authenticator, Credentials, CredentialStore, DockerConfigStore
from buildtui.registry.blobcache import BlobCache, open_cache
from buildtui.registry.browser import PageCallback, RegistryBrowser, equivalent_commands
from buildtui.registry.client import DEFAULT_CONCURRENCY, DEFAULT_TIMEOUT, RegistryClient
from buildtui.registry.crossref import CacheBreakdown, LayerUses, cache_breakdown, cache_layers
from buildtui.registry.models import Descriptor, ImageConfig, Kind, Listing, Manifest
from buildtui.registry.network import Network, network_for
from buildtui.registry.reference import (
    Reference,
    is_loopback,
    parse_reference,
    parse_registry,
    same_registry,
)
from buildtui.registry.requests_thread import RequestsThread, on_caller
from buildtui.registry.scan import (
    ChildReport,
    EntryCallback,
    ImageReport,
    Inspector,
    KeepReport,
    ProgressCallback,
    RegistryScan,
    RepositoryCallback,
    TagCallback,
    TagEntry,
)
from buildtui.registry.walk import scan_registry as _scan_registry
from buildtui.settings import Settings, cli_prefix

__all__ = ["RegistryBrowser", "RegistryService", "equivalent_commands"]

T = TypeVar("T")

CLOSE_WAIT = 2.0
"""Seconds `aclose` waits for the calls still in flight to end (a cancelled one ends in
milliseconds; a caller that was not cancelled may hold its call longer)."""


class _SharedClient:
    """One registry client and who holds it open: sharing services and calls in flight."""

    def __init__(self, base_url: str, ask_engine: bool) -> None:
        self.client: RegistryClient | None = None
        self.requests = RequestsThread()
        """The event loop the client's requests (and their decoding, digest checks and
        disk cache) run on, closed with it."""
        self.owners = 1
        self.calls = 0
        self.base_url = base_url
        self.ask_engine = ask_engine
        """Whether the engine's insecure registries may still turn https into http."""

    async def close_if_unused(self) -> None:
        if self.owners <= 0 and self.calls == 0 and self.client is not None:
            client, self.client = self.client, None
            requests, self.requests = self.requests, RequestsThread()
            try:
                await requests.run(client.aclose)  # on the loop its connections belong to
            finally:
                requests.close()

    async def closed(self, timeout: float) -> None:
        """Once no owner is left: wait (at most `timeout` seconds) for the calls still in
        flight to end, the last of which closes the client and its requests thread.

        When the app exits, its panes' reads are cancelled, and each ends on the client's
        thread before its caller lets go of the client: a few milliseconds, more on a
        loaded machine. Waiting here means an app or command that closed its services
        leaves no thread and no connection behind."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (
            self.owners <= 0
            and self.calls > 0
            and self.client is not None
            and loop.time() < deadline
        ):
            await asyncio.sleep(0.01)


class EngineSide(Protocol):
    """What the service asks the engine that runs the lab (`engine.registry_side.DockerSide`);
    blocking calls, made off the event loop. Given by whoever makes the service, so that
    the registry package stays below the engine's."""

    def is_insecure(self, registry: str) -> bool:
        """Whether the engine's own insecure registries (`docker info`) list `registry`."""
        ...

    def down_advice(self, container: str, base_url: str) -> str:
        """What to do when the lab's registry, run by `container`, does not answer: start
        it, create it, or use the port it really publishes (a command that works pasted)."""
        ...


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
        network: Network | None = None,
        blob_cache: BlobCache | bool | None = True,
        down_advice: Callable[[], str] | None = None,
        engine: EngineSide | None = None,
    ) -> None:
        """`blob_cache`: True opens the on-disk cache of the data dir (when it can be
        opened), False reads everything from the registry, or a cache to use.

        `down_advice`: what to do when the lab's registry does not answer; by default the
        `engine` is asked about its container (not with a test's transport).

        `engine`: asked, on first use, whether a host typed without a scheme is plain
        HTTP, and about the lab's container; None: never asked."""
        self.settings = settings
        self.network = network or network_for(settings)
        """Proxies and TLS trust, shared by every registry this service opens."""
        typed = address or settings.registry_url
        self._registry, base_url = parse_registry(typed, settings.insecure_registries)
        self._credentials = credentials
        self._store = store if store is not None else DockerConfigStore()
        self._transport = transport
        self._max_concurrency = max_concurrency
        self._timeout = timeout
        # A host typed without a scheme that is not known to be plain HTTP: the engine's
        # own insecure registries may say otherwise (asked on first use, off the UI thread).
        # A test's transport stands for the whole network, so the engine is not asked then.
        self._engine = engine if transport is None else None
        ask_engine = (
            self._engine is not None and "://" not in typed and base_url.startswith("https:")
        )
        self._shared = _SharedClient(base_url, ask_engine)
        self._released = False
        # `docker start` hints name the lab's container only for the lab's registry.
        self._container = (
            settings.registry_container
            if same_registry(self._registry, settings.registry_host)
            else None
        )
        if down_advice is None and self._engine is not None and self._container is not None:
            down_advice = self._inspected_down_advice
        self._down_advice = down_advice if self._container is not None else None
        # The commands its messages propose: with the flags that reach this registry.
        self._cli = (
            cli_prefix(settings)
            if self._container is not None
            else shlex.join(["buildtui", "--registry", typed])
        )
        self._inspector: Inspector | None = None
        self._blob_cache_choice = blob_cache
        self._blob_cache: BlobCache | None = None

    @property
    def blob_cache(self) -> BlobCache | None:
        """The on-disk cache of manifests and blobs by digest, opened on first use."""
        if self._blob_cache is None and self._blob_cache_choice is not False:
            choice = self._blob_cache_choice
            self._blob_cache = choice if isinstance(choice, BlobCache) else open_cache()
            self._blob_cache_choice = self._blob_cache or False
        return self._blob_cache

    @property
    def registry(self) -> str:
        return self._registry

    def _inspected_down_advice(self) -> str:
        """The engine's advice about the lab's container (`docker container inspect`)."""
        assert self._engine is not None and self._container is not None
        return self._engine.down_advice(self._container, self.base_url)

    @property
    def base_url(self) -> str:
        """`http(s)://host[:port]`; the engine's insecure registries count after first use."""
        return self._shared.base_url

    async def _ask_engine(self) -> None:
        """Plain HTTP if the engine lists this registry as insecure (`docker info`, once)."""
        engine = self._engine
        assert engine is not None

        def insecure() -> bool:
            return engine.is_insecure(self._registry)

        shared = self._shared
        plain = await asyncio.to_thread(insecure)
        if shared.ask_engine:
            shared.ask_engine = False
            if plain and shared.client is None:
                shared.base_url = f"http://{self._registry}"

    @property
    def client(self) -> RegistryClient:
        """Created on first use (inside the event loop that uses it) and reused after."""
        shared = self._shared
        if self._released:  # used again after aclose: it holds the client again
            self._released = False
            shared.owners += 1
        if shared.client is None:
            shared.client = RegistryClient(
                self._registry,
                self.base_url,
                auth=Authenticator(self._registry, typed=self._credentials, store=self._store),
                network=self.network,
                transport=self._transport,
                max_concurrency=self._max_concurrency,
                timeout=self._timeout,
                container=self._container,
                down_advice=self._down_advice,
                cli=self._cli,
            )
        return shared.client

    def share(self) -> RegistryService:
        """The same registry and client for another user, who closes it with `aclose`.

        The client stays open until every sharing service is closed and no call holds it.
        """
        other = copy.copy(self)
        other._released = False
        self._shared.owners += 1
        return other

    @asynccontextmanager
    async def _held(self) -> AsyncIterator[RegistryClient]:
        """The client, kept open until the block ends even if every owner closes meanwhile."""
        shared = self._shared
        shared.calls += 1
        try:
            if shared.ask_engine:
                await self._ask_engine()
            yield self.client
        finally:
            shared.calls -= 1
            await shared.close_if_unused()

    async def call(self, fn: Callable[[RegistryClient], Awaitable[T]]) -> T:
        """`await fn(client)` on the client's own event loop, the client held open until
        it ends. What `fn` reports on the way reaches the caller's loop if it is wrapped
        with `on_caller` (made on the caller's loop)."""

        async def run(client: RegistryClient) -> T:
            try:
                return await fn(client)
            finally:
                if self._blob_cache is not None:
                    self._blob_cache.flush()  # what the call kept, committed

        async with self._held() as client:
            return await self._shared.requests.run(lambda: run(client))

    async def ping(self) -> str:
        return await self.call(lambda client: client.ping())

    async def repositories(self, on_page: PageCallback | None = None) -> Listing:
        """The catalog; `on_page` gets each page's names as they arrive (a catalog of
        50,000 repositories takes minutes on registry:2), on the caller's event loop."""
        relay = on_caller(on_page) if on_page is not None else None

        async def read(client: RegistryClient) -> Listing:
            found = Listing()
            async for names, cut in client.iter_repositories():
                found.extend(names)
                found.cut = cut
                if relay is not None and names:
                    relay(names)
            return found

        return await self.call(read)

    async def tags(self, repository: str) -> Listing:
        return await self.call(lambda client: client.tags(repository))

    async def inspect(
        self,
        repository: str,
        reference: str,
        *,
        entries: int | None = None,
        on_entry: EntryCallback | None = None,
    ) -> ImageReport:
        """A tag's report; an index of more than `entries` entries has only its first
        `entries` read (`entry` reads another). `on_entry(done, total)` says how many
        entries are read, on the caller's event loop."""
        relay = on_caller(on_entry) if on_entry is not None else None
        # A new memo per call: the pane's refresh must see what changed in the registry.
        # The disk cache is opened (its keys read) on the client's thread, not the caller's.
        return await self.call(
            lambda client: Inspector(client, self.blob_cache).inspect(
                repository, reference, entries=entries, on_entry=relay
            )
        )

    async def entry(self, repository: str, descriptor: Descriptor) -> ChildReport:
        """One entry of an index read (its manifest, config, what an attestation says)."""
        return await self.call(
            lambda client: Inspector(client, self.blob_cache).entry(repository, descriptor)
        )

    async def manifest(self, repository: str, digest: str) -> Manifest:
        return await self.call(lambda client: client.get_manifest(repository, digest))

    async def config(self, repository: str, descriptor: Descriptor) -> ImageConfig:
        return await self.call(lambda client: client.image_config(repository, descriptor))

    async def delete(self, repository: str, digest: str) -> None:
        await self.call(lambda client: client.delete_manifest(repository, digest))

    async def scan(
        self,
        *,
        child_configs: bool = False,
        on_progress: ProgressCallback | None = None,
        on_tag: TagCallback | None = None,
        on_repository: RepositoryCallback | None = None,
        cached: bool = True,
        image_configs: bool = True,
        keep: bool | KeepReport = True,
        collect: TagCallback | None = None,
        repositories: Sequence[str] | None = None,
    ) -> RegistryScan:
        """Every repository and tag. `cached=False` reads every manifest from the registry:
        the disk cache would keep a platform manifest deleted behind its index's back,
        which a deletion's plan must not count on. `on_progress`, `on_tag` and
        `on_repository` are called on the caller's event loop. `keep`: which tags'
        reports the scan keeps (the others keep a summary; see `scan_registry`).
        `collect` gets each tag's entry with its whole report on the client's own thread,
        as it is read: for a caller that keeps a little of each (relayed, 30,000 reports
        could wait in the caller's queue). `repositories`: only these (the catalog is not
        read; the registry is asked first whether it answers, so that one that is down
        raises `Unreachable` instead of listing each repository as an error)."""
        progress = on_caller(on_progress) if on_progress is not None else None
        relayed = on_caller(on_tag) if on_tag is not None else None
        repository = on_caller(on_repository) if on_repository is not None else None

        def tag(entry: TagEntry) -> None:
            if collect is not None:
                collect(entry)
            if relayed is not None:
                relayed(entry)

        async def scan(client: RegistryClient) -> RegistryScan:
            if repositories is not None:
                await client.ping()  # a registry that is down says so
            return await _scan_registry(
                client,
                repositories=repositories,
                child_configs=child_configs,
                image_configs=image_configs,
                on_progress=progress,
                on_tag=tag if collect is not None or relayed is not None else None,
                on_repository=repository,
                keep=keep,
                cache=self.blob_cache if cached else None,
            )

        return await self.call(scan)

    async def breakdown(self, report: ImageReport) -> CacheBreakdown | None:
        """A cache image's layers against every image of the registry (None if not a cache)."""
        if report.kind is not Kind.CACHE:
            return None
        layers, _ = cache_layers(report.manifest)
        uses = LayerUses({layer.digest for layer in layers})
        # Each tag's report is looked at as it is read (on the client's thread), then let go.
        await self.call(
            lambda client: _scan_registry(
                client, on_tag=uses.add, keep=False, cache=self.blob_cache
            )
        )
        return cache_breakdown(report, uses)

    def parse(self, text: str) -> Reference:
        """A reference typed by the user; without a host it is on this registry."""
        return parse_reference(text, default_registry=self._registry)

    def open(self, address: str, *, timeout: float | None = None) -> RegistryService:
        """Another registry, with this one's credentials store, network and transport;
        `timeout`: shorter waits than this one's (a registry that may not be reachable)."""
        return RegistryService(
            self.settings,
            address=address,
            store=self._store,
            transport=self._transport,
            max_concurrency=self._max_concurrency,
            timeout=self._timeout if timeout is None else timeout,
            network=self.network,
            blob_cache=self._blob_cache_choice,
            engine=self._engine,
        )

    def with_credentials(self, username: str, password: str) -> RegistryService:
        return RegistryService(
            self.settings,
            address=self._registry if self._shared.ask_engine else self.base_url,
            credentials=Credentials(username, password, "typed in"),
            store=self._store,
            transport=self._transport,
            max_concurrency=self._max_concurrency,
            timeout=self._timeout,
            network=self.network,
            blob_cache=self._blob_cache_choice,
            engine=self._engine,
        )

    def commands(self, report: ImageReport) -> list[str]:
        # `docker manifest inspect` needs --insecure for plain HTTP, localhost included
        # (seen with Docker 26: without it, "no such manifest").
        return equivalent_commands(
            report.ref,
            report.kind,
            plain_http=self.base_url.startswith("http://"),
            loopback=is_loopback(self._registry),
            manifest_url=f"{self.base_url}/v2/{report.repository}/manifests/{report.reference}",
            media_type=report.manifest.media_type,
        )

    async def aclose(self) -> None:
        """Let go of the client: closed now unless another service still holds it, or once
        the calls still in flight (cancelled, when the app exits) have ended; they are
        waited for at most CLOSE_WAIT seconds."""
        if self._released:
            return
        self._released = True
        self._shared.owners -= 1
        await self._shared.close_if_unused()
        await self._shared.closed(CLOSE_WAIT)
