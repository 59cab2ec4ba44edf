"""The one HTTP stack: proxies as docker picks them, certs.d trust, the debug log."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from buildtui import cli, logs
from buildtui.registry.errors import TLSError, Unreachable
from buildtui.registry.network import Network, ProxyConfig
from tests.fakes.hostile_registry import HostileRegistry

PROXY = "http://proxy.corp:3128"


def proxy_for(url: str, no_proxy: str = "", **environ: str) -> str | None:
    config = ProxyConfig.from_environ(
        {"HTTP_PROXY": PROXY, "HTTPS_PROXY": PROXY, "NO_PROXY": no_proxy, **environ}
    )
    return config.proxy_for(httpx.URL(url))


@pytest.mark.parametrize(
    ("url", "no_proxy", "proxied"),
    [
        ("https://registry.example:5000/v2/", "", True),
        ("http://localhost:5000/v2/", "", False),
        ("http://LOCALHOST:5000/v2/", "", False),
        ("http://127.0.0.1:5000/v2/", "", False),
        ("http://127.8.9.10:5000/v2/", "", False),
        ("http://[::1]:5000/v2/", "", False),
        ("https://registry.example/v2/", "*", False),
        ("https://registry.example/v2/", "registry.example", False),
        ("https://sub.registry.example/v2/", "registry.example", False),
        ("https://registry.example/v2/", ".registry.example", True),
        ("https://sub.registry.example/v2/", ".registry.example", False),
        ("https://sub.registry.example/v2/", "*.registry.example", False),
        ("https://notregistry.example/v2/", "registry.example", True),
        ("https://Registry.Example:5000/v2/", "registry.example:5000", False),
        ("https://registry.example:5001/v2/", "registry.example:5000", True),
        ("https://registry.example/v2/", "registry.example:443", False),
        ("http://10.1.2.3:5000/v2/", "10.0.0.0/8", False),
        ("http://11.1.2.3:5000/v2/", "10.0.0.0/8", True),
        ("http://10.1.2.3:5000/v2/", "10.1.2.3", False),
        ("http://10.1.2.3:5000/v2/", "10.1.2.3:6000", True),
        ("http://[fd00::1]:5000/v2/", "fd00::/8", False),
        ("https://registry.example/v2/", " other.example , registry.example ", False),
    ],
)
def test_which_requests_go_through_the_proxy(url: str, no_proxy: str, proxied: bool) -> None:
    assert (proxy_for(url, no_proxy) == PROXY) is proxied


def test_proxy_variables_as_docker_reads_them() -> None:
    both = {"HTTPS_PROXY": "", "HTTP_PROXY": ""}
    lower = ProxyConfig.from_environ({**both, "https_proxy": "corp:8080", "no_proxy": "x"})
    assert lower.proxy_for(httpx.URL("https://r.example/")) == "http://corp:8080"
    assert lower.proxy_for(httpx.URL("http://r.example/")) is None  # HTTP_PROXY unset
    upper_first = ProxyConfig.from_environ(
        {"HTTP_PROXY": "http://upper:1", "http_proxy": "http://lower:2"}
    )
    assert upper_first.proxy_for(httpx.URL("http://r.example/")) == "http://upper:1"
    assert ProxyConfig.from_environ({}).proxy_for(httpx.URL("https://r.example/")) is None


def test_a_socks_proxy_is_refused_with_what_to_do() -> None:
    with pytest.raises(Unreachable, match=r"HTTPS_PROXY is a socks5:// proxy.*NO_PROXY"):
        proxy_for("https://r.example/v2/", HTTPS_PROXY="socks5://127.0.0.1:1080")


def test_plain_http_context_loads_no_trust_store_and_would_refuse_any_certificate() -> None:
    network = Network(environ={}, certs_dirs=())
    context = network.plain_context()
    # Loading the system's CAs is what made a first plain request slow; none are loaded.
    assert context.cert_store_stats()["x509_ca"] == 0
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname
    assert network.plain_context() is context


def test_certs_d_files_and_a_broken_one(tmp_path: Path) -> None:
    folder = tmp_path / "certs.d" / "r.example:5000"
    folder.mkdir(parents=True)
    (folder / "ca.crt").write_text("not a certificate\n")
    network = Network(environ={}, certs_dirs=(tmp_path / "certs.d",))
    assert network.ca_files("R.example:5000") == [folder / "ca.crt"]
    assert network.ca_files("other:5000") == []
    with pytest.raises(TLSError, match=r"ca\.crt .*PEM certificate"):
        network.ssl_context("r.example:5000")
    hint = Network(environ={}, certs_dirs=(tmp_path / "empty",)).trust_hint("r.example:5000")
    assert str(tmp_path / "empty" / "r.example:5000" / "ca.crt") in hint


@pytest.fixture
def hostile() -> Iterator[HostileRegistry]:
    registry = HostileRegistry()
    with registry.running():
        yield registry


def test_debug_log_has_every_request_of_registry_ls(
    hostile: HostileRegistry, capsys: pytest.CaptureFixture[str]
) -> None:
    image = hostile.image("lab")
    hostile.index("lab", "v1", [image])
    hostile.catalog("lab", tags={"lab": ["v1"]})
    try:
        assert cli.main(["--debug", "--registry", hostile.url, "registry", "ls"]) == 0
    finally:
        logs.configure("off")
    assert "lab:v1" in capsys.readouterr().out
    text = logs.log_path().read_text()
    for line in (
        f"http: GET {hostile.url}/v2/_catalog?n=1000 -> 200 in ",
        f"http: GET {hostile.url}/v2/lab/tags/list -> 200 in ",
        f"http: GET {hostile.url}/v2/lab/manifests/v1 -> 200 in ",
        f"http: GET {hostile.url}/v2/lab/manifests/{image['digest']} -> 200 in ",
    ):
        assert line in text
    assert text.count("http: ") == len(hostile.requests)
