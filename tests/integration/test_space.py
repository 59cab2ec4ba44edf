"""The space ranking, retention rules, referrers and the version, on real registry:2
containers with real collections.

Each test starts its own registry (deletion on) on a fixed host port: a collection stops
and starts the container. What a collection freed is measured in the container's storage:
the bytes of the blob files (`.../blobs/sha256/xx/<hex>/data`) there before and gone after.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import httpx
import pytest

from buildtui.cleanup.distribution import parse_version
from buildtui.cleanup.graph import RegistryGraph
from buildtui.cleanup.plan import Selection
from buildtui.cleanup.retention import PUSHED
from buildtui.cleanup.service import CleanupService
from buildtui.cleanup.space import SpaceReport
from buildtui.commands.running import run_then_close
from buildtui.registry.client import ACCEPT_MANIFESTS
from buildtui.settings import Settings
from tests.integration.lab import TestRegistry, docker
from tests.integration.registry_fixtures import Pusher, free_port, sha256

T = TypeVar("T")
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_EMPTY = "application/vnd.oci.empty.v1+json"
LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
CACHE_CONFIG = "application/vnd.buildkit.cacheconfig.v0"
SIGNATURE = "application/vnd.dev.cosign.simplesigning.v1+json"
SPDX = "application/spdx+json"


class Env:
    """A fresh registry:2 container on a fixed port, its pusher and the service for it."""

    def __init__(self, registry: TestRegistry, port: int) -> None:
        self.registry = registry
        self.url = f"http://127.0.0.1:{port}"
        self.settings = Settings(
            registry_url=f"http://localhost:{port}", registry_container=registry.container
        )
        self.pusher = Pusher(self.url)

    def run(self, work: Callable[[CleanupService], Awaitable[T]]) -> T:
        return run_then_close(CleanupService(self.settings), work)

    def cli(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "buildtui", *args],
            capture_output=True,
            text=True,
            env={
                **os.environ,
                "BUILDTUI_REGISTRY_URL": self.settings.registry_url,
                "BUILDTUI_REGISTRY_CONTAINER": self.registry.container,
            },
            timeout=timeout,
        )

    def blobs(self) -> dict[str, int]:
        """Every blob in the container's storage with its size in bytes."""
        found = docker(
            "exec", self.registry.container, "find", "/var/lib/registry/docker/registry/v2/blobs",
            "-name", "data", "-exec", "stat", "-c", "%s %n", "{}", "+",
        ).stdout  # fmt: skip
        sizes = {}
        for line in found.splitlines():
            size, path = line.split(" ", 1)
            sizes[f"sha256:{path.rsplit('/', 2)[-2]}"] = int(size)
        return sizes

    def collect(self) -> None:
        result = self.cli("gc", "-y", "--json", timeout=180)
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["verification"]["ok"]

    def get(self, repository: str, reference: str) -> httpx.Response:
        return httpx.get(
            f"{self.url}/v2/{repository}/manifests/{reference}",
            headers={"Accept": ACCEPT_MANIFESTS},
        )

    def resolves_fully(self, repository: str, reference: str) -> list[str]:
        """What is missing of a tag: its manifest, index entries, configs and layers."""
        answer = self.get(repository, reference)
        if answer.status_code != 200:
            return [f"{repository}:{reference} answers {answer.status_code}"]
        document = answer.json()
        missing = []
        for entry in document.get("manifests", []):
            missing += self.resolves_fully(repository, entry["digest"])
        for blob in [document.get("config"), *document.get("layers", [])]:
            if (
                blob
                and httpx.head(
                    f"{self.url}/v2/{repository}/blobs/{blob['digest']}", follow_redirects=True
                ).status_code
                != 200
            ):
                missing.append(f"{repository}@{blob['digest']} (of {reference})")
        return missing

    # -- content ---------------------------------------------------------------------

    def image(
        self, repository: str, tag: str | None, own: bytes, created: str, base: bytes = b"base"
    ) -> dict[str, Any]:
        config = self.pusher.blob(
            repository,
            json.dumps({"architecture": "amd64", "os": "linux", "created": created,
                        "config": {"Labels": {"own": own[:20].hex()}},
                        "rootfs": {"type": "layers", "diff_ids": []}}).encode(),
            OCI_CONFIG,
        )  # fmt: skip
        layers = [self.pusher.blob(repository, base * 4000, LAYER),
                  self.pusher.blob(repository, own, LAYER)]  # fmt: skip
        document = {"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": config,
                    "layers": layers}  # fmt: skip
        raw = json.dumps(document, separators=(",", ":")).encode()
        return self.pusher.manifest(repository, tag or sha256(raw), document, OCI_MANIFEST)

    def index(self, repository: str, tag: str, own: bytes, created: str) -> dict[str, Any]:
        entries = []
        for arch in ("amd64", "arm64"):
            child = self.image(repository, None, own + arch.encode(), created, arch.encode())
            entries.append({**child, "platform": {"os": "linux", "architecture": arch}})
        document = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries}
        return self.pusher.manifest(repository, tag, document, OCI_INDEX)

    def referrer(
        self, repository: str, subject: dict[str, Any], media_type: str, tag: str | None = None
    ) -> dict[str, Any]:
        document = {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "artifactType": media_type,
            "config": self.pusher.blob(repository, b"{}", OCI_EMPTY),
            "layers": [self.pusher.blob(repository, os.urandom(3000), media_type)],
            "subject": {k: subject[k] for k in ("mediaType", "digest", "size")},
        }
        raw = json.dumps(document, separators=(",", ":")).encode()
        return self.pusher.manifest(repository, tag or sha256(raw), document, OCI_MANIFEST)


