"""The service facade: addresses, equivalent commands, and what the UI imports at start-up."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest

from buildtui.registry.auth import NoCredentials
from buildtui.registry.browser import equivalent_commands
from buildtui.registry.errors import BadReference, NotFound
from buildtui.registry.models import OCI_INDEX, Kind
from buildtui.registry.service import RegistryService
from buildtui.settings import Settings
from tests.fakes.registry import fake_service, lab_registry


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


@pytest.mark.parametrize(
    ("kind", "plain_http", "loopback", "expected"),
    [
        (Kind.INDEX, True, True, [
            "docker buildx imagetools inspect localhost:5000/lab:cachetest",
            "docker manifest inspect --insecure localhost:5000/lab:cachetest",
        ]),
        (Kind.ATTESTATION, False, False, [
            "docker buildx imagetools inspect localhost:5000/lab:cachetest",
            "docker manifest inspect localhost:5000/lab:cachetest",
        ]),
        # docker manifest inspect answers a cache (index form) with a 500: not offered.
        (Kind.CACHE, True, True, [
            "docker buildx imagetools inspect --raw localhost:5000/lab:cachetest",
        ]),
        # imagetools tries HTTPS on a plain-HTTP registry that is not on this machine.
        (Kind.IMAGE, True, False, [
            "docker manifest inspect --insecure localhost:5000/lab:cachetest",
        ]),
        (Kind.CACHE, True, False, [
            "curl -s -H 'Accept: application/vnd.oci.image.index.v1+json' "
            "http://reg.lab:5000/v2/lab/manifests/cachetest",
        ]),
    ],
)  # fmt: skip
def test_equivalent_commands_work_for_the_kind_and_the_registry(
    kind: Kind, plain_http: bool, loopback: bool, expected: list[str]
) -> None:
    commands = equivalent_commands(
        "localhost:5000/lab:cachetest",
        kind,
        plain_http=plain_http,
        loopback=loopback,
        manifest_url="http://reg.lab:5000/v2/lab/manifests/cachetest",
        media_type=OCI_INDEX,
    )
    assert commands == expected


async def test_equivalent_commands_of_a_service() -> None:
    """The fake registry is plain HTTP and not on this machine: no imagetools (it would
    try HTTPS), and the cache's document by the GET the pane makes."""
    registry = lab_registry()
    plain = fake_service(registry)
    report = await plain.inspect("lab", "cachetest")
    assert plain.commands(report) == [
        f"docker manifest inspect --insecure {registry.host}/lab:cachetest",
    ]
    cache = await plain.inspect("cachedata1", "latest")
    assert plain.commands(cache) == [
        f"curl -s -H 'Accept: {cache.manifest.media_type}' "
        f"http://{registry.host}/v2/cachedata1/manifests/latest"
    ]
    await plain.aclose()


def test_with_credentials_keeps_the_address() -> None:
    service = RegistryService(Settings()).open("http://reg.lab:5000")
    logged_in = service.with_credentials("bob", "pw")
    assert (logged_in.registry, logged_in.base_url) == ("reg.lab:5000", "http://reg.lab:5000")


def test_the_pane_does_not_load_httpx_at_import() -> None:
    """The app starts without httpx; the service brings it in when first used."""
    code = (
        "import sys, buildtui.app.registry.pane, buildtui.registry.present\n"
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


@pytest.mark.parametrize(
    ("settings", "address", "command"),
    [
        (Settings(), None, "buildtui registry ls"),
        (
            Settings(registry_url="http://localhost:5391", registry_container="class-registry"),
            None,
            "buildtui --registry http://localhost:5391 --registry-container class-registry "
            "registry ls",
        ),
        (
            Settings(),
            "registry.example:443",
            "buildtui --registry registry.example:443 registry ls",
        ),
    ],
)
async def test_an_unknown_repository_proposes_listing_this_registry(
    settings: Settings, address: str | None, command: str
) -> None:
    def unknown(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json={"errors": [{"code": "NAME_UNKNOWN"}]})

    service = RegistryService(settings, transport=httpx.MockTransport(unknown))
    if address is not None:
        service = service.open(address)
    with pytest.raises(NotFound) as raised:
        await service.tags("nope")
    await service.aclose()
    assert str(raised.value).endswith(f"(list them with `{command}`)")
