"""The registry commands behind a proxy, as docker: a recording proxy on 127.0.0.1 sees
the requests of `registry ls`, `inspect`, `rm` planning and the doctor's probe for a
registry with a non-loopback name, and none for loopback or NO_PROXY hosts.

Everything stays on the loopback interface: the registry binary listens on 127.0.0.1,
and the proxy answers for a made-up name (`registry.buildtui.test`) that only it knows
(it forwards to 127.0.0.1), as a corporate proxy resolves names the client cannot. A
NO_PROXY host is then reached directly, where the name resolves to nothing: the
command fails to connect, and the proxy has seen nothing. NO_PROXY's IP and CIDR forms
are unit-tested (tests/unit/registry/test_network.py), since reaching an IP directly
would need an address off the loopback interface.
"""

from __future__ import annotations

import http.client
import json
import os
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.integration.lab import unique
from tests.integration.registry_fixtures import LocalRegistry, start_local_registry
from tests.integration.test_registry_auth_errors import push_small_index

FAKE_NAME = "registry.buildtui.test"
FAKE_ADDRESS = "192.0.2.10"
"""An address of the documentation range that only the proxy answers for (forwarding to
127.0.0.1): the client connects to the proxy alone, never to this address."""
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te"}


class RecordingProxy:
    """A forward HTTP proxy on 127.0.0.1 that records each request line it relays."""

    def __init__(self, names: dict[str, str]) -> None:
        self.seen: list[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = 10

            def _relay(self) -> None:
                proxy.seen.append(f"{self.command} {self.path}")
                target = urlsplit(self.path)
                host = names.get(target.hostname or "", target.hostname or "")
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else None
                upstream = http.client.HTTPConnection(host, target.port or 80, timeout=10)
                try:
                    path = target.path + (f"?{target.query}" if target.query else "")
                    headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                    upstream.request(self.command, path, body=body, headers=headers)
                    answer = upstream.getresponse()
                    content = answer.read()
                finally:
                    upstream.close()
                self.send_response(answer.status)
                for key, value in answer.getheaders():
                    if key.lower() not in HOP_BY_HOP | {"content-length"}:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(content)

            do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = _relay

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> RecordingProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@pytest.fixture
def lan_registry(tmp_path: Path) -> Iterator[LocalRegistry]:
    registry = start_local_registry(tmp_path / "lan")
    try:
        push_small_index(registry.url, "lab", "v1")
        yield registry
    finally:
        registry.stop()


@pytest.fixture
def proxy(lan_registry: LocalRegistry) -> Iterator[RecordingProxy]:
    with RecordingProxy({FAKE_NAME: "127.0.0.1", FAKE_ADDRESS: "127.0.0.1"}) as recording:
        yield recording


def buildtui(
    *argv: str, proxy: str, no_proxy: str = "", insecure: str = ""
) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k.lower() not in ("http_proxy", "https_proxy", "no_proxy", "all_proxy")
        and not k.startswith("BUILDTUI_")
    }
    env.update(HTTP_PROXY=proxy, HTTPS_PROXY=proxy, NO_PROXY=no_proxy)
    env["BUILDTUI_INSECURE_REGISTRIES"] = insecure
    return subprocess.run(
        [sys.executable, "-m", "buildtui", *argv],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


def test_registry_commands_and_the_doctor_go_through_the_proxy(
    lan_registry: LocalRegistry, proxy: RecordingProxy
) -> None:
    host = f"{FAKE_NAME}:{lan_registry.port}"
    listed = buildtui("registry", "ls", host, "--json", proxy=proxy.url, insecure=host)
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout)["repositories"][0]["name"] == "lab"
    assert f"GET http://{host}/v2/_catalog?n=1000" in proxy.seen
    assert f"GET http://{host}/v2/lab/tags/list" in proxy.seen

    proxy.seen.clear()
    inspected = buildtui("inspect", f"{host}/lab:v1", "--json", proxy=proxy.url, insecure=host)
    assert inspected.returncode == 0, inspected.stderr
    # A HEAD of the tag is enough when `registry ls` left its manifest in the disk cache.
    by_tag = f"http://{host}/v2/lab/manifests/v1"
    assert {f"GET {by_tag}", f"HEAD {by_tag}"} & set(proxy.seen), proxy.seen

    proxy.seen.clear()
    registry_url = f"--registry=http://{host}"
    container = f"--registry-container={unique('buildtui-absent')}"
    planned = buildtui(
        registry_url, container, "rm", "--dry-run", "lab:v1", proxy=proxy.url, insecure=host
    )
    assert "lab:v1" in planned.stdout, planned.stderr
    assert f"GET http://{host}/v2/lab/manifests/v1" in proxy.seen

    proxy.seen.clear()
    doctor = buildtui(registry_url, container, "doctor", proxy=proxy.url)
    assert f"registry answers at http://{host}" in doctor.stdout, doctor.stdout
    assert proxy.seen[0] == f"GET http://{host}/v2/"
    assert any(line.startswith(f"DELETE http://{host}/v2/buildtui-probe/") for line in proxy.seen)


