"""The planner's property test against a real registry and its real garbage collector.

Each generated example gets a fresh distribution registry (Debian's build of 2.8, the
binary of the registry:2 image, run directly on a free port), filled over HTTP with
the random content. The real `CleanupService` loads it (scan, plus the revisions read
from the storage directory), plans and executes over HTTP; then the registry is
stopped and `docker-registry garbage-collect` runs on its storage. The same
properties as in the unit tier are checked on disk (the collector must also do what
the model of it does), and over HTTP after a restart: every remaining tag verifies,
selected tags answer 404, and every blob the plan freed answers 404.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import Iterator
from itertools import count
from pathlib import Path
from typing import cast

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from buildtui.cleanup.docker_output import ContainerInfo
from buildtui.cleanup.errors import PlanRefused
from buildtui.cleanup.gc import ContainerControl
from buildtui.cleanup.graph import RegistryGraph
from buildtui.cleanup.plan import Plan
from buildtui.cleanup.service import CleanupService
from buildtui.cleanup.space import SpaceIndex
from buildtui.registry.client import ACCEPT_MANIFESTS
from buildtui.settings import Settings
from tests.fakes.plan_properties import Storage, collected, documents_of, plan_problems
from tests.fakes.random_registry import (
    Deletion,
    RegistryContent,
    closure,
    deletions,
    push,
    registries,
)
from tests.integration.registry_fixtures import (
    REGISTRY_BINARY,
    LocalRegistry,
    Pusher,
    start_local_registry,
)

EXAMPLES = int(os.environ.get("PROPERTY_EXAMPLES_REAL_REGISTRY", "30"))


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[RegistryContent, Deletion]:
    content = draw(registries(max_artifacts=4))
    return content, draw(deletions(content))


def read_storage(root: Path) -> Storage:
    """Tags, revisions and blobs as the registry's filesystem storage holds them."""
    v2 = root / "docker" / "registry" / "v2"
    tags: dict[str, dict[str, str]] = {}
    revisions: dict[str, frozenset[str]] = {}
    for manifests in sorted((v2 / "repositories").rglob("_manifests")):
        name = manifests.parent.relative_to(v2 / "repositories").as_posix()
        tags[name] = {
            link.parent.parent.name: link.read_text().strip()
            for link in (manifests / "tags").glob("*/current/link")
        }
        revisions[name] = frozenset(
            f"sha256:{link.parent.name}"
            for link in (manifests / "revisions" / "sha256").glob("*/link")
        )
    blobs = frozenset(f"sha256:{data.parent.name}" for data in v2.glob("blobs/sha256/*/*/data"))
    return Storage(tags, revisions, blobs)


def blob_sizes(root: Path) -> dict[str, int]:
    """Every blob's size on disk (its `data` file): what a collection gives back."""
    v2 = root / "docker" / "registry" / "v2"
    return {
        f"sha256:{data.parent.name}": data.stat().st_size
        for data in v2.glob("blobs/sha256/*/*/data")
    }


class LocalStorage:
    """The `ContainerControl` the service needs to list revisions, for a registry binary
    whose storage is a local directory (garbage collection is run by the test itself)."""

    name = "local-registry"

    def __init__(self, registry: LocalRegistry) -> None:
        self.registry = registry

    def inspect(self) -> ContainerInfo:
        return ContainerInfo(
            name=self.name,
            id="",
            image="",
            image_name="registry",
            running=True,
            auto_remove=False,
            binary=REGISTRY_BINARY,
            config_path=str(self.registry.root.parent / "config.yml"),
            storage_root=str(self.registry.root),
            mounts=(str(self.registry.root),),
            storage_env=(),
            ports=(f"127.0.0.1:{self.registry.port}->5000/tcp",),
            host_ports=(self.registry.port,),
            delete_enabled=True,
        )

    def revisions(self, info: ContainerInfo | None = None) -> dict[str, set[str]]:
        return {
            name: set(digests)
            for name, digests in read_storage(self.registry.root).revisions.items()
        }


