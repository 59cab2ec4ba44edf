"""The few registry requests the registry client does not make: PUT a manifest (for the
tag-only trick), HEAD a blob (for verification) and the harmless DELETE probe.

It shares the registry client's `Authenticator` and `Network`, so credentials and
tokens found once serve both, through the same proxies and TLS trust; everything else
(reading, deleting manifests) goes through the client. Like the client, it raises only
registry errors (`buildtui.registry.errors`); the clean-up turns them into its own.
"""

from __future__ import annotations

import asyncio
import hashlib
from urllib.parse import quote

import httpx

from buildtui.i18n import _
from buildtui.l10n import decimal_mark
from buildtui.registry.auth import Authenticator
from buildtui.registry.client import ACCEPT_MANIFESTS, DEFAULT_DEADLINE
from buildtui.registry.deletion_probe import Deletion, classify, probe_path
from buildtui.registry.errors import (
    AuthError,
    DeleteDisabled,
    DigestMismatch,
    RegistryError,
    UnexpectedResponse,
    Unreachable,
)
from buildtui.registry.network import Network


class RegistryWriter:
    """A small httpx client for one registry, created once and reused."""

    def __init__(
        self,
        registry: str,
        base_url: str,
        auth: Authenticator,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        network: Network | None = None,
        timeout: float = 10.0,
        deadline: float = DEFAULT_DEADLINE,
        max_concurrency: int = 8,
    ) -> None:
        self.registry = registry
        self.deadline = deadline
        """Seconds one request may take in all (the timeout is per read: a registry that
        trickles its answer a byte at a time would pass it forever)."""
        self.auth = auth
        self.requests = 0
        self._semaphore = asyncio.Semaphore(max_concurrency)
        limits = httpx.Limits(
            max_connections=max_concurrency, max_keepalive_connections=max_concurrency
        )
        # The registry client's proxies, TLS trust and debug log (`network`).
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            transport=transport or (network or Network()).async_transport(limits),
            headers={"User-Agent": "buildtui"},
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _once(
        self, method: str, path: str, scope: str, headers: dict[str, str], content: bytes
    ) -> httpx.Response:
        async with self._semaphore:
            self.requests += 1
            try:
                async with asyncio.timeout(self.deadline):
                    return await self._http.request(
                        method,
                        path,
                        headers={**headers, **self.auth.header(scope)},
                        content=content or None,
                    )
            except TimeoutError:
                raise Unreachable(
                    _(
                        "{registry} did not finish answering {method} {path} within "
                        "the {deadline}-second deadline for one request (it answers "
                        "too slowly or stalls mid-answer); check that it is healthy, "
                        "then refresh"
                    ).format(
                        registry=self.registry,
                        method=method,
                        path=path,
                        deadline=decimal_mark(f"{self.deadline:g}"),
                    )
                ) from None
            except httpx.TimeoutException as error:
                raise Unreachable(
                    _(
                        "{registry} did not answer {method} {path} in time; check that "
                        "it is running, then refresh"
                    ).format(registry=self.registry, method=method, path=path)
                ) from error
            except httpx.HTTPError as error:
                raise Unreachable(
                    _(
                        "cannot reach {registry} for {method} {path} ({error}); start "
                        "the registry or check the address, then refresh"
                    ).format(registry=self.registry, method=method, path=path, error=error)
                ) from error

    async def request(
        self,
        method: str,
        path: str,
        *,
        scope: str,
        headers: dict[str, str] | None = None,
        content: bytes = b"",
    ) -> httpx.Response:
        """Send once; after a 401 answer the challenge and send again; 401/403 raise AuthError."""
        response = await self._once(method, path, scope, headers or {}, content)
        if response.status_code == 401:
            challenge = response.headers.get("www-authenticate", "")
            try:
                async with asyncio.timeout(self.deadline):
                    sent = response.request.headers.get("authorization")
                    answered = await self.auth.answer(
                        challenge, scope, self._http, {"Authorization": sent} if sent else {}
                    )
            except TimeoutError:
                raise Unreachable(
                    _(
                        "the token service of {registry} did not answer within the "
                        "{deadline}-second deadline (asked for {method} {path}); "
                        "check the network and the registry's auth setup, then refresh"
                    ).format(
                        registry=self.registry,
                        deadline=decimal_mark(f"{self.deadline:g}"),
                        method=method,
                        path=path,
                    )
                ) from None
            if answered:
                response = await self._once(method, path, scope, headers or {}, content)
        if response.status_code in (401, 403):
            tried = self.auth.tried(scope)
            raise AuthError(
                _(
                    "{registry} refused {method} {path} ({status_code}); tried "
                    "{tried}. Log in with `docker login {registry}` with an account "
                    "that may push and delete"
                ).format(
                    registry=self.registry,
                    method=method,
                    path=path,
                    status_code=response.status_code,
                    tried=", ".join(tried),
                ),
                status=response.status_code,
                tried=tried,
            )
        return response

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
        if response.status_code == 405:
            raise self._refused("PUT", path, response.content)
        if response.status_code not in (200, 201):
            raise UnexpectedResponse(
                _(
                    "{registry} answered {status_code} to PUT {path} ({strip}); "
                    "nothing was changed by it"
                ).format(
                    registry=self.registry,
                    status_code=response.status_code,
                    path=path,
                    strip=response.text[:200].strip(),
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
        return response.status_code

    async def manifest_status(self, repository: str, reference: str) -> int:
        response = await self.request(
            "HEAD",
            f"/v2/{repository}/manifests/{quote(reference, safe=':')}",
            scope=f"repository:{repository}:pull",
            headers={"Accept": ACCEPT_MANIFESTS},
        )
        return response.status_code

    async def probe_delete(self, repository: str) -> None:
        """DELETE a digest no manifest has: proves deletion is on without changing anything."""
        path = probe_path(repository)
        response = await self.request("DELETE", path, scope=f"repository:{repository}:delete")
        answer = classify(response.status_code, response.content)
        if answer.deletion is Deletion.DISABLED:
            raise self._refused("DELETE", path, response.content)
        if answer.deletion is Deletion.UNKNOWN:
            raise UnexpectedResponse(
                _(
                    "{registry} answered {status_code} to the deletion probe DELETE "
                    "{path}; check the registry's logs"
                ).format(registry=self.registry, status_code=response.status_code, path=path)
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
