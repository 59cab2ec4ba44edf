"""The space ranking, the picture and the what-if: figures on the lab's graph, and the
property that a selection's what-if is the plan of deleting it (Hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from buildtui.cleanup.graph import ReferenceCounts, RegistryGraph
from buildtui.cleanup.plan import THROW_AWAY, Selection, plan_deletion
from buildtui.cleanup.space import (
    ATTESTATIONS,
    CACHES,
    IMAGES,
    REFERRERS,
    UNTAGGED,
    SpaceIndex,
    space_report,
)
from tests.fakes.cleanup import GraphBuilder, config, lab_graph, layer
from tests.fakes.plan_properties import graph_of
from tests.fakes.random_registry import Deletion, RegistryContent, deletions, fill, registries

EXAMPLES = settings().max_examples


def test_the_lab_ranked_by_what_deleting_each_frees() -> None:
    report = space_report(lab_graph().graph)

    keys = [row.key for row in report.rows]
    assert keys[:2] == ["cachedata1:latest", "lab:cachetest"]
    cache = report.row("cachedata1:latest")
    assert cache is not None and cache.kind == "cache image"
    # The build stages' layers, the cache config and the cache manifest: the rest of the
    # cache's layers are the images' own.
    assert cache.frees == 200_000 + 210_000 + 700 + 900
    assert cache.size == cache.frees + 1_000_000 + 900_000 + 3_000 + 3_100
    lab = report.row("lab:cachetest")
    assert lab is not None and lab.kind == "image"
    # index, two images and their configs, two attestations (manifest, config, statement);
    # the final layers stay: the cache holds them too.
    assert lab.frees == 800 + 2 * 400 + 2 * 500 + 2 * (300 + 200 + 1500)
    amd64 = report.row("busybox:amd64")
    assert amd64 is not None and amd64.frees == 0  # busybox:latest's index needs it
    assert [r.frees for r in report.rows] == sorted((r.frees for r in report.rows), reverse=True)


def test_each_row_frees_what_its_plan_frees() -> None:
    graph = lab_graph().graph
    for row in space_report(graph).rows:
        plan = plan_deletion(graph, list(row.selections), allow_tag_loss=True)
        assert row.frees == plan.reclaimed_bytes, row.key


def test_an_alias_alone_frees_nothing_both_free_the_manifest() -> None:
    g = GraphBuilder()
    g.image("app", "v1", [config("v1 cfg"), layer("v1 layer", 5_000)], "v1", "latest")
    index = SpaceIndex(g.graph)
    report = index.report()

    for key in ("app:v1", "app:latest"):
        row = report.row(key)
        assert row is not None and row.frees == 0
        assert "removing this tag alone frees nothing" in row.note
    both = index.what_if([Selection("app", tag="v1"), Selection("app", tag="latest")])
    assert both.frees == 400 + 500 + 5_000


def test_the_what_if_of_a_union_counts_shared_blobs_once_and_only_when_freed() -> None:
    g = GraphBuilder()
    shared = layer("shared by a and b", 10_000)
    g.image("app", "a", [config("a cfg"), shared, layer("a own", 1_000)], "a")
    g.image("app", "b", [config("b cfg"), shared, layer("b own", 2_000)], "b")
    g.image("other", "c", [config("c cfg"), layer("c own", 3_000)], "c")
    index = SpaceIndex(g.graph)
    report = index.report()
    a, b = report.row("app:a"), report.row("app:b")
    assert a is not None and b is not None
    assert (a.frees, b.frees) == (400 + 500 + 1_000, 400 + 500 + 2_000)  # shared stays

    both = index.what_if([*a.selections, *b.selections], [a, b])
    assert both.frees == a.frees + b.frees + 10_000
    assert both.rows_sum == a.frees + b.frees
    assert both.blobs == 7


def test_untagged_revisions_and_the_whole_repository_are_rows() -> None:
    g = GraphBuilder()
    g.image("app", "v1", [config("v1 cfg"), layer("v1 layer", 5_000)], "v1")
    g.image("app", "old", [config("old cfg"), layer("old layer", 7_000)])  # untagged
    g.image("app", "v2", [config("v2 cfg"), layer("v1 layer", 5_000)], "v2")
    report = space_report(g.graph)

    untagged = report.row("app (untagged)")
    assert untagged is not None and untagged.kind == "untagged"
    assert untagged.frees == 400 + 500 + 7_000
    whole = report.row("app (repository)")
    assert whole is not None and whole.frees == whole.size == 3 * 400 + 3 * 500 + 12_000
    assert whole.selections[-1] == Selection("app", untagged=True)
    (bar,) = report.repositories
    assert (bar.label, bar.freeable, bar.shared) == ("app", whole.frees, 0)
    kinds = {k.label: k for k in report.kinds}
    assert kinds[UNTAGGED].freeable == 400 + 500 + 7_000
    assert kinds[IMAGES].total == 2 * 400 + 2 * 500 + 5_000


def test_the_picture_by_kind_separates_what_only_a_kind_holds() -> None:
    report = space_report(lab_graph().graph)
    kinds = {k.label: k for k in report.kinds}

    # The cache holds its stage layers alone, and shares the images' layers.
    assert kinds[CACHES].freeable == 200_000 + 210_000 + 700 + 900
    assert kinds[CACHES].shared == 1_000_000 + 900_000 + 3_000 + 3_100
    # Attestations share nothing: their own manifests count as theirs, not the index's.
    assert kinds[ATTESTATIONS].shared == 0
    assert kinds[ATTESTATIONS].freeable == 2 * (300 + 200 + 1500)
    assert kinds[REFERRERS].total == 0
    assert sum(k.freeable for k in report.kinds) <= report.total
    assert report.total == sum(lab_graph().graph.blob_sizes().values())


def test_reference_counts_match_the_graph() -> None:
    graph = lab_graph().graph
    counts = ReferenceCounts(graph)
    base = layer("busybox amd64", 1).digest
    # busybox:amd64, lab's amd64 image and the cache mark it.
    assert {(n.repository, n.label) for n in counts.markers[base]} == {
        ("busybox", "linux/amd64"),
        ("lab", "linux/amd64"),
        ("cachedata1", ""),
    }
    amd64 = graph.repositories["busybox"].tags["amd64"]
    assert counts.reach[("busybox", amd64)] == 2  # the tag amd64 and latest's index
    assert counts.reached("busybox", ["amd64"])(amd64)
    assert not counts.reached("busybox", ["amd64", "latest"])(amd64)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[RegistryContent, Deletion]:
    content = draw(registries())
    return content, draw(deletions(content))


@settings(max_examples=EXAMPLES * 5, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_the_what_if_of_a_selection_is_the_plan_of_deleting_it(
    scenario: tuple[RegistryContent, Deletion],
) -> None:
    content, deletion = scenario
    graph = graph_of(fill(content))
    plan = plan_deletion(graph, deletion.selections, allow_tag_loss=deletion.allow_tag_loss)
    freed = SpaceIndex(graph).freed(deletion.selections)

    expected = {b.digest: b.size for b in plan.freed_blobs if b.what != THROW_AWAY}
    assert freed == expected
    assert sum(freed.values()) == plan.reclaimed_bytes


@settings(max_examples=EXAMPLES, suppress_health_check=[HealthCheck.too_slow])
@given(registries())
def test_every_row_of_a_random_registry_is_its_own_plan(content: RegistryContent) -> None:
    graph = graph_of(fill(content))
    report = space_report(graph)
    for row in report.rows:
        if not row.selections:
            continue
        plan = plan_deletion(graph, list(row.selections), allow_tag_loss=True)
        assert row.frees == plan.reclaimed_bytes, row.key
        assert 0 <= row.frees <= row.size, row.key
    for bar in report.repositories:
        whole = report.row(f"{bar.label} (repository)")
        if whole is not None:
            assert whole.frees == bar.freeable


@pytest.mark.parametrize("count", [1, 2, 5])
def test_the_ranking_reads_the_graph_once_per_tag(count: int) -> None:
    """One ReferenceCounts for the whole report: no plan (and no `_Users`) per tag."""
    g = GraphBuilder()
    for i in range(count):
        g.image("app", f"i{i}", [config(f"c{i}"), layer(f"l{i}", 100)], f"t{i}")
    built: list[int] = []
    original = ReferenceCounts.__init__

    def counting(self: ReferenceCounts, graph: RegistryGraph) -> None:
        built.append(1)
        original(self, graph)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ReferenceCounts, "__init__", counting)
        patch.setattr(
            "buildtui.cleanup.plan.plan_deletion",
            lambda *a, **k: pytest.fail("the ranking planned a tag"),
        )
        space_report(g.graph)
    assert built == [1]
