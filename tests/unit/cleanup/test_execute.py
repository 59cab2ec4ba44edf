"""The service end to end on the in-memory registry: load, plan, validate, delete, GC, verify."""

from __future__ import annotations

import json

import httpx
import pytest

from buildtui.cleanup.errors import (
    ContainerNotFound,
    DeletionDisabled,
    PlanRefused,
    RegistryChanged,
    RegistryUnavailable,
)
from buildtui.cleanup.execute import ExecutionFailed
from buildtui.cleanup.plan import Selection
from buildtui.cleanup.steps import StepAction
from buildtui.i18n import speaking
from buildtui.registry.models import OCI_INDEX
from tests.fakes.cleanup import (
    FakeContainer,
    WritableFakeRegistry,
    fake_cleanup_service,
    lab_fake_registry,
)


async def test_load_reads_tags_children_and_untagged_revisions() -> None:
    registry = lab_fake_registry()
    old = registry.push_image("lab", "", "linux/amd64", (b"an older push",))
    service = fake_cleanup_service(registry)
    graph = await service.load()
    await service.aclose()

    assert graph.revisions_known
    lab = graph.repositories["lab"]
    assert set(lab.tags) == {"cachetest", "v2", "stable"}
    assert lab.untagged == {old["digest"]}
    assert graph.node("lab", old["digest"]) is not None
    index = lab.manifests[lab.tags["cachetest"]]
    labels = {lab.manifests[c].label for c in index.children}
    assert labels == {
        "linux/amd64",
        "linux/arm64",
        "attestation for linux/amd64",
        "attestation for linux/arm64",
    }


async def test_without_the_container_the_graph_says_untagged_are_unknown() -> None:
    registry = lab_fake_registry()
    container = FakeContainer(registry, missing=True)
    service = fake_cleanup_service(registry, container)
    graph = await service.load()
    await service.aclose()

    assert not graph.revisions_known
    with pytest.raises(ContainerNotFound) as missing:
        container.inspect()
    assert any(str(missing.value) in w for w in graph.warnings)


async def test_deleting_the_cache_then_gc_frees_what_the_plan_said_and_the_image_is_whole() -> None:
    registry = lab_fake_registry()
    container = FakeContainer(registry)
    service = fake_cleanup_service(registry, container)
    graph = await service.load()
    plan = service.plan(graph, [Selection("cachedata1", tag="latest")])
    progress: list[tuple[int, int, str]] = []

    report = await service.execute(
        plan, lambda done, total, what: progress.append((done, total, what))
    )
    result = await service.collector.collect_garbage()
    verification = await service.verify(graph, plan.remaining_tags)
    await service.aclose()

    assert report.complete
    assert "deletion is enabled (probe DELETE answered 404)" in report.checks
    assert progress[0][2] == "checking that the registry is as planned"
    assert progress[-1] == (1, 1, "done")
    assert "latest" not in registry.tags["cachedata1"]
    assert set(result.output.blobs) == {b.digest for b in plan.freed_blobs}
    assert result.output.counts is not None
    assert result.output.counts.blobs == len(plan.freed_blobs)
    assert verification.ok, verification.summary()
    assert {str(c.ref) for c in verification.checks} == {
        "busybox:amd64",
        "busybox:arm64",
        "busybox:latest",
        "lab:cachetest",
        "lab:v2",
        "lab:stable",
    }
    # lab:cachetest: tag + index + 4 entries + their configs and layers.
    cachetest = next(c for c in verification.checks if str(c.ref) == "lab:cachetest")
    assert cachetest.checked > 10


async def test_tag_only_removal_keeps_the_other_tag() -> None:
    registry = lab_fake_registry()
    service = fake_cleanup_service(registry)
    graph = await service.load()
    plan = service.plan(graph, [Selection("lab", tag="stable")])
    await service.execute(plan)
    await service.collector.collect_garbage()
    verification = await service.verify(graph, plan.remaining_tags)
    await service.aclose()

    assert [s.action for s in plan.steps] == [StepAction.UNTAG]
    assert "stable" not in registry.tags["lab"]
    assert registry.tags["lab"]["v2"] == graph.repositories["lab"].tags["v2"]
    puts = [r for r in registry.requests if r.method == "PUT"]
    assert [r.url.path for r in puts] == ["/v2/lab/manifests/stable"]
    assert puts[0].headers["content-type"] == OCI_INDEX
    assert verification.ok


async def test_a_moved_tag_stops_the_plan_before_any_change() -> None:
    registry = lab_fake_registry()
    service = fake_cleanup_service(registry)
    graph = await service.load()
    plan = service.plan(graph, [Selection("lab", tag="cachetest")])
    registry.push_image("lab", "v2", "linux/amd64", (b"pushed meanwhile",))

    with pytest.raises(RegistryChanged, match="tag lab:v2 now points at") as caught:
        await service.execute(plan)
    await service.aclose()

    assert "Nothing was deleted" in str(caught.value)
    assert not [r for r in registry.requests if r.method in ("PUT", "DELETE")]