def test_loopback_and_no_proxy_hosts_go_direct(
    lan_registry: LocalRegistry, proxy: RecordingProxy, tmp_path: Path
) -> None:
    host = f"{FAKE_NAME}:{lan_registry.port}"
    for no_proxy in (FAKE_NAME, ".buildtui.test", f"other.example,{host}", "*"):
        listed = buildtui(
            "registry", "ls", host, "--json", proxy=proxy.url, no_proxy=no_proxy, insecure=host
        )
        # Direct, the made-up name resolves to nothing: a clear failure, no proxy request.
        assert listed.returncode == 1, (no_proxy, listed.stdout, listed.stderr)
        assert "Traceback" not in listed.stderr
        assert FAKE_NAME in listed.stderr
        assert proxy.seen == [], no_proxy
    doctor = buildtui(
        f"--registry=http://{host}",
        f"--registry-container={unique('buildtui-absent')}",
        "doctor",
        proxy=proxy.url,
        no_proxy=f"other.example,{host}",
    )
    assert f"registry answers at http://{host}" not in doctor.stdout, doctor.stdout
    assert proxy.seen == []
    # Loopback never goes through a proxy, whatever NO_PROXY says.
    loopback = start_local_registry(tmp_path / "loopback")
    try:
        push_small_index(loopback.url, "lab", "v1")
        inspected = buildtui("inspect", f"localhost:{loopback.port}/lab:v1", proxy=proxy.url)
        assert inspected.returncode == 0, inspected.stderr
        shouted = buildtui("inspect", f"LOCALHOST:{loopback.port}/lab:v1", proxy=proxy.url)
        assert shouted.returncode == 0, shouted.stderr
    finally:
        loopback.stop()
    assert proxy.seen == []


def openssl(*args: str, cwd: Path) -> None:
    if subprocess.run(["which", "openssl"], capture_output=True, check=False).returncode:
        pytest.skip("openssl is needed to make a test CA")
    subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, check=True, timeout=60)


def make_ca_and_server_cert(folder: Path, ip: str) -> tuple[Path, Path, Path]:
    """A throw-away CA and a certificate it signed for `ip`: (ca.crt, server.crt, server.key)."""
    folder.mkdir(parents=True)
    openssl(
        *("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
        *("-subj", "/CN=buildtui test CA", "-keyout", "ca.key", "-out", "ca.crt"),
        cwd=folder,
    )
    openssl(
        *("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={ip}"),
        *("-keyout", "server.key", "-out", "server.csr"),
        cwd=folder,
    )
    (folder / "san.ext").write_text(f"subjectAltName=IP:{ip}\n")
    openssl(
        *("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key"),
        *("-CAcreateserial", "-days", "2", "-extfile", "san.ext", "-out", "server.crt"),
        cwd=folder,
    )
    return folder / "ca.crt", folder / "server.crt", folder / "server.key"


def no_proxy_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k.lower() not in ("http_proxy", "https_proxy", "no_proxy", "all_proxy", "ssl_cert_file")
        and not k.startswith("BUILDTUI_")
    }
    return {**env, **extra}


def test_a_tls_registry_is_trusted_through_certs_d(tmp_path: Path) -> None:
    ca, certificate, key = make_ca_and_server_cert(tmp_path / "pki", "127.0.0.1")
    registry = start_local_registry(tmp_path / "tls", tls=(certificate, key))
    try:
        trusted = ssl.create_default_context(cafile=str(ca))
        push_small_index(registry.url, "lab", "v1", verify=trusted)
        certs_d = tmp_path / "certs.d"
        certs_d.mkdir()
        argv = [sys.executable, "-m", "buildtui", f"--registry={registry.url}", "inspect"]

        def inspect(**env: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [*argv, "lab:v1", "--json"],
                capture_output=True,
                text=True,
                timeout=60,
                env=no_proxy_env(BUILDTUI_CERTS_D=str(certs_d), **env),
                check=False,
            )

        untrusted = inspect()
        assert untrusted.returncode == 1
        assert "Traceback" not in untrusted.stderr
        assert f"TLS with {registry.host} failed" in untrusted.stderr
        assert str(certs_d / registry.host / "ca.crt") in untrusted.stderr
        # SSL_CERT_FILE still works, as for docker and curl.
        by_file = inspect(SSL_CERT_FILE=str(ca))
        assert by_file.returncode == 0, by_file.stderr
        # Docker's way: certs.d/<host:port>/ca.crt.
        (certs_d / registry.host).mkdir()
        (certs_d / registry.host / "ca.crt").write_bytes(ca.read_bytes())
        trusted_run = inspect()
        assert trusted_run.returncode == 0, trusted_run.stderr
        assert json.loads(trusted_run.stdout)["kind"] == "index"
    finally:
        registry.stop()


