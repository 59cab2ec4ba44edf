"""The one loopback check, on the cases settings, the registry client and the engine checks
each handled."""

from __future__ import annotations

from pathlib import Path

import pytest

from buildtui.registry.reference import is_loopback
from buildtui.settings import load_settings

LOOPBACK = [
    "localhost",
    "localhost:5000",
    "LOCALHOST",
    "LocalHost:5000",
    "127.0.0.1",
    "127.0.0.1:5000",
    "127.1.2.3:5071",
    "::1",
    "[::1]",
    "[::1]:5000",
]
NOT_LOOPBACK = [
    "registry.example.com",
    "registry.example.com:5000",
    "10.0.0.1:5000",
    "128.0.0.1",
    "[2001:db8::1]:5000",
    "2001:db8::1",
    "mylocalhost:5000",
]


@pytest.mark.parametrize("hostport", LOOPBACK)
def test_loopback_hosts(hostport: str) -> None:
    assert is_loopback(hostport)


@pytest.mark.parametrize("hostport", NOT_LOOPBACK)
def test_other_hosts(hostport: str) -> None:
    assert not is_loopback(hostport)


@pytest.mark.parametrize("hostport", LOOPBACK)
def test_a_loopback_registry_without_a_scheme_is_plain_http(hostport: str, tmp_path: Path) -> None:
    settings = load_settings({"registry_url": hostport}, environ={}, path=tmp_path / "none.toml")
    # A bare IPv6 address is put in brackets, as URLs and image references spell it.
    shown = f"[{hostport}]" if hostport == "::1" else hostport
    assert settings.registry_url == f"http://{shown}"


@pytest.mark.parametrize("hostport", NOT_LOOPBACK[:3])
def test_another_registry_without_a_scheme_is_https(hostport: str, tmp_path: Path) -> None:
    settings = load_settings({"registry_url": hostport}, environ={}, path=tmp_path / "none.toml")
    assert settings.registry_url == f"https://{hostport}"