async def test_a_new_tag_in_the_repository_stops_the_plan() -> None:
    registry = lab_fake_registry()
    service = fake_cleanup_service(registry)
    graph = await service.load()
    plan = service.plan(graph, [Selection("cachedata1", tag="latest")])
    registry.tags["cachedata1"]["other"] = registry.tags["cachedata1"]["latest"]

    with pytest.raises(RegistryChanged, match="tag cachedata1:other appeared"):
        await service.execute(plan)
    with speaking("pl"), pytest.raises(RegistryChanged) as polish:
        await service.execute(plan)
    await service.aclose()
    # One whole sentence in Polish, no English piece glued to it.
    assert str(polish.value) == (
        "localhost:5000 zmienił się od odczytu: pojawił się tag cachedata1:other. "
        "Niczego nie usunięto: odśwież i zaplanuj ponownie"
    )


async def test_deletion_disabled_is_found_by_the_probe_with_the_fix() -> None:
    registry = lab_fake_registry()
    registry.delete_enabled = False
    service = fake_cleanup_service(registry)
    graph = await service.load()
    plan = service.plan(graph, [Selection("cachedata1", tag="latest")])

    with pytest.raises(DeletionDisabled, match="REGISTRY_STORAGE_DELETE_ENABLED=true") as caught:
        await service.execute(plan)
    await service.aclose()

    assert "deletion is turned off" in str(caught.value)
    deletes = [r for r in registry.requests if r.method == "DELETE"]
    assert len(deletes) == 1 and "sha256:" in deletes[0].url.path  # only the probe
    assert "latest" in registry.tags["cachedata1"]


async def test_read_only_mode_is_named() -> None:
    registry = lab_fake_registry()
    service = fake_cleanup_service(registry)
    graph = await service.load()
    plan = service.plan(graph, [Selection("cachedata1", tag="latest")])
    registry.read_only = True

    with pytest.raises(DeletionDisabled, match="read-only maintenance mode"):
        await service.execute(plan)
    await service.aclose()


async def test_a_failure_midway_reports_exactly_what_was_done() -> None:
    registry = lab_fake_registry()
    service = fake_cleanup_service(registry)
    graph = await service.load()
    plan = service.plan(graph, [Selection("lab", tag="cachetest")])
    registry.fail_deletes_after = 2

    with pytest.raises(ExecutionFailed) as caught:
        await service.execute(plan)
    await service.aclose()

    report = caught.value.report
    assert len(report.done) == 2
    assert report.failed is plan.steps[2]
    assert report.not_run == list(plan.steps[3:])
    assert report.done[0].digest == graph.repositories["lab"].tags["cachetest"]
    text = str(caught.value)
    assert text.startswith(f"stopped after 2 of {len(plan.steps)} steps: ")
    assert "not run: " in text and "Refresh, then plan again" in text
    done_line = next(line for line in text.splitlines() if line.startswith("done: "))
    assert done_line == "done: " + "; ".join(step.title for step in report.done)
    with speaking("pl"):
        polish = report.summary()
    assert "\nwykonano: " in polish and "\nnie wykonano: " in polish
    assert "done: " not in polish and "not run: " not in polish


async def test_a_failed_delete_after_the_put_says_where_the_tag_points() -> None:
    registry = lab_fake_registry()
    service = fake_cleanup_service(registry)
    graph = await service.load()
    plan = service.plan(graph, [Selection("lab", tag="stable")])
    registry.fail_deletes_after = 0

    with pytest.raises(ExecutionFailed) as caught:
        await service.execute(plan)
    await service.aclose()

    assert "now points at the throw-away manifest" in str(caught.value)
    assert f"curl -X DELETE http://localhost:5000/v2/lab/manifests/{plan.steps[0].digest}" in str(
        caught.value
    )


async def test_a_refused_plan_is_not_run() -> None:
    registry = lab_fake_registry()
    service = fake_cleanup_service(registry)
    graph = await service.load()
    plan = service.plan(graph, [Selection("lab", digest=graph.repositories["lab"].tags["v2"])])

    with pytest.raises(PlanRefused, match="did not select: lab:stable"):
        await service.execute(plan)
    await service.aclose()


async def test_the_registry_down_is_unavailable() -> None:
    registry = lab_fake_registry()
    registry.down = True
    service = fake_cleanup_service(registry)

    with pytest.raises(RegistryUnavailable, match="cannot connect"):
        await service.load()
    await service.aclose()


async def test_verification_finds_a_missing_platform_manifest_and_blob() -> None:
    registry = lab_fake_registry()
    service = fake_cleanup_service(registry)
    graph = await service.load()
    lab = graph.repositories["lab"]
    index = lab.manifests[lab.tags["cachetest"]]
    amd64 = next(
        lab.manifests[c] for c in index.children if lab.manifests[c].label == "linux/amd64"
    )
    attestation = next(
        lab.manifests[c]
        for c in index.children
        if lab.manifests[c].label == "attestation for linux/arm64"
    )
    del registry.manifests["lab"][amd64.digest]  # what -m does on distribution 2.8
    del registry.blobs[attestation.blobs[1].digest]

    plan = service.plan(graph, [Selection("cachedata1", tag="latest")])
    report = await service.verify(graph, plan.remaining_tags)
    await service.aclose()

    assert not report.ok
    (failed,) = report.failed
    assert str(failed.ref) == "lab:cachetest"
    assert any(p.startswith("manifest sha256:") and "answers 404" in p for p in failed.problems)
    assert any(p.startswith("blob sha256:") and "answers 404" in p for p in failed.problems)
    assert "1 remaining tag on " in report.summary()
    assert "is damaged (of 6 checked)" in report.summary()


