"""The graph the Clean-up builds a tag at a time while the scan reads (in whatever order
the reads end, each report let go after) is the graph of the whole scan, on random
registries (Hypothesis)."""

from __future__ import annotations

import asyncio
from random import Random

from hypothesis import given, settings
from hypothesis import strategies as st

from buildtui.cleanup.graph import GraphBuilder, RegistryGraph, graph_from_scan
from buildtui.registry.scan import RegistryScan, TagEntry
from tests.fakes.random_registry import RegistryContent, fill, registries
from tests.fakes.registry import fake_service


def shape(graph: RegistryGraph) -> object:
    return (
        list(graph.repositories),
        {
            name: (
                dict(sorted(repo.tags.items())),
                dict(sorted(repo.manifests.items())),
                dict(sorted(repo.unreadable_tags.items())),
                repo.revisions,
                repo.error,
            )
            for name, repo in graph.repositories.items()
        },
        sorted(graph.warnings),
    )


def scanned(content: RegistryContent) -> RegistryScan:
    service = fake_service(fill(content))

    async def scan() -> RegistryScan:
        try:
            return await service.scan(cached=False)
        finally:
            await service.aclose()

    return asyncio.run(scan())


@settings(max_examples=settings().max_examples)
@given(registries(), st.randoms(use_true_random=False))
def test_the_graph_built_tag_by_tag_in_any_order_is_the_graph_of_the_scan(
    content: RegistryContent, random: Random
) -> None:
    scan = scanned(content)
    entries: list[TagEntry] = scan.entries()
    random.shuffle(entries)
    builder = GraphBuilder(scan.registry, "http://registry.test")
    for entry in entries:
        builder.add(entry)
    built = builder.finish(scan, warnings=["given"])
    whole = graph_from_scan(scan, "http://registry.test", warnings=["given"])
    assert shape(built) == shape(whole)
    assert built.warnings[0] == "given"
