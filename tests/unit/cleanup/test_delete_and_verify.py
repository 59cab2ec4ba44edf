"""`CleanupService.delete_and_verify`: the one deletion the Clean-up pane and `buildtui rm`
run, deleting then verifying under the registry container's lock."""

from __future__ import annotations

import pytest

from buildtui.cleanup.errors import CollectionBusy, RegistryUnavailable
from buildtui.cleanup.execute import ExecutionFailed, ExecutionReport
from buildtui.cleanup.journal import RegistryLock
from buildtui.cleanup.plan import Selection
from buildtui.cleanup.service import CleanupService
from tests.fakes.cleanup import fake_cleanup_service, lab_fake_registry


def lock_of(service: CleanupService) -> RegistryLock:
    key = service.collector.key_of(service.container.inspect())
    return RegistryLock.of(key, service.container.name)


async def test_it_deletes_then_verifies_the_tags_left_under_the_lock() -> None:
    registry = lab_fake_registry()
    service = fake_cleanup_service(registry)
    graph = await service.load()
    plan = service.plan(graph, [Selection("lab", tag="cachetest")])
    seen: list[tuple[bool, int]] = []

    def deleted(report: ExecutionReport) -> None:
        seen.append((lock_of(service).held(), len(registry.requests)))
        with pytest.raises(
            CollectionBusy, match=r"a deletion of registry7 runs .*rm lab:cachetest"
        ):
            service.collector.check_idle()

    result = await service.delete_and_verify(
        plan, graph, holder="buildtui rm lab:cachetest", on_deleted=deleted
    )
    await service.aclose()

    assert result.report.complete and result.verify_error is None
    assert "cachetest" not in registry.tags["lab"]
    assert result.verification is not None and result.verification.ok
    assert {str(c.ref) for c in result.verification.checks} == {
        str(ref) for ref in plan.remaining_tags
    }
    [(held, requests_then)] = seen
    assert held
    # The verification came after the deletion: its HEADs follow the last DELETE.
    later = registry.requests[requests_then:]
    assert later and all(r.method == "HEAD" for r in later)
    assert not lock_of(service).held()


async def test_a_registry_gone_after_the_deletion_is_a_damaged_verification() -> None:
    registry = lab_fake_registry()
    service = fake_cleanup_service(registry)
    graph = await service.load()
    plan = service.plan(graph, [Selection("cachedata1", tag="latest")])

    def deleted(report: ExecutionReport) -> None:
        registry.down = True  # stops answering between the deletion and the verification

    result = await service.delete_and_verify(plan, graph, on_deleted=deleted)
    await service.aclose()

    assert result.report.complete and result.verify_error is None
    assert result.verification is not None and not result.verification.ok
    assert "latest" not in registry.tags.get("cachedata1", {})


async def test_a_verification_that_cannot_run_leaves_the_deletion_reported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    registry = lab_fake_registry()
    service = fake_cleanup_service(registry)
    graph = await service.load()
    plan = service.plan(graph, [Selection("cachedata1", tag="latest")])
    unavailable = RegistryUnavailable("localhost:5000 does not answer")

    async def cannot_verify(*args: object) -> None:
        raise unavailable

    monkeypatch.setattr(service, "verify", cannot_verify)
    result = await service.delete_and_verify(plan, graph)
    await service.aclose()

    assert result.report.complete
    assert result.verification is None and result.verify_error is unavailable
    assert "latest" not in registry.tags.get("cachedata1", {})
    assert not lock_of(service).held()


async def test_a_holder_of_the_lock_keeps_it_through_the_call() -> None:
    registry = lab_fake_registry()
    service = fake_cleanup_service(registry)
    async with service.exclusive("deletion", "buildtui rm lab:stable"):
        graph = await service.load()
        plan = service.plan(graph, [Selection("lab", tag="stable")])
        result = await service.delete_and_verify(plan, graph)
        assert lock_of(service).held()  # still the reading's lock
    await service.aclose()

    assert result.report.complete and result.verification is not None
    assert "stable" not in registry.tags["lab"]
    assert not lock_of(service).held()


async def test_a_lock_held_elsewhere_refuses_before_any_request_that_changes() -> None:
    registry = lab_fake_registry()
    service = fake_cleanup_service(registry)
    graph = await service.load()
    plan = service.plan(graph, [Selection("lab", tag="stable")])
    lock = lock_of(service)
    lock.acquire("garbage collection", "buildtui gc -y")
    try:
        with pytest.raises(CollectionBusy, match="a garbage collection of registry7 runs"):
            await service.delete_and_verify(plan, graph)
    finally:
        lock.release()
    await service.aclose()

    assert not [r for r in registry.requests if r.method in ("PUT", "DELETE")]
    assert "stable" in registry.tags["lab"]


async def test_a_step_that_fails_is_reported_and_nothing_is_verified() -> None:
    registry = lab_fake_registry()
    service = fake_cleanup_service(registry)
    graph = await service.load()
    plan = service.plan(graph, [Selection("lab", tag="cachetest")])
    registry.fail_deletes_after = 1
    deleted: list[ExecutionReport] = []

    with pytest.raises(ExecutionFailed) as caught:
        await service.delete_and_verify(plan, graph, on_deleted=deleted.append)
    await service.aclose()

    assert len(caught.value.report.done) == 1 and not deleted
    assert not lock_of(service).held()
