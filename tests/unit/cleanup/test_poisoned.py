"""A manifest nested too deeply to parse (200,000 `[`) blocks no plan but its own; a tag
list cut short blocks the plans of its own repository."""

from __future__ import annotations

import json

import pytest

from buildtui.cleanup.graph import graph_from_scan
from buildtui.cleanup.plan import Selection
from buildtui.cleanup.present import inventory_rows
from buildtui.cleanup.service import CleanupService
from buildtui.cli import main
from buildtui.registry.models import OCI_MANIFEST
from buildtui.settings import Settings
from tests.fakes.cleanup import (
    FakeContainer,
    WritableFakeRegistry,
    fake_cleanup_service,
    lab_fake_registry,
)

POISON = b"[" * 200_000


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> WritableFakeRegistry:
    """The lab registry with lab:poisoned; the CLI's service is built on it."""
    fake = lab_fake_registry()
    fake.put_manifest("lab", POISON, OCI_MANIFEST, "poisoned")
    container = FakeContainer(fake)

    def make(settings: Settings) -> CleanupService:
        return fake_cleanup_service(fake, container)

    monkeypatch.setattr("buildtui.cleanup.service.CleanupService", make)
    return fake


def test_a_plan_in_the_poisoned_repository_goes_on_and_warns(
    registry: WritableFakeRegistry, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rm", "--dry-run", "--json", "lab:cachetest"]) == 0
    plan = json.loads(capsys.readouterr().out)["plan"]
    assert not plan["refusals"]
    deleted = {step["digest"] for step in plan["steps"] if step["action"] == "delete"}
    assert registry.tags["lab"]["cachetest"] in deleted
    assert registry.tags["lab"]["poisoned"] not in deleted
    assert any(
        "lab:poisoned is unreadable" in w and "nested too deeply" in w for w in plan["warnings"]
    )


def test_a_plan_in_another_repository_goes_on(
    registry: WritableFakeRegistry, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rm", "--dry-run", "cachedata1:latest"]) == 0
    out = capsys.readouterr().out
    assert "REFUSED" not in out
    assert "curl -X DELETE http://localhost:5000/v2/cachedata1/manifests/sha256:" in out


def test_the_poisoned_tag_itself_can_be_deleted(
    registry: WritableFakeRegistry, capsys: pytest.CaptureFixture[str]
) -> None:
    digest = registry.tags["lab"]["poisoned"]
    assert main(["rm", "-y", "--json", "lab:poisoned"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert [(s["action"], s["digest"]) for s in document["plan"]["steps"]] == [("delete", digest)]
    assert "poisoned" not in registry.tags["lab"]
    assert {"cachetest", "v2", "stable"} <= set(registry.tags["lab"])


async def test_the_inventory_lists_the_poisoned_tag_as_unreadable() -> None:
    fake = lab_fake_registry()
    fake.put_manifest("lab", POISON, OCI_MANIFEST, "poisoned")
    service = fake_cleanup_service(fake)
    try:
        graph = await service.load()
    finally:
        await service.aclose()
    rows = {row.key: row for row in inventory_rows(graph)}
    assert rows["lab:poisoned"].kind == "unreadable"
    assert rows["lab:poisoned"].digest == fake.tags["lab"]["poisoned"]
    assert rows["lab:cachetest"].kind.startswith("index")


async def test_a_cut_tag_list_refuses_plans_in_that_repository_only() -> None:
    fake = lab_fake_registry()
    service = fake_cleanup_service(fake)
    try:
        scan = await service.registry_service.scan()
        scan.tags_cut["lab"] = "localhost:5000 lists more than 10,000 tags"
        scan.catalog_cut = "localhost:5000 still links to another page of repositories"
        graph = graph_from_scan(scan, service.registry_service.base_url)
    finally:
        await service.aclose()
    refused = service.plan(graph, [Selection("lab", tag="cachetest")])
    assert any("more than 10,000 tags" in r for r in refused.refusals)
    allowed = service.plan(graph, [Selection("cachedata1", tag="latest")])
    assert not allowed.refusals
    assert "still links to another page of repositories" in " ".join(allowed.warnings)