@pytest.fixture
def env(registry_factory: Callable[..., TestRegistry]) -> Iterator[Env]:
    port = free_port()
    made = Env(registry_factory(None, ("-p", f"127.0.0.1:{port}:5000")), port)
    try:
        yield made
    finally:
        made.pusher.close()


def space(env: Env) -> tuple[RegistryGraph, SpaceReport]:
    async def work(service: CleanupService) -> tuple[RegistryGraph, SpaceReport]:
        graph = await service.load()
        return graph, service.space_index(graph).report()

    return env.run(work)


def test_each_tags_figure_is_what_rm_and_gc_of_that_tag_free(env: Env) -> None:
    shared = os.urandom(40_000)  # a layer lab:v1 and the cache both hold
    env.image("lab", "v1", shared, "2026-11-01T00:00:00Z")
    env.index("lab", "multi", os.urandom(30_000), "2026-11-02T00:00:00Z")
    v2 = env.image("lab", "v2", os.urandom(20_000), "2026-11-03T00:00:00Z")
    env.pusher.manifest("lab", "latest", env.get("lab", "v2").json(), OCI_MANIFEST)  # alias
    stage = env.pusher.blob("cachedata1", os.urandom(50_000), LAYER)
    same = env.pusher.blob("cachedata1", shared, LAYER)
    cache_config = env.pusher.blob("cachedata1", b'{"layers":[],"records":[]}', CACHE_CONFIG)
    env.pusher.manifest(
        "cachedata1", "latest",
        {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [stage, same, cache_config]},
        OCI_INDEX,
    )  # fmt: skip

    graph, report = space(env)
    assert graph.revisions_known and not graph.warnings
    latest = report.row("lab:latest")
    assert latest is not None and latest.frees == 0  # lab:v2 keeps the manifest
    cache = report.row("cachedata1:latest")
    assert cache is not None and cache.frees < cache.size  # the shared layer stays

    for key in ("cachedata1:latest", "lab:multi", "lab:latest", "lab:v1"):
        _graph, report = space(env)
        row = report.row(key)
        assert row is not None, key
        before = env.blobs()
        rm = env.cli("rm", "-y", key)
        assert rm.returncode == 0, rm.stdout + rm.stderr
        env.collect()
        after = env.blobs()
        freed = sum(size for digest, size in before.items() if digest not in after)
        assert freed == row.frees, (key, freed, row.frees)
    # lab:v1 went after the cache: its layer, shared before, was freed with it then.
    assert row is not None and row.frees > 40_000
    assert env.resolves_fully("lab", "v2") == []
    assert v2["digest"] == env.get("lab", "v2").headers["docker-content-digest"]


