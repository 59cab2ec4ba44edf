"""The few registry requests the clean-up makes that the registry client has no method
for: PUT a manifest (for the tag-only trick), HEAD a blob or manifest for its status
(verification, the checks before deleting) and the harmless DELETE probe.

They are sent by the registry client itself (`RegistryClient.send`): one pool of
connections, one bound on requests in flight, one deadline per request, one cap on a
reply's size, the same credentials and tokens, proxies and TLS trust for the reads and
the writes. Like the client, it raises only registry errors (`buildtui.registry.errors`);
the clean-up turns them into its own.
"""

from __future__ import annotations

import hashlib
from urllib.parse import quote

import httpx

from buildtui.i18n import _
from buildtui.registry.auth import Authenticator
from buildtui.registry.client import (
    ACCEPT_MANIFESTS,
    DEFAULT_CONCURRENCY,
    DEFAULT_DEADLINE,
    DEFAULT_TIMEOUT,
    Answer,
    RegistryClient,
)
from buildtui.registry.deletion_probe import Deletion, classify, probe_path
from buildtui.registry.errors import (
    AuthError,
    DeleteDisabled,
    DigestMismatch,
    RegistryError,
    UnexpectedResponse,
)
from buildtui.registry.network import Network


class RegistryWriter:
    """The clean-up's own requests to one registry, sent by its registry client."""

    def __init__(
        self,
        registry: str,
        base_url: str,
        auth: Authenticator,
        *,
        client: RegistryClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        network: Network | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        deadline: float = DEFAULT_DEADLINE,
        max_concurrency: int = DEFAULT_CONCURRENCY,
    ) -> None:
        """`client`: the registry client to send through (`on` gives it); without one, a
        client of its own is made from the other arguments and closed by `aclose`."""
        self.registry = registry
        self._own: RegistryClient | None = None
        if client is None:
            client = self._own = RegistryClient(
                registry,
                base_url,
                auth=auth,
                network=network,
                transport=transport,
                timeout=timeout,
                deadline=deadline,
                max_concurrency=max_concurrency,
            )
        self.client = client

    @classmethod
    def on(cls, client: RegistryClient) -> RegistryWriter:
        """The writer that sends through `client` (and leaves it open)."""
        return cls(client.registry, client.base_url, client.auth, client=client)

    async def aclose(self) -> None:
        if self._own is not None:
            await self._own.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        scope: str,
        headers: dict[str, str] | None = None,
        content: bytes = b"",
    ) -> Answer:
        """Send through the client (which answers a 401's challenge and sends again);
        401/403 raise AuthError, asking for an account that may push and delete."""
        try:
            return await self.client.send(
                method, path, scope=scope, headers=headers, content=content or None
            )
        except AuthError as error:
            raise AuthError(
                _(
                    "{registry} refused {method} {path} ({status_code}); tried "
                    "{tried}. Log in with `docker login {registry}` with an account "
                    "that may push and delete"
                ).format(
                    registry=self.registry,
                    method=method,
                    path=path,
                    status_code=error.status,
                    tried=", ".join(error.tried),
                ),
                status=error.status,
                tried=error.tried,
            ) from None

    async def put_manifest(
        self, repository: str, reference: str, body: bytes, media_type: str
    ) -> str:
        """PUT a manifest under a tag or digest; returns the digest the registry stored."""
        path = f"/v2/{repository}/manifests/{quote(reference, safe=':')}"
        response = await self.request(
            "PUT",
            path,
            scope=f"repository:{repository}:pull,push",
            headers={"Content-Type": media_type},
            content=body,
        )
        if response.status == 405:
            raise self._refused("PUT", path, response.content)
        if response.status not in (200, 201):
            raise UnexpectedResponse(
                _(
                    "{registry} answered {status_code} to PUT {path} ({strip}); "
                    "nothing was changed by it"
                ).format(
                    registry=self.registry,
                    status_code=response.status,
                    path=path,
                    strip=response.content[:800].decode("utf-8", "replace")[:200].strip(),
                )
            )
        expected = "sha256:" + hashlib.sha256(body).hexdigest()
        stored = str(response.headers.get("docker-content-digest", expected))
        if stored != expected:
            raise DigestMismatch(
                _(
                    "{registry} stored the manifest PUT to {repository}:{reference} as "
                    "{stored}, not {expected}"
                ).format(
                    registry=self.registry,
                    repository=repository,
                    reference=reference,
                    stored=stored,
                    expected=expected,
                )
            )
        return stored

    async def blob_status(self, repository: str, digest: str) -> int:
        """HEAD a blob: 200 when the repository can serve it, 404 when it is gone."""
        response = await self.request(
            "HEAD", f"/v2/{repository}/blobs/{digest}", scope=f"repository:{repository}:pull"
        )
        return response.status

    async def manifest_status(self, repository: str, reference: str) -> int:
        response = await self.request(
            "HEAD",
            f"/v2/{repository}/manifests/{quote(reference, safe=':')}",
            scope=f"repository:{repository}:pull",
            headers={"Accept": ACCEPT_MANIFESTS},
        )
        return response.status

    async def probe_delete(self, repository: str) -> None:
        """DELETE a digest no manifest has: proves deletion is on without changing anything."""
        path = probe_path(repository)
        response = await self.request("DELETE", path, scope=f"repository:{repository}:delete")
        answer = classify(response.status, response.content)
        if answer.deletion is Deletion.DISABLED:
            raise self._refused("DELETE", path, response.content)
        if answer.deletion is Deletion.UNKNOWN:
            raise UnexpectedResponse(
                _(
                    "{registry} answered {status_code} to the deletion probe DELETE "
                    "{path}; check the registry's logs"
                ).format(registry=self.registry, status_code=response.status, path=path)
            )

    def _refused(self, method: str, path: str, body: bytes) -> RegistryError:
        """A 405 answer, as the registry client reports it: deletion turned off
        (UNSUPPORTED), or read-only maintenance mode."""
        if b"UNSUPPORTED" in body:
            return DeleteDisabled(
                _(
                    "{registry} has deletion turned off (405 UNSUPPORTED); restart it "
                    "with REGISTRY_STORAGE_DELETE_ENABLED=true"
                ).format(registry=self.registry)
            )
        return UnexpectedResponse(
            _("{registry} answered 405 to {method} {path} (read-only maintenance mode?)").format(
                registry=self.registry, method=method, path=path
            )
        )
