"""The manifest panel gets the room: the tree takes the width the tag table does not need,
`z` zooms it to the whole pane, `*` opens everything below a node."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, OptionList
from textual.widgets.tree import TreeNode

from buildtui.app.app import BuildTUI, make_app
from buildtui.app.registry.manifest_tree import ManifestTree
from buildtui.app.registry.pane import RegistryPane
from buildtui.registry.outline import OutlineNode
from tests.fakes.services import fake_services, settle

SIZES = [(160, 48), (100, 30)]


def full_app(tmp_path: Path) -> BuildTUI:
    settings, services = fake_services(tmp_path)
    return make_app(settings, services)


async def show_tag(pilot: Pilot[None], repository: str, tag: str) -> ManifestTree:
    app = pilot.app
    await pilot.press("3")
    await settle(pilot)
    repos = app.query_one("#registry-repos", OptionList)
    names = [str(repos.get_option_at_index(i).id) for i in range(repos.option_count)]
    repos.highlighted = names.index(repository)
    await settle(pilot)
    table = app.query_one("#registry-tags", DataTable)
    table.focus()
    table.move_cursor(row=[str(r.key.value) for r in table.ordered_rows].index(tag))
    await settle(pilot)
    return app.query_one(ManifestTree)


def tree_text(tree: ManifestTree) -> str:
    """The tree's lines as they are drawn (what the window shows, clipped as it is)."""
    return "\n".join(strip.text for strip in tree.render_lines(tree.region.reset_offset))


async def test_the_tree_takes_the_width_the_tags_do_not_need(tmp_path: Path) -> None:
    """At 160 columns a cache layer's line is whole, its "only in the cache" in view
    (beside the tag table the tree was 60-78 columns wide and cut it away)."""
    app = full_app(tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        tree = await show_tag(pilot, "cachedata1", "latest")
        repos = app.query_one("#registry-repos")
        assert tree.region.x <= repos.region.right + 1  # right of the repositories
        assert tree.region.right >= 158  # to the pane's edge
        assert tree.virtual_size.width <= tree.scrollable_content_region.width
        lines = tree_text(tree).splitlines()
        layers = [line for line in lines if "layer " in line and "sha256:" in line]
        assert any(line.rstrip(" │").endswith("only in the cache") for line in layers), lines
        assert any("also a layer of 4 images" in line for line in layers), lines
        # The tags above it still show every column.
        header = app.query_one("#registry-tags", DataTable)
        assert header.region.width >= sum(
            c.get_render_width(header) for c in header.columns.values()
        )


@pytest.mark.parametrize("size", SIZES)
async def test_z_zooms_the_panel_to_the_whole_pane_and_back(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    app = full_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        tree = await show_tag(pilot, "lab", "cachetest")
        pane = app.query_one(RegistryPane)
        await pilot.press("z")
        await pilot.pause()
        assert app.focused is tree
        for hidden in ("#registry-repos", "#registry-tags", "#registry-filter"):
            assert not app.query_one(hidden).region, hidden
        assert tree.region.width >= size[0] - 2
        # Both platform manifests and both attestations, without scrolling.
        assert tree.max_scroll_y == 0
        text = tree_text(tree)
        for line in (
            "linux/arm64  image",
            "attestation for linux/amd64",
            "attestation for linux/arm64",
        ):
            assert line in text, (line, text)
        assert "z: back" in (tree.border_subtitle or "")
        # The pane's keys still work on the tree (v: raw JSON of the node).
        await pilot.press("z")
        await pilot.pause()
        assert not pane.zoomed
        assert app.query_one("#registry-repos").region
        assert app.query_one("#registry-tags").region


@pytest.mark.parametrize("size", SIZES)
async def test_star_opens_everything_below_then_closes_it(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    """The first `*` on the (open) root opens every node; it used to close the root."""
    app = full_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        tree = await show_tag(pilot, "lab", "cachetest")
        tree.focus()
        tree.move_cursor(tree.root)
        await pilot.pause()
        assert tree.root.is_expanded
        attestation = next(n for n in tree.root.children if "attestation" in str(n.label))
        assert attestation.allow_expand and not attestation.is_expanded
        await pilot.press("asterisk")
        nodes = list(walk(tree.root))
        assert all(node.is_expanded for node in nodes if node.allow_expand)
        assert attestation.is_expanded
        await pilot.press("asterisk")
        assert not tree.root.is_expanded


def walk(node: TreeNode[OutlineNode]) -> Iterator[TreeNode[OutlineNode]]:
    yield node
    for child in node.children:
        yield from walk(child)
