"""How buildtui reaches registries, the way docker does: one HTTP stack for every request.

Reads (the registry client's lanes), tokens, writes (the clean-up writer) and the
doctor's probe all send through a `Network`'s transports, so they share:

- **proxies** from `HTTP_PROXY` / `HTTPS_PROXY` / `NO_PROXY` (or their lower-case forms,
  upper-case first), matched as Go's `httpproxy` does for docker: loopback hosts always
  go direct; a `NO_PROXY` entry is `*`, an IP, a CIDR, or a domain (`example.com` also
  covers its subdomains, `.example.com` only them), each with an optional `:port`;
- **TLS trust**: the system store (`SSL_CERT_FILE` / `SSL_CERT_DIR` still apply), plus
  Docker's per-registry directory `certs.d/<host[:port]>/`: its `*.crt` files are CAs,
  a `*.cert` with its `*.key` a client certificate (`/etc/docker/certs.d` and
  `~/.docker/certs.d`, or the `certs_d` setting instead);
- **the debug log**: each request line, its status and its time (`buildtui --debug`).
"""

from __future__ import annotations

import ipaddress
import logging
import os
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from buildtui import logs
from buildtui.i18n import _
from buildtui.registry.errors import TLSError, Unreachable
from buildtui.settings import Settings

DOCKER_CERTS_DIRS = (Path("/etc/docker/certs.d"), Path.home() / ".docker" / "certs.d")
"""Where the engine (and rootless docker) keep per-registry CAs and client certificates."""

_Address = ipaddress.IPv4Address | ipaddress.IPv6Address
_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _env(environ: Mapping[str, str], name: str) -> str:
    return (environ.get(name.upper()) or environ.get(name.lower()) or "").strip()


def _ip(host: str) -> _Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def _split(hostport: str) -> tuple[str, str]:
    """`host:port`, `[v6]:port`, `host` -> (host without brackets, port or "")."""
    if hostport.startswith("["):
        host, _unused, rest = hostport[1:].partition("]")
        return host, rest[1:] if rest.startswith(":") else ""
    if hostport.count(":") == 1:
        host, port = hostport.split(":")
        return host, port
    return hostport, ""


@dataclass(frozen=True)
class _DomainMatch:
    suffix: str
    """`.example.com`"""
    port: str
    whole: bool
    """Also the domain itself (the entry had no leading dot)."""

    def matches(self, host: str, port: str) -> bool:
        hit = host.endswith(self.suffix) or (self.whole and host == self.suffix[1:])
        return hit and (not self.port or self.port == port)


@dataclass(frozen=True)
class ProxyConfig:
    """The proxy settings of the environment, as docker reads them."""

    http: str = ""
    https: str = ""
    no_proxy: str = ""

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> ProxyConfig:
        environ = os.environ if environ is None else environ
        return cls(
            _env(environ, "http_proxy"), _env(environ, "https_proxy"), _env(environ, "no_proxy")
        )

    def _direct(self, host: str, port: str) -> bool:
        host = host.lower()
        ip = _ip(host)
        if host == "localhost" or (ip is not None and ip.is_loopback):
            return True
        for raw in self.no_proxy.split(","):
            entry = raw.strip().lower()
            if not entry:
                continue
            if entry == "*":
                return True
            if ip is not None and "/" in entry:
                try:
                    if ip in ipaddress.ip_network(entry, strict=False):
                        return True
                except ValueError:
                    pass
                continue
            entry_host, entry_port = _split(entry)
            entry_ip = _ip(entry_host)
            if entry_ip is not None:
                if ip == entry_ip and (not entry_port or entry_port == port):
                    return True
                continue
            if not entry_host:
                continue
            if entry_host.startswith("*."):
                entry_host = entry_host[1:]
            whole = not entry_host.startswith(".")
            suffix = entry_host if not whole else f".{entry_host}"
            if _DomainMatch(suffix, entry_port, whole).matches(host, port):
                return True
        return False

    def proxy_for(self, url: httpx.URL) -> str | None:
        """The proxy URL for a request to `url`, or None to go direct."""
        proxy = self.https if url.scheme == "https" else self.http
        if not proxy:
            return None
        port = str(url.port or (443 if url.scheme == "https" else 80))
        if self._direct(url.host, port):
            return None
        if "://" not in proxy:
            proxy = f"http://{proxy}"
        scheme = proxy.split("://", 1)[0].lower()
        if scheme not in ("http", "https"):
            variable = "HTTPS_PROXY" if url.scheme == "https" else "HTTP_PROXY"
            raise Unreachable(
                _(
                    "{variable} is a {scheme}:// proxy, and buildtui reaches "
                    "registries through http:// or https:// proxies only; set "
                    "{variable} to one, or add {host} to NO_PROXY to go direct"
                ).format(variable=variable, scheme=scheme, host=url.host)
            )
        return proxy


