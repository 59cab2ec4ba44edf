"""The names a setting holds, checked: a registry's `host[:port]`, a repository name,
a class's repository (`HOST[:PORT]/REPO`), and how a bad one is echoed in a message.

A foundation module (settings checks its values with it); `registry.reference` builds
image references on it and `classroom.ref` names the class's repository with it.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from buildtui import l10n
from buildtui.i18n import _

# The distribution spec's grammar (and distribution's reference package): repository
# components joined by `/`, at most 255 characters in all. `fullmatch` is used
# throughout, since `$` would let a trailing newline through.
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_COMPONENT_RE = re.compile(_COMPONENT)
_REPOSITORY_RE = re.compile(rf"{_COMPONENT}(?:/{_COMPONENT})*")
NAME_MAX = 255
"""distribution's NameTotalLengthMax: `host[:port]/repository` has at most 255 characters."""
ECHO_MAX = 60
"""Inputs longer than this are shortened in messages."""
HOST_RE = re.compile(
    r"^(?:\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?"
    r"(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*)(?::[0-9]{1,5})?$"
)


def echo(text: str, limit: int = ECHO_MAX) -> str:
    """`text` quoted for a message; a long one is cut, with its length said."""
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}… ({len(text):,} characters)"


def repository_problem(repository: str, registry: str | None = None) -> str | None:
    """What is wrong with `repository` as a repository name (on `registry`, when given: the
    length limit counts `host[:port]/` too), or None if nothing is."""
    if len(repository) > NAME_MAX:
        return _("it has {count} characters, and at most {NAME_MAX} are allowed").format(
            count=l10n.count(len(repository)), NAME_MAX=NAME_MAX
        )
    if registry is not None and len(registry) + 1 + len(repository) > NAME_MAX:
        total = len(registry) + 1 + len(repository)
        return _(
            "with the registry's {value}/ in front it has {total} characters, "
            "and at most {NAME_MAX} are allowed"
        ).format(value=registry[:40], total=l10n.count(total), NAME_MAX=NAME_MAX)
    if _REPOSITORY_RE.fullmatch(repository):
        return None
    rule = _(
        "use components of lower-case letters and digits, joined inside by . _ __ "
        "or -, and separated by /, e.g. lab/app"
    )
    for component in repository.split("/"):
        if not _COMPONENT_RE.fullmatch(component):
            what = (
                _("the part {echo}").format(echo=echo(component, 30))
                if component
                else _("an empty part")
            )
            return _("{what} is not allowed: {rule}").format(what=what, rule=rule)
    return rule


def host_problem(hostport: str) -> str | None:
    """What is wrong with `hostport` as a registry's `host[:port]`, or None: the grammar,
    an IPv6 address in brackets, a port from 1 to 65535. The one check for settings,
    references and registries typed in (a port out of range would fail deep in the
    socket code instead)."""
    if not hostport:
        return _("no host given")
    if not HOST_RE.fullmatch(hostport):
        return _("{echo} is not a host[:port]").format(echo=echo(hostport))
    if hostport.startswith("["):
        try:
            ipaddress.IPv6Address(hostport[1:].partition("]")[0])
        except ValueError:
            return _("{echo} has no valid IPv6 address between its brackets").format(
                echo=echo(hostport)
            )
    _unused, port = split_host(hostport)
    if port is not None and not 1 <= port <= 65535:
        return _("port {port} is out of range (1-65535)").format(port=port)
    return None


def split_host(hostport: str) -> tuple[str, int | None]:
    """`host`, `host:port`, `[::1]:5000` -> (host without brackets, port or None)."""
    if hostport.startswith("["):
        host, _unused, rest = hostport[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif hostport.count(":") == 1:
        host, port = hostport.split(":")
    else:
        host, port = hostport, ""
    return host, int(port) if port.isdigit() else None


def is_loopback(hostport: str) -> bool:
    """A loopback host, with or without a port: `localhost` (any case), `127.x.x.x`, `::1`
    or `[::1]`. The one check for settings, the registry client, doctor and the lab."""
    host, _unused = split_host(hostport.lower())  # host names are case-insensitive
    return host == "localhost" or host == "::1" or host.startswith("127.")


class ClassRefError(ValueError):
    """A class reference that does not parse; the message says how to write one."""


@dataclass(frozen=True)
class ClassRef:
    """`HOST[:PORT]/REPO`: the repository that holds a class's submissions."""

    registry: str
    repository: str

    def __str__(self) -> str:
        return f"{self.registry}/{self.repository}"

    def ref(self, tag: str) -> str:
        return f"{self}:{tag}"


def parse_class_ref(text: str) -> ClassRef:
    """`HOST[:PORT]/REPO` (no tag, no digest), or ClassRefError saying what is wrong."""
    example = _("e.g. {example} or {other}").format(
        example="localhost:5000/lab7-class", other="registry.example.edu/course/lab7"
    )
    value = text.strip()
    host, slash, repository = value.partition("/")
    if not slash or not repository:
        raise ClassRefError(
            _("{ref} names no repository: write HOST[:PORT]/REPO, {example}").format(
                ref=echo(value), example=example
            )
        )
    if "." not in host and ":" not in host and host != "localhost" and not host.startswith("["):
        raise ClassRefError(
            _(
                "{ref} does not start with a registry host: write HOST[:PORT]/REPO, {example}"
            ).format(ref=echo(value), example=example)
        )
    problem = host_problem(host)
    if problem is not None:
        raise ClassRefError(
            _("{problem}; write HOST[:PORT]/REPO, {example}").format(
                problem=problem, example=example
            )
        )
    if "@" in repository or ":" in repository:
        raise ClassRefError(
            _(
                "{ref} names a tag or digest: a class is a repository, HOST[:PORT]/REPO "
                "without one ({example})"
            ).format(ref=echo(value), example=example)
        )
    problem = repository_problem(repository, host)
    if problem is not None:
        raise ClassRefError(
            _("{repository} is not a repository name: {problem}").format(
                repository=echo(repository), problem=problem
            )
        )
    return ClassRef(host, repository)
