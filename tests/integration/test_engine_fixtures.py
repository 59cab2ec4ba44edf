"""The lab engine fixtures themselves: a registry answers, the base image is multi-arch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

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


def test_lab_engine_on_this_provisioned_machine_finds_it_ready(engine: None) -> None:
    """The packaged script, run by the command where the engine runs: "engine ready".

    Nothing is installed, and the running dockerd is left as it is (same pid).
    """
    if os.geteuid() != 0:
        pytest.skip("`buildtui lab engine` runs as root")
    pid = Path("/var/run/docker.pid")
    before = pid.read_text() if pid.exists() else None
    command = [str(Path(sys.executable).parent / "buildtui"), "lab", "engine", "--yes", "--json"]
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=300)
    payload = json.loads(done.stdout)
    assert done.returncode == 0, payload
    assert payload["ok"] is True
    assert Path(payload["script"]).parts[-3:] == ("buildtui", "engine", "provision-engine.sh")
    assert payload["output"][-1].startswith("provision: engine ready in ")
    assert not any("starting dockerd" in line for line in payload["output"])
    assert (pid.read_text() if pid.exists() else None) == before
