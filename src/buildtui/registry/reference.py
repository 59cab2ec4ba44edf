"""Image references (`host[:port]/repository[:tag][@digest]`) and which scheme reaches a host."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from buildtui.registry.errors import BadReference

DOCKER_HUB = "docker.io"
DOCKER_HUB_API = "registry-1.docker.io"
DEFAULT_TAG = "latest"

_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_REPOSITORY_RE = re.compile(rf"^{_COMPONENT}(?:/{_COMPONENT})*$")
_TAG_RE = re.compile(r"^[\w][\w.-]{0,127}$")
_DIGEST_RE = re.compile(r"^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$")
_SHA256_RE = re.compile(r"^sha256:[a-f0-9]{64}$")
_HOST_RE = re.compile(
    r"^(?:\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?"
    r"(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*)(?::[0-9]{1,5})?$"
)


@dataclass(frozen=True)
class Reference:
    """A parsed image reference; `registry` is `host[:port]` as references spell it."""

    registry: str
    repository: str
    tag: str | None = None
    digest: str | None = None

    @property
    def identifier(self) -> str:
        """What goes after `/manifests/`: the digest if given, else the tag (default latest)."""
        return self.digest or self.tag or DEFAULT_TAG

    @property
    def api_host(self) -> str:
        """The host that serves the registry API (Docker Hub's differs from its name)."""
        return DOCKER_HUB_API if self.registry == DOCKER_HUB else self.registry

    @property
    def name(self) -> str:
        """`registry/repository`, without tag or digest."""
        return f"{self.registry}/{self.repository}"

    def with_digest(self, digest: str) -> Reference:
        return Reference(self.registry, self.repository, None, digest)

    def __str__(self) -> str:
        text = self.name
        if self.tag:
            text += f":{self.tag}"
        if self.digest:
            text += f"@{self.digest}"
        if not self.tag and not self.digest:
            text += f":{DEFAULT_TAG}"
        return text


def is_digest(text: str) -> bool:
    return bool(_DIGEST_RE.match(text))


def is_sha256_digest(text: str) -> bool:
    return bool(_SHA256_RE.match(text))


def _looks_like_host(part: str) -> bool:
    return "." in part or ":" in part or part == "localhost" or part.startswith("[")


def check_repository(repository: str) -> str:
    if not _REPOSITORY_RE.match(repository):
        raise BadReference(
            f"{repository!r} is not a repository name: use lower-case letters, digits and "
            "separators (. _ __ -) in components joined by /, e.g. lab/app"
        )
    return repository


def check_tag(tag: str) -> str:
    if not _TAG_RE.match(tag):
        raise BadReference(
            f"{tag!r} is not a tag: up to 128 letters, digits, _ . - (not starting with . or -)"
        )
    return tag


def parse_reference(text: str, default_registry: str | None = None) -> Reference:
    """Parse `[host[:port]/]repository[:tag][@digest]`.

    Without a host part the reference is on `default_registry` if given, else on Docker
    Hub, where one-component names get `library/` (as `docker pull busybox` does).
    """
    original = text
    text = text.strip()
    if not text:
        raise BadReference("an empty image reference: type e.g. localhost:5000/lab:cachetest")
    if "://" in text:
        raise BadReference(
            f"{original!r} is a URL, not an image reference: drop the scheme, "
            "e.g. localhost:5000/lab:cachetest"
        )
    digest = None
    if "@" in text:
        text, digest = text.rsplit("@", 1)
        if not is_digest(digest):
            raise BadReference(
                f"{digest!r} in {original!r} is not a digest: expected sha256:<64 hex digits>"
            )
    first, slash, rest = text.partition("/")
    if slash and _looks_like_host(first):
        registry, remainder = first, rest
        if not _HOST_RE.match(registry):
            raise BadReference(f"{registry!r} in {original!r} is not a host[:port]")
    elif default_registry is not None:
        registry, remainder = default_registry, text
    else:
        registry, remainder = DOCKER_HUB, text
    tag = None
    last_slash = remainder.rfind("/")
    colon = remainder.rfind(":")
    if colon > last_slash:
        remainder, tag = remainder[:colon], remainder[colon + 1 :]
        check_tag(tag)
    if registry == DOCKER_HUB and "/" not in remainder:
        remainder = f"library/{remainder}"
    if not remainder:
        raise BadReference(f"{original!r} names no repository")
    try:
        check_repository(remainder)
    except BadReference as error:
        raise BadReference(f"in {original!r}: {error}") from None
    return Reference(registry=registry, repository=remainder, tag=tag, digest=digest)


def split_host(hostport: str) -> tuple[str, int | None]:
    """`host`, `host:port`, `[::1]:5000` -> (host without brackets, port or None)."""
    if hostport.startswith("["):
        host, _, rest = hostport[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif hostport.count(":") == 1:
        host, port = hostport.split(":")
    else:
        host, port = hostport, ""
    return host, int(port) if port.isdigit() else None


def is_loopback(hostport: str) -> bool:
    host, _ = split_host(hostport)
    return host == "localhost" or host == "::1" or host.startswith("127.")


def uses_plain_http(hostport: str, insecure_registries: Iterable[str] = ()) -> bool:
    """Plain HTTP for loopback (as Docker does) and for hosts the user marked insecure."""
    if is_loopback(hostport):
        return True
    host, _ = split_host(hostport)
    return any(entry in (hostport, host) for entry in insecure_registries)


def base_url(hostport: str, insecure_registries: Iterable[str] = ()) -> str:
    """`http://host:port` or `https://host:port` for a registry host as references spell it."""
    if hostport == DOCKER_HUB:
        hostport = DOCKER_HUB_API
    scheme = "http" if uses_plain_http(hostport, insecure_registries) else "https"
    return f"{scheme}://{hostport}"


def parse_registry(text: str, insecure_registries: Iterable[str] = ()) -> tuple[str, str]:
    """A registry typed by the user (`host[:port]` or a URL) -> (host[:port], base URL)."""
    text = text.strip().rstrip("/")
    if not text:
        raise BadReference("no registry given: type host[:port], e.g. localhost:5000")
    if "://" in text:
        scheme, _, hostport = text.partition("://")
        if scheme not in ("http", "https") or not hostport or "/" in hostport:
            raise BadReference(
                f"{text!r} is not a registry address: use host[:port] or http(s)://host[:port]"
            )
        if not _HOST_RE.match(hostport):
            raise BadReference(f"{hostport!r} is not a host[:port]")
        return hostport, f"{scheme}://{hostport}"
    if "/" in text or not _HOST_RE.match(text):
        raise BadReference(f"{text!r} is not a registry address: use host[:port], e.g. myhost:5000")
    return text, base_url(text, insecure_registries)