def test_keep_last_2_on_five_tags_with_an_alias_keeps_the_newest_two_and_the_alias(
    env: Env,
) -> None:
    for i in range(1, 6):
        env.index("app", f"v{i}", os.urandom(10_000 + i), f"2026-11-0{i}T12:00:00Z")
    env.pusher.manifest("app", "stable", env.get("app", "v4").json(), OCI_INDEX)

    dry = env.cli("rm", "app", "--keep-last", "2", "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    document = json.loads(dry.stdout)
    (rules,) = document["retention"]
    assert sorted(rules["kept_tags"]) == ["stable", "v4", "v5"]
    assert sorted(rules["deleted_tags"]) == ["v1", "v2", "v3"]
    assert {i["date_source"] for i in rules["images"]} == {"created"}
    assert document["plan"]["ok"] and not document["plan"]["collateral_tags"]
    assert sorted(_tags(env, "app")) == ["stable", "v1", "v2", "v3", "v4", "v5"]  # dry run

    done = env.cli("rm", "app", "--keep-last", "2", "-y", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["verification"]["ok"]
    env.collect()
    assert sorted(_tags(env, "app")) == ["stable", "v4", "v5"]
    for tag in ("v4", "v5", "stable"):
        assert env.resolves_fully("app", tag) == [], tag
    # What went is gone from storage too: v1's platform manifests.
    gone = json.loads(dry.stdout)["plan"]["steps"]
    assert all(env.get("app", step["digest"]).status_code == 404 for step in gone)


def test_dates_fall_back_to_the_tags_push_time_in_storage(env: Env) -> None:
    for name in ("first", "second"):
        layer = env.pusher.blob("cache", os.urandom(1000), LAYER)
        config = env.pusher.blob("cache", name.encode() + b'{"records":[]}', CACHE_CONFIG)
        env.pusher.manifest(
            "cache", name,
            {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [layer, config]},
            OCI_INDEX,
        )  # fmt: skip
        if name == "first":
            docker("exec", env.registry.container, "touch", "-d", "2026-01-01 00:00:00",
                   "/var/lib/registry/docker/registry/v2/repositories/cache/_manifests/tags/"
                   "first/current/link")  # fmt: skip

    async def dates(service: CleanupService) -> Any:
        graph = await service.load()
        return await service.tag_dates(graph, "cache")

    found = env.run(dates)
    assert found["first"].source == found["second"].source == PUSHED
    assert found["first"].when is not None and found["second"].when is not None
    assert found["first"].when < found["second"].when
    older = env.cli("rm", "cache", "--older-than", "30d", "--dry-run", "--json")
    assert older.returncode == 0, older.stderr
    (rules,) = json.loads(older.stdout)["retention"]
    assert rules["deleted_tags"] == ["first"]
    assert {i["date_source"] for i in rules["images"]} == {"pushed"}


def test_referrers_pushed_with_a_subject_are_shown_and_offered(env: Env) -> None:
    v1 = env.image("app", "v1", os.urandom(5_000), "2026-11-01T00:00:00Z")
    env.image("app", "v2", os.urandom(6_000), "2026-11-02T00:00:00Z")
    sbom = env.referrer("app", v1, SPDX)  # by digest only, as oras without a referrers API
    sig_tag = v1["digest"].replace(":", "-") + ".sig"
    env.referrer("app", v1, SIGNATURE, tag=sig_tag)  # cosign's tag schema
    gone = {"mediaType": OCI_MANIFEST, "digest": sha256(b"never pushed"), "size": 10}
    orphan = env.referrer("app", gone, SIGNATURE)

    shown = env.cli("registry", "space", "--json")
    assert shown.returncode == 0, shown.stderr
    document = json.loads(shown.stdout)
    referrers = {r["digest"]: r for r in document["referrers"]}
    assert referrers[sbom["digest"]]["subject"] == v1["digest"]
    assert referrers[sbom["digest"]]["what"] == "SBOM"
    assert referrers[sbom["digest"]]["found_by"] == "subject field"
    assert referrers[orphan["digest"]]["orphaned"] is True
    rows = {r["key"]: r for r in document["rows"]}
    assert rows[f"app:{sig_tag}"]["subject"] == "signature of app:v1"
    assert rows[f"app@{orphan['digest']}"]["kind"] == "orphaned referrer"
    assert rows[f"app@{orphan['digest']}"]["frees"] > 3000
    assert document["version"]["version"].startswith("2.8")

    plan = env.cli("rm", "app:v1", "--dry-run", "--json")
    notes = json.loads(plan.stdout)["plan"]["warnings"]
    offer = next(n for n in notes if "would be left orphaned" in n)
    assert f"app:{sig_tag}" in offer and f"app@{sbom['digest']}" in offer

    done = env.cli("rm", "app:v1", "--with-referrers", "-y", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["verification"]["ok"]
    assert set(result["plan"]["selections"]) == {
        "app:v1", f"app:{sig_tag}", f"app@{sbom['digest']}",
    }  # fmt: skip
    before = env.blobs()
    env.collect()
    after = env.blobs()
    freed = {d for d in before if d not in after}
    predicted = {b["digest"] for b in result["plan"]["blobs"] if b["freed"]}
    assert freed == predicted
    assert env.get("app", sbom["digest"]).status_code == 404
    assert env.resolves_fully("app", "v2") == []


def test_the_version_is_read_from_the_container_and_minus_m_stays_refused_on_2_8(
    env: Env,
) -> None:
    env.index("lab", "cachetest", os.urandom(8_000), "2026-11-01T00:00:00Z")
    version = env.run(lambda service: service.registry_version())
    assert version.version is not None and version.version[:2] == (2, 8)
    assert version.source == f"registry --version in {env.registry.container}"
    assert not version.deletes_untagged_safely
    text = docker("exec", env.registry.container, "registry", "--version").stdout
    assert parse_version(text) == version.version

    started = docker("inspect", "-f", "{{.State.StartedAt}}", env.registry.container).stdout
    refused = env.cli("gc", "-m", "-y")
    assert refused.returncode == 2
    assert "distribution#3178" in refused.stderr
    assert f"this registry is distribution {version.number}" in refused.stderr
    after = docker("inspect", "-f", "{{.State.StartedAt}}", env.registry.container).stdout
    assert after == started  # never stopped
    assert env.resolves_fully("lab", "cachetest") == []


def test_over_http_alone_the_version_is_unknown(env: Env) -> None:
    settings = env.settings.with_overrides({"registry_container": "no-such-container-here"})
    version = run_then_close(CleanupService(settings), lambda s: s.registry_version())
    assert version.version is None
    assert version.api == "registry/2.0"
    assert "tells no version" in version.describe()


def _tags(env: Env, repository: str) -> list[str]:
    answer = httpx.get(f"{env.url}/v2/{repository}/tags/list")
    return list(answer.json().get("tags") or [])


def test_a_union_selection_frees_what_its_plan_frees_on_the_real_registry(env: Env) -> None:
    shared = os.urandom(25_000)
    env.image("a", "one", shared, "2026-11-01T00:00:00Z")
    env.image("a", "two", shared + b"!", "2026-11-01T00:00:00Z", base=b"x")
    env.image("b", "three", shared, "2026-11-01T00:00:00Z", base=b"x")
    graph, report = space(env)
    selections = [Selection("a", tag="one"), Selection("b", tag="three")]
    union = env.run(lambda service: _what_if(service, graph, selections))
    rows = [report.row("a:one"), report.row("b:three")]
    assert all(r is not None and r.frees < union for r in rows)

    before = env.blobs()
    assert env.cli("rm", "-y", "a:one", "b:three").returncode == 0
    env.collect()
    after = env.blobs()
    assert sum(s for d, s in before.items() if d not in after) == union


async def _what_if(service: CleanupService, graph: RegistryGraph, selections: Any) -> int:
    return service.space_index(graph).frees(selections)
