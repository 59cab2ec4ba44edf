"""What the Registry pane shows of the selected tag: badge, manifest tree and summary."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from buildtui.app.registry.manifest_tree import ManifestTree
from buildtui.app.shared.screen_static import ScreenStatic
from buildtui.app.theme_styles import themed_parts
from buildtui.i18n import _
from buildtui.registry.crossref import CacheBreakdown
from buildtui.registry.outline import report_outline
from buildtui.registry.rows import report_details
from buildtui.registry.scan import ImageReport


class ReportDetails(Vertical):
    """The platforms badge, the manifest tree and the summary (sizes, cache, commands)."""

    DEFAULT_CSS = """
    ReportDetails #registry-badge {
        height: 1;
        padding: 0 1;
        text-style: bold;
        color: $success;
    }
    ReportDetails #registry-summary {
        height: auto;
        max-height: 12;
        padding: 0 1;
    }
    """

    def compose(self) -> ComposeResult:
        yield ScreenStatic(id="registry-badge")
        yield ManifestTree(id="registry-tree")
        yield ScreenStatic(id="registry-summary")

    def on_mount(self) -> None:
        self.manifest_tree.border_title = _("Manifests")

    @property
    def manifest_tree(self) -> ManifestTree:
        return self.query_one(ManifestTree)

    def show_report(
        self, report: ImageReport, breakdown: CacheBreakdown | None, commands: list[str]
    ) -> None:
        """A tag's tree, its platforms and its summary."""
        self.manifest_tree.show_outline(report_outline(report, breakdown))
        self.query_one("#registry-badge", Static).update(report.badge)
        parts = report_details(report, breakdown, commands)
        summary = themed_parts(self.app, parts)
        self.query_one("#registry-summary", Static).update(summary)

    def show_placeholder(self, placeholder: str, note: str = "") -> None:
        """No tag to show: a line in the tree's place, and a note under it (if any)."""
        self.manifest_tree.show_outline(None, placeholder)
        self.query_one("#registry-badge", Static).update("")
        self.query_one("#registry-summary", Static).update(note)

    def focused_node(self) -> tuple[str, str, bytes | None] | None:
        """(name, digest, raw JSON) of the tree node in focus, if it has a digest."""
        tree = self.manifest_tree
        node = tree.selected if tree.has_focus else None
        if node is None or not node.digest:
            return None
        raw = node.manifest.raw if node.manifest else node.raw
        return node.label.split("  ")[0], node.digest, raw

    def focused_raw(self) -> tuple[str, bytes] | None:
        """(heading, JSON) for the tree node in focus: a layer or a detail has no JSON of
        its own, so its manifest's or config's."""
        tree = self.manifest_tree
        if not tree.has_focus or tree.selected is None:
            return None
        owner, raw = tree.raw_of_selected()
        if owner is None or raw is None:
            return None
        name = owner.label.split("  ")[0]
        return (f"{name}  {owner.digest}" if owner.digest else name), raw