def _pem_error(path: Path, error: Exception) -> TLSError:
    return TLSError(
        _(
            "cannot use {path} ({error}); it must be a PEM certificate (and a *.cert "
            "needs its *.key beside it): fix or remove it"
        ).format(path=path, error=error)
    )


def network_for(settings: Settings) -> Network:
    """The network of a run with these settings (`certs_d` replaces Docker's directories)."""
    return Network(certs_dirs=(Path(settings.certs_d),) if settings.certs_d else None)


class Network:
    """Proxies, TLS trust and the debug log for one run; creates transports that use them."""

    def __init__(
        self,
        *,
        environ: Mapping[str, str] | None = None,
        certs_dirs: tuple[Path, ...] | None = None,
    ) -> None:
        self.proxies = ProxyConfig.from_environ(environ)
        self.certs_dirs = DOCKER_CERTS_DIRS if certs_dirs is None else certs_dirs
        self._contexts: dict[str, ssl.SSLContext] = {}
        self._plain: ssl.SSLContext | None = None

    def plain_context(self) -> ssl.SSLContext:
        """For transports that speak plain HTTP: made once (httpx would make one for each).

        httpx wants a context even for `http://` URLs, and never uses it: a proxy's own
        TLS (an `https://` proxy) has a context of its own. So this one trusts no CA at
        all (it would refuse any certificate, were it ever used) instead of loading the
        system's store, which takes tens of milliseconds on the event loop at a first
        request while a scan starts (and a key waits)."""
        if self._plain is None:
            self._plain = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        return self._plain

    def ca_files(self, hostport: str) -> list[Path]:
        """The CA files Docker trusts for `hostport` (`certs.d/<host[:port]>/*.crt`)."""
        return [path for path, kind in self._certs_d_files(hostport) if kind == "ca"]

    def _certs_d_files(self, hostport: str) -> list[tuple[Path, str]]:
        found: list[tuple[Path, str]] = []
        names = dict.fromkeys((hostport, hostport.lower()))
        for root in self.certs_dirs:
            for name in names:
                folder = root / name
                try:
                    entries = sorted(folder.iterdir())
                except OSError:
                    continue
                for path in entries:
                    if path.suffix == ".crt":
                        found.append((path, "ca"))
                    elif path.suffix == ".cert":
                        found.append((path, "client"))
        return found

    def ssl_context(self, hostport: str) -> ssl.SSLContext:
        """The system's trust store plus Docker's `certs.d` entries for this host."""
        key = hostport.lower()
        if key in self._contexts:
            return self._contexts[key]
        context = ssl.create_default_context()  # honours SSL_CERT_FILE and SSL_CERT_DIR
        if not context.cert_store_stats().get("x509_ca") and not os.environ.get("SSL_CERT_DIR"):
            import certifi  # a Python without a system store (e.g. python.org's macOS build)

            context.load_verify_locations(cafile=certifi.where())
        for path, kind in self._certs_d_files(hostport):
            try:
                if kind == "ca":
                    context.load_verify_locations(cafile=str(path))
                else:
                    context.load_cert_chain(str(path), str(path.with_suffix(".key")))
            except (OSError, ssl.SSLError) as error:
                raise _pem_error(path, error) from error
        self._contexts[key] = context
        return context

    def trust_hint(self, hostport: str) -> str:
        """How to make this host's certificate trusted, as docker would trust it."""
        known = self.ca_files(hostport)
        if known:
            return _(
                "the CA in {value} does not vouch for it either: check that file "
                "holds the CA that signed the registry's certificate"
            ).format(value=known[0])
        where = self.certs_dirs[0] if self.certs_dirs else DOCKER_CERTS_DIRS[0]
        return _(
            "if its certificate is signed by your own CA, put that CA in {value} "
            "(as docker trusts it) or in SSL_CERT_FILE"
        ).format(value=where / hostport / "ca.crt")

    def async_transport(self, limits: httpx.Limits | None = None) -> AsyncRouter:
        return AsyncRouter(self, limits or httpx.Limits())

    def transport(self, limits: httpx.Limits | None = None) -> Router:
        """A blocking transport (the doctor's probe)."""
        return Router(self, limits or httpx.Limits())


