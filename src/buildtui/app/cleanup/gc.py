"""The Clean-up pane's garbage collection: the dry run, its confirmation, the collection
itself and resuming an interrupted one.

`GarbageCollection` is a child widget of the pane, with nothing to draw. It is given the
clean-up service, owns its workers (one dry run, collection or resumption at a time) and
knows nothing of the pane: what the user sees comes from the messages it posts, which
bubble up to the pane:

- `Status`: lines to show under the table (a dry run or a resumption begins, the dry
  run's summary, the result);
- `Progress`: the step the collection is at;
- `Failed`: the collection could not run, or failed;
- `CollectionEnded`: the registry was stopped and started again (or left stopped),
  whatever the outcome: what the app and the other panes show of it is stale;
- `GcDone` / `Resumed`: the collection or the resumption is done, with its result (its
  account, its verification of the tags).

It notifies the result itself. The pane decides when one may start (not while its
deletion runs) and counts `running` as busy.
"""

from __future__ import annotations

from textual import on, work
from textual.widget import Widget
from textual.worker import Worker, WorkerState

from buildtui.app.cleanup.messages import (
    UNEXPECTED_FAILURE,
    CollectionEnded,
    Failed,
    GcDone,
    GcPrepared,
    Progress,
    Resumed,
    Status,
)
from buildtui.app.shared.confirm import ConfirmScreen
from buildtui.cleanup.backend import CleanupBackend
from buildtui.cleanup.errors import CleanupError
from buildtui.cleanup.present import styled
from buildtui.cleanup.present_collection import (
    gc_preview_lines,
    gc_result_lines,
    gc_warning,
    resume_lines,
)
from buildtui.i18n import _
from buildtui.settings import cli_prefix

GROUP = "cleanup-gc"
"""The workers' group: one collection, dry run or resumption at a time."""


class GarbageCollection(Widget):
    """Collect the registry's garbage, or finish an interrupted collection."""

    DEFAULT_CSS = """
    GarbageCollection {
        display: none;
    }
    """

    def __init__(self, service: CleanupBackend, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.service = service
        self.running = False
        """A collection or a resumption runs (the registry may be stopped)."""

    # -- what the pane's keys start ------------------------------------------------------

    def start(self, repositories: tuple[str, ...] = (), *, delete_untagged: bool = False) -> None:
        """The dry run, then (on `GcPrepared`) the confirmation, then the collection that
        also removes the empty `repositories` (G). With `delete_untagged` (M), the
        container's registry must be distribution 3 (the dry run refuses it otherwise)."""
        name = self.service.container_name
        self.post_message(Status([_("Dry run of garbage collection in {name}…").format(name=name)]))
        self._prepare(repositories, delete_untagged)

    def resume(self) -> None:
        """Finish an interrupted collection: start the registry if it was left stopped,
        and verify every tag."""
        self.post_message(Status([_("Resuming the interrupted garbage collection…")]))
        self._resume()

    # -- workers ---------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group=GROUP, exit_on_error=False)
    def _prepare(self, repositories: tuple[str, ...], delete_untagged: bool) -> None:
        try:
            preview = self.service.collector.preview_gc(
                repositories, delete_untagged=delete_untagged
            )
        except CleanupError as error:
            self.post_message(Failed(_("Garbage collection cannot run"), error))
            return
        self.post_message(GcPrepared(preview, repositories, delete_untagged))

    @work(exclusive=True, group=GROUP, exit_on_error=False)
    async def _collect(self, repositories: tuple[str, ...], delete_untagged: bool) -> None:
        # The collection runs in a process of its own: quitting or killing the app, or
        # closing its terminal, does not leave the registry stopped.
        self.running = True
        try:
            result = await self.service.collector.collect_garbage(
                self._post_step, remove_repositories=repositories, delete_untagged=delete_untagged
            )
        except CleanupError as error:
            self.post_message(Failed(_("Garbage collection failed"), error))
            return
        finally:
            self.running = False
            self.post_message(CollectionEnded())
        lines = gc_result_lines(result, cli=cli_prefix(self.service.settings), with_account=False)
        self.post_message(Status(lines))
        self.app.notify(lines[-1] if len(lines) > 1 else lines[0], title=_("Garbage collected"))
        self.post_message(GcDone(result))

    @work(exclusive=True, group=GROUP, exit_on_error=False)
    async def _resume(self) -> None:
        self.running = True
        try:
            result = await self.service.collector.resume_gc(self._post_step)
        except CleanupError as error:
            self.post_message(Failed(_("Cannot resume the garbage collection"), error))
            return
        finally:
            self.running = False
            self.post_message(CollectionEnded())
        lines = resume_lines(result)
        self.post_message(Status(lines))
        self.app.notify(lines[0], title=_("Garbage collection resumed"))
        self.post_message(Resumed(result))

    def _post_step(self, what: str) -> None:
        self.post_message(Progress(0, 0, what))

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            self.running = False
            self.app.notify(
                _(UNEXPECTED_FAILURE).format(error=event.worker.error), severity="error"
            )

    # -- the dry run's answer: ask before collecting ------------------------------------

    @on(GcPrepared)
    def _prepared(self, message: GcPrepared) -> None:
        """Show the dry run and ask before collecting."""
        preview = message.preview
        self.post_message(Status([_("Dry run: {summary}").format(summary=preview.output.summary)]))
        self.app.push_screen(
            ConfirmScreen(
                _("Garbage collection in {name}?").format(name=preview.info.name),
                styled(gc_preview_lines(preview)),
                warning=gc_warning(preview),
                confirm_label=_("Collect garbage"),
            ),
            lambda confirmed: self._confirmed(confirmed, message),
        )

    def _confirmed(self, confirmed: bool | None, prepared: GcPrepared) -> None:
        if confirmed:
            self._collect(prepared.repositories, prepared.delete_untagged)
