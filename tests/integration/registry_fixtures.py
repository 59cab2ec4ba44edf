"""The distribution registry binary run directly on a free port, and raw httpx pushes.

`start_local_registry` writes a temporary config (filesystem storage in a temp dir,
deletion on, optional htpasswd basic auth) and runs `/usr/bin/docker-registry serve`
(Debian's build of distribution 2.8, the same binary as in the registry:2 image).
`Pusher` uploads blobs and manifests with plain HTTP requests, so tests and the
benchmark can fill a registry without building anything.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

REGISTRY_BINARY = "/usr/bin/docker-registry"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_htpasswd(path: Path, users: dict[str, str]) -> Path:
    """An htpasswd file with bcrypt hashes (the only kind distribution accepts)."""
    bcrypt = pytest.importorskip("bcrypt", reason="bcrypt is needed to write an htpasswd file")
    lines = [
        f"{user}:{bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()}"
        for user, password in users.items()
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


@dataclass
class LocalRegistry:
    """A registry binary serving on 127.0.0.1:PORT from a temp directory."""

    port: int
    root: Path
    process: subprocess.Popen[bytes]
    address: str = "127.0.0.1"
    https: bool = False

    @property
    def host(self) -> str:
        return f"{self.address}:{self.port}"

    @property
    def url(self) -> str:
        return f"{'https' if self.https else 'http'}://{self.host}"

    def ref(self, repository: str, tag: str = "latest") -> str:
        return f"{self.host}/{repository}:{tag}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_local_registry(
    workdir: Path,
    *,
    htpasswd: Path | None = None,
    delete: bool = True,
    address: str = "127.0.0.1",
    tls: tuple[Path, Path] | None = None,
) -> LocalRegistry:
    """`address`: the IP it listens on; `tls`: (certificate, key) files to serve HTTPS with."""
    if not os.access(REGISTRY_BINARY, os.X_OK):
        message = f"{REGISTRY_BINARY} is missing (apt-get install docker-registry)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    port = free_port()
    storage = workdir / "storage"
    storage.mkdir(parents=True, exist_ok=True)
    config: dict[str, Any] = {
        "version": 0.1,
        "log": {"level": "error", "accesslog": {"disabled": True}},
        "storage": {
            "filesystem": {"rootdirectory": str(storage)},
            "delete": {"enabled": delete},
            "cache": {"blobdescriptor": "inmemory"},  # as the registry:2 image's config
        },
        "http": {"addr": f"{address}:{port}"},
    }
    if tls is not None:
        config["http"]["tls"] = {"certificate": str(tls[0]), "key": str(tls[1])}
    if htpasswd is not None:
        config["auth"] = {"htpasswd": {"realm": "buildtui-test", "path": str(htpasswd)}}
    config_path = workdir / "config.yml"
    config_path.write_text(json.dumps(config))  # JSON is YAML
    log = (workdir / "registry.log").open("wb")
    process = subprocess.Popen(
        [REGISTRY_BINARY, "serve", str(config_path)], stdout=log, stderr=subprocess.STDOUT
    )
    registry = LocalRegistry(port, storage, process, address, https=tls is not None)
    deadline = time.monotonic() + 15
    while True:
        try:
            answer = httpx.get(f"{registry.url}/v2/", timeout=1, verify=False)
            if answer.status_code in (200, 401):
                return registry
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            registry.stop()
            raise AssertionError(
                f"the registry binary did not start: {(workdir / 'registry.log').read_text()}"
            )
        time.sleep(0.05)


@pytest.fixture
def local_registry(tmp_path: Path) -> Iterator[LocalRegistry]:
    """A fresh registry binary on a free port, deletion on, no auth."""
    registry = start_local_registry(tmp_path / "registry")
    try:
        yield registry
    finally:
        registry.stop()
        shutil.rmtree(tmp_path / "registry", ignore_errors=True)


@pytest.fixture
def auth_registry(tmp_path: Path) -> Iterator[LocalRegistry]:
    """A registry binary with htpasswd basic auth: user `student`, password `lab7-secret`."""
    htpasswd = make_htpasswd(tmp_path / "htpasswd", {"student": "lab7-secret"})
    registry = start_local_registry(tmp_path / "auth-registry", htpasswd=htpasswd)
    try:
        yield registry
    finally:
        registry.stop()


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Pusher:
    """Uploads blobs and manifests with the registry API (monolithic POST+PUT uploads)."""

    def __init__(
        self, url: str, auth: tuple[str, str] | None = None, verify: bool | ssl.SSLContext = True
    ) -> None:
        self.http = httpx.Client(base_url=url, auth=auth, timeout=30, verify=verify)
        self.requests = 0

    def close(self) -> None:
        self.http.close()

    def blob(self, repository: str, data: bytes, media_type: str) -> dict[str, Any]:
        digest = sha256(data)
        descriptor = {"mediaType": media_type, "digest": digest, "size": len(data)}
        self.requests += 1
        if self.http.head(f"/v2/{repository}/blobs/{digest}").status_code == 200:
            return descriptor
        self.requests += 2
        start = self.http.post(f"/v2/{repository}/blobs/uploads/")
        assert start.status_code == 202, start.text
        location = start.headers["location"]
        sep = "&" if "?" in location else "?"
        done = self.http.put(
            f"{location}{sep}digest={digest}",
            content=data,
            headers={"Content-Type": "application/octet-stream"},
        )
        assert done.status_code == 201, done.text
        return descriptor

    def manifest(
        self, repository: str, reference: str, document: dict[str, Any], media_type: str
    ) -> dict[str, Any]:
        raw = json.dumps(document, separators=(",", ":")).encode()
        self.requests += 1
        answer = self.http.put(
            f"/v2/{repository}/manifests/{reference}",
            content=raw,
            headers={"Content-Type": media_type},
        )
        assert answer.status_code == 201, answer.text
        assert answer.headers["docker-content-digest"] == sha256(raw)
        return {"mediaType": media_type, "digest": sha256(raw), "size": len(raw)}


MANIFEST_TYPES = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.docker.distribution.manifest.v2+json",
)


def copy_image(source_url: str, target: Pusher, repository: str, reference: str) -> str:
    """Copy a tag (index, children, blobs) byte for byte; digests stay the same."""
    with httpx.Client(base_url=source_url, timeout=60) as source:
        return _copy(source, target, repository, reference)


def _copy(source: httpx.Client, target: Pusher, repository: str, reference: str) -> str:
    answer = source.get(
        f"/v2/{repository}/manifests/{reference}", headers={"Accept": ", ".join(MANIFEST_TYPES)}
    )
    answer.raise_for_status()
    raw, media_type = answer.content, answer.headers["content-type"]
    document = json.loads(raw)
    for entry in document.get("manifests", []):
        if entry["mediaType"] in MANIFEST_TYPES:
            _copy(source, target, repository, entry["digest"])
        else:  # a cache index lists blobs
            _copy_blob(source, target, repository, entry)
    for entry in [document.get("config"), *document.get("layers", [])]:
        if entry:
            _copy_blob(source, target, repository, entry)
    target.requests += 1
    put = target.http.put(
        f"/v2/{repository}/manifests/{reference}",
        content=raw,
        headers={"Content-Type": media_type},
    )
    assert put.status_code == 201, put.text
    return sha256(raw)


def _copy_blob(
    source: httpx.Client, target: Pusher, repository: str, entry: dict[str, Any]
) -> None:
    data = source.get(f"/v2/{repository}/blobs/{entry['digest']}", follow_redirects=True)
    data.raise_for_status()
    assert sha256(data.content) == entry["digest"]
    target.blob(repository, data.content, entry["mediaType"])
