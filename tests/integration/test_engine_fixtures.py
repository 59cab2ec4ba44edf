"""The lab engine fixtures themselves: a registry answers, the base image is multi-arch."""

from __future__ import annotations

import json

import httpx

from tests.integration.lab import TestRegistry, docker


def test_registry_answers_and_allows_delete(registry: TestRegistry) -> None:
    response = httpx.get(f"{registry.url}/v2/")
    assert response.status_code == 200
    assert registry.env["REGISTRY_STORAGE_DELETE_ENABLED"] == "true"
    # The registry image has busybox inside, as the official Alpine-based image does.
    assert "registry" in registry.exec("ls", "/var/lib").stdout


def test_base_image_is_multi_arch(base_image: str) -> None:
    raw = docker("buildx", "imagetools", "inspect", "--raw", base_image).stdout
    index = json.loads(raw)
    platforms = sorted(
        f"{m['platform']['os']}/{m['platform']['architecture']}" for m in index["manifests"]
    )
    assert platforms == ["linux/amd64", "linux/arm64"]
