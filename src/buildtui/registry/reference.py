"""Image references (`host[:port]/repository[:tag][@digest]`) and which scheme reaches a host."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from buildtui import l10n, names
from buildtui.i18n import _
from buildtui.names import HOST_RE
from buildtui.registry.errors import BadReference

# The names settings checks too, one grammar for both: `buildtui.names`, below settings.
echo = names.echo
host_problem = names.host_problem
is_loopback = names.is_loopback
repository_problem = names.repository_problem
split_host = names.split_host

DOCKER_HUB = "docker.io"
DOCKER_HUB_API = "registry-1.docker.io"
DEFAULT_TAG = "latest"

# The distribution spec's grammar (and distribution's reference package): repository
# names in `buildtui.names`; tags of up to 128 ASCII word characters, dots and dashes;
# digests `algorithm:encoded`. Go's `\w` is ASCII, and `fullmatch` is used throughout,
# since `$` would let a trailing newline through.
_TAG_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
TAG_MAX = 128
_ALGORITHM_RE = re.compile(r"[a-z0-9]+(?:[+._-][a-z0-9]+)*")
_ENCODED_RE = re.compile(r"[a-zA-Z0-9=_-]+")
DIGEST_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128}
"""The algorithms registries verify (go-digest's), and their lengths in hex digits."""
_HEX_RE = re.compile(r"[a-f0-9]+")
_SHA256_RE = re.compile(r"sha256:[a-f0-9]{64}")


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


def digest_problem(text: str) -> str | None:
    """What is wrong with `text` as a digest (`algorithm:encoded`), or None if nothing is."""
    algorithm, colon, encoded = text.partition(":")
    if not colon:
        return _("a digest is algorithm:hex, e.g. sha256: and 64 lower-case hex digits")
    if not _ALGORITHM_RE.fullmatch(algorithm) or not _ENCODED_RE.fullmatch(encoded):
        return _(
            "a digest is algorithm:hex (lower-case letters and digits, a colon, "
            "then letters, digits, = _ -), e.g. sha256: and 64 lower-case hex "
            "digits"
        )
    length = DIGEST_LENGTHS.get(algorithm)
    if length is None:
        return _("registries verify sha256, sha384 and sha512 digests only, not {echo}").format(
            echo=echo(algorithm)
        )
    if not _HEX_RE.fullmatch(encoded):
        return _(
            "a {algorithm} digest has only lower-case hex digits (0-9, a-f) after `{algorithm}:`"
        ).format(algorithm=algorithm)
    if len(encoded) != length:
        return _(
            "a {algorithm} digest has {length} hex digits after `{algorithm}:`, "
            "this one has {count}"
        ).format(algorithm=algorithm, length=length, count=l10n.count(len(encoded)))
    return None


def is_digest(text: str) -> bool:
    return digest_problem(text) is None


def is_sha256_digest(text: str) -> bool:
    return bool(_SHA256_RE.fullmatch(text))


def check_digest(digest: str) -> str:
    problem = digest_problem(digest)
    if problem is not None:
        raise BadReference(
            _("{echo} is not a digest: {problem}").format(echo=echo(digest), problem=problem)
        )
    return digest


def _looks_like_host(part: str) -> bool:
    return "." in part or ":" in part or part == "localhost" or part.startswith("[")


def check_repository(repository: str, registry: str | None = None) -> str:
    problem = repository_problem(repository, registry)
    if problem is not None:
        raise BadReference(
            _("{echo} is not a repository name: {problem}").format(
                echo=echo(repository), problem=problem
            )
        )
    return repository


def is_tag(text: str) -> bool:
    """`text` is a valid tag as it stands."""
    return _TAG_RE.fullmatch(text) is not None


def check_tag(tag: str) -> str:
    if not _TAG_RE.fullmatch(tag):
        length = (
            _("; this one has {count}").format(count=l10n.count(len(tag)))
            if len(tag) > TAG_MAX
            else ""
        )
        raise BadReference(
            _(
                "{echo} is not a tag: a tag is 1 to {TAG_MAX} ASCII letters, digits, _ "
                ". - (not starting with . or -){length}"
            ).format(echo=echo(tag), TAG_MAX=TAG_MAX, length=length)
        )
    return tag


def check_reference(reference: str) -> str:
    """A tag or a digest, as it goes after `/manifests/`."""
    return check_digest(reference) if ":" in reference else check_tag(reference)


def join_reference(repository: str, reference: str) -> str:
    """`repository:tag`, or `repository@digest` when the reference is a digest."""
    separator = "@" if ":" in reference else ":"
    return f"{repository}{separator}{reference}"


def parse_reference(text: str, default_registry: str | None = None) -> Reference:
    """Parse `[host[:port]/]repository[:tag][@digest]`.

    Without a host part the reference is on `default_registry` if given, else on Docker
    Hub, where one-component names get `library/` (as `docker pull busybox` does).
    """
    original = text
    text = text.strip()
    if not text:
        raise BadReference(_("an empty image reference: type e.g. localhost:5000/lab:cachetest"))
    if "://" in text:
        raise BadReference(
            _(
                "{echo} is a URL, not an image reference: drop the scheme, e.g. "
                "localhost:5000/lab:cachetest"
            ).format(echo=echo(original))
        )
    digest = None
    if "@" in text:
        text, digest = text.rsplit("@", 1)
        problem = digest_problem(digest)
        if problem is not None:
            raise BadReference(
                _("{echo} is not a digest: {problem}").format(echo=echo(digest), problem=problem)
            )
    first, slash, rest = text.partition("/")
    if slash and _looks_like_host(first):
        registry, remainder = first, rest
        problem = host_problem(registry)
        if problem is not None:
            raise BadReference(f"{problem}, in {echo(original)}")
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
        raise BadReference(_("{echo} names no repository").format(echo=echo(original)))
    try:
        check_repository(remainder, registry)
    except BadReference as error:
        if remainder == text:
            raise
        raise BadReference(f"in {echo(original)}: {error}") from None
    return Reference(registry=registry, repository=remainder, tag=tag, digest=digest)


def same_registry(one: str, other: str) -> bool:
    """`LOCALHOST:5000` and `localhost:5000` are one registry: host names ignore case; so
    are two loopback names with the same port (`localhost:5000`, `127.0.0.1:5000`): the
    same server on this machine."""
    if one.lower() == other.lower():
        return True
    if is_loopback(one) and is_loopback(other):
        port = split_host(one)[1]
        return port is not None and port == split_host(other)[1]
    return False


def registry_of(reference: str) -> str:
    """The `host[:port]` an image reference is on, as written (Docker Hub's name when it
    names none); the reference is not checked."""
    first, slash, _rest = reference.strip().partition("/")
    return first if slash and _looks_like_host(first) else DOCKER_HUB


def uses_plain_http(hostport: str, insecure_registries: Iterable[str] = ()) -> bool:
    """Plain HTTP for loopback (as Docker does) and for hosts the user marked insecure."""
    if is_loopback(hostport):
        return True
    host, _unused = split_host(hostport.lower())
    return any(entry.lower() in (hostport.lower(), host) for entry in insecure_registries)


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
        raise BadReference(_("no registry given: type host[:port], e.g. localhost:5000"))
    if "://" in text:
        scheme, _unused, hostport = text.partition("://")
        if scheme not in ("http", "https") or not hostport or "/" in hostport:
            raise BadReference(
                _(
                    "{echo} is not a registry address: use host[:port] or http(s)://host[:port]"
                ).format(echo=echo(text))
            )
        problem = host_problem(hostport)
        if problem is not None:
            raise BadReference(problem)
        return hostport, f"{scheme}://{hostport}"
    if "/" in text or not HOST_RE.fullmatch(text):
        raise BadReference(
            _("{echo} is not a registry address: use host[:port], e.g. myhost:5000").format(
                echo=echo(text)
            )
        )
    problem = host_problem(text)
    if problem is not None:
        raise BadReference(problem)
    return text, base_url(text, insecure_registries)
