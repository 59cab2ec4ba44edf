"""The service facade: addresses, equivalent commands, and what the UI imports at start-up."""

from __future__ import annotations

import subprocess
import sys

import pytest

from buildtui.registry.auth import NoCredentials
from buildtui.registry.errors import BadReference
from buildtui.registry.service import RegistryService
from buildtui.settings import Settings


def test_default_registry_from_settings_and_open_another() -> None:
    service = RegistryService(Settings(registry_url="http://localhost:5000"))
    assert (service.registry, service.base_url) == ("localhost:5000", "http://localhost:5000")
    other = service.open("registry.example:443")
    assert (other.registry, other.base_url) == (
        "registry.example:443",
        "https://registry.example:443",
    )
    marked = RegistryService(Settings(insecure_registries=("lab.example:5000",))).open(
        "lab.example:5000"
    )
    assert marked.base_url == "http://lab.example:5000"
    with pytest.raises(BadReference):
        service.open("not a host")


def test_refs_without_host_are_on_this_registry() -> None:
    service = RegistryService(Settings(registry_url="http://localhost:5000"))
    ref = service.parse("lab:cachetest")
    assert (ref.registry, ref.repository, ref.tag) == ("localhost:5000", "lab", "cachetest")


def test_equivalent_commands() -> None:
    plain = RegistryService(Settings(registry_url="http://localhost:5000"))
    assert plain.commands("localhost:5000/lab:cachetest") == [
        "docker buildx imagetools inspect localhost:5000/lab:cachetest",
        "docker manifest inspect --insecure localhost:5000/lab:cachetest",
    ]
    tls = plain.open("ghcr.io")
    assert tls.commands("ghcr.io/o/r:1")[1] == "docker manifest inspect ghcr.io/o/r:1"


def test_with_credentials_keeps_the_address() -> None:
    service = RegistryService(Settings()).open("http://reg.lab:5000")
    logged_in = service.with_credentials("bob", "pw")
    assert (logged_in.registry, logged_in.base_url) == ("reg.lab:5000", "http://reg.lab:5000")


def test_the_pane_does_not_load_httpx_at_import() -> None:
    """The app starts without httpx; the service brings it in when first used."""
    code = (
        "import sys, buildtui.app.panes.registry, buildtui.registry.present\n"
        "print('httpx' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_connection_hints_name_the_configured_container_of_the_lab_registry_only() -> None:
    settings = Settings(registry_url="http://localhost:5099", registry_container="lab-reg")
    service = RegistryService(settings, store=NoCredentials())
    assert service.client.container == "lab-reg"
    assert service.open("other.example:5000").client.container is None
