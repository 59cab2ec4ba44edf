"""Real registries that refuse: htpasswd basic auth, deletion off, TLS mismatch, gone, missing.

The registry binary runs directly on a free port with a temporary config (see
registry_fixtures.py); content is pushed with plain HTTP requests.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import ssl
import stat
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from buildtui.registry.auth import DockerConfigStore, NoCredentials
from buildtui.registry.client import RegistryClient
from buildtui.registry.errors import (
    AuthError,
    DeleteDisabled,
    ManifestTooLarge,
    NotFound,
    TLSError,
    Unreachable,
)
from buildtui.registry.models import Kind
from buildtui.registry.service import RegistryService
from buildtui.settings import Settings
from tests.integration.registry_fixtures import (
    LocalRegistry,
    Pusher,
    auth_registry,
    local_registry,
    start_local_registry,
)

__all__ = ["auth_registry", "local_registry"]

USER, PASSWORD = "student", "lab7-secret"
T = TypeVar("T")


def run(service: RegistryService, work: Callable[[RegistryService], Awaitable[T]]) -> T:
    async def main() -> T:
        try:
            return await work(service)
        finally:
            await service.aclose()

    return asyncio.run(main())


def push_small_index(
    url: str,
    repository: str,
    tag: str,
    auth: tuple[str, str] | None = None,
    verify: bool | ssl.SSLContext = True,
) -> str:
    """An image manifest and an index over it, pushed with raw requests; returns its digest."""
    pusher = Pusher(url, auth, verify)
    try:
        config = pusher.blob(
            repository,
            json.dumps(
                {
                    "architecture": "amd64",
                    "os": "linux",
                    "rootfs": {"type": "layers", "diff_ids": []},
                }
            ).encode(),
            "application/vnd.oci.image.config.v1+json",
        )
        layer = pusher.blob(
            repository, b"layer bytes", "application/vnd.oci.image.layer.v1.tar+gzip"
        )
        image = pusher.manifest(
            repository,
            "amd64",
            {
                "schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": config,
                "layers": [layer],
            },
            "application/vnd.oci.image.manifest.v1+json",
        )
        image["platform"] = {"os": "linux", "architecture": "amd64"}
        index = pusher.manifest(
            repository,
            tag,
            {
                "schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.index.v1+json",
                "manifests": [image],
            },
            "application/vnd.oci.image.index.v1+json",
        )
        return str(index["digest"])
    finally:
        pusher.close()


@pytest.fixture
def filled_auth_registry(auth_registry: LocalRegistry) -> Iterator[LocalRegistry]:
    push_small_index(auth_registry.url, "lab", "v1", (USER, PASSWORD))
    yield auth_registry


def settings_for(registry: LocalRegistry) -> Settings:
    return Settings(registry_url=registry.url)


def test_anonymous_is_refused_and_says_so(
    filled_auth_registry: LocalRegistry, tmp_path: Path
) -> None:
    service = RegistryService(
        settings_for(filled_auth_registry), store=DockerConfigStore(tmp_path / "none.json")
    )
    with pytest.raises(AuthError) as caught:
        run(service, lambda s: s.repositories())
    assert caught.value.status == 401
    assert "anonymous" in str(caught.value)
    assert f"docker login {filled_auth_registry.host}" in str(caught.value)


def test_wrong_password_names_the_user(filled_auth_registry: LocalRegistry) -> None:
    service = RegistryService(settings_for(filled_auth_registry), store=NoCredentials())
    service = service.with_credentials(USER, "wrong")
    with pytest.raises(AuthError) as caught:
        run(service, lambda s: s.tags("lab"))
    assert "user 'student' (typed in)" in str(caught.value)
    assert "wrong" not in str(caught.value)


def test_typed_credentials_work(filled_auth_registry: LocalRegistry) -> None:
    service = RegistryService(settings_for(filled_auth_registry), store=NoCredentials())
    service = service.with_credentials(USER, PASSWORD)
    report = run(service, lambda s: s.inspect("lab", "v1"))
    assert report.kind is Kind.INDEX
    assert report.badge == "linux/amd64"


def test_docker_config_credentials(filled_auth_registry: LocalRegistry, tmp_path: Path) -> None:
    config = tmp_path / "docker" / "config.json"
    config.parent.mkdir()
    token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    config.write_text(json.dumps({"auths": {filled_auth_registry.host: {"auth": token}}}))
    service = RegistryService(settings_for(filled_auth_registry), store=DockerConfigStore(config))
    assert run(service, lambda s: s.repositories()) == ["lab"]
    # The CLI finds them the way docker does: through DOCKER_CONFIG.
    result = subprocess.run(
        [sys.executable, "-m", "buildtui", "registry", "ls", filled_auth_registry.host, "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "DOCKER_CONFIG": str(config.parent)},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["repositories"][0]["tags"][0]["kind"] == "index"


def test_credential_helper(
    filled_auth_registry: LocalRegistry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    helper = bin_dir / "docker-credential-buildtuitest"
    log = tmp_path / "helper.log"
    helper.write_text(
        "#!/bin/sh\n"
        f'read server; echo "$1 $server" >> {log}\n'
        f'echo \'{{"ServerURL":"\'"$server"\'","Username":"{USER}","Secret":"{PASSWORD}"}}\'\n'
    )
    helper.chmod(helper.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"credHelpers": {filled_auth_registry.host: "buildtuitest"}}))
    service = RegistryService(settings_for(filled_auth_registry), store=DockerConfigStore(config))
    assert sorted(run(service, lambda s: s.tags("lab"))) == ["amd64", "v1"]
    assert log.read_text().split() == ["get", filled_auth_registry.host]


def test_not_found_repository_tag_digest(local_registry: LocalRegistry) -> None:
    push_small_index(local_registry.url, "lab", "v1")
    service = RegistryService(settings_for(local_registry))

    async def probe(s: RegistryService) -> list[tuple[str, str]]:
        found = []
        for repository, reference in [
            ("ghost", "v1"),
            ("lab", "v9"),
            ("lab", "sha256:" + "0" * 64),
        ]:
            try:
                await s.inspect(repository, reference)
            except NotFound as error:
                found.append((error.what, str(error)))
        return found

    found = run(service, probe)
    assert [what for what, _ in found] == ["repository", "tag", "digest"]
    assert "repository ghost does not exist" in found[0][1]
    assert "lab:v9" in found[1][1]


def test_delete_by_digest_then_gone(local_registry: LocalRegistry) -> None:
    digest = push_small_index(local_registry.url, "lab", "v1")
    service = RegistryService(settings_for(local_registry))

    async def delete_then_inspect(s: RegistryService) -> None:
        await s.delete("lab", digest)
        await s.inspect("lab", "v1")

    with pytest.raises(NotFound):
        run(service, delete_then_inspect)


def test_delete_disabled(tmp_path: Path) -> None:
    registry = start_local_registry(tmp_path / "nodelete", delete=False)
    try:
        digest = push_small_index(registry.url, "lab", "v1")
        service = RegistryService(settings_for(registry))
        with pytest.raises(DeleteDisabled, match="REGISTRY_STORAGE_DELETE_ENABLED=true"):
            run(service, lambda s: s.delete("lab", digest))
    finally:
        registry.stop()


def test_manifest_over_the_cap(local_registry: LocalRegistry) -> None:
    push_small_index(local_registry.url, "lab", "v1")

    async def fetch() -> None:
        async with RegistryClient(
            local_registry.host, local_registry.url, max_manifest_bytes=64
        ) as client:
            await client.get_manifest("lab", "v1")

    with pytest.raises(ManifestTooLarge, match="64-byte cap"):
        asyncio.run(fetch())


def test_https_to_a_plain_http_registry_is_a_tls_error(local_registry: LocalRegistry) -> None:
    service = RegistryService(Settings(), address=f"https://{local_registry.host}")
    with pytest.raises(TLSError, match="insecure_registries"):
        run(service, lambda s: s.ping())


def test_registry_gone(local_registry: LocalRegistry) -> None:
    push_small_index(local_registry.url, "lab", "v1")
    service = RegistryService(settings_for(local_registry))

    async def stop_midway(s: RegistryService) -> None:
        assert await s.repositories() == ["lab"]
        local_registry.stop()
        await s.inspect("lab", "v1")

    with pytest.raises(Unreachable, match=r"cannot connect|broke"):
        run(service, stop_midway)