def _route(network: Network, url: httpx.URL) -> tuple[str | None, str | None]:
    """(proxy, host whose TLS trust applies) for a request."""
    proxy = network.proxies.proxy_for(url)
    tls = None
    if url.scheme == "https":
        tls = f"[{url.host}]" if ":" in url.host else url.host
        if url.port:
            tls += f":{url.port}"
    return proxy, tls


def _debug() -> bool:
    return logs.LOGGER.isEnabledFor(logging.DEBUG)


class AsyncRouter(httpx.AsyncBaseTransport):
    """Sends each request through the proxy and TLS trust its URL needs, and logs it."""

    def __init__(self, network: Network, limits: httpx.Limits) -> None:
        self._network = network
        self._limits = limits
        self._transports: dict[tuple[str | None, str | None], httpx.AsyncHTTPTransport] = {}
        hooks = logs.http_event_hooks() if _debug() else None
        self._on_request = hooks["request"] if hooks else []
        self._on_response = hooks["response"] if hooks else []

    def _for(self, url: httpx.URL) -> httpx.AsyncHTTPTransport:
        key = _route(self._network, url)
        transport = self._transports.get(key)
        if transport is None:
            proxy, tls = key
            network = self._network
            verify = network.ssl_context(tls) if tls else network.plain_context()
            transport = httpx.AsyncHTTPTransport(verify=verify, limits=self._limits, proxy=proxy)
            self._transports[key] = transport
        return transport

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        transport = self._for(request.url)
        for hook in self._on_request:
            await hook(request)
        response = await transport.handle_async_request(request)
        response.request = request
        for hook in self._on_response:
            await hook(response)
        return response

    async def aclose(self) -> None:
        transports, self._transports = list(self._transports.values()), {}
        for transport in transports:
            await transport.aclose()


class Router(httpx.BaseTransport):
    """The blocking twin of `AsyncRouter`."""

    def __init__(self, network: Network, limits: httpx.Limits) -> None:
        self._network = network
        self._limits = limits
        self._transports: dict[tuple[str | None, str | None], httpx.HTTPTransport] = {}
        hooks = logs.sync_http_event_hooks() if _debug() else None
        self._on_request: list[Callable[[Any], None]] = hooks["request"] if hooks else []
        self._on_response: list[Callable[[Any], None]] = hooks["response"] if hooks else []

    def _for(self, url: httpx.URL) -> httpx.HTTPTransport:
        key = _route(self._network, url)
        transport = self._transports.get(key)
        if transport is None:
            proxy, tls = key
            network = self._network
            verify = network.ssl_context(tls) if tls else network.plain_context()
            transport = httpx.HTTPTransport(verify=verify, limits=self._limits, proxy=proxy)
            self._transports[key] = transport
        return transport

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        transport = self._for(request.url)
        for hook in self._on_request:
            hook(request)
        response = transport.handle_request(request)
        response.request = request
        for hook in self._on_response:
            hook(response)
        return response

    def close(self) -> None:
        transports, self._transports = list(self._transports.values()), {}
        for transport in transports:
            transport.close()
