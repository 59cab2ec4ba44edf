"""Which distribution (registry) version serves the registry, and what that allows.

Over HTTP a registry says little: `Docker-Distribution-Api-Version: registry/2.0` is the
API's version, the same for distribution 2.8 and 3. The binary in the registry's container
says its own (`registry --version`: `registry github.com/docker/distribution 2.8.2+ds1`,
`registry github.com/distribution/distribution/v3 v3.0.0`), and that is the collector
that runs: when the container is known, its answer is authoritative.

What depends on it: `garbage-collect --delete-untagged` (`-m`) on distribution 2.8
deletes the platform manifests of tagged multi-arch indexes (distribution#3178); v3
fixed that, so there `buildtui gc -m` may run it. Anything else (an unknown version, a
registry known over HTTP only) is treated as 2.8.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from buildtui.i18n import _

_NUMBER = re.compile(r"(?<![\w.])v?(\d{1,4})\.(\d{1,4})(?:\.(\d{1,4}))?")
_V3_PACKAGE = re.compile(r"/distribution/v(\d{1,3})\b")
FIXED_IN = (3, 0, 0)
"""The first version whose `--delete-untagged` keeps what tagged indexes reference."""


def parse_version(text: str) -> tuple[int, int, int] | None:
    """(major, minor, patch) from `registry --version`'s line, or None."""
    line = text.strip().splitlines()[0][:300] if text.strip() else ""
    found = _NUMBER.search(line)
    if found is not None:
        return int(found.group(1)), int(found.group(2)), int(found.group(3) or 0)
    package = _V3_PACKAGE.search(line)
    if package is not None:
        return int(package.group(1)), 0, 0
    return None


@dataclass(frozen=True)
class RegistryVersion:
    """What is known of the registry's version, and from where."""

    version: tuple[int, int, int] | None
    text: str
    """What the source said (the `--version` line, or the API header)."""
    source: str
    """`registry --version in NAME`, or `the HTTP API only`."""
    api: str = ""
    """The `Docker-Distribution-Api-Version` header (`registry/2.0`), when it was asked."""

    @property
    def number(self) -> str:
        if self.version is None:
            return "unknown"
        return ".".join(str(part) for part in self.version)

    @property
    def deletes_untagged_safely(self) -> bool:
        """Whether `garbage-collect --delete-untagged` keeps tagged indexes whole."""
        return self.version is not None and self.version >= FIXED_IN

    def describe(self) -> str:
        if self.version is None:
            api = f" ({self.api})" if self.api else ""
            return _("distribution version unknown: {source}{api} tells no version").format(
                source=self.source, api=api
            )
        return _("distribution {number} ({source}: {value})").format(
            number=self.number, source=self.source, value=self.text.strip()[:120]
        )


def from_binary(text: str, container: str) -> RegistryVersion:
    return RegistryVersion(
        parse_version(text),
        text.strip(),
        _("registry --version in {container}").format(container=container),
    )


def from_api(header: str) -> RegistryVersion:
    return RegistryVersion(None, header, _("the HTTP API only"), api=header)


def minus_m_allowed(version: RegistryVersion | None) -> str | None:
    """None when `--delete-untagged` may run on this registry; else why not."""
    if version is None or version.version is None:
        return _(
            "the registry's version is not known (its container's `registry "
            "--version` did not answer); -m is run only on distribution 3 or later"
        )
    if not version.deletes_untagged_safely:
        return _("this registry is distribution {number} ({source})").format(
            number=version.number, source=version.source
        )
    return None
