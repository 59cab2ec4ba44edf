"""An async client for the distribution (registry v2) HTTP API, on one reused httpx client.

One `RegistryClient` per registry: its httpx client keeps connections alive (registry:2
speaks HTTP/1.1 only over plain HTTP, so a pool of keep-alive connections is what makes
many small requests fast), a semaphore bounds the requests in flight, every request has
timeouts and an overall deadline, and manifests above a size cap are refused before they
are read in full. Paginated lists (catalog, tags) are bounded in pages and entries.
Repository names, tags and digests are checked locally before any request.
Every manifest's bytes are hashed and checked against the digest asked for, or the
`Docker-Content-Digest` the registry announced.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import ssl
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import httpx

from buildtui import l10n
from buildtui.i18n import N_, _
from buildtui.registry.auth import Authenticator
from buildtui.registry.classify import parse_manifest
from buildtui.registry.errors import (
    AuthError,
    BadReference,
    DeleteDisabled,
    DigestMismatch,
    ManifestTooLarge,
    NotFound,
    RegistryError,
    TLSError,
    UnexpectedResponse,
    Unreachable,
)
from buildtui.registry.models import (
    MANIFEST_MEDIA_TYPES,
    Descriptor,
    ImageConfig,
    Listing,
    Manifest,
)
from buildtui.registry.network import Network
from buildtui.registry.reference import (
    check_digest,
    check_reference,
    check_repository,
    echo,
    is_digest,
    join_reference,
)

ACCEPT_MANIFESTS = ", ".join(MANIFEST_MEDIA_TYPES)
DEFAULT_MANIFEST_CAP = 4 * 1024 * 1024
"""4 MiB, the limit containerd and distribution v3 put on manifests."""
LISTING_CAP = 32 * 1024 * 1024
DEFAULT_CONCURRENCY = 8
"""Requests in flight at once. A local registry on two cores gives ~1.6x one request's
throughput at 8 and ~1.8x at 16, but at 16 the event loop handles twice as many answers
in one turn: keys wait twice as long while a scan runs (bench/registry_scan.py)."""
DEFAULT_TIMEOUT = 10.0
"""Seconds for each connect, read and write."""
ADVICE_TTL = 5.0
"""Seconds one answer of `down_advice` is reused (a scan meets many failed requests)."""
DEFAULT_DEADLINE = 30.0
"""Seconds for a whole request, however its answer trickles in."""
MAX_PAGES = 200
"""Pages of a catalog or tag list read at most (`Link: rel="next"` can go on forever)."""
MAX_ENTRIES = 10_000
"""Tags of one tag list kept at most."""
MAX_REPOSITORIES = 100_000
"""Repositories of the catalog kept at most (a class's registry can hold tens of thousands)."""
CATALOG_PAGE = 1000
"""Repositories asked for per catalog page: registry:2 walks its storage from the start
for every page, so a catalog of 50,000 read 100 at a time costs 500 walks (14 minutes
here), 1,000 at a time 50 (2 minutes). 1,000 is distribution's default maximum; a
registry that refuses it (400 PAGINATION_NUMBER_INVALID) is asked for SMALL_PAGE."""
SMALL_PAGE = 100
USER_AGENT = "buildtui"
MAX_REDIRECTS = 5
REDIRECTS = (301, 302, 303, 307, 308)


class _PageTooLarge(RegistryError):
    """The registry refuses catalog pages that large (400 PAGINATION_NUMBER_INVALID)."""


@dataclass(frozen=True)
class RawManifest:
    """Manifest bytes exactly as served, with the digest they hash to."""

    raw: bytes
    digest: str
    media_type: str


@dataclass(frozen=True)
class Answer:
    """A registry's reply, read in full within the client's deadline and size cap."""

    status: int
    headers: httpx.Headers
    content: bytes
    url: str


def compute_digest(data: bytes, algorithm: str = "sha256") -> str:
    return f"{algorithm}:{hashlib.new(algorithm, data).hexdigest()}"


def _hashable(digest: str) -> str | None:
    algorithm = digest.split(":", 1)[0]
    return algorithm if algorithm in ("sha256", "sha384", "sha512") else None


def _loads(content: bytes) -> Any:
    """JSON from a reply, or None when it is not JSON (or nested too deep to read)."""
    try:
        return json.loads(content)
    except (ValueError, RecursionError):
        return None


def _config_of(digest: str, raw: bytes) -> ImageConfig:
    return ImageConfig.from_json(digest, _loads(raw))


def _error_codes(content: bytes) -> list[str]:
    data = _loads(content)
    errors = data.get("errors") if isinstance(data, dict) else None
    if not isinstance(errors, list):
        return []
    return [str(e.get("code"))[:40] for e in errors if isinstance(e, dict)][:5]


WORDS = (
    N_("repository"),
    N_("blob"),
    N_("API root"),
    N_("catalog"),
    N_("tag list"),
    N_("digest"),
    N_("manifest"),
    N_("repositories"),
    N_("tags"),
)
"""What the registry's answers are about (`what=`, `noun=`: English, kept in errors as
data), translated where a message names them."""


def _next_link(headers: httpx.Headers) -> str | None:
    """The target of `Link: <...>; rel="next"`, if any."""
    for part in headers.get_list("link", split_commas=True):
        url, _unused, params = part.partition(";")
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
        network: Network | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        deadline: float = DEFAULT_DEADLINE,
        max_concurrency: int = DEFAULT_CONCURRENCY,
        max_manifest_bytes: int = DEFAULT_MANIFEST_CAP,
        max_pages: int = MAX_PAGES,
        max_entries: int = MAX_ENTRIES,
        max_repositories: int = MAX_REPOSITORIES,
        container: str | None = None,
        down_advice: Callable[[], str] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        cli: str = "buildtui",
    ) -> None:
        self.registry = registry
        self.base_url = base_url.rstrip("/")
        self.auth = auth or Authenticator(registry)
        self.deadline = deadline
        self.max_concurrency = max_concurrency
        self.max_manifest_bytes = max_manifest_bytes
        self.max_pages = max_pages
        self.max_entries = max_entries
        self.max_repositories = max_repositories
        self._catalog_page: int | None = None
        """The page size this registry accepts for its catalog, once known."""
        self.container = container
        """The registry's container, when it is the lab's (for `docker start` hints)."""
        self.down_advice = down_advice
        """What to do when the registry does not answer, from the engine's view of its
        container (blocking: `docker container inspect`); None: a hint from its name."""
        self._advice: tuple[float, str] | None = None
        self.cli = cli
        """`buildtui` with the flags that reach this registry (`settings.cli_prefix`): the
        commands its messages propose work pasted as they stand."""
        self.requests = 0
        """HTTP requests sent so far (token requests and retries included)."""
        self._timeout = httpx.Timeout(timeout, connect=min(timeout, 5.0)).as_dict()
        # Requests go straight to a transport: the AsyncClient layer above it costs as much
        # CPU again per request, and this client does its own auth, redirects and limits.
        # Each of the `max_concurrency` lanes is a transport (the network's router: proxy,
        # TLS trust and debug log per URL) with one keep-alive connection per route, used
        # by one request at a time: a shared pool hands one idle connection to several
        # waiting requests, and all but one retry (httpcore's ConnectionNotAvailable loop).
        self._lanes: asyncio.Queue[httpx.AsyncBaseTransport] = asyncio.Queue()
        self.network = network or Network()
        """Proxies, TLS trust and the debug log: shared with the token requests and writes."""
        if transport is not None:
            self._owned: list[httpx.AsyncBaseTransport] = [transport]
            for _unused in range(max_concurrency):
                self._lanes.put_nowait(transport)
        else:
            one = httpx.Limits(max_connections=1, max_keepalive_connections=1)
            self._owned = [self.network.async_transport(one) for _unused in range(max_concurrency)]
            for lane in self._owned:
                self._lanes.put_nowait(lane)
        # Token requests to auth realms (other hosts) go through an ordinary client.
        self._http = httpx.AsyncClient(
            transport=transport or self.network.async_transport(),
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
        content: bytes | None = None,
    ) -> Answer:
        sent = self.auth.header(scope)  # what _send_once sends (no await in between)
        answer = await self._send_once(method, url, scope, headers, cap, follow_redirects, content)
        if answer.status == 401:
            challenge = answer.headers.get("www-authenticate", "")
            try:
                async with asyncio.timeout(self.deadline):
                    answered = await self.auth.answer(challenge, scope, self._http, sent)
            except TimeoutError:
                raise Unreachable(
                    _(
                        "the token service of {registry} did not answer within the "
                        "{deadline}-second deadline (asked for {method} {shown}); "
                        "check the network and the registry's auth setup, then refresh"
                    ).format(
                        registry=self.registry,
                        deadline=l10n.decimal_mark(f"{self.deadline:g}"),
                        method=method,
                        shown=self._shown(url),
                    )
                ) from None
            if answered:
                answer = await self._send_once(
                    method, url, scope, headers, cap, follow_redirects, content
                )
        if answer.status in (401, 403):
            tried = self.auth.tried(scope)
            raise AuthError(
                (
                    _(
                        "{registry} refused {method} {shown} ({status}); tried {tried}. Log "
                        "in with `docker login {registry}`"
                    )
                    if answer.status == 403
                    else _(
                        "{registry} needs credentials for {method} {shown} ({status}); tried "
                        "{tried}. Log in with `docker login {registry}`"
                    )
                ).format(
                    registry=self.registry,
                    method=method,
                    shown=self._shown(answer.url),
                    status=answer.status,
                    tried=", ".join(tried),
                ),
                status=answer.status,
                tried=tried,
            )
        return answer

    async def send(
        self,
        method: str,
        path: str,
        *,
        scope: str,
        headers: Mapping[str, str] | None = None,
        content: bytes | None = None,
        cap: int | None = None,
    ) -> Answer:
        """One request the client has no method for (the clean-up's placeholder PUT,
        status HEADs and deletion probe), with all the client's protections: its
        connections and bound on requests in flight, the per-read timeouts and the
        overall deadline, credentials and tokens, proxies and TLS trust, and a cap on the
        reply (`cap`, the manifest cap by default). Its answer whatever the status, but
        401/403 after credentials raise AuthError, and failures raise as the reads do."""
        return await self._send(
            method,
            path,
            scope=scope,
            headers=headers,
            cap=self.max_manifest_bytes if cap is None else cap,
            content=content,
        )

    async def _send_once(
        self,
        method: str,
        url: str,
        scope: str,
        headers: Mapping[str, str] | None,
        cap: int,
        follow_redirects: bool,
        content: bytes | None = None,
    ) -> Answer:
        request_headers = {
            "User-Agent": USER_AGENT,
            **(headers or {}),
            **self.auth.header(scope),
        }
        target = url if "://" in url else self.base_url + url
        lane = await self._lanes.get()
        try:
            try:
                async with asyncio.timeout(self.deadline):
                    return await self._exchange(
                        lane, method, url, target, request_headers, cap, follow_redirects, content
                    )
            except TimeoutError:
                raise Unreachable(
                    _(
                        "{registry} did not finish answering {method} {shown} within "
                        "the {deadline}-second deadline for one request (it answers "
                        "too slowly or stalls mid-answer); check that it is healthy, "
                        "then refresh"
                    ).format(
                        registry=self.registry,
                        method=method,
                        shown=self._shown(url),
                        deadline=l10n.decimal_mark(f"{self.deadline:g}"),
                    )
                ) from None
            except httpx.TimeoutException as error:
                raise Unreachable(
                    _(
                        "{registry} did not answer {method} {shown} in time "
                        "({kind}); check that it is running, then refresh"
                    ).format(
                        registry=self.registry,
                        method=method,
                        shown=self._shown(url),
                        kind=type(error).__name__,
                    )
                ) from error
            except httpx.ConnectError as error:
                if _is_tls_failure(error):
                    raise TLSError(
                        _(
                            "TLS with {registry} failed ({error}). If it serves plain "
                            "HTTP, add it to insecure_registries (or open it as "
                            "http://host:port); {hint}"
                        ).format(
                            registry=self.registry,
                            error=error,
                            hint=self.network.trust_hint(self.registry),
                        )
                    ) from error
                raise Unreachable(
                    _("cannot connect to {registry} at {base_url} ({error}); {value}").format(
                        registry=self.registry,
                        base_url=self.base_url,
                        error=error,
                        value=await self._start_hint(),
                    )
                ) from error
            except httpx.InvalidURL as error:
                # A link to a next page (or a redirect) from the registry that is no URL.
                raise UnexpectedResponse(
                    _(
                        "{registry} sent the address {echo}, which is not a URL "
                        "({error}); check the registry, then refresh"
                    ).format(registry=self.registry, echo=echo(target, 80), error=error)
                ) from error
            except httpx.HTTPError as error:
                raise Unreachable(
                    _(
                        "the connection to {registry} broke during {method} {shown} "
                        "({kind}: {error}); check that it is still running, then "
                        "refresh"
                    ).format(
                        registry=self.registry,
                        method=method,
                        shown=self._shown(url),
                        kind=type(error).__name__,
                        error=error,
                    )
                ) from error
        finally:
            self._lanes.put_nowait(lane)

    async def _exchange(
        self,
        lane: httpx.AsyncBaseTransport,
        method: str,
        url: str,
        target: str,
        request_headers: dict[str, str],
        cap: int,
        follow_redirects: bool,
        content: bytes | None = None,
    ) -> Answer:
        """One request on one lane (with `content` as its body), following redirects if
        asked."""
        for _unused in range(MAX_REDIRECTS + 1):
            self.requests += 1
            request = httpx.Request(
                method,
                target,
                headers=request_headers,
                content=content,
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
            _("{registry} redirected {method} {url} more than {MAX_REDIRECTS} times").format(
                registry=self.registry, method=method, url=url, MAX_REDIRECTS=MAX_REDIRECTS
            )
        )

    async def _read(self, method: str, url: str, response: httpx.Response, cap: int) -> Answer:
        length = response.headers.get("content-length")
        if method != "HEAD" and length and length.isdigit() and int(length) > cap:
            raise ManifestTooLarge(self._too_large(url, int(length), cap))
        body = bytearray()
        # A HEAD reply has no body, but it is read to its end all the same: a reply closed
        # unread closes its keep-alive connection, and the next request connects anew.
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) > cap:
                raise ManifestTooLarge(self._too_large(url, len(body), cap))
        return Answer(response.status_code, response.headers, bytes(body), url)

    def _too_large(self, url: str, size: int, cap: int) -> str:
        return _(
            "{shown} on {registry} is {size} bytes or more, over the "
            "{cap}-byte cap; it is not a normal manifest (raise the cap only if "
            "you trust this registry)"
        ).format(
            shown=self._shown(url),
            registry=self.registry,
            size=l10n.count(size),
            cap=l10n.count(cap),
        )

    def _shown(self, url: str) -> str:
        """A request's path for a message: a hostile registry's long links are cut."""
        if url.startswith(self.base_url):
            url = url[len(self.base_url) :]
        return url if len(url) <= 120 else f"{url[:120]}… ({len(url):,} characters)"

    async def _start_hint(self) -> str:
        """What to do when nothing answers: the container's real state when the engine can
        say (asked at most every few seconds, off the event loop; its command comes last,
        to be pasted), else a hint."""
        if self.down_advice is not None:
            now = time.monotonic()
            if self._advice is None or now - self._advice[0] > ADVICE_TTL:
                try:
                    self._advice = (now, await asyncio.to_thread(self.down_advice))
                except Exception:  # the engine could not say: the hint from the name
                    self._advice = (now, "")
            if self._advice[1]:
                return self._advice[1]
        if self.container:
            return _(
                "start it (`docker start {container}`) or check the address, then refresh"
            ).format(container=self.container)
        return _("check that it is running at that address, then refresh")

    def _fail(
        self, answer: Answer, *, what: str, name: str, repository: str | None = None
    ) -> RegistryError:
        codes = _error_codes(answer.content)
        if answer.status == 404:
            if "NAME_UNKNOWN" in codes:
                return NotFound(
                    _(
                        "repository {value} does not exist on {registry}; check its "
                        "name (list them with `{cli} registry ls`)"
                    ).format(value=repository or name, registry=self.registry, cli=self.cli),
                    what="repository",
                )
            if "BLOB_UNKNOWN" in codes:
                return NotFound(
                    _("blob {name} is not on {registry}").format(name=name, registry=self.registry),
                    what="blob",
                )
            return NotFound(
                _("{what} {name} is not on {registry}; check the spelling or push it first").format(
                    what=_(what), name=name, registry=self.registry
                ),
                what=what,
            )
        if answer.status == 405 and "UNSUPPORTED" in codes:
            return DeleteDisabled(
                _(
                    "{registry} has deletion turned off (405 UNSUPPORTED); restart it "
                    "with REGISTRY_STORAGE_DELETE_ENABLED=true"
                ).format(registry=self.registry)
            )
        detail = ", ".join(codes) or answer.content[:200].decode("utf-8", "replace").strip()
        return UnexpectedResponse(
            (
                _(
                    "{registry} answered {status} to {shown} ({detail}); try again, and check "
                    "the registry's logs if it persists"
                )
                if detail
                else _(
                    "{registry} answered {status} to {shown}; try again, and check the "
                    "registry's logs if it persists"
                )
            ).format(
                registry=self.registry,
                status=answer.status,
                shown=self._shown(answer.url),
                detail=detail,
            )
        )

    def _json(self, answer: Answer, what: str) -> dict[str, Any]:
        data = _loads(answer.content)
        if not isinstance(data, dict):
            raise UnexpectedResponse(
                _(
                    "{registry} answered {shown} with something that is not a JSON "
                    "object, so the {what} cannot be read; is this a registry v2 API?"
                ).format(registry=self.registry, shown=self._shown(answer.url), what=_(what))
            )
        return data

    # -- API -------------------------------------------------------------------------

    async def ping(self) -> str:
        """GET /v2/; returns the API version header (`registry/2.0`). Raises if unusable."""
        answer = await self._send("GET", "/v2/", scope="registry:catalog:*")
        if answer.status != 200:
            raise self._fail(answer, what="API root", name="/v2/")
        return str(answer.headers.get("docker-distribution-api-version", ""))

    async def _listing(
        self,
        first: str,
        *,
        scope: str,
        key: str,
        what: str,
        noun: str,
        fail: Callable[[Answer], RegistryError],
        max_entries: int | None = None,
    ) -> AsyncIterator[tuple[list[str], str | None]]:
        """Pages of a list, following `Link: rel="next"`: each page's new names, and why
        the list stops early when a bound is hit (then that is the last page).

        Each name comes once, and a link back to a page already read ends the list (it
        would list the same names again); so does a link to another host, which would
        get this registry's credentials. At most `max_pages` pages, `max_entries` names
        (the client's bound for tag lists, unless given).
        """
        max_entries = max_entries or self.max_entries
        max_pages = self.max_pages
        url: str | None = first
        seen_pages: set[str] = set()
        seen: set[str] = set()
        pages = 0
        while url is not None:
            page = urljoin(self.base_url + "/", url)
            seen_pages.add(page)
            answer = await self._send("GET", page, scope=scope)
            if answer.status != 200:
                raise fail(answer)
            pages += 1
            names = self._json(answer, what).get(key)
            fresh: list[str] = []
            cut = None
            for name in names if isinstance(names, list) else []:
                if isinstance(name, str) and name and name not in seen:
                    if len(seen) == max_entries:
                        cut = _(
                            "{registry} lists more than {max_entries} {noun}; "
                            "only the first {max_entries} are shown"
                        ).format(
                            registry=self.registry,
                            max_entries=l10n.count(max_entries),
                            noun=_(noun),
                        )
                        break
                    seen.add(name)
                    fresh.append(name)
            link = _next_link(answer.headers)
            url = urljoin(page, link) if link else None
            if cut is None and url is not None:
                if urlsplit(url).netloc != urlsplit(page).netloc:
                    cut = _(
                        "{registry} links the next page of {noun} to another host "
                        "({echo}); it was not followed, so only the first "
                        "{count} {noun} are shown"
                    ).format(
                        registry=self.registry,
                        noun=_(noun),
                        echo=echo(urlsplit(url).netloc, 40),
                        count=l10n.count(len(seen)),
                    )
                elif url in seen_pages:
                    url = None  # a loop back: every page has been read
                elif pages == max_pages:
                    cut = _(
                        "{registry} still links to another page of {noun} after "
                        "{max_pages} pages; stopped there, so only the first "
                        "{count} {noun} are shown"
                    ).format(
                        registry=self.registry,
                        noun=_(noun),
                        max_pages=max_pages,
                        count=l10n.count(len(seen)),
                    )
            yield fresh, cut
            if cut is not None:
                return

    async def iter_repositories(
        self, page_size: int | None = None
    ) -> AsyncIterator[tuple[list[str], str | None]]:
        """Pages of the catalog: each page's repositories, and why the list stops early.

        Pages of CATALOG_PAGE names are asked for, or SMALL_PAGE when the registry refuses
        that many (its first page answers 400 PAGINATION_NUMBER_INVALID)."""
        size = page_size or self._catalog_page or CATALOG_PAGE
        while True:
            try:
                async for page in self._catalog(size):
                    self._catalog_page = size
                    yield page
                return
            except _PageTooLarge:
                if size <= SMALL_PAGE:
                    raise UnexpectedResponse(
                        _(
                            "{registry} refuses catalog pages of {size} repositories "
                            "(400 PAGINATION_NUMBER_INVALID); it cannot be listed"
                        ).format(registry=self.registry, size=size)
                    ) from None
                size = SMALL_PAGE

    def _catalog(self, size: int) -> AsyncIterator[tuple[list[str], str | None]]:
        first_page = True

        def fail(answer: Answer) -> RegistryError:
            if answer.status == 404:
                return NotFound(
                    _(
                        "{registry} does not offer a catalog (/v2/_catalog answered "
                        "404); open a repository by name instead"
                    ).format(registry=self.registry),
                    what="catalog",
                )
            if (
                first_page
                and answer.status == 400
                and "PAGINATION_NUMBER_INVALID" in _error_codes(answer.content)
            ):
                return _PageTooLarge(str(answer.status))
            return self._fail(answer, what="catalog", name="_catalog")

        async def pages() -> AsyncIterator[tuple[list[str], str | None]]:
            nonlocal first_page
            async for page in self._listing(
                f"/v2/_catalog?n={size}",
                scope="registry:catalog:*",
                key="repositories",
                what="catalog",
                noun="repositories",
                fail=fail,
                max_entries=self.max_repositories,
            ):
                first_page = False
                yield page

        return pages()

    async def repositories(self, page_size: int | None = None) -> Listing:
        found = Listing()
        async for page, cut in self.iter_repositories(page_size):
            found.extend(page)
            found.cut = cut
        return found

    async def tags(self, repository: str) -> Listing:
        check_repository(repository, self.registry)
        found = Listing()
        async for page, cut in self._listing(
            f"/v2/{repository}/tags/list",
            scope=f"repository:{repository}:pull",
            key="tags",
            what="tag list",
            noun="tags",
            fail=lambda answer: self._fail(
                answer, what="repository", name=repository, repository=repository
            ),
        ):
            found.extend(page)
            found.cut = cut
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
        check_repository(repository, self.registry)
        check_reference(reference)
        return f"/v2/{repository}/manifests/{quote(reference, safe=':')}"

    async def fetch_manifest(
        self, repository: str, reference: str, max_bytes: int | None = None
    ) -> RawManifest:
        """GET a manifest by tag or digest with every manifest type accepted; verify its
        digest. `max_bytes`: a smaller cap than the client's for this one."""
        answer = await self._send(
            "GET",
            self._manifest_url(repository, reference),
            scope=f"repository:{repository}:pull",
            headers={"Accept": ACCEPT_MANIFESTS},
            cap=min(max_bytes or self.max_manifest_bytes, self.max_manifest_bytes),
        )
        what = "digest" if ":" in reference else "tag"
        if answer.status != 200:
            error = self._fail(
                answer,
                what=what,
                name=join_reference(repository, reference),
                repository=repository,
            )
            if isinstance(error, NotFound) and error.what != "repository":
                await self._check_repository(repository)
            raise error
        announced = answer.headers.get("docker-content-digest")
        if announced and not is_digest(announced):
            announced = None  # not a digest at all: the bytes' own hash is used instead
        expected = reference if what == "digest" else announced
        digest = self._manifest_digest(answer.content, expected, repository, reference)
        media_type = answer.headers.get("content-type", "").split(";")[0].strip()
        return RawManifest(answer.content, digest, media_type[:200])

    def _manifest_digest(
        self, content: bytes, expected: str | None, repository: str, reference: str
    ) -> str:
        """The digest of a manifest's bytes, checked against the one expected (if any)."""
        digest = compute_digest(content)
        if expected and (algorithm := _hashable(expected)):
            actual = compute_digest(content, algorithm)
            if actual != expected:
                raise DigestMismatch(
                    _(
                        "{registry} served {reference} as bytes that hash to {actual}, "
                        "not {expected}: the content is corrupt or was changed on the "
                        "way; do not trust it (push the image again)"
                    ).format(
                        registry=self.registry,
                        reference=join_reference(repository, reference),
                        actual=actual,
                        expected=expected,
                    )
                )
            digest = expected
        return digest

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
        what = "digest" if ":" in reference else "tag"
        if answer.status != 200:
            raise self._fail(
                answer,
                what=what,
                name=join_reference(repository, reference),
                repository=repository,
            )
        digest = answer.headers.get("docker-content-digest")
        length = answer.headers.get("content-length", "")
        if not digest or not is_digest(digest):
            raw = await self.fetch_manifest(repository, reference)
            return Descriptor(raw.media_type, raw.digest, len(raw.raw))
        media_type = answer.headers.get("content-type", "").split(";")[0].strip()
        return Descriptor(media_type[:200], digest, int(length) if length.isdigit() else 0)

    async def manifest_last_modified(self, repository: str, reference: str) -> str | None:
        """The `Last-Modified` header a HEAD of the manifest answers with (distribution 2.8
        sends none), or None."""
        answer = await self._send(
            "HEAD",
            self._manifest_url(repository, reference),
            scope=f"repository:{repository}:pull",
            headers={"Accept": ACCEPT_MANIFESTS},
        )
        if answer.status != 200:
            raise self._fail(
                answer,
                what="digest" if ":" in reference else "tag",
                name=join_reference(repository, reference),
                repository=repository,
            )
        value = answer.headers.get("last-modified")
        return value[:64] if value else None

    async def has(self, repository: str, digest: str, *, blob: bool = False) -> bool:
        """Whether the registry serves manifest (or blob) `digest` in `repository` now: a
        HEAD, True on 200, False on 404; anything else raises as the reads do."""
        check_repository(repository, self.registry)
        check_digest(digest)
        url = f"/v2/{repository}/blobs/{digest}" if blob else self._manifest_url(repository, digest)
        answer = await self._send(
            "HEAD",
            url,
            scope=f"repository:{repository}:pull",
            headers=None if blob else {"Accept": ACCEPT_MANIFESTS},
            follow_redirects=blob,
        )
        if answer.status == 200:
            return True
        if answer.status == 404:
            return False
        raise self._fail(
            answer, what="blob" if blob else "digest", name=digest, repository=repository
        )

    async def fetch_blob(self, repository: str, digest: str, max_bytes: int | None = None) -> bytes:
        """A (small) blob's bytes, verified against its digest; for config blobs."""
        check_repository(repository, self.registry)
        check_digest(digest)
        answer = await self._send(
            "GET",
            f"/v2/{repository}/blobs/{digest}",
            scope=f"repository:{repository}:pull",
            cap=max_bytes or self.max_manifest_bytes,
            follow_redirects=True,
        )
        if answer.status != 200:
            raise self._fail(answer, what="blob", name=digest, repository=repository)
        algorithm = _hashable(digest)
        if algorithm and compute_digest(answer.content, algorithm) != digest:
            raise DigestMismatch(
                _(
                    "blob {digest} in {repository} on {registry} does not hash to its "
                    "digest: the stored content is corrupt; push the image again"
                ).format(digest=digest, repository=repository, registry=self.registry)
            )
        return answer.content

    async def image_config(self, repository: str, config: Descriptor) -> ImageConfig:
        raw = await self.fetch_blob(repository, config.digest)
        return _config_of(config.digest, raw)

    async def delete_manifest(self, repository: str, digest: str) -> None:
        """DELETE a manifest by digest (this removes every tag that points at it)."""
        try:
            check_digest(digest)
        except BadReference as error:
            raise BadReference(
                _("{error}; the registry deletes manifests by digest only").format(error=error)
            ) from None
        answer = await self._send(
            "DELETE",
            self._manifest_url(repository, digest),
            scope=f"repository:{repository}:delete",
        )
        if answer.status not in (200, 202):
            raise self._fail(
                answer, what="digest", name=f"{repository}@{digest}", repository=repository
            )

    # -- writes ----------------------------------------------------------------------

    async def push_blob(self, repository: str, data: bytes, digest: str | None = None) -> bool:
        """Upload `data` as a blob of `repository` unless the registry has it already (a
        HEAD first); True when it was uploaded. A monolithic upload: POST to open it, PUT
        the bytes with their digest to close it (the distribution spec's simplest form,
        which every registry serves)."""
        check_repository(repository, self.registry)
        digest = digest or compute_digest(data)
        check_digest(digest)
        scope = f"repository:{repository}:pull,push"
        head = await self._send(
            "HEAD", f"/v2/{repository}/blobs/{digest}", scope=scope, follow_redirects=True
        )
        if head.status == 200:
            return False
        if head.status != 404:
            raise self._fail(head, what="blob", name=digest, repository=repository)
        opened = await self._send("POST", f"/v2/{repository}/blobs/uploads/", scope=scope)
        location = opened.headers.get("location")
        if opened.status != 202 or not location:
            raise self._write_failed(
                opened,
                _("{registry} could not start the upload of blob {digest}").format(
                    registry=self.registry, digest=digest
                ),
            )
        target = urljoin(self.base_url + "/", location)
        if urlsplit(target).netloc != urlsplit(self.base_url).netloc:
            raise UnexpectedResponse(
                _(
                    "{registry} sent the upload of blob {digest} to another host ({host}); "
                    "buildtui does not send your credentials and data there. Check the "
                    "registry's address and proxy set-up"
                ).format(
                    registry=self.registry, digest=digest, host=echo(urlsplit(target).netloc, 40)
                )
            )
        separator = "&" if "?" in target else "?"
        closed = await self._send(
            "PUT",
            f"{target}{separator}digest={quote(digest, safe=':')}",
            scope=scope,
            headers={"Content-Type": "application/octet-stream"},
            content=data,
        )
        if closed.status not in (201, 204):
            raise self._write_failed(
                closed,
                _("{registry} did not take blob {digest}").format(
                    registry=self.registry, digest=digest
                ),
            )
        announced = closed.headers.get("docker-content-digest")
        if announced and announced != digest:
            raise DigestMismatch(
                _(
                    "{registry} stored blob {digest} of {repository} as {announced}: the "
                    "upload was changed on the way; submit again"
                ).format(
                    registry=self.registry,
                    digest=digest,
                    repository=repository,
                    announced=echo(announced, 80),
                )
            )
        return True

    async def put_manifest(
        self, repository: str, reference: str, raw: bytes, media_type: str
    ) -> str:
        """PUT a manifest under a tag (or its digest); its digest, checked against the one
        the registry announces."""
        digest = compute_digest(raw)
        answer = await self._send(
            "PUT",
            self._manifest_url(repository, reference),
            scope=f"repository:{repository}:pull,push",
            headers={"Content-Type": media_type},
            content=raw,
        )
        if answer.status not in (200, 201):
            raise self._write_failed(
                answer,
                _("{registry} did not take the manifest {reference}").format(
                    registry=self.registry, reference=join_reference(repository, reference)
                ),
            )
        announced = answer.headers.get("docker-content-digest")
        if announced and announced != digest:
            raise DigestMismatch(
                _(
                    "{registry} stored the manifest of {reference} as {announced}, not "
                    "{digest}: it changed the bytes; do not trust this registry with "
                    "submissions"
                ).format(
                    registry=self.registry,
                    reference=join_reference(repository, reference),
                    announced=echo(announced, 80),
                    digest=digest,
                )
            )
        return digest

    def _write_failed(self, answer: Answer, what: str) -> RegistryError:
        """`what`: the sentence of what the registry did (`registry7 did not take …`)."""
        """A refused write: a 404 or 405 (a read-only registry or a proxy cache), a
        registry's error codes (DENIED, MANIFEST_INVALID, BLOB_UNKNOWN …), else as the
        reads fail."""
        codes = _error_codes(answer.content)
        if answer.status in (404, 405) and not codes:
            return UnexpectedResponse(
                _(
                    "{what} ({status}): it does not accept pushes here (a read-only registry "
                    "or a pull-through cache?); check the address"
                ).format(what=what, status=answer.status)
            )
        if codes:
            return UnexpectedResponse(
                _(
                    "{what} ({status} {codes}); check the address and your rights to push "
                    "there, then try again"
                ).format(what=what, status=answer.status, codes=", ".join(codes))
            )
        return self._fail(answer, what="manifest", name=what)
