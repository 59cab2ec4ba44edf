"""The Registry pane: repositories -> tags -> index -> platform manifests -> config and layers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self, TypeAlias

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.theme import Theme
from textual.widgets import DataTable, Input, OptionList, Static

from buildtui.app.commands import bindings
from buildtui.app.messages import hosted_in_tabs
from buildtui.app.panes import Pane
from buildtui.app.registry import messages
from buildtui.app.registry.commands import PANE_COMMANDS
from buildtui.app.registry.login import RegistryLoginScreen
from buildtui.app.registry.manifest_tree import ManifestTree
from buildtui.app.registry.open_registry import OpenRegistryScreen
from buildtui.app.registry.raw_manifest import RawManifestScreen
from buildtui.app.registry.reads import RegistryReads
from buildtui.app.registry.report_details import ReportDetails
from buildtui.app.registry.repository_list import RepositoryList
from buildtui.app.registry.tag_table import TagTable
from buildtui.app.shared.screen_static import ScreenStatic
from buildtui.app.theme_styles import themed_parts
from buildtui.cleanup.present import empty_repository_text
from buildtui.i18n import _
from buildtui.registry.browser import RegistryBrowser
from buildtui.registry.errors import RegistryError
from buildtui.registry.models import Kind
from buildtui.registry.outline import entry_outline
from buildtui.registry.present import pretty_json
from buildtui.registry.rows import (
    TagRow,
    error_message,
    registry_title,
    tag_row,
    tags_read_text,
)
from buildtui.untrusted import screen_text

if TYPE_CHECKING:
    from buildtui.app.services import Services


class RegistryPane(RegistryReads, Pane):
    """Browse one registry (any registry: press o); every request runs in an async worker."""

    AUTO_FOCUS = "#registry-repos"
    """Where the focus starts when the app shows this pane."""

    DEFAULT_CSS = """
    RegistryPane {
        height: 1fr;
        layout: vertical;
    }
    RegistryPane #registry-bar {
        height: 3;
    }
    RegistryPane #registry-title {
        width: 1fr;
        padding: 1 1 0 1;
        text-style: bold;
    }
    RegistryPane #registry-filter {
        width: 40;
    }
    RegistryPane #registry-message {
        display: none;
        padding: 0 1;
        margin: 0 1;
        border: round $error;
        height: auto;
    }
    RegistryPane #registry-message.shown {
        display: block;
    }
    /* The tags above the manifest panel, right of the repositories: the tags need a
       few rows, the tree the width (its cache layer lines run past 100 columns). */
    RegistryPane #registry-body {
        height: 1fr;
        layout: grid;
        grid-size: 2 2;
        grid-columns: 24 1fr;
        grid-rows: auto 1fr;
    }
    RegistryPane #registry-repos {
        row-span: 2;
        height: 1fr;
    }
    RegistryPane #registry-tags {
        height: auto;
        max-height: 12;
    }
    RegistryPane #registry-detail {
        height: 1fr;
    }
    """
    COMMANDS = PANE_COMMANDS
    """The pane's commands: its bindings, footer keys and palette entries."""
    BINDINGS = bindings(PANE_COMMANDS)

    # The pane's messages (`registry/messages.py`), by the names Textual code expects.
    Loaded: TypeAlias = messages.Loaded
    RepositoriesRead: TypeAlias = messages.RepositoriesRead
    TagsLoaded: TypeAlias = messages.TagsLoaded
    TagsInspected: TypeAlias = messages.TagsInspected
    CacheCompared: TypeAlias = messages.CacheCompared
    EntriesRead: TypeAlias = messages.EntriesRead
    Failed: TypeAlias = messages.Failed

    @classmethod
    def from_services(cls, services: Services) -> Self | None:
        if services.registry is None:
            return None
        from buildtui.settings import cli_prefix

        return cls(services.registry, lab_cli=cli_prefix(services.settings))

    def __init__(
        self,
        service: RegistryBrowser,
        *,
        lab_cli: str = "buildtui",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(service, name=name, id=id, classes=classes)
        self.lab_registry = service.registry
        self.lab_cli = lab_cli
        """`buildtui` with the flags that reach the lab registry (for the commands shown)."""
        self.filter_text = ""
        self.error: RegistryError | None = None
        self._error_what = ""
        self.reading_catalog = False
        """The catalog's pages are still coming (the title counts them)."""
        self._pages_read = 0
        """Repositories in the pages of the catalog read so far."""
        self._progressive = False
        """Each page is shown as it comes (nothing was shown before this reading)."""

    def compose(self) -> ComposeResult:
        with Horizontal(id="registry-bar"):
            yield ScreenStatic(self._title(), id="registry-title")
            yield Input(placeholder=_("/ filter repositories and tags"), id="registry-filter")
        yield ScreenStatic(id="registry-message")
        with Horizontal(id="registry-body"):
            yield RepositoryList(id="registry-repos")
            yield TagTable(id="registry-tags")
            yield ReportDetails(id="registry-detail")

    def on_mount(self) -> None:
        self.load_repositories()
        self.call_after_refresh(self._initial_focus)
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    def _theme_changed(self, theme: Theme) -> None:
        """Rows, tree and messages again, in the new theme's colours."""
        self._render_tags()
        if self.current_tag is not None:
            self.show_tag(self.current_tag)
        if self.error is not None:
            self.show_error(self.error, self._error_what)

    async def on_unmount(self) -> None:
        # A registry opened with `o` is the pane's own: the app closes only the one it gave.
        await self.service.aclose()

    def _initial_focus(self) -> None:
        # Keys like r and v are pane commands: start on the list, not in the filter field.
        if hosted_in_tabs(self):
            return  # the app moves the focus into the pane it shows
        focused = self.app.focused
        if focused is None or focused is self.query_one("#registry-filter"):
            self.query_one("#registry-repos", OptionList).focus()

    # -- helpers ---------------------------------------------------------------------

    @property
    def tag_table(self) -> TagTable:
        return self.query_one(TagTable)

    @property
    def details(self) -> ReportDetails:
        return self.query_one(ReportDetails)

    @property
    def manifest_tree(self) -> ManifestTree:
        return self.details.manifest_tree

    def _title(self) -> str:
        title = registry_title(
            self.service.registry,
            self._pages_read if self.reading_catalog else len(self.repositories),
            self.catalog_cut is not None,
            reading=self.reading_catalog,
        )
        counted = self._tags_counted()
        return f"{title} · {self.repository}: {counted}" if counted and self.repository else title

    def _tags_counted(self) -> str | None:
        """`12 of 100 read` while the repository's tags are read, `cut short` if so."""
        return tags_read_text(
            len(self.reports) + len(self.tag_errors), len(self.tags), self.tags_cut is not None
        )

    def retranslate(self) -> None:
        """Render again in the app's language: the title, the hint, the tags and the
        manifest shown; the registry's own errors are made again by reading it again."""
        self.query_one("#registry-title", Static).update(self._title())
        self.query_one("#registry-filter", Input).placeholder = _("/ filter repositories and tags")
        self._render_tags()
        tag = self.current_tag
        if tag is not None:
            self.show_tag(tag)
        if self.error is not None:
            self.action_refresh()

    def _matches(self, text: str) -> bool:
        return self.filter_text.lower() in text.lower()

    def show_error(self, error: RegistryError | None, what: str = "") -> None:
        self.error, self._error_what = error, what
        message = self.query_one("#registry-message", Static)
        if error is None:
            message.remove_class("shown")
            message.update("")
            return
        message.update(themed_parts(self.app, error_message(what, error)))
        message.add_class("shown")

    # -- messages --------------------------------------------------------------------

    @on(RepositoriesRead)
    def repositories_read(self, message: RepositoriesRead) -> None:
        """A page of the catalog, counted in the title; shown at once when nothing was
        shown before (a refresh keeps the list it shows until the whole catalog is read)."""
        if message.registry != self.service.registry:
            return
        if not self.reading_catalog:  # the first page of a new reading
            self.reading_catalog = True
            self._pages_read = 0
            self._progressive = not self.repositories
            if self._progressive:
                self.show_error(None)
        self._pages_read += len(message.repositories)
        if self._progressive:
            self.repositories.extend(message.repositories)
            shown = [r for r in message.repositories if self._matches(r)]
            self.query_one(RepositoryList).extend(shown)
        self.query_one("#registry-title", Static).update(self._title())

    @on(Loaded)
    def repositories_loaded(self, message: Loaded) -> None:
        if message.registry != self.service.registry:
            return
        self.reading_catalog = False
        self.show_error(None)
        shown = self.repositories
        self.repositories = sorted(message.repositories)
        self.catalog_cut = message.cut
        self.query_one("#registry-title", Static).update(self._title())
        repos = self.query_one("#registry-repos", OptionList)
        repos.border_subtitle = _("cut short") if message.cut else None
        if message.cut:
            self.app.notify(message.cut, severity="warning")
        if shown != self.repositories:  # the registry's order was not sorted, or it changed
            self._render_repositories()
        if not self.repositories:
            self.manifest_tree.show_outline(
                None, _("This registry has no repositories yet: push an image.")
            )

    @on(Failed)
    def failed(self, message: Failed) -> None:
        if self.reading_catalog:
            self.reading_catalog = False
            self.query_one("#registry-title", Static).update(self._title())
        self.show_error(message.error, message.what)

    @on(TagsLoaded)
    def tags_loaded(self, message: TagsLoaded) -> None:
        if message.repository != self.repository:
            return
        self.show_error(None)
        self.tags = sorted(message.tags)
        self.tags_cut = message.cut
        if message.cut:
            self.app.notify(message.cut, severity="warning")
        self.reports = {}
        self.tag_errors = {}
        self._render_tags()
        self._count_tags()

    def _count_tags(self) -> None:
        """The title says how many of the repository's tags are read, while they are."""
        counted = self._tags_counted()
        self.tag_table.border_subtitle = screen_text(counted) if counted else None
        self.query_one("#registry-title", Static).update(self._title())

    @on(TagsInspected)
    def tags_inspected(self, message: TagsInspected) -> None:
        if message.repository != self.repository:
            return
        current = self.current_tag
        for result in message.results:
            if result.report is not None:
                self.reports[result.tag] = result.report
                self.breakdowns.pop(result.tag, None)
            elif result.error is not None:
                self.tag_errors[result.tag] = result.error
            self.tag_table.update_row(self._row(result.tag))
            if current == result.tag:
                self.show_tag(result.tag)
        self._count_tags()

    @on(ManifestTree.EntryWanted)
    def entry_wanted(self, message: ManifestTree.EntryWanted) -> None:
        outline = message.node.data
        tag = self.current_tag
        if outline is None or outline.pending is None or tag is None or self.repository is None:
            return
        self.want_entry(self.repository, tag, outline.pending)
        self._count_entries()

    def _count_entries(self) -> None:
        """`reading 12 entries…` under the tree while entries opened are read."""
        waiting = self.entries_waiting
        self.manifest_tree.border_subtitle = (
            screen_text(f"reading {waiting:,} entries…") if waiting else None
        )

    @on(EntriesRead)
    def entries_read_arrived(self, message: EntriesRead) -> None:
        self._count_entries()
        if message.repository != self.repository:
            return
        read = self.entries_read.setdefault(message.tag, {})
        for child in message.entries:
            read[child.descriptor.digest] = child
        report = self.reports.get(message.tag)
        if report is None or self.current_tag != message.tag:
            return
        report = self.with_entries_read(message.tag, report)
        by_digest = {entry.descriptor.digest: entry for entry in message.entries}
        for node in self.manifest_tree.root.children:
            outline = node.data
            if outline is not None and outline.pending is not None:
                entry = by_digest.get(outline.pending.digest)
                if entry is not None:
                    self.manifest_tree.fill(node, entry_outline(report, entry))

    @on(CacheCompared)
    def cache_compared(self, message: CacheCompared) -> None:
        if message.repository != self.repository:
            return
        self.keep_breakdown(message.tag, message.breakdown)
        if self.current_tag == message.tag:
            self.show_tag(message.tag)

    @on(OptionList.OptionHighlighted, "#registry-repos")
    def repository_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        repository = event.option.id
        if repository and repository != self.repository:
            self.repository = repository
            self.forget_tags()
            self._count_tags()
            self._count_entries()
            self._render_tags()
            self.manifest_tree.show_outline(
                None, _("Reading the tags of {repository}…").format(repository=repository)
            )
            self.load_tags(repository)

    @on(DataTable.RowHighlighted, "#registry-tags")
    def tag_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self.keep_wanted(event.row_key.value)  # the other tags' entries: not wanted now
            self.show_tag(event.row_key.value)
            self._count_entries()

    @on(Input.Changed, "#registry-filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()
        self._render_repositories()
        self._render_tags()

    @on(Input.Submitted, "#registry-filter")
    def filter_submitted(self) -> None:
        self.query_one("#registry-repos", OptionList).focus()

    # -- rendering -------------------------------------------------------------------

    def _render_repositories(self) -> None:
        # The current repository stays while some of its tags match, so the filter can
        # narrow its tags without jumping to another repository.
        keep = self.repository is not None and any(self._matches(t) for t in self.tags)
        shown = [
            r for r in self.repositories if self._matches(r) or (keep and r == self.repository)
        ]
        self.query_one(RepositoryList).show(shown, self.repository)

    def _row(self, tag: str) -> TagRow:
        error = self.tag_errors.get(tag)
        return tag_row(tag, self.reports.get(tag), str(error) if error else None)

    def _render_tags(self) -> None:
        table = self.tag_table
        whole = self.repository is not None and self._matches(self.repository)
        table.show_rows(self._row(tag) for tag in self.tags if whole or self._matches(tag))
        if table.row_count == 0:
            note = ""
            if self.repository is not None and not self.tags:
                lab = self.service.registry == self.lab_registry
                note = empty_repository_text(self.repository, self.lab_cli if lab else None)
            self.details.show_placeholder(
                _("No tags match") if self.filter_text and self.tags else _("No tags"), note
            )

    @property
    def current_tag(self) -> str | None:
        return self.tag_table.current_tag

    def show_tag(self, tag: str) -> None:
        report = self.reports.get(tag)
        if report is not None:
            report = self.with_entries_read(tag, report)
            breakdown = self.breakdowns.get(tag)
            if report.kind is Kind.CACHE and breakdown is None:
                self.compare_once(report, tag)
            self.details.show_report(report, breakdown, self.service.commands(report))
            return
        error = self.tag_errors.get(tag)
        self.details.show_placeholder(
            f"! {error}" if error else _("Inspecting {tag}…").format(tag=tag)
        )

    # -- actions ---------------------------------------------------------------------

    def action_refresh(self) -> None:
        self.forget_breakdowns()
        self.load_repositories()
        if self.repository is not None:
            self.load_tags(self.repository)

    def action_focus_filter(self) -> None:
        if self.zoomed:
            self.action_zoom()  # the filter is not shown while zoomed
        self.query_one("#registry-filter", Input).focus()

    @property
    def zoomed(self) -> bool:
        return self.has_class("-zoomed")

    def action_zoom(self) -> None:
        """The manifest panel on the whole pane (the tree keeps the focus), or back."""
        zoom = not self.zoomed
        self.set_class(zoom, "-zoomed")
        self.manifest_tree.border_subtitle = _("z: back to the lists") if zoom else None
        if zoom:
            self.manifest_tree.focus()

    def _selection(self) -> tuple[str | None, str | None, bytes | None]:
        """(title, digest, raw JSON) of the tree node in focus, else of the tag's manifest."""
        focused = self.details.focused_node()
        if focused is not None:
            return focused
        return self.tag_selection(self.current_tag)

    def action_raw(self) -> None:
        focused = self.details.focused_raw()
        if focused is not None:
            self.app.push_screen(RawManifestScreen(focused[0], pretty_json(focused[1])))
            return
        title, digest, raw = self._selection()
        if raw is None:
            self.app.notify(
                _("Select a tag (or a manifest in the tree) first."), severity="warning"
            )
            return
        heading = f"{title}  {digest}" if digest else str(title)
        self.app.push_screen(RawManifestScreen(heading, pretty_json(raw)))

    def action_copy_digest(self) -> None:
        _tag, digest, _raw = self._selection()
        if digest is None:
            self.app.notify(_("Nothing selected to copy."), severity="warning")
            return
        self.app.copy_to_clipboard(digest)
        self.app.notify(_("Copied {text}").format(text=digest))

    def action_copy_ref(self) -> None:
        _tag, digest, _raw = self._selection()
        if digest is None or self.repository is None:
            self.app.notify(_("Nothing selected to copy."), severity="warning")
            return
        ref = f"{self.service.registry}/{self.repository}@{digest}"
        self.app.copy_to_clipboard(ref)
        self.app.notify(_("Copied {text}").format(text=ref))

    def action_open_registry(self) -> None:
        self.app.push_screen(OpenRegistryScreen(self.service.registry), self._open)

    def _open(self, address: str | None) -> None:
        if not address:
            return
        try:
            service = self.service.open(address)
        except RegistryError as error:
            self.app.notify(str(error), severity="error")
            return
        self._switch(service)

    def action_login(self) -> None:
        self.app.push_screen(RegistryLoginScreen(self.service.registry), self._login)

    def _login(self, credentials: tuple[str, str] | None) -> None:
        if credentials is not None:
            self._switch(self.service.with_credentials(*credentials))

    def _switch(self, service: RegistryBrowser) -> None:
        # The old registry's reads stop (their client closes once nothing else holds it).
        for group in ("registry-repositories", "registry-tags", "registry-compare"):
            self.workers.cancel_group(self, group)
        self.close_service(self.service)
        self.service = service
        self.repositories, self.repository = [], None
        self.forget_tags()
        self.catalog_cut = self.tags_cut = None
        self.query_one("#registry-repos", OptionList).border_subtitle = None
        self.tag_table.border_subtitle = None
        self.query_one("#registry-title", Static).update(self._title())
        self._render_repositories()
        self._render_tags()
        self.show_error(None)
        self.load_repositories()