def test_parse_turns_references_into_selections() -> None:
    registry = lab_fake_registry()
    service = fake_cleanup_service(registry)

    assert service.parse("lab:v2") == Selection("lab", tag="v2")
    assert service.parse("localhost:5000/lab") == Selection("lab", tag="latest")
    digest = "sha256:" + "a" * 64
    assert service.parse(f"lab@{digest}") == Selection("lab", digest=digest)
    with pytest.raises(Exception, match=r"is on other\.example:5000"):
        service.parse("other.example:5000/lab:v1")


async def test_gc_without_the_container_says_how_to_fix_it() -> None:
    registry = lab_fake_registry()
    service = fake_cleanup_service(registry, FakeContainer(registry, missing=True))

    with pytest.raises(ContainerNotFound):
        await service.collector.collect_garbage()


class DigestOnlyRegistry(WritableFakeRegistry):
    """As distribution 2.8: a repository never tagged (every manifest pushed by digest) is
    in the catalog, but its tag list answers 404 NAME_UNKNOWN."""

    def handle(self, request: httpx.Request) -> httpx.Response:
        name, _, rest = request.url.path[len("/v2/") :].partition("/tags/list")
        if not rest and request.url.path.endswith("/tags/list") and not self.tags.get(name):
            self.requests.append(request)
            return httpx.Response(404, json={"errors": [{"code": "NAME_UNKNOWN"}]})
        return super().handle(request)


async def test_a_repository_pushed_by_digest_only_can_have_its_untagged_manifests_deleted() -> None:
    # Found by the property test against the real registry: the scan took NAME_UNKNOWN
    # for "the repository does not exist" and the plan refused every selection in it.
    registry = DigestOnlyRegistry(host="localhost:5000")
    registry.push_image("lab", "v1", "linux/amd64", (b"tagged",))
    pushed = registry.push_image("bydigest", "", "linux/amd64", (b"pushed by digest",))
    service = fake_cleanup_service(registry)
    graph = await service.load()
    plan = service.plan(graph, [Selection("bydigest", untagged=True)])
    assert plan.ok, plan.refusals
    await service.execute(plan)
    await service.aclose()

    assert graph.repositories["bydigest"].error is None
    assert graph.repositories["bydigest"].untagged == {pushed["digest"]}
    assert [(s.action, s.digest) for s in plan.steps] == [(StepAction.DELETE, pushed["digest"])]
    assert registry.manifests["bydigest"] == {}


@pytest.mark.parametrize("storage_listed", [True, False])
async def test_an_index_whose_platform_manifest_was_deleted_before_can_be_deleted(
    storage_listed: bool,
) -> None:
    # Seen on distribution 2.8: the plan deleted the missing entry too, and the check
    # before the first change said "no longer there ... refresh and plan again" forever.
    registry = lab_fake_registry()
    index = registry.tags["lab"]["cachetest"]
    raw, _ = registry.manifests["lab"][index]
    entry = json.loads(raw)["manifests"][1]["digest"]
    del registry.manifests["lab"][entry]
    service = fake_cleanup_service(registry, FakeContainer(registry, missing=not storage_listed))
    graph = await service.load()
    plan = service.plan(graph, [Selection("lab", tag="cachetest")])
    report = await service.execute(plan)
    await service.aclose()

    assert plan.ok, plan.refusals
    assert report.complete, report.summary()
    assert index not in registry.manifests["lab"]
    assert "cachetest" not in registry.tags["lab"]
    assert (entry in {s.digest for s in plan.steps}) is not storage_listed


async def test_an_untagged_index_missing_an_entry_is_deleted_and_the_entry_counted() -> None:
    registry = lab_fake_registry()
    old = registry.push_index("lab", "", platforms=("linux/amd64", "linux/s390x"))
    raw, _ = registry.manifests["lab"][old["digest"]]
    entry = json.loads(raw)["manifests"][1]
    registry.garbage[entry["digest"]] = registry.manifests["lab"].pop(entry["digest"])[0]
    service = fake_cleanup_service(registry)
    graph = await service.load()
    plan = service.plan(graph, [Selection("lab", untagged=True)])
    await service.execute(plan)
    await service.aclose()
    registry.collect()

    node = graph.node("lab", entry["digest"])
    assert node is not None and not node.readable
    assert entry["digest"] not in {s.digest for s in plan.steps}
    freed = {b.digest: b for b in plan.freed_blobs}
    assert freed[entry["digest"]].size == entry["size"]
    assert entry["digest"] not in registry.garbage