def service_for(registry: LocalRegistry) -> CleanupService:
    settings = Settings(registry_url=registry.url, registry_container=LocalStorage.name)
    # Only the part of ContainerControl that planning and deleting use: these tests run
    # the garbage collection themselves, so the service is never asked to.
    container = cast(ContainerControl, LocalStorage(registry))
    return CleanupService(settings, container=container)


def collect_garbage(workdir: Path) -> str:
    """`registry garbage-collect` (never -m) on the stopped registry's storage."""
    result = subprocess.run(
        [REGISTRY_BINARY, "garbage-collect", str(workdir / "config.yml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return result.stdout


@pytest.fixture
def workdirs(tmp_path: Path) -> Iterator[Iterator[Path]]:
    """A fresh directory per generated example (tmp_path is shared by all of them)."""
    yield (tmp_path / f"example-{n}" for n in count())


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenarios())
def test_plans_on_a_real_registry_keep_what_remaining_tags_need(
    workdirs: Iterator[Path], scenario: tuple[RegistryContent, Deletion]
) -> None:
    content, deletion = scenario
    workdir = next(workdirs)
    registry = start_local_registry(workdir)
    try:
        pusher = Pusher(registry.url)
        try:
            push(content, pusher)
        finally:
            pusher.close()
        before = read_storage(registry.root)
        sizes = blob_sizes(registry.root)

        async def plan_and_execute() -> tuple[RegistryGraph, Plan]:
            service = service_for(registry)
            try:
                graph = await service.load()
                assert graph.revisions_known, graph.warnings
                # Only the entries of damaged indexes (deleted before) cannot be read.
                assert all("could not be read" in w for w in graph.warnings), graph.warnings
                plan = service.plan(
                    graph, deletion.selections, allow_tag_loss=deletion.allow_tag_loss
                )
                if plan.ok:
                    report = await service.execute(plan)
                    assert report.complete, report.summary()
                else:
                    with pytest.raises(PlanRefused):
                        await service.execute(plan)
                return graph, plan
            finally:
                await service.aclose()

        graph, plan = asyncio.run(plan_and_execute())
    finally:
        registry.stop()
    after_requests = read_storage(registry.root)
    collect_garbage(workdir)
    after_gc = read_storage(registry.root)
    problems = plan_problems(content, deletion, plan, before, after_requests, after_gc)
    assert not problems, "\n".join(problems)
    if not plan.ok:
        return
    # The space view's figure for the selection is what the real collection freed: the
    # bytes of the blobs it swept, but the garbage that was there before.
    what_if = SpaceIndex(graph).freed(deletion.selections)
    earlier = before.blobs - collected(before, documents_of(content, plan)).blobs
    swept = (before.blobs - after_gc.blobs) - earlier
    assert set(what_if) == swept
    assert sum(what_if.values()) == sum(sizes[d] for d in swept) == plan.reclaimed_bytes

    registry = start_local_registry(workdir)  # same storage, a fresh process and port
    try:

        async def check_over_http() -> None:
            service = service_for(registry)
            try:
                # The graph read before the deletion: what each remaining tag needs.
                verified = await service.verify(graph, plan.remaining_tags)
                damaged = {  # tags of an index one of whose entries was deleted before
                    ref
                    for ref in plan.remaining_tags
                    if not closure(content.documents, [ref.digest])
                    <= before.revisions[ref.repository]
                }
                assert {c.ref for c in verified.failed} <= damaged, verified.summary()
            finally:
                await service.aclose()

        asyncio.run(check_over_http())
        with httpx.Client(base_url=registry.url, timeout=10) as http:
            for ref in plan.removed_tags:
                answer = http.head(
                    f"/v2/{ref.repository}/manifests/{ref.tag}",
                    headers={"Accept": ACCEPT_MANIFESTS},
                )
                assert answer.status_code == 404, f"removed tag {ref} answers {answer.status_code}"
            for fate in plan.freed_blobs:
                for name, uploaded in content.repo_blobs.items():
                    if fate.digest in uploaded:
                        answer = http.head(f"/v2/{name}/blobs/{fate.digest}")
                        status = answer.status_code
                        assert status == 404, f"freed {fate.digest} answers {status} in {name}"
    finally:
        registry.stop()
