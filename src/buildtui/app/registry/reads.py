"""The Registry pane's reads and what they brought: one registry's repositories, tags,
image reports and cache comparisons.

Every request runs in an async worker and comes back as a message
(`registry/messages.py`); the pane (`RegistryPane`, built on this) shows them.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import replace

from textual import on, work
from textual.worker import Worker, WorkerState

from buildtui.app.background import ReadsInBackground
from buildtui.app.registry import messages
from buildtui.i18n import _
from buildtui.registry.browser import RegistryBrowser, TagResult, inspect_tags
from buildtui.registry.crossref import CacheBreakdown
from buildtui.registry.errors import MalformedManifest, RegistryError
from buildtui.registry.models import Descriptor
from buildtui.registry.scan import ChildReport, ImageReport

ENTRIES_AT_ONCE = 8
"""Index entries read together when several are opened (`*` on a large index)."""


class RegistryReads(ReadsInBackground):
    """The reads of one registry (the pane's `service`) and the state they fill in."""

    def __init__(
        self,
        service: RegistryBrowser,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.service = service
        self.repositories: list[str] = []
        self.repository: str | None = None
        self.tags: list[str] = []
        self.reports: dict[str, ImageReport] = {}
        self.tag_errors: dict[str, RegistryError] = {}
        self.breakdowns: dict[str, CacheBreakdown] = {}
        """Cache tags of the repository -> their layers against the registry's images."""
        self._comparing: set[str] = set()
        """Cache tags being compared (once per tag until the next refresh)."""
        self.catalog_cut: str | None = None
        self.tags_cut: str | None = None
        self.entries_read: dict[str, dict[str, ChildReport]] = {}
        """Tag -> the entries of its (large) index read since, by digest."""
        self._wanted: deque[tuple[str, str, Descriptor]] = deque()
        """(repository, tag, entry) opened and not read yet, read in order."""
        self._reading_entries = False
        self._entries_in_flight = 0

    def forget_tags(self) -> None:
        """No tags, reports or comparisons: another repository (or registry) is shown."""
        self.tags, self.reports, self.tag_errors = [], {}, {}
        self.forget_breakdowns()
        self.forget_entries()

    def forget_entries(self) -> None:
        """Entries opened are no longer wanted (another tag or repository is shown): the
        reads waiting are dropped, the one in flight stopped."""
        self._wanted.clear()
        self.entries_read = {}
        self.workers.cancel_group(self, "registry-entries")
        self._reading_entries = False
        self._entries_in_flight = 0

    def with_entries_read(self, tag: str, report: ImageReport) -> ImageReport:
        """The report with the entries read on demand since in place of unread ones."""
        read = self.entries_read.get(tag)
        if not read:
            return report
        children = tuple(
            read.get(child.descriptor.digest, child) if child.unread else child
            for child in report.children
        )
        return replace(report, children=children)

    def want_entry(self, repository: str, tag: str, descriptor: Descriptor) -> None:
        """Read an entry of a large index (opened in the tree); it comes as EntriesRead."""
        self._wanted.append((repository, tag, descriptor))
        if not self._reading_entries:
            self._reading_entries = True
            self.read_entries()

    @property
    def entries_waiting(self) -> int:
        """Entries opened and not read yet (the pane counts them)."""
        return len(self._wanted) + self._entries_in_flight

    def keep_wanted(self, tag: str | None) -> None:
        """Only `tag`'s entries are still wanted (another tag is shown)."""
        self._wanted = deque(w for w in self._wanted if w[1] == tag)

    @work(group="registry-entries", exit_on_error=False)
    async def read_entries(self) -> None:
        """Entries opened, ENTRIES_AT_ONCE at a time, until none waits."""
        service = self.service
        try:
            while self._wanted:
                count = min(ENTRIES_AT_ONCE, len(self._wanted))
                batch = [self._wanted.popleft() for _entry in range(count)]
                self._entries_in_flight = count
                try:
                    read = await asyncio.gather(
                        *(service.entry(name, descriptor) for name, _tag, descriptor in batch)
                    )
                finally:
                    self._entries_in_flight = 0
                by_tag: dict[tuple[str, str], list[ChildReport]] = {}
                for (repository, tag, _descriptor), child in zip(batch, read, strict=True):
                    by_tag.setdefault((repository, tag), []).append(child)
                for (repository, tag), children in by_tag.items():
                    self.post_message(messages.EntriesRead(repository, tag, children))
        finally:
            self._reading_entries = False

    def forget_breakdowns(self) -> None:
        """Cache images are compared again when shown (after a refresh)."""
        self.breakdowns, self._comparing = {}, set()

    def keep_breakdown(self, tag: str, breakdown: CacheBreakdown) -> None:
        """A comparison arrived: keep it (and compare that tag again only after a refresh)."""
        self._comparing.discard(tag)
        self.breakdowns[tag] = breakdown

    def compare_once(self, report: ImageReport, tag: str) -> None:
        """Compare a cache image with the registry's images, once per tag until the
        next refresh."""
        if tag not in self._comparing:
            self._comparing.add(tag)
            self.compare_cache(report, tag)

    def tag_selection(self, tag: str | None) -> tuple[str | None, str | None, bytes | None]:
        """(title, digest, raw JSON) of the tag's manifest, if it was read (even malformed)."""
        report = self.reports.get(tag) if tag else None
        if report is not None:
            return report.ref, report.digest, report.manifest.raw
        error = self.tag_errors.get(tag) if tag else None
        if isinstance(error, MalformedManifest):
            return (
                _("{repository}:{tag} (malformed)").format(repository=self.repository, tag=tag),
                None,
                error.raw,
            )
        return None, None, None

    @work(exclusive=True, group="registry-repositories", exit_on_error=False)
    async def load_repositories(self) -> None:
        """The catalog, each page shown as it arrives, then the whole of it."""
        service = self.service

        def post(names: list[str]) -> None:
            self.post_message(messages.RepositoriesRead(service.registry, names))

        try:
            repositories = await service.repositories(on_page=post)
        except RegistryError as error:
            self.post_message(
                messages.Failed(
                    _("the repositories of {registry}").format(registry=service.registry), error
                )
            )
            return
        self.post_message(messages.Loaded(service.registry, repositories, repositories.cut))

    @work(exclusive=True, group="registry-tags", exit_on_error=False)
    async def load_tags(self, repository: str) -> None:
        """The tags, then each tag's report: a few at a time in the table's order, the
        reports posted in batches as they arrive (the first rows fill in first)."""
        service = self.service
        try:
            tags = await service.tags(repository)
        except RegistryError as error:
            self.post_message(
                messages.Failed(_("the tags of {repository}").format(repository=repository), error)
            )
            return
        self.post_message(messages.TagsLoaded(repository, tags, tags.cut))

        def post(results: list[TagResult]) -> None:
            self.post_message(messages.TagsInspected(repository, results))

        await inspect_tags(service, repository, sorted(tags), post)

    @work(group="registry-compare", exit_on_error=False)
    async def compare_cache(self, report: ImageReport, tag: str) -> None:
        service = self.service
        try:
            breakdown = await service.breakdown(report)
        except RegistryError as error:
            self._comparing.discard(tag)
            self.app.notify(
                _("Cannot compare {ref} with the registry's images: {error}").format(
                    ref=report.ref, error=error
                ),
                severity="warning",
            )
            return
        if breakdown is not None:
            self.post_message(messages.CacheCompared(report.repository, tag, breakdown))

    @work(group="registry-close", exit_on_error=False)
    async def close_service(self, service: RegistryBrowser) -> None:
        await service.aclose()

    @on(Worker.StateChanged)
    def worker_failed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.node is self:
            error = event.worker.error
            self.app.notify(
                _(
                    "Unexpected failure in the Registry pane: {error!r}. Press r to "
                    "refresh; please report this."
                ).format(error=error),
                severity="error",
            )
