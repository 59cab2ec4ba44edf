"""What the Registry pane needs from a registry (no httpx here: the UI imports it at start-up)."""

from __future__ import annotations

from typing import Protocol

from buildtui.registry.crossref import CacheBreakdown
from buildtui.registry.models import Descriptor, ImageConfig, Listing, Manifest
from buildtui.registry.reference import Reference
from buildtui.registry.scan import ImageReport


class RegistryBrowser(Protocol):
    """What the Registry pane needs from a registry; fakes for tests implement the same."""

    @property
    def registry(self) -> str:
        """`host[:port]` as image references spell it."""
        ...

    async def repositories(self) -> Listing:
        """The catalog; its `cut` says why it stops early, if it does."""
        ...

    async def tags(self, repository: str) -> Listing:
        """A repository's tags; their `cut` says why they stop early, if they do."""
        ...

    async def inspect(self, repository: str, reference: str) -> ImageReport: ...

    async def breakdown(self, report: ImageReport) -> CacheBreakdown | None:
        """A cache image's layers against the registry's images; None for other kinds."""
        ...

    async def manifest(self, repository: str, digest: str) -> Manifest: ...

    async def config(self, repository: str, descriptor: Descriptor) -> ImageConfig: ...

    def parse(self, text: str) -> Reference: ...

    def open(self, address: str) -> RegistryBrowser:
        """A browser for another registry (raises BadReference for a bad address)."""
        ...

    def with_credentials(self, username: str, password: str) -> RegistryBrowser: ...

    def commands(self, ref: str) -> list[str]:
        """The docker commands that show the same thing as the pane does for `ref`."""
        ...

    async def aclose(self) -> None: ...


def equivalent_commands(ref: str, plain_http: bool) -> list[str]:
    insecure = " --insecure" if plain_http else ""
    return [
        f"docker buildx imagetools inspect {ref}",
        f"docker manifest inspect{insecure} {ref}",
    ]
