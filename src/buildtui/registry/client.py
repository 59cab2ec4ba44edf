"""An async client for the distribution (registry v2) HTTP API, on one reused httpx client.

One `RegistryClient` per registry: its httpx client keeps connections alive (registry:2
speaks HTTP/1.1 only over plain HTTP, so a pool of keep-alive connections is what makes
many small requests fast), a semaphore bounds the requests in flight, every request has
timeouts, and manifests above a size cap are refused before they are read in full.
Every manifest's bytes are hashed and checked against the digest asked for, or the
`Docker-Content-Digest` the registry announced.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import ssl
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import httpx

from buildtui.registry.auth import Authenticator
from buildtui.registry.classify import parse_manifest
from buildtui.registry.errors import (
    AuthError,
    DeleteDisabled,
    DigestMismatch,
    ManifestTooLarge,
    NotFound,
    RegistryError,
    TLSError,
    UnexpectedResponse,
    Unreachable,
)
from buildtui.registry.models import MANIFEST_MEDIA_TYPES, Descriptor, ImageConfig, Manifest
from buildtui.registry.reference import is_digest

ACCEPT_MANIFESTS = ", ".join(MANIFEST_MEDIA_TYPES)
DEFAULT_MANIFEST_CAP = 4 * 1024 * 1024
"""4 MiB, the limit containerd and distribution v3 put on manifests."""
LISTING_CAP = 32 * 1024 * 1024
DEFAULT_CONCURRENCY = 16
DEFAULT_TIMEOUT = 10.0
USER_AGENT = "buildtui"
MAX_REDIRECTS = 5
REDIRECTS = (301, 302, 303, 307, 308)


@dataclass(frozen=True)
class RawManifest:
    """Manifest bytes exactly as served, with the digest they hash to."""

    raw: bytes
    digest: str
    media_type: str


@dataclass(frozen=True)
class _Answer:
    status: int
    headers: httpx.Headers
    content: bytes
    url: str


def compute_digest(data: bytes, algorithm: str = "sha256") -> str:
    return f"{algorithm}:{hashlib.new(algorithm, data).hexdigest()}"


def _hashable(digest: str) -> str | None:
    algorithm = digest.split(":", 1)[0]
    return algorithm if algorithm in ("sha256", "sha384", "sha512") else None


def _error_codes(content: bytes) -> list[str]:
    try:
        data = json.loads(content)
        return [str(e.get("code")) for e in data.get("errors", []) if isinstance(e, dict)]
    except (ValueError, AttributeError, TypeError):
        return []


def _next_link(headers: httpx.Headers) -> str | None:
    """The target of `Link: <...>; rel="next"`, if any."""
    for part in headers.get_list("link", split_commas=True):
        url, _, params = part.partition(";")
        if 'rel="next"' in params.replace(" ", "") or "rel=next" in params.replace(" ", ""):
            return url.strip().strip("<>")
    return None


def _is_tls_failure(error: BaseException) -> bool:
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return True
        seen = seen.__cause__ or seen.__context__
    text = str(error)
    return "SSL" in text or "CERTIFICATE" in text.upper()


class RegistryClient:
    """Talks to one registry. Create once, reuse for every request, `await aclose()` at the end."""

    def __init__(
        self,
        registry: str,
        base_url: str,
        *,
        auth: Authenticator | None = None,
        verify: bool | ssl.SSLContext = True,
        timeout: float = DEFAULT_TIMEOUT,
        max_concurrency: int = DEFAULT_CONCURRENCY,
        max_manifest_bytes: int = DEFAULT_MANIFEST_CAP,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.registry = registry
        self.base_url = base_url.rstrip("/")
        self.auth = auth or Authenticator(registry)
        self.max_concurrency = max_concurrency
        self.max_manifest_bytes = max_manifest_bytes
        self.requests = 0
        """HTTP requests sent so far (token requests and retries included)."""
        self._timeout = httpx.Timeout(timeout, connect=min(timeout, 5.0)).as_dict()
        # Requests go straight to a transport: the AsyncClient layer above it costs as much
        # CPU again per request, and this client does its own auth, redirects and limits.
        # Each of the `max_concurrency` lanes is a transport with one keep-alive connection,
        # used by one request at a time: a shared pool hands one idle connection to several
        # waiting requests, and all but one retry (httpcore's ConnectionNotAvailable loop).
        self._lanes: asyncio.Queue[httpx.AsyncBaseTransport] = asyncio.Queue()
        context = verify if isinstance(verify, ssl.SSLContext) else None
        if transport is not None:
            self._owned: list[httpx.AsyncBaseTransport] = [transport]
            for _ in range(max_concurrency):
                self._lanes.put_nowait(transport)
        else:
            context = context or httpx.create_ssl_context(verify=bool(verify))
            one = httpx.Limits(max_connections=1, max_keepalive_connections=1)
            self._owned = [
                httpx.AsyncHTTPTransport(verify=context, limits=one) for _ in range(max_concurrency)
            ]
            for lane in self._owned:
                self._lanes.put_nowait(lane)
        # Token requests to auth realms (other hosts) go through an ordinary client.
        self._http = httpx.AsyncClient(
            transport=transport,
            verify=context if context is not None else verify,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            headers={"User-Agent": USER_AGENT},
        )

    async def __aenter__(self) -> RegistryClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()
        for lane in self._owned:
            await lane.aclose()

    # -- transport -----------------------------------------------------------------

    async def _send(
        self,
        method: str,
        url: str,
        *,
        scope: str,
        headers: Mapping[str, str] | None = None,
        cap: int = LISTING_CAP,
        follow_redirects: bool = False,
    ) -> _Answer:
        answer = await self._send_once(method, url, scope, headers, cap, follow_redirects)
        if answer.status == 401:
            challenge = answer.headers.get("www-authenticate", "")
            if await self.auth.answer(challenge, scope, self._http):
                answer = await self._send_once(method, url, scope, headers, cap, follow_redirects)
        if answer.status in (401, 403):
            tried = self.auth.tried(scope)
            verb = "refused" if answer.status == 403 else "needs credentials for"
            raise AuthError(
                f"{self.registry} {verb} {method} {answer.url} ({answer.status}); tried "
                f"{', '.join(tried)}. Log in with `docker login {self.registry}` or type a "
                "user name and password",
                status=answer.status,
                tried=tried,
            )
        return answer

    async def _send_once(
        self,
        method: str,
        url: str,
        scope: str,
        headers: Mapping[str, str] | None,
        cap: int,
        follow_redirects: bool,
    ) -> _Answer:
        request_headers = {
            "User-Agent": USER_AGENT,
            **(headers or {}),
            **self.auth.header(scope),
        }
        target = url if "://" in url else self.base_url + url
        lane = await self._lanes.get()
        try:
            try:
                for _ in range(MAX_REDIRECTS + 1):
                    self.requests += 1
                    request = httpx.Request(
                        method,
                        target,
                        headers=request_headers,
                        extensions={"timeout": self._timeout},
                    )
                    response = await lane.handle_async_request(request)
                    response.request = request
                    try:
                        location = response.headers.get("location")
                        if follow_redirects and response.status_code in REDIRECTS and location:
                            next_target = urljoin(target, location)
                            if urlsplit(next_target).netloc != urlsplit(target).netloc:
                                request_headers.pop("Authorization", None)
                            target = next_target
                            continue
                        return await self._read(method, url, response, cap)
                    finally:
                        await response.aclose()
                raise UnexpectedResponse(
                    f"{self.registry} redirected {method} {url} more than {MAX_REDIRECTS} times"
                )
            except httpx.TimeoutException as error:
                raise Unreachable(
                    f"{self.registry} did not answer {method} {url} in time "
                    f"({type(error).__name__}); check that it is running, then refresh"
                ) from error
            except httpx.ConnectError as error:
                if _is_tls_failure(error):
                    raise TLSError(
                        f"TLS with {self.registry} failed ({error}). If it serves plain HTTP, "
                        "add it to insecure_registries (or open it as http://host:port); if "
                        "its certificate is self-signed, trust its CA"
                    ) from error
                raise Unreachable(
                    f"cannot connect to {self.registry} at {self.base_url} ({error}); start "
                    "it (e.g. `docker start registry7`) or check the address, then refresh"
                ) from error
            except httpx.HTTPError as error:
                raise Unreachable(
                    f"the connection to {self.registry} broke during {method} {url} "
                    f"({type(error).__name__}: {error}); check that it is still running, "
                    "then refresh"
                ) from error
        finally:
            self._lanes.put_nowait(lane)

    async def _read(self, method: str, url: str, response: httpx.Response, cap: int) -> _Answer:
        length = response.headers.get("content-length")
        if method != "HEAD" and length and length.isdigit() and int(length) > cap:
            raise ManifestTooLarge(self._too_large(url, int(length), cap))
        body = bytearray()
        if method != "HEAD":
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > cap:
                    raise ManifestTooLarge(self._too_large(url, len(body), cap))
        return _Answer(response.status_code, response.headers, bytes(body), url)

    def _too_large(self, url: str, size: int, cap: int) -> str:
        return (
            f"{url} on {self.registry} is {size:,} bytes or more, over the {cap:,}-byte cap; "
            "it is not a normal manifest (raise the cap only if you trust this registry)"
        )

    def _fail(self, answer: _Answer, *, what: str, name: str) -> RegistryError:
        codes = _error_codes(answer.content)
        if answer.status == 404:
            if "NAME_UNKNOWN" in codes:
                return NotFound(
                    f"repository {name.split(':')[0].split('@')[0]} does not exist on "
                    f"{self.registry}; check its name (list them with `buildtui registry ls`)",
                    what="repository",
                )
            if "BLOB_UNKNOWN" in codes:
                return NotFound(f"blob {name} is not on {self.registry}", what="blob")
            return NotFound(
                f"{what} {name} is not on {self.registry}; check the spelling or push it first",
                what=what,
            )
        if answer.status == 405 and "UNSUPPORTED" in codes:
            return DeleteDisabled(
                f"{self.registry} has deletion turned off (405 UNSUPPORTED); restart it with "
                "REGISTRY_STORAGE_DELETE_ENABLED=true"
            )
        detail = ", ".join(codes) or answer.content[:200].decode("utf-8", "replace").strip()
        return UnexpectedResponse(
            f"{self.registry} answered {answer.status} to {answer.url}"
            + (f" ({detail})" if detail else "")
            + "; try again, and check the registry's logs if it persists"
        )

    def _json(self, answer: _Answer, what: str) -> dict[str, Any]:
        try:
            data = json.loads(answer.content)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise UnexpectedResponse(
                f"{self.registry} answered {answer.url} with something that is not a JSON "
                f"object, so the {what} cannot be read; is this a registry v2 API?"
            )
        return data

    # -- API -------------------------------------------------------------------------

    async def ping(self) -> str:
        """GET /v2/; returns the API version header (`registry/2.0`). Raises if unusable."""
        answer = await self._send("GET", "/v2/", scope="registry:catalog:*")
        if answer.status != 200:
            raise self._fail(answer, what="API root", name="/v2/")
        return str(answer.headers.get("docker-distribution-api-version", ""))

    async def iter_repositories(self, page_size: int = 100) -> AsyncIterator[list[str]]:
        """Pages of the catalog, following `Link: rel="next"`."""
        url: str | None = f"/v2/_catalog?n={page_size}"
        seen: set[str] = set()
        while url is not None and url not in seen:
            seen.add(url)
            answer = await self._send("GET", url, scope="registry:catalog:*")
            if answer.status == 404:
                raise NotFound(
                    f"{self.registry} does not offer a catalog (/v2/_catalog answered 404); "
                    "open a repository by name instead",
                    what="catalog",
                )
            if answer.status != 200:
                raise self._fail(answer, what="catalog", name="_catalog")
            names = self._json(answer, "catalog").get("repositories") or []
            yield [str(n) for n in names if isinstance(n, str)]
            url = _next_link(answer.headers)

    async def repositories(self, page_size: int = 100) -> list[str]:
        found: list[str] = []
        async for page in self.iter_repositories(page_size):
            found.extend(page)
        return found

    async def tags(self, repository: str) -> list[str]:
        url: str | None = f"/v2/{repository}/tags/list"
        found: list[str] = []
        seen: set[str] = set()
        while url is not None and url not in seen:
            seen.add(url)
            answer = await self._send("GET", url, scope=f"repository:{repository}:pull")
            if answer.status != 200:
                raise self._fail(answer, what="repository", name=repository)
            found.extend(str(t) for t in (self._json(answer, "tag list").get("tags") or []) if t)
            url = _next_link(answer.headers)
        return found

    async def _check_repository(self, repository: str) -> None:
        """Raise NotFound(repository) if it is the repository that is missing, not the tag.

        distribution answers MANIFEST_UNKNOWN for a manifest of an unknown repository;
        only its tag list says NAME_UNKNOWN.
        """
        try:
            await self.tags(repository)
        except NotFound as error:
            if error.what == "repository":
                raise error from None
        except RegistryError:
            pass

    def _manifest_url(self, repository: str, reference: str) -> str:
        return f"/v2/{repository}/manifests/{quote(reference, safe=':')}"

    async def fetch_manifest(self, repository: str, reference: str) -> RawManifest:
        """GET a manifest by tag or digest with every manifest type accepted; verify its digest."""
        answer = await self._send(
            "GET",
            self._manifest_url(repository, reference),
            scope=f"repository:{repository}:pull",
            headers={"Accept": ACCEPT_MANIFESTS},
            cap=self.max_manifest_bytes,
        )
        what = "digest" if is_digest(reference) else "tag"
        if answer.status != 200:
            error = self._fail(answer, what=what, name=f"{repository}:{reference}")
            if isinstance(error, NotFound) and error.what != "repository":
                await self._check_repository(repository)
            raise error
        announced = answer.headers.get("docker-content-digest")
        expected = reference if what == "digest" else announced
        digest = compute_digest(answer.content)
        if expected and (algorithm := _hashable(expected)):
            actual = compute_digest(answer.content, algorithm)
            if actual != expected:
                raise DigestMismatch(
                    f"{self.registry} served {repository}@{reference} as bytes that hash to "
                    f"{actual}, not {expected}: the content is corrupt or was changed on the "
                    "way; do not trust it (push the image again)"
                )
            digest = expected
        media_type = answer.headers.get("content-type", "").split(";")[0].strip()
        return RawManifest(answer.content, digest, media_type)

    async def get_manifest(self, repository: str, reference: str) -> Manifest:
        raw = await self.fetch_manifest(repository, reference)
        return parse_manifest(raw.raw, raw.digest, raw.media_type)

    async def head_manifest(self, repository: str, reference: str) -> Descriptor:
        """HEAD a manifest: its digest, media type and size without the body."""
        answer = await self._send(
            "HEAD",
            self._manifest_url(repository, reference),
            scope=f"repository:{repository}:pull",
            headers={"Accept": ACCEPT_MANIFESTS},
        )
        what = "digest" if is_digest(reference) else "tag"
        if answer.status != 200:
            raise self._fail(answer, what=what, name=f"{repository}:{reference}")
        digest = answer.headers.get("docker-content-digest")
        length = answer.headers.get("content-length", "")
        if not digest:
            raw = await self.fetch_manifest(repository, reference)
            return Descriptor(raw.media_type, raw.digest, len(raw.raw))
        media_type = answer.headers.get("content-type", "").split(";")[0].strip()
        return Descriptor(media_type, digest, int(length) if length.isdigit() else 0)

    async def fetch_blob(self, repository: str, digest: str, max_bytes: int | None = None) -> bytes:
        """A (small) blob's bytes, verified against its digest; for config blobs."""
        answer = await self._send(
            "GET",
            f"/v2/{repository}/blobs/{digest}",
            scope=f"repository:{repository}:pull",
            cap=max_bytes or self.max_manifest_bytes,
            follow_redirects=True,
        )
        if answer.status != 200:
            raise self._fail(answer, what="blob", name=digest)
        algorithm = _hashable(digest)
        if algorithm and compute_digest(answer.content, algorithm) != digest:
            raise DigestMismatch(
                f"blob {digest} in {repository} on {self.registry} does not hash to its "
                "digest: the stored content is corrupt; push the image again"
            )
        return answer.content

    async def image_config(self, repository: str, config: Descriptor) -> ImageConfig:
        raw = await self.fetch_blob(repository, config.digest)
        try:
            data = json.loads(raw)
        except ValueError:
            data = None
        return ImageConfig.from_json(config.digest, data)

    async def delete_manifest(self, repository: str, digest: str) -> None:
        """DELETE a manifest by digest (this removes every tag that points at it)."""
        if not is_digest(digest):
            raise NotFound(
                f"{digest!r} is not a digest; the registry deletes manifests by digest only",
                what="digest",
            )
        answer = await self._send(
            "DELETE",
            self._manifest_url(repository, digest),
            scope=f"repository:{repository}:delete",
        )
        if answer.status not in (200, 202):
            raise self._fail(answer, what="digest", name=f"{repository}@{digest}")
