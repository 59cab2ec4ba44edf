"""Property tests of the deletion planner on random registries (Hypothesis).

For each random registry and random selection: plan, send the plan's requests to the
in-memory registry (distribution 2.8's DELETE and PUT semantics), collect the garbage
as distribution does without `-m`, and check with `plan_problems` that every tag not
selected still has every manifest, entry, config and layer it needs, that what was
asked is gone, that the plan's freed and kept blobs are what the collection freed and
kept, and that a refused plan changed nothing.

The first test drives the planner directly and runs thousands of examples; the second
runs fewer through the whole `CleanupService` (scan, plan, validated execution over
HTTP, collection, verification). The example counts come from the Hypothesis profile
(tests/conftest.py): `ci` is derandomized and keeps no database.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from buildtui.cleanup.errors import PlanRefused
from buildtui.cleanup.plan import Plan, plan_deletion
from buildtui.cleanup.steps import HttpRequest
from tests.fakes.cleanup import WritableFakeRegistry, fake_cleanup_service
from tests.fakes.plan_properties import Storage, graph_of, plan_problems, storage_of
from tests.fakes.random_registry import (
    Deletion,
    RegistryContent,
    closure,
    deletions,
    fill,
    registries,
)

EXAMPLES = settings().max_examples
"""The profile's base count: the planner test runs 20 times it (thousands), the service once."""


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[RegistryContent, Deletion]:
    content = draw(registries())
    return content, draw(deletions(content))


def send(registry: WritableFakeRegistry, request: HttpRequest) -> None:
    response = registry.handle(
        httpx.Request(
            request.method,
            f"http://{registry.host}{request.path}",
            content=request.body,
            headers={"Content-Type": request.content_type} if request.content_type else {},
        )
    )
    expected = 201 if request.method == "PUT" else 202
    assert response.status_code == expected, f"{request} answered {response.status_code}"


def failure(problems: list[str], plan: Plan) -> str:
    return "\n".join(
        [*problems, "the plan: " + "; ".join([*(s.title for s in plan.steps), *plan.refusals])]
    )


@settings(max_examples=EXAMPLES * 20, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenarios())
def test_a_plan_keeps_what_remaining_tags_need_and_removes_what_was_asked(
    scenario: tuple[RegistryContent, Deletion],
) -> None:
    content, deletion = scenario
    registry = fill(content)
    before = storage_of(registry)
    plan = plan_deletion(
        graph_of(registry), deletion.selections, allow_tag_loss=deletion.allow_tag_loss
    )
    if plan.ok:
        for request in plan.requests:
            send(registry, request)
    after_requests = storage_of(registry)
    registry.collect()
    problems = plan_problems(content, deletion, plan, before, after_requests, storage_of(registry))
    assert not problems, failure(problems, plan)


@settings(max_examples=EXAMPLES, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenarios())
def test_the_cleanup_service_keeps_what_remaining_tags_need(
    scenario: tuple[RegistryContent, Deletion],
) -> None:
    """Scan, plan, validated execution and verification over HTTP, as the pane runs them."""
    content, deletion = scenario
    registry = fill(content)
    before = storage_of(registry)

    async def run() -> tuple[Plan, Storage]:
        service = fake_cleanup_service(registry)
        try:
            graph = await service.load()
            direct = graph_of(registry)
            assert set(graph.repositories) == set(direct.repositories)
            for name, repo in direct.repositories.items():
                loaded = graph.repositories[name]
                assert loaded.tags == repo.tags
                assert loaded.revisions == repo.revisions
                assert {d: (n.children, n.blobs) for d, n in loaded.manifests.items()} == {
                    d: (n.children, n.blobs) for d, n in repo.manifests.items()
                }
            plan = service.plan(graph, deletion.selections, allow_tag_loss=deletion.allow_tag_loss)
            if not plan.ok:
                with pytest.raises(PlanRefused):
                    await service.execute(plan)
            else:
                report = await service.execute(plan)
                assert report.complete, report.summary()
            after_requests = storage_of(registry)
            await service.collector.collect_garbage()
            if plan.ok:
                verified = await service.verify(graph, plan.remaining_tags)
                damaged = {  # tags of an index one of whose entries was deleted before
                    ref
                    for ref in plan.remaining_tags
                    if not closure(content.documents, [ref.digest])
                    <= before.revisions[ref.repository]
                }
                assert {c.ref for c in verified.failed} <= damaged, verified.summary()
            return plan, after_requests
        finally:
            await service.aclose()

    plan, after_requests = asyncio.run(run())
    problems = plan_problems(content, deletion, plan, before, after_requests, storage_of(registry))
    assert not problems, failure(problems, plan)