def test_host_names_ignore_case(tmp_path: Path) -> None:
    registry = start_local_registry(tmp_path / "case")
    try:
        push_small_index(registry.url, "lab", "cachetest")
        shouting = f"LOCALHOST:{registry.port}/lab:cachetest"

        def buildtui_plain(*argv: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, "-m", "buildtui", *argv],
                capture_output=True,
                text=True,
                timeout=60,
                env=no_proxy_env(),
                check=False,
            )

        inspected = buildtui_plain("inspect", shouting, "--json")
        assert inspected.returncode == 0, inspected.stderr
        assert json.loads(inspected.stdout)["kind"] == "index"
        # The lab registry named in another case is still the lab registry.
        planned = buildtui_plain(
            f"--registry=http://localhost:{registry.port}",
            f"--registry-container={unique('buildtui-absent')}",
            "rm",
            "--dry-run",
            shouting,
        )
        assert "but the clean-up works on" not in planned.stderr
        assert "lab:cachetest" in planned.stdout, planned.stderr
    finally:
        registry.stop()


def fake_docker_info(folder: Path, registry_config: Mapping[str, object]) -> str:
    """A PATH whose `docker` prints this RegistryConfig for `docker info` (and fails else)."""
    folder.mkdir()
    script = folder / "docker"
    script.write_text(
        "#!/bin/sh\n"
        'case "$*" in *"info --format"*) '
        f"echo '{json.dumps(registry_config)}'; exit 0;; esac\n"
        "exit 1\n"
    )
    script.chmod(0o755)
    return f"{folder}{os.pathsep}{os.environ['PATH']}"


def test_the_engines_insecure_registries_are_plain_http(
    lan_registry: LocalRegistry, proxy: RecordingProxy, tmp_path: Path
) -> None:
    host = f"{FAKE_NAME}:{lan_registry.port}"
    insecure_by_name = {
        "IndexConfigs": {host: {"Name": host, "Secure": False, "Mirrors": [], "Official": False}},
        "InsecureRegistryCIDRs": ["127.0.0.0/8"],
    }
    env = no_proxy_env(HTTP_PROXY=proxy.url, HTTPS_PROXY=proxy.url)
    argv = [sys.executable, "-m", "buildtui", "registry", "ls", "--json"]
    listed = subprocess.run(
        [*argv, host.upper()],
        capture_output=True,
        text=True,
        timeout=60,
        env={**env, "PATH": fake_docker_info(tmp_path / "by-name", insecure_by_name)},
        check=False,
    )
    assert listed.returncode == 0, listed.stderr
    assert f"GET http://{host}/v2/_catalog?n=1000" in proxy.seen  # httpx lower-cases it
    # Without the engine's word it is HTTPS (which this proxy cannot tunnel): no plain GET.
    proxy.seen.clear()
    secure = subprocess.run(
        [*argv, host],
        capture_output=True,
        text=True,
        timeout=60,
        env={**env, "PATH": fake_docker_info(tmp_path / "none", {"IndexConfigs": {}})},
        check=False,
    )
    assert secure.returncode == 1
    assert not any(line.startswith("GET http://") for line in proxy.seen)
    # By address: InsecureRegistryCIDRs (an address only the proxy answers for).
    proxy.seen.clear()
    by_address = f"{FAKE_ADDRESS}:{lan_registry.port}"
    by_cidr = {"IndexConfigs": {}, "InsecureRegistryCIDRs": ["192.0.2.0/24"]}
    through = subprocess.run(
        [*argv, by_address],
        capture_output=True,
        text=True,
        timeout=60,
        env={**env, "PATH": fake_docker_info(tmp_path / "by-cidr", by_cidr)},
        check=False,
    )
    assert through.returncode == 0, through.stderr
    assert json.loads(through.stdout)["repositories"][0]["name"] == "lab"
    assert f"GET http://{by_address}/v2/_catalog?n=1000" in proxy.seen


def test_the_real_engines_registry_config_is_read(engine: None) -> None:
    from buildtui.engine.registries import engine_registries
    from buildtui.settings import Settings

    shown = subprocess.run(
        ["docker", "info", "--format", "{{json .RegistryConfig.InsecureRegistryCIDRs}}"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    read = engine_registries(Settings())
    assert read.error is None
    assert sorted(str(cidr) for cidr in read.cidrs) == sorted(json.loads(shown.stdout) or [])
