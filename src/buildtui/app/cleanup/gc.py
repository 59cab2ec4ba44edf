"""The Clean-up pane's garbage collection: the dry run, its confirmation, the collection
itself, resuming an interrupted one, and their results.

`GarbageCollection` belongs to one `CleanupPane`. Its workers are the pane's (they share
the pane's busy flag and its failure handler) and post their results to the pane, which
hands them back here; what the user sees goes through the pane's own views.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING

from buildtui.app.cleanup.messages import (
    Failed,
    GcDone,
    GcPrepared,
    Progress,
    Resumed,
    Verified,
)
from buildtui.app.messages import LabChanged
from buildtui.app.shared.confirm import ConfirmScreen
from buildtui.cleanup.errors import CleanupError
from buildtui.cleanup.gc import GcPreview, GcResult, ResumeResult
from buildtui.cleanup.present import styled
from buildtui.cleanup.present_collection import (
    gc_preview_lines,
    gc_result_lines,
    gc_warning,
    resume_lines,
)
from buildtui.i18n import _

if TYPE_CHECKING:
    from buildtui.app.cleanup.pane import CleanupPane

GROUP = "cleanup-gc"
"""The workers' group: one collection, dry run or resume at a time."""


class GarbageCollection:
    """Collect the registry's garbage for `pane`, or finish an interrupted collection."""

    def __init__(self, pane: CleanupPane) -> None:
        self.pane = pane
        self.repositories: tuple[str, ...] = ()
        """Empty repositories the next collection removes (G)."""
        self.delete_untagged = False
        """The next collection runs with --delete-untagged (M; distribution 3 only)."""

    # -- what the keys start ---------------------------------------------------------

    def start(self, repositories: tuple[str, ...], *, delete_untagged: bool = False) -> None:
        """The dry run, then (on `GcPrepared`) the confirmation. With `delete_untagged`, the
        container's registry must be distribution 3 (the dry run refuses it otherwise)."""
        if self.pane.refused_while_busy():
            return
        self.repositories = repositories
        self.delete_untagged = delete_untagged
        name = self.pane.service.container_name
        self.pane.activity.show_lines(
            [_("Dry run of garbage collection in {name}…").format(name=name)]
        )
        self._run(partial(self.prepare, repositories), "prepare_gc", thread=True)

    def start_emptying(self) -> None:
        """The same, removing the repositories that hold no tag and no manifest."""
        graph = self.pane.graph
        empty = graph.empty_repositories() if graph is not None else ()
        if not empty:
            self.pane.app.notify(
                _("No repository is empty (no tag and no manifest): nothing to remove."),
                severity="warning",
            )
            return
        self.start(empty)

    def resume(self) -> None:
        if self.pane.refused_while_busy():
            return
        self.pane.activity.show_lines([_("Resuming the interrupted garbage collection…")])
        self._run(self.resume_interrupted, "resume")

    def _run(
        self, work: Callable[[], Awaitable[None] | None], name: str, *, thread: bool = False
    ) -> None:
        """Run `work` as the pane's worker (what `@work(exclusive=True, group=GROUP,
        exit_on_error=False)` on a pane's method would do)."""
        self.pane.run_worker(
            work, name=name, group=GROUP, exclusive=True, exit_on_error=False, thread=thread
        )

    # -- workers ---------------------------------------------------------------------

    def prepare(self, repositories: tuple[str, ...]) -> None:
        pane = self.pane
        try:
            preview = pane.service.collector.preview_gc(
                repositories, delete_untagged=self.delete_untagged
            )
        except CleanupError as error:
            pane.post_message(Failed(_("Garbage collection cannot run"), error))
            return
        pane.post_message(GcPrepared(preview))

    async def collect(self, repositories: tuple[str, ...]) -> None:
        # The collection runs in a process of its own: quitting or killing the app, or
        # closing its terminal, does not leave the registry stopped.
        pane = self.pane
        pane.busy = True
        try:
            result = await pane.service.collector.collect_garbage(
                self._post_step,
                remove_repositories=repositories,
                delete_untagged=self.delete_untagged,
            )
        except CleanupError as error:
            pane.post_message(Failed(_("Garbage collection failed"), error))
            return
        finally:
            pane.busy = False
            # The registry was stopped and started (or left stopped): the status bar is stale.
            pane.post_message(LabChanged(registry_changed=True, origin=pane))
        pane.post_message(GcDone(result))

    async def resume_interrupted(self) -> None:
        pane = self.pane
        pane.busy = True
        try:
            result = await pane.service.collector.resume_gc(self._post_step)
        except CleanupError as error:
            pane.post_message(Failed(_("Cannot resume the garbage collection"), error))
            return
        finally:
            pane.busy = False
            pane.post_message(LabChanged(registry_changed=True, origin=pane))
        pane.post_message(Resumed(result))

    def _post_step(self, what: str) -> None:
        self.pane.post_message(Progress(0, 0, what))

    # -- results (the pane's messages, handed on) --------------------------------------

    def prepared(self, preview: GcPreview) -> None:
        """Show the dry run and ask before collecting."""
        self.pane.activity.show_lines(
            [_("Dry run: {summary}").format(summary=preview.output.summary)]
        )
        self.pane.app.push_screen(
            ConfirmScreen(
                _("Garbage collection in {name}?").format(name=preview.info.name),
                styled(gc_preview_lines(preview)),
                warning=gc_warning(preview),
                confirm_label=_("Collect garbage"),
            ),
            self._confirmed,
        )

    def _confirmed(self, confirmed: bool | None) -> None:
        if confirmed:
            self._run(partial(self.collect, self.repositories), "collect")

    def done(self, result: GcResult) -> None:
        pane = self.pane
        pane.activity.hide_progress()
        pane.show_error(None)
        pane.last_collection = result.account
        pane.show_plan()
        lines = gc_result_lines(result, with_account=False)
        pane.activity.show_lines(lines)
        pane.app.notify(lines[-1] if len(lines) > 1 else lines[0], title=_("Garbage collected"))
        self._verified_or_refresh(result)

    def resumed(self, result: ResumeResult) -> None:
        pane = self.pane
        pane.activity.hide_progress()
        pane.show_error(None)
        pane.activity.show_lines(resume_lines(result))
        pane.app.notify(resume_lines(result)[0], title=_("Garbage collection resumed"))
        self._verified_or_refresh(result)

    def _verified_or_refresh(self, result: GcResult | ResumeResult) -> None:
        if result.verification is not None:
            self.pane.post_message(Verified(result.verification))
        else:
            self.pane.refresh_graph()
