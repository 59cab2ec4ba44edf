"""The Clean-up pane: pick tags, images and cache images, see the plan, delete, collect, verify.

Every registry call runs in an async worker and every docker call (garbage collection)
in a thread worker; results come back as messages. Destructive actions go through
`ConfirmScreen`, which shows what will be lost and the exact requests or commands. The
garbage collection is a child widget, `GarbageCollection` (`gc.py`), with workers of its
own: the pane starts it and shows what it posts.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Self

from textual import events, on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.worker import Worker, WorkerState

from buildtui.app.background import ReadsInBackground
from buildtui.app.cleanup.commands import HELP, PANE_COMMANDS, SPACE_HELP
from buildtui.app.cleanup.gc import GarbageCollection
from buildtui.app.cleanup.message_box import CleanupMessage
from buildtui.app.cleanup.messages import (
    UNEXPECTED_FAILURE,
    CollectionEnded,
    Executed,
    Failed,
    GcDone,
    Loaded,
    Progress,
    Resumed,
    RulesChosen,
    Status,
    Verified,
)
from buildtui.app.cleanup.plan_view import PlanView
from buildtui.app.cleanup.progress import CleanupProgress
from buildtui.app.cleanup.selection_list import CleanupList
from buildtui.app.cleanup.space import SpaceView
from buildtui.app.cleanup.space_list import SpaceList
from buildtui.app.commands import bindings
from buildtui.app.messages import LabChanged
from buildtui.app.panes import Pane
from buildtui.app.shared.confirm import ConfirmScreen
from buildtui.app.shared.screen_static import ScreenStatic
from buildtui.cleanup.accounting import GcAccount
from buildtui.cleanup.backend import CleanupBackend
from buildtui.cleanup.errors import CleanupError, CollectionInterrupted, RegistryUnavailable
from buildtui.cleanup.execute import ExecutionFailed, ExecutionReport
from buildtui.cleanup.gc import GcResult, ResumeResult
from buildtui.cleanup.graph import RegistryGraph, TagRef
from buildtui.cleanup.plan import Plan, Selection
from buildtui.cleanup.present import (
    InventoryRow,
    deletion_warning,
    inventory_rows,
    left_behind_lines,
    plan_lines,
    styled,
)
from buildtui.cleanup.present_collection import verify_lines
from buildtui.i18n import _
from buildtui.registry.rows import progress_text
from buildtui.registry.scan import ScanProgress

if TYPE_CHECKING:
    from buildtui.app.services import Services

NARROW_BELOW = 150
"""Narrower than this, the plan goes under the table: side by side, the table's columns
would not fit."""


class CleanupPane(ReadsInBackground, Pane):
    """Delete from the lab registry without losing what a remaining tag needs."""

    DEFAULT_CSS = """
    CleanupPane {
        height: 1fr;
        layout: vertical;
    }
    CleanupPane #cleanup-title {
        height: 1;
        padding: 0 1;
        text-style: bold;
    }
    CleanupPane #cleanup-body {
        height: 1fr;
    }
    CleanupPane #cleanup-list {
        width: 1fr;
    }
    CleanupPane #cleanup-plan {
        width: 1fr;
        min-width: 58;
        max-width: 64;
    }
    CleanupPane.-narrow #cleanup-body {
        layout: vertical;
    }
    CleanupPane.-narrow #cleanup-list {
        height: 2fr;
    }
    CleanupPane.-narrow #cleanup-row {
        max-height: 2;
    }
    CleanupPane.-narrow #cleanup-plan {
        height: 1fr;
        min-height: 6;
        min-width: 0;
        max-width: 100%;
    }
    CleanupPane #space-list {
        width: 1fr;
        display: none;
    }
    CleanupPane.-space #space-list {
        display: block;
    }
    CleanupPane.-space #cleanup-list {
        display: none;
    }
    CleanupPane.-narrow #space-list {
        height: 2fr;
    }
    CleanupPane.-narrow #space-row {
        max-height: 2;
    }
    """
    COMMANDS = PANE_COMMANDS
    """The pane's commands: its bindings, footer keys and palette entries."""
    BINDINGS = bindings(PANE_COMMANDS)

    @classmethod
    def from_services(cls, services: Services) -> Self | None:
        if services.cleanup is None:
            return None
        return cls(services.cleanup)

    def __init__(
        self,
        service: CleanupBackend,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.service = service
        self.graph: RegistryGraph | None = None
        self.allow_tag_loss = False
        self.plan: Plan | None = None
        self._deleting = False
        """A deletion (and the verification after it) runs."""
        self.collection = GarbageCollection(service, id="cleanup-gc")
        """The garbage collection (g, G, M) and its resumption (R)."""
        self._shown = False
        self._stale = True
        """The registry changed (or was never read) since the graph was read."""
        self.last_collection: GcAccount | None = None
        """Predicted against measured, for the last collection (shown while nothing is selected)."""
        self.space = SpaceView(self)
        """The ranking (s), the retention rules (k) and the referrers (f)."""

    def compose(self) -> ComposeResult:
        yield ScreenStatic(self._title(), id="cleanup-title")
        yield CleanupMessage(id="cleanup-message")
        with Horizontal(id="cleanup-body"):
            yield CleanupList(id="cleanup-list")
            yield SpaceList(id="space-list")
            yield PlanView(id="cleanup-plan")
        yield CleanupProgress(id="cleanup-activity")
        yield self.collection

    def on_mount(self) -> None:
        self.plan_view.border_title = _("Plan")
        self.show_plan()
        self._show_interruption()

    def on_show(self) -> None:
        """Shown: the registry is read when first shown, and again if it changed while
        hidden (reading all of it is no small work: not done before it is wanted)."""
        self._shown = True
        if self._stale:
            self._stale = False
            self.refresh_graph()

    def on_hide(self) -> None:
        self._shown = False

    def _show_interruption(self) -> bool:
        """Show an interrupted garbage collection (it may have left the registry stopped)."""
        interruption = self.service.collector.interruption()
        if interruption:
            self.show_error(CollectionInterrupted(interruption), _("Garbage collection"))
        return interruption is not None

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width < NARROW_BELOW, "-narrow")

    # -- helpers ---------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """A deletion or a garbage collection runs: a read of the registry waits for its end."""
        return self._deleting or self.collection.running

    @busy.setter
    def busy(self, value: bool) -> None:
        self._deleting = value

    @property
    def items(self) -> CleanupList:
        return self.query_one(CleanupList)

    @property
    def rows(self) -> dict[str, InventoryRow]:
        return self.items.rows

    @property
    def selected(self) -> dict[str, Selection]:
        return self.items.selected

    @property
    def plan_view(self) -> PlanView:
        return self.query_one(PlanView)

    @property
    def activity(self) -> CleanupProgress:
        return self.query_one(CleanupProgress)

    @property
    def result_lines(self) -> list[str]:
        return self.activity.lines

    def _title(self) -> str:
        return _("Clean-up {registry} · container {container_name}").format(
            registry=self.service.registry, container_name=self.service.container_name
        )

    def retranslate(self) -> None:
        """Render again in the app's language: the title, the plan (planned again, its
        reasons in the new language) and the line under the table."""
        self.query_one("#cleanup-title", ScreenStatic).update(self._title())
        self._replan()

    def _status(self, lines: list[str]) -> None:
        self.activity.show_lines(lines)

    def show_error(self, error: CleanupError | None, what: str = "") -> None:
        self.query_one(CleanupMessage).show_error(error, what)

    # -- rendering -------------------------------------------------------------------

    def _replan(self) -> None:
        if self.graph is None or not self.selected:
            self.plan = None
        else:
            self.plan = self.service.plan(
                self.graph, list(self.selected.values()), allow_tag_loss=self.allow_tag_loss
            )
        self.show_plan()

    def show_plan(self) -> None:
        picture = self.space.plan_text() if self.space.on else None
        if self.plan is None and picture is not None:
            picture.append(f"\n{_(SPACE_HELP)}")
            self.plan_view.border_title = _("Space")
            self.plan_view.show(picture, _("█ frees · ░ shared"))
            return
        self.plan_view.border_title = _("Plan")
        if self.plan is None:
            self.plan_view.show_help(_(HELP), self.last_collection)
        else:
            self.plan_view.show_plan(
                self.plan, allow_tag_loss=self.allow_tag_loss, before=self.space.rules_text()
            )

    def selection_changed(self, *, by_rules: bool = False) -> None:
        """The selection changed (a key, the rules, the referrers): both views' marks, the
        what-if line, the plan."""
        self.space.selection_changed(by_rules=by_rules)
        self._replan()

    # -- actions ---------------------------------------------------------------------

    def action_refresh(self) -> None:
        """Read the registry again: now if shown, else once shown."""
        if self._shown:
            self.refresh_graph()
        else:
            self._stale = True

    def action_mark(self) -> None:
        if self.graph is None:
            return
        changed = self.space.toggle_current() if self.space.on else self.items.toggle()
        if changed:
            self.selection_changed()

    def action_tag_only(self) -> None:
        key = self.space.current_key() if self.space.on else None
        if (key or not self.space.on) and self.items.toggle_tag_only(key):
            self.selection_changed()

    def action_by_digest(self) -> None:
        key = self.space.current_key() if self.space.on else None
        if (key or not self.space.on) and self.items.toggle_by_digest(key):
            self.selection_changed()

    def action_space(self) -> None:
        self.space.toggle_view()

    def action_rules(self) -> None:
        self.space.ask_rules()

    def action_referrers(self) -> None:
        self.space.add_referrers()

    def action_gc_untagged(self) -> None:
        if not self.refused_while_busy():
            self.collection.start(delete_untagged=True)

    def action_allow_tags(self) -> None:
        self.allow_tag_loss = not self.allow_tag_loss
        self._replan()

    def action_clear(self) -> None:
        self.items.clear_selection()
        self.selection_changed()

    def refused_while_busy(self) -> bool:
        if self.busy:
            self.app.notify(_("Wait for the running clean-up to finish."), severity="warning")
        return self.busy

    def action_delete(self) -> None:
        plan = self.plan
        if self.refused_while_busy():
            return
        if plan is None:
            self.app.notify(_("Select something to delete first (space)."), severity="warning")
            return
        if not plan.ok:
            self.app.notify(
                _("The plan is refused: ") + "; ".join(plan.refusals), severity="error", timeout=8
            )
            return
        self.app.push_screen(
            ConfirmScreen(
                _("Delete from {registry}?").format(registry=plan.registry),
                styled(plan_lines(plan)),
                warning=deletion_warning(plan),
                confirm_label=_("Delete"),
            ),
            lambda confirmed: self._run_confirmed(plan, confirmed),
        )

    def _run_confirmed(self, plan: Plan, confirmed: bool | None) -> None:
        if confirmed:
            self.run_plan(plan)

    def _post_progress(self, done: int, total: int, what: str) -> None:
        self.post_message(Progress(done, total, what))

    def action_gc(self) -> None:
        if not self.refused_while_busy():
            self.collection.start()

    def action_gc_empty(self) -> None:
        """The same, removing the repositories that hold no tag and no manifest."""
        empty = self.graph.empty_repositories() if self.graph is not None else ()
        if not empty:
            self.app.notify(
                _("No repository is empty (no tag and no manifest): nothing to remove."),
                severity="warning",
            )
        elif not self.refused_while_busy():
            self.collection.start(empty)

    def action_resume(self) -> None:
        if not self.refused_while_busy():
            self.collection.resume()

    def action_verify(self) -> None:
        if self.graph is not None and not self.busy:
            self._status([_("Verifying every tag…")])
            self.verify(self.graph, self.graph.tag_refs(), wait=False)

    # -- workers ---------------------------------------------------------------------

    @work(exclusive=True, group="cleanup-load", exit_on_error=False)
    async def refresh_graph(self) -> None:
        def reading(progress: ScanProgress) -> None:
            total = progress.tags if progress.catalog_done else 0
            self.post_message(Progress(progress.read, total, progress_text(progress)))

        try:
            graph = await self.service.load(reading)
        except CleanupError as error:
            self.post_message(
                Failed(_("Cannot read {registry}").format(registry=self.service.registry), error)
            )
            return
        # Every tag's figure from one reference count, off the keys' loop.
        index = self.service.space_index(graph)
        report = await asyncio.to_thread(index.report)
        self.post_message(Loaded(graph, index, report))

    @work(exclusive=True, group="cleanup-run", exit_on_error=False)
    async def run_plan(self, plan: Plan) -> None:
        self.busy = True

        def deleted(report: ExecutionReport) -> None:
            self.post_message(Executed(report))
            self.post_message(LabChanged(registry_changed=True, origin=self))

        try:
            # As `buildtui rm`: delete, then verify, under the registry container's lock.
            result = await self.service.delete_and_verify(
                plan,
                self.graph,
                self._post_progress,
                holder=_("the Clean-up pane (x)"),
                on_deleted=deleted,
            )
            if result.verify_error is not None:
                self.post_message(Failed(_("Verification could not run"), result.verify_error))
            elif result.verification is not None:
                self.post_message(Verified(result.verification))
        except ExecutionFailed as error:
            self.post_message(Executed(error.report))
        except CleanupError as error:
            self.post_message(Failed(_("Nothing was deleted"), error))
        finally:
            self.busy = False

    @work(exclusive=True, group="cleanup-verify", exit_on_error=False)
    async def verify(self, graph: RegistryGraph, tags: list[TagRef], wait: bool) -> None:
        await self._verify(graph, tags, wait=wait)

    async def _verify(
        self, graph: RegistryGraph, tags: list[TagRef] | tuple[TagRef, ...], *, wait: bool
    ) -> None:
        try:
            if wait:
                await self.service.wait_until_up()
            report = await self.service.verify(graph, list(tags))
        except CleanupError as error:
            self.post_message(Failed(_("Verification could not run"), error))
            return
        self.post_message(Verified(report))

    @on(Worker.StateChanged)
    def worker_failed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.node is self:
            self.busy = False
            self.app.notify(
                _(UNEXPECTED_FAILURE).format(error=event.worker.error), severity="error"
            )

    # -- messages --------------------------------------------------------------------

    @on(Loaded)
    def loaded(self, message: Loaded) -> None:
        if not self.busy:
            self._progress(None)
            self.activity.show_lines(self.activity.lines)
        if not self._show_interruption():
            self.show_error(None)
        self.graph = message.graph
        self.space.loaded(message.space, message.report)
        self.items.show_rows(inventory_rows(message.graph), self.space.keys())
        self.selection_changed(by_rules=self.space.retention is not None)
        if not self.rows:
            self.plan_view.show(
                _("{registry} holds no tags: nothing to clean up.").format(
                    registry=self.service.registry
                )
            )

    @on(Failed)
    def failed(self, message: Failed) -> None:
        self._progress(None)
        unavailable = isinstance(message.error, RegistryUnavailable)
        if not (unavailable and self._show_interruption()):  # that says why it is down
            self.show_error(message.error, message.what)
        if isinstance(message.error, RegistryUnavailable):
            self.items.forget()
            self.space.forget()

    @on(Progress)
    def progress(self, message: Progress) -> None:
        self._progress(message)

    def _progress(self, message: Progress | None) -> None:
        if message is None:
            self.activity.hide_progress()
        else:
            self.activity.show_progress(message.done, message.total, message.what)

    @on(Executed)
    def executed(self, message: Executed) -> None:
        self._progress(None)
        report = message.report
        self.selected.clear()
        self.space.retention = None
        self.last_collection = None  # the next collection frees this deletion's blobs too
        self.app.notify(
            report.summary().splitlines()[0],
            title=_("Deleted") if report.complete else _("Stopped midway"),
            severity="information" if report.complete else "error",
            timeout=8,
        )
        left = left_behind_lines(report.plan) if report.complete else []
        self._status([*report.summary().splitlines(), *left, _("Verifying the remaining tags…")])
        self.refresh_graph()

    @on(RulesChosen)
    def rules_chosen(self, message: RulesChosen) -> None:
        self.space.rules_chosen(message.choice)

    # -- what the garbage collection posts -------------------------------------------

    @on(Status)
    def status(self, message: Status) -> None:
        self._status(message.lines)

    @on(CollectionEnded)
    def collection_ended(self) -> None:
        # The registry was stopped and started (or left stopped): the status bar is stale.
        self.post_message(LabChanged(registry_changed=True, origin=self))

    @on(GcDone)
    def gc_done(self, message: GcDone) -> None:
        self.last_collection = message.result.account
        self.show_plan()
        self._collection_done(message.result)

    @on(Resumed)
    def resumed(self, message: Resumed) -> None:
        self._collection_done(message.result)

    def _collection_done(self, result: GcResult | ResumeResult) -> None:
        """Its lines are shown (`Status`): the bar goes, and the tags are verified."""
        self._progress(None)
        self.show_error(None)
        if result.verification is not None:
            self.post_message(Verified(result.verification))
        else:
            self.refresh_graph()

    @on(Verified)
    def verified(self, message: Verified) -> None:
        kept = [
            line for line in self.result_lines if not line.startswith(_("Verifying").split()[0])
        ]
        self._status(kept + verify_lines(message.report))
        if not message.report.ok:
            self.app.notify(message.report.summary(), severity="error", timeout=10)
        self.refresh_graph()
