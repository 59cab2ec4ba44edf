"""The manifest tree: index -> platform manifests -> config, layers and annotations."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from buildtui.app.commands import Command, bindings
from buildtui.app.theme_styles import themed
from buildtui.i18n import N_, _
from buildtui.registry.outline import OutlineNode, kind_style
from buildtui.untrusted import screen_text

TREE_COMMANDS = (
    Command("tree.toggle", "space", "toggle_node", "Open/close", N_("Open or close the node")),
    # The arrows are not in the footer: at 100 columns it keeps the pane's keys.
    Command(
        "tree.open",
        "right",
        "open_node",
        N_("Open"),
        N_("Open the node, then go to its first child"),
        show=False,
    ),
    Command(
        "tree.close",
        "left",
        "close_node",
        N_("Close"),
        N_("Close the node, then go to its parent"),
        show=False,
    ),
    Command(
        "tree.open_all",
        "asterisk",
        "open_all",
        N_("Open all"),
        N_("Open the node and everything below it (once all is open: close them)"),
    ),
)


class ManifestTree(Tree[OutlineNode]):
    """Shows one tag's outline; each node's data says what copy and raw act on.

    Fully keyboard-driven, its keys in the footer: enter or space opens and closes a
    node, right opens it (or goes to its first child), left closes it (or goes to its
    parent), `*` opens a node with everything below it (pressed again once all is
    open, closes them).
    """

    COMMANDS = TREE_COMMANDS
    BINDINGS = bindings(TREE_COMMANDS)

    DEFAULT_CSS = """
    ManifestTree {
        height: 1fr;
        border: round $primary-background-lighten-2;
    }
    ManifestTree:focus {
        border: round $primary;
    }
    """

    class EntryWanted(Message):
        """An index entry not read yet was opened: the pane reads it (`fill`)."""

        def __init__(self, node: TreeNode[OutlineNode]) -> None:
            super().__init__()
            self.node = node

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(_("(no tag selected)"), id=id)
        self.show_root = True
        self.guide_depth = 3

    def process_label(self, label: str | Text) -> Text:
        """Every label as screen text (a str label would be markup): a tag, platform or
        annotation from the registry is shown as it is, on one line."""
        return super().process_label(screen_text(label, one_line=True))

    def show_outline(self, outline: OutlineNode | None, placeholder: str = "") -> None:
        self.clear()
        if outline is None:
            self.root.set_label(Text(placeholder or _("(no tag selected)"), style="dim"))
            self.root.data = None
            return
        self.root.set_label(self._label(outline))
        self.root.data = outline
        for child in outline.children:
            self._add(self.root, child)
        self.root.expand()

    def _label(self, node: OutlineNode) -> Text:
        """The node's line, in the theme's colour for its kind."""
        return Text(node.label, style=themed(self.app, kind_style(node.kind)))

    def _add(self, parent: TreeNode[OutlineNode], node: OutlineNode) -> None:
        label = self._label(node)
        if node.pending is not None:  # read when opened (`EntryWanted`)
            parent.add(label, data=node, expand=False, allow_expand=True)
        elif node.children:
            branch = parent.add(label, data=node, expand=node.expand)
            for child in node.children:
                self._add(branch, child)
        else:
            parent.add_leaf(label, data=node)

    @on(Tree.NodeExpanded)
    def _opened(self, event: Tree.NodeExpanded[OutlineNode]) -> None:
        data = event.node.data
        if data is not None and data.pending is not None and not event.node.children:
            event.node.add_leaf(Text("reading…", style="dim"))
            self.post_message(self.EntryWanted(event.node))

    def fill(self, node: TreeNode[OutlineNode], outline: OutlineNode) -> None:
        """An entry read: its line and what is under it, in place of `reading…`."""
        node.remove_children()
        node.set_label(self._label(outline))
        node.data = outline
        for child in outline.children:
            self._add(node, child)
        if not outline.children:
            node.allow_expand = False

    def action_open_node(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.allow_expand and not node.is_expanded:
            node.expand()
        elif node.children:
            self.move_cursor(node.children[0])

    def action_close_node(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.allow_expand and node.is_expanded:
            node.collapse()
        elif node.parent is not None:
            self.move_cursor(node.parent)

    def action_open_all(self) -> None:
        node = self.cursor_node
        if node is None or not node.allow_expand:
            return
        if closed_below(node):
            node.expand_all()
        else:
            node.collapse_all()

    def raw_of_selected(self) -> tuple[OutlineNode | None, bytes | None]:
        """The node in focus and the JSON to show for it: its own, else its manifest's
        (a layer or a detail shows the manifest or config it belongs to)."""
        node = self.cursor_node
        while node is not None:
            data = node.data
            if data is not None:
                raw = data.manifest.raw if data.manifest else data.raw
                if raw is not None:
                    return data, raw
            node = node.parent
        return None, None

    @property
    def selected(self) -> OutlineNode | None:
        node = self.cursor_node
        return node.data if node is not None else None


def closed_below(node: TreeNode[OutlineNode]) -> bool:
    """Whether the node, or a node below it, can open and is closed."""
    if node.allow_expand and not node.is_expanded:
        return True
    return any(closed_below(child) for child in node.children)
