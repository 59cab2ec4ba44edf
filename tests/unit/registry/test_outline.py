"""The manifest tree as pure data (`registry.outline`) and the shared-blob note."""

from __future__ import annotations

from buildtui.registry.crossref import CacheBreakdown, CacheLayerUse, cache_layers
from buildtui.registry.outline import KIND_STYLES, kind_style, outline_lines, report_outline
from buildtui.registry.rows import shared_note
from buildtui.registry.scan import SharedBlob
from tests.fakes.registry import lab_registry
from tests.unit.registry.test_present import report_of


async def test_outline_of_an_index() -> None:
    report = await report_of(lab_registry(), "lab", "cachetest")
    outline = report_outline(report)
    assert outline.manifest is report.manifest
    assert outline.label.startswith("lab:cachetest  index  OCI index  sha256:")
    labels = [child.label.split("  ")[0] for child in outline.children]
    assert labels == [
        "linux/amd64",
        "linux/arm64",
        "attestation for linux/amd64",
        "attestation for linux/arm64",
    ]
    amd64 = outline.children[0]
    assert amd64.expand and amd64.manifest is not None
    assert [n.kind for n in amd64.children] == ["config", "layer", "layer"]
    assert "created 2026-01-02T03:04:05Z" in amd64.children[0].label
    assert amd64.children[0].raw is not None  # the config JSON, for the raw view
    attestation = outline.children[2]
    assert [n.kind for n in attestation.children][-1] == "annotations"


async def test_outline_of_single_image_cache_and_artifact() -> None:
    registry = lab_registry()
    single = report_outline(await report_of(registry, "lab", "single"))
    assert [n.kind for n in single.children] == ["config", "layer", "layer"]
    cache = report_outline(await report_of(registry, "cachedata1", "latest"))
    # The cache config is named as such (not "entry 3"), then the layers, each once.
    assert [n.kind for n in cache.children] == ["detail", "config", "layer", "layer"]
    assert cache.children[1].label.startswith("cache config ")
    assert "BuildKit registry cache" in cache.label
    artifact = report_outline(await report_of(registry, "sbom", "v1"))
    assert artifact.kind == "artifact"
    assert artifact.children[-1].label == "annotations (1)"


async def test_where_a_cache_layer_also_is_is_said_once() -> None:
    """One place on the layer's line; several as a line each below it, not the first of
    them on the line and again below (as `buildtui inspect` printed it)."""
    report = await report_of(lab_registry(), "cachedata1", "latest")
    layers, _ = cache_layers(report.manifest)
    first, second = (layer.digest for layer in layers[:2])
    places = ("layer 1 of busybox:latest (linux/amd64)", "layer 1 of lab:cachetest (linux/amd64)")
    breakdown = CacheBreakdown(
        (
            CacheLayerUse(first, 10, 1, ("layer 2 of lab:cachetest (linux/arm64)",)),
            CacheLayerUse(second, 20, 1, places),
        ),
        config_size=5,
        compared_with=3,
    )
    text = "\n".join(outline_lines(report_outline(report, breakdown)))
    assert text.count("layer 2 of lab:cachetest (linux/arm64)") == 1
    assert "also layer 2 of lab:cachetest (linux/arm64)" in text
    for place in places:
        assert text.count(place) == 1, text
    assert "also a layer of 2 images" in text


def test_shared_note() -> None:
    assert shared_note(()) == ""
    note = shared_note((SharedBlob("sha256:" + "a" * 64, 32, ("linux/amd64", "linux/arm64")),))
    assert (
        note
        == "1 blob is shared (32 B, counted once): sha256:aaaaaaaaaaaa by linux/amd64, linux/arm64"
    )


def test_tree_lines_have_semantic_styles_not_colours() -> None:
    assert kind_style("image") == "bold success"
    assert kind_style("error") == "bold error"
    assert kind_style("layer") == ""
    colours = {"red", "green", "cyan", "magenta", "yellow", "blue"}
    assert not {word for style in KIND_STYLES.values() for word in style.split()} & colours
