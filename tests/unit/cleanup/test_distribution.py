"""The registry's version: read from `registry --version` (2.8 as the lab's image answers,
3 as the official registry:3 does), and what it allows (-m only on 3)."""

from __future__ import annotations

import pytest

from buildtui.cleanup.distribution import (
    from_api,
    from_binary,
    minus_m_allowed,
    parse_version,
)


@pytest.mark.parametrize(
    ("line", "version"),
    [
        ("registry github.com/docker/distribution 2.8.2+ds1", (2, 8, 2)),
        ("/bin/registry github.com/docker/distribution v2.8.3", (2, 8, 3)),
        ("registry github.com/docker/distribution v2.5.1", (2, 5, 1)),
        ("registry github.com/distribution/distribution/v3 v3.0.0", (3, 0, 0)),
        ("registry github.com/distribution/distribution/v3 3.0.0-rc.2", (3, 0, 0)),
        ("registry github.com/distribution/distribution/v3 (devel)", (3, 0, 0)),
        ("registry github.com/docker/distribution (devel)", None),
        ("", None),
    ],
)
def test_versions_from_registry_version(line: str, version: tuple[int, int, int] | None) -> None:
    assert parse_version(line) == version


def test_only_distribution_3_may_delete_untagged() -> None:
    v2 = from_binary("registry github.com/docker/distribution 2.8.2+ds1\n", "registry7")
    v3 = from_binary("registry github.com/distribution/distribution/v3 v3.0.0\n", "reg3")

    assert not v2.deletes_untagged_safely and v3.deletes_untagged_safely
    assert minus_m_allowed(v3) is None
    assert minus_m_allowed(v2) == (
        "this registry is distribution 2.8.2 (registry --version in registry7)"
    )
    assert v3.describe() == (
        "distribution 3.0.0 (registry --version in reg3: "
        "registry github.com/distribution/distribution/v3 v3.0.0)"
    )


def test_the_http_api_alone_tells_no_version() -> None:
    api = from_api("registry/2.0")
    assert api.version is None and not api.deletes_untagged_safely
    assert "version is not known" in (minus_m_allowed(api) or "")
    assert api.describe() == (
        "distribution version unknown: the HTTP API only (registry/2.0) tells no version"
    )
