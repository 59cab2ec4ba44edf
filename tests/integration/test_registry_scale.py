"""On a real registry:2 with a large catalog and a large index, its storage written on disk
(tests/integration/registry_seed.py): `registry ls` lists every repository, in pages of
1,000, as the same document a whole scan gives; it says how far it is on a terminal
only; a repeat scan asks one HEAD per tag; a large index is read whole by `inspect` and
its first entries only by the pane's read; `rm --dry-run` plans on it."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from buildtui.commands.output import json_document
from buildtui.registry.auth import Authenticator, NoCredentials
from buildtui.registry.blobcache import BlobCache
from buildtui.registry.browser import EAGER_ENTRIES
from buildtui.registry.client import RegistryClient
from buildtui.registry.present import scan_json
from buildtui.registry.scan import Inspector, RegistryScan
from buildtui.registry.walk import scan_registry
from tests.integration.lab import REGISTRY_IMAGE, docker, unique
from tests.integration.registry_seed import bench_content, huge_index, many_repositories

REPOSITORIES = 1_100
"""More than one catalog page of 1,000."""
INDEX_ENTRIES = 150


@dataclass
class Seeded:
    url: str
    host: str
    container: str


@pytest.fixture(scope="module")
def seeded(engine: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    """registry:2 serving storage written on disk: 3 repositories of 6 tags (half of
    them two-platform indexes with attestations), 1,100 repositories of one image, and
    an index of 150 entries."""
    root = tmp_path_factory.mktemp("seeded")
    bench_content(root, 3, 6)
    many_repositories(root, REPOSITORIES)
    huge_index(root, "big/index", "latest", INDEX_ENTRIES)
    name = unique("buildtui-test-seeded")
    docker(
        "run", "-d", "--name", name, "-p", "127.0.0.1::5000",
        "-e", "REGISTRY_STORAGE_DELETE_ENABLED=true",
        "-v", f"{root}:/var/lib/registry", REGISTRY_IMAGE,
    )  # fmt: skip
    try:
        port = int(
            docker("port", name, "5000/tcp").stdout.strip().splitlines()[0].rsplit(":", 1)[1]
        )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/v2/", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, docker("logs", name, check=False).stderr
            time.sleep(0.1)
        yield Seeded(url, f"127.0.0.1:{port}", name)
    finally:
        docker("rm", "-f", name, check=False)
        shutil.rmtree(root, ignore_errors=True)


def client(seeded: Seeded) -> RegistryClient:
    return RegistryClient(
        seeded.host, seeded.url, auth=Authenticator(seeded.host, store=NoCredentials())
    )


def whole_scan(seeded: Seeded, cache: BlobCache | None = None) -> RegistryScan:
    async def scan() -> RegistryScan:
        async with client(seeded) as http:
            return await scan_registry(http, cache=cache)

    return asyncio.run(scan())


def buildtui(
    seeded: Seeded, home: Path, *argv: str, **streams: Any
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "XDG_DATA_HOME": str(home),
        "XDG_CONFIG_HOME": str(home),
        "XDG_STATE_HOME": str(home),
    }
    command = [sys.executable, "-m", "buildtui", "--registry", seeded.url]
    command += ["--registry-container", seeded.container, *argv]
    options: dict[str, Any] = streams if streams else {"capture_output": True}
    return subprocess.run(command, env=env, text=True, timeout=600, check=False, **options)


def test_registry_ls_lists_every_repository_as_the_whole_scan_does(
    seeded: Seeded, tmp_path: Path
) -> None:
    result = buildtui(seeded, tmp_path, "registry", "ls", "--json")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no progress line into a pipe
    document = json.loads(result.stdout)
    names = [repository["name"] for repository in document["repositories"]]
    assert len(names) == 3 + REPOSITORIES + 1
    assert "truncated" not in document
    expected = json_document(scan_json(whole_scan(seeded)))
    assert document == expected


def read_terminal(fd: int, into: bytearray) -> None:
    """What a terminal is sent, read as a terminal does (else its buffer fills, and the
    writer waits for ever)."""
    while True:
        try:
            chunk = os.read(fd, 1 << 16)
        except OSError:  # the other side closed
            return
        if not chunk:
            return
        into.extend(chunk)


def test_registry_ls_shows_how_far_it_is_on_a_terminal_only(seeded: Seeded, tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    for extra, shown in (((), True), (("--json",), False)):
        main, follower = os.openpty()
        said = bytearray()
        reader = threading.Thread(target=read_terminal, args=(main, said), daemon=True)
        reader.start()
        try:
            with out.open("w") as file:
                result = buildtui(
                    seeded, tmp_path, "registry", "ls", *extra, stdout=file, stderr=follower
                )
        finally:
            os.close(follower)
            reader.join(10)
            os.close(main)
        assert result.returncode == 0
        text = said.decode(errors="replace")
        assert ("tags read" in text) is shown, text[-300:]
        assert "tags read" not in out.read_text()


def test_a_repeat_scan_asks_one_head_per_tag(seeded: Seeded, tmp_path: Path) -> None:
    cache = BlobCache(tmp_path / "cache.sqlite3")
    try:
        first = whole_scan(seeded, cache)
        again = whole_scan(seeded, cache)
    finally:
        cache.close()
    tags = len(first.entries())
    repositories = len(first.repositories)
    pages = 2  # 1,104 repositories, 1,000 a page
    assert again.requests == pages + repositories + tags
    assert first.requests > again.requests
    assert again.unique_size == first.unique_size


def test_a_large_index_is_read_whole_by_inspect_and_in_part_by_the_pane(
    seeded: Seeded, tmp_path: Path
) -> None:
    result = buildtui(seeded, tmp_path, "inspect", "big/index:latest", "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert len(document["manifests"]) == INDEX_ENTRIES
    assert all("config" in entry for entry in document["manifests"])

    async def pane_read() -> tuple[int, int]:
        async with client(seeded) as http:
            report = await Inspector(http).inspect("big/index", "latest", entries=EAGER_ENTRIES)
            return report.unread, http.requests

    unread, requests = asyncio.run(pane_read())
    assert unread == INDEX_ENTRIES - EAGER_ENTRIES
    assert requests == 1 + 2 * EAGER_ENTRIES  # the index, then each entry and its config


def test_rm_dry_run_plans_on_the_large_registry(seeded: Seeded, tmp_path: Path) -> None:
    result = buildtui(seeded, tmp_path, "rm", "bench/app002:v005", "--dry-run", "--json")
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)["plan"]
    assert plan["ok"] is True
    assert any(step["action"] == "delete" for step in plan["steps"])
