"""The manifest tree: index -> platform manifests -> config, layers and annotations."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from buildtui.registry.present import OutlineNode

KIND_STYLES = {
    "index": "bold",
    "image": "bold green",
    "attestation": "dim",
    "cache": "cyan",
    "artifact": "magenta",
    "unknown": "yellow",
    "error": "bold red",
}


class ManifestTree(Tree[OutlineNode]):
    """Shows one tag's outline; each node's data says what copy and raw act on."""

    DEFAULT_CSS = """
    ManifestTree {
        height: 1fr;
        border: round $primary-background-lighten-2;
    }
    ManifestTree:focus {
        border: round $primary;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("(no tag selected)", id=id)
        self.show_root = True
        self.guide_depth = 3

    def show_outline(self, outline: OutlineNode | None, placeholder: str = "") -> None:
        self.clear()
        if outline is None:
            self.root.set_label(Text(placeholder or "(no tag selected)", style="dim"))
            self.root.data = None
            return
        self.root.set_label(Text(outline.label, style=KIND_STYLES.get(outline.kind, "")))
        self.root.data = outline
        for child in outline.children:
            self._add(self.root, child)
        self.root.expand()

    def _add(self, parent: TreeNode[OutlineNode], node: OutlineNode) -> None:
        label = Text(node.label, style=KIND_STYLES.get(node.kind, ""))
        if node.children:
            branch = parent.add(label, data=node, expand=node.expand)
            for child in node.children:
                self._add(branch, child)
        else:
            parent.add_leaf(label, data=node)

    @property
    def selected(self) -> OutlineNode | None:
        node = self.cursor_node
        return node.data if node is not None else None
