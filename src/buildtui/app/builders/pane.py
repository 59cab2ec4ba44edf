"""The Builders pane: every buildx builder and its nodes, and their whole lifecycle.

All buildx calls run in thread workers (they block); results come back as messages.
Destructive actions go through a confirmation screen that shows the exact command.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Self, TypeAlias

from textual import on, work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import DataTable
from textual.worker import Worker, WorkerState, get_current_worker

from buildtui.app.builders import messages
from buildtui.app.builders.commands import PANE_COMMANDS
from buildtui.app.builders.details import BuilderDetails
from buildtui.app.builders.table import BuildersTable
from buildtui.app.commands import bindings
from buildtui.app.messages import LabChanged, hosted_in_tabs
from buildtui.app.panes import Pane
from buildtui.app.polling import BackoffPoll
from buildtui.app.shared.problem_note import ProblemNote
from buildtui.app.shared.themed_static import ThemedStatic
from buildtui.buildx.builders import BuildersBackend
from buildtui.buildx.commands import (
    LAB_BUILDER,
    CreatePlan,
    bootstrap_args,
    render_command,
    use_args,
)
from buildtui.buildx.errors import BuildxError, BuildxUnavailable, ContextBuilderRemoval
from buildtui.buildx.models import Builder, BuilderList, CreateOptions, CreateRequest, PruneOptions
from buildtui.buildx.presentation import Row, problem_text, title_text
from buildtui.buildx.presentation_actions import (
    created_text,
    leave_losses,
    not_running_warning,
)
from buildtui.engine.status import EngineStatus
from buildtui.forms import CREATE_FORM, FormMemory, create_request_from, create_request_values
from buildtui.i18n import N_, _, ngettext
from buildtui.l10n import decimal_mark

if TYPE_CHECKING:
    from buildtui.app.builders.remove import RemoveRequest
    from buildtui.app.services import Services

REFRESH_INTERVAL = 10.0
"""Seconds between two listings while the pane is shown and the builders change."""
LONGEST_INTERVAL = 60.0
"""Seconds between two listings at most while nothing changes (a builder's start or stop
comes through the engine's events at once)."""


class BuildersPane(Pane):
    """Builders as `buildx ls` shows them, refreshed in the background, with every action."""

    AUTO_FOCUS = "#builders-table"
    """Where the focus starts when the app shows this pane."""

    DEFAULT_CSS = """
    BuildersPane {
        height: 1fr;
        layout: vertical;
    }
    BuildersPane #builders-title {
        height: 1;
        padding: 0 1;
        text-style: bold;
    }
    BuildersPane #builders-table {
        height: 1fr;
    }
    BuildersPane.unavailable #builders-table, BuildersPane.unavailable #builders-details-box,
    BuildersPane.reading #builders-table, BuildersPane.reading #builders-details-box {
        display: none;
    }
    BuildersPane #builders-details-box {
        height: auto;
        max-height: 40%;
        border-top: solid $primary;
    }
    """
    COMMANDS = PANE_COMMANDS
    """The pane's commands: its bindings, footer keys and palette entries."""
    BINDINGS = bindings(PANE_COMMANDS)

    # The pane's messages (`builders/messages.py`), by the names Textual code expects.
    Loaded: TypeAlias = messages.Loaded
    LoadFailed: TypeAlias = messages.LoadFailed
    ActionDone: TypeAlias = messages.ActionDone
    ActionFailed: TypeAlias = messages.ActionFailed

    @classmethod
    def from_services(cls, services: Services) -> Self | None:
        if services.builders is None:
            return None
        return cls(services.builders, forms=services.forms)

    def __init__(
        self,
        service: BuildersBackend,
        *,
        refresh_interval: float | None = REFRESH_INTERVAL,
        forms: FormMemory | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.service = service
        self.refresh_interval = refresh_interval
        self.forms = forms
        """Where the create form keeps its last new builder (None: not kept)."""
        self.listing: BuilderList | None = None
        self.error: BuildxError | None = None
        self.refreshing = False

    _poll: BackoffPoll | None = None

    def compose(self) -> ComposeResult:
        yield ThemedStatic(title_text(None, False), id="builders-title")
        yield ProblemNote(id="builders-message")
        yield BuildersTable(id="builders-table")
        with VerticalScroll(id="builders-details-box"):
            yield BuilderDetails(id="builders-details")

    def on_mount(self) -> None:
        # Until the first list comes, the pane is its title line: an empty table would
        # only delay drawing the pane. The first `buildx ls` starts once it is shown.
        self.add_class("reading")
        self.can_focus = True
        # Lists again `refresh_interval` seconds after a change while shown only, less
        # often while nothing changes (`app/polling.py`): hidden, it follows the
        # engine's events for the builders, and lists again when shown.
        self._poll = (
            BackoffPoll(
                self,
                self.refresh_builders,
                first=self.refresh_interval,
                longest=LONGEST_INTERVAL,
                paused=True,
            )
            if self.refresh_interval
            else None
        )
        self.call_after_refresh(self._initial_focus)

    def on_show(self) -> None:
        """The first `buildx ls` once the pane is first shown and drawn: its thread
        (python-on-whales' import, ~150 ms) would otherwise slow drawing it. Shown again,
        it lists again (what changed meanwhile) and every few seconds while shown."""
        if not self.refreshing:
            self.call_after_refresh(self.refresh_builders)
        if self._poll is not None:
            self._poll.resume()

    def on_hide(self) -> None:
        if self._poll is not None:
            self._poll.pause()

    def _initial_focus(self) -> None:
        # Hosted in the app's tabs, the app moves the focus into the pane it shows:
        # focusing here would switch tabs. Standing alone, start on the table.
        if self.app.focused is None and not hosted_in_tabs(self):
            self.table.focus()

    # -- state -------------------------------------------------------------------------

    @property
    def table(self) -> BuildersTable:
        return self.query_one("#builders-table", BuildersTable)

    @property
    def rows(self) -> dict[str, Row]:
        """The listed rows by key, in the table's order."""
        return self.table.rows_by_key

    @property
    def highlighted_row(self) -> Row | None:
        return self.table.highlighted_row

    @property
    def highlighted_builder(self) -> Builder | None:
        row = self.highlighted_row
        if row is None or self.listing is None:
            return None
        return self.listing.get(row.builder)

    def before_lab_step(self, status: EngineStatus | None) -> None:
        """A builder's step (prune) is about the builder in use."""
        if status is not None and status.builder:
            self.select_builder(status.builder)

    def select_builder(self, name: str) -> None:
        self.table.select_builder(name)

    # -- workers -----------------------------------------------------------------------

    def refresh_builders(self) -> None:
        """List again in the background (a newer refresh replaces a running one)."""
        self._set_refreshing(True)
        self._list_builders()

    @work(thread=True, exclusive=True, group="builders-refresh", exit_on_error=False)
    def _list_builders(self) -> None:
        """`buildx ls` off the UI thread; typing stays responsive meanwhile."""
        worker = get_current_worker()
        try:
            listing = self.service.list()
        except BuildxError as error:
            if not worker.is_cancelled:
                self.post_message(self.LoadFailed(error))
            return
        if not worker.is_cancelled:
            self.post_message(self.Loaded(listing))

    @work(thread=True, group="builders-action", exit_on_error=False)
    def call_service(self, action: str, call: Callable[[], str]) -> None:
        """One blocking service call; its outcome comes back as a message."""
        try:
            text = call()
        except BuildxError as error:
            self.post_message(self.ActionFailed(action, error))
            return
        self.post_message(self.ActionDone(text))

    @on(Worker.StateChanged)
    def worker_failed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.node is self:
            self._set_refreshing(False)
            self.app.notify(
                _(
                    "Unexpected failure in the Builders pane: {error!r}. "
                    "Press r to refresh; please report this."
                ).format(error=event.worker.error),
                severity="error",
            )

    # -- messages ------------------------------------------------------------------------

    def _set_refreshing(self, value: bool) -> None:
        self.refreshing = value
        self._update_title()

    @on(Loaded)
    def loaded(self, message: Loaded) -> None:
        unchanged = message.listing == self.listing and self.error is None
        self.listing = message.listing
        self._set_refreshing(False)
        if self._poll is not None:
            self._poll.looked(changed=not unchanged)
        if unchanged:
            return  # nothing to redraw: a periodic refresh costs the UI almost nothing
        self.show_error(None)
        self._render_rows()

    @on(LoadFailed)
    def load_failed(self, message: LoadFailed) -> None:
        self._set_refreshing(False)
        if self._poll is not None:
            self._poll.looked(changed=True)  # on the first pace until it answers
        self.show_error(message.error)

    @on(ActionDone)
    def action_done(self, message: ActionDone) -> None:
        self.app.notify(message.text, title=_("Builders"))
        self.refresh_builders()
        self.post_message(LabChanged())  # e.g. the builder in use

    @on(ActionFailed)
    def action_failed(self, message: ActionFailed) -> None:
        self.app.notify(
            message.error.message,
            title=_("{action} failed").format(action=_(message.action)),
            severity="error",
        )
        self.refresh_builders()
        self.post_message(LabChanged())

    @on(DataTable.RowHighlighted, "#builders-table")
    def row_highlighted(self) -> None:
        self._render_details()

    # -- rendering -----------------------------------------------------------------------

    def _update_title(self) -> None:
        self.query_one("#builders-title", ThemedStatic).show(
            title_text(self.listing, self.refreshing)
        )

    def show_error(self, error: BuildxError | None) -> None:
        """Show what is wrong and how to fix it; an unavailable engine hides the list."""
        self.error = error
        unavailable = isinstance(error, BuildxUnavailable)
        self.set_class(unavailable, "unavailable")
        self.remove_class("reading")
        warning = self.listing.warning if self.listing and error is None else None
        self.query_one(ProblemNote).show(problem_text(error, warning))
        self.can_focus = unavailable
        self.call_after_refresh(self._keep_keys_working)

    @property
    def list_hidden(self) -> bool:
        """True while the list is not shown: before the first list, or with no engine."""
        return self.has_class("unavailable") or self.has_class("reading")

    def _keep_keys_working(self) -> None:
        """With the list hidden, the pane itself holds the focus, so its keys (r) still
        work: else nothing would be focused and r would do nothing. Back on the list after."""
        focused = self.screen.focused  # this pane's screen's, even under a dialog
        if self.list_hidden:
            if (focused is None or focused is self.table) and self.is_on_screen:
                self.focus()
        elif focused is self:
            self.table.focus()

    def on_descendant_blur(self) -> None:
        if self.list_hidden:  # the hidden list lost the focus: take it
            self.call_after_refresh(self._keep_keys_working)

    def _render_rows(self) -> None:
        self.table.show(self.listing)
        self._update_title()
        self.show_error(self.error)
        self._render_details()

    def retranslate(self) -> None:
        """Render again in the app's language; buildx's own errors are made again by
        listing once more."""
        self._update_title()
        self._render_details()
        if self.error is not None:
            self.refresh_builders()

    def _render_details(self) -> None:
        self.query_one(BuilderDetails).show_builder(self.highlighted_builder, self.listing)

    # -- actions -------------------------------------------------------------------------

    def _need_builder(self, missing: str) -> Builder | None:
        """The highlighted builder; None, and `missing` said, when there is none."""
        builder = self.highlighted_builder
        if builder is None:
            self.app.notify(missing, severity="warning")
        return builder

    def action_refresh(self) -> None:
        self.refresh_builders()

    def action_create(self, options: CreateOptions | None = None) -> None:
        from buildtui.app.builders.create import CreateBuilderScreen

        forms = self.forms
        remembered = None
        if options is None and forms is not None:
            remembered = create_request_from(forms.load(CREATE_FORM))
        status = getattr(self.app, "status", None)
        here = isinstance(status, EngineStatus) and status.lab_registry_here
        screen = CreateBuilderScreen(self.service, options, remembered, lab_registry_here=here)

        def created(plan: CreatePlan | None) -> None:
            if plan is None:
                return
            if forms is not None and screen.submitted is not None and plan.options.mode == "new":
                forms.save(CREATE_FORM, create_request_values(screen.submitted))
            self.call_service(
                N_("Create builder"), lambda: created_text(plan, self.service.create(plan))
            )

        self.app.push_screen(screen, created)

    def action_create_lab_builder(self) -> None:
        """The create form filled in with the lab's builder (the Lab pane's step 2)."""
        self.action_create(LAB_BUILDER)

    def action_append(self) -> None:
        builder = self._need_builder(_("No builder to add a node to: highlight one in the list."))
        if builder is not None:
            self.action_create(
                CreateOptions(name=builder.name, driver=builder.driver, mode="append")
            )

    def action_leave(self) -> None:
        from buildtui.app.shared.confirm import ConfirmScreen, loss_text

        row = self.highlighted_row
        if row is None or row.node is None:
            self.app.notify(_("Highlight a node (the rows under a builder) to remove it."))
            return
        builder, node = row.builder, row.node
        try:
            plan = self.service.plan_create(
                CreateRequest(CreateOptions(name=builder, node=node, mode="leave"))
            )
        except BuildxError as error:
            self.app.notify(error.message, severity="error")
            return
        lost = leave_losses(builder, node, self.listing.get(builder) if self.listing else None)

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.call_service(
                    N_("Remove node"), lambda: created_text(plan, self.service.create(plan))
                )

        self.app.push_screen(
            ConfirmScreen(
                _("Remove node {node}?").format(node=node),
                loss_text(lost),
                command=render_command(self.service.command_prefix, plan.args),
                confirm_label=_("Remove node"),
            ),
            confirmed,
        )

    def action_use(self) -> None:
        """Switch at once to a builder that runs; for one that does not, say so first and
        offer to start it: the switch then happens only if it came up."""
        from buildtui.app.builders.use import BOOTSTRAP_FIRST, USE_ANYWAY, UseBuilderScreen

        builder = self._need_builder(_("No builder to use: highlight one in the list."))
        if builder is None:
            return
        warning = not_running_warning(builder)
        if warning is None:
            self.use_builder(builder.name)
            return
        name, prefix = builder.name, self.service.command_prefix

        def chosen(choice: str | None) -> None:
            if choice == USE_ANYWAY:
                self.use_builder(name)
            elif choice == BOOTSTRAP_FIRST:
                self.bootstrap_then_use(name)

        screen = UseBuilderScreen(
            name,
            warning,
            render_command(prefix, bootstrap_args(name)),
            render_command(prefix, use_args(name)),
        )
        self.app.push_screen(screen, chosen)

    def use_builder(self, name: str) -> None:
        service = self.service

        def call() -> str:
            service.use(name)
            return _("{name} is now the builder in use").format(name=name)

        self.call_service(N_("Use builder"), call)

    def bootstrap_then_use(self, name: str) -> None:
        """Start `name` with its progress; make it the builder in use only if it came up."""
        from buildtui.app.builders.bootstrap import BootstrapScreen

        in_use = self.listing.current if self.listing else None

        def started(up: bool | None) -> None:
            if up:
                self.use_builder(name)
                return
            self.app.notify(
                (
                    _("{name} did not start, so {in_use} stays the builder in use.")
                    if in_use
                    else _("{name} did not start, so the builder in use stays.")
                ).format(name=name, in_use=in_use),
                title=_("Use builder"),
                severity="error",
                timeout=10,
            )
            self.refresh_builders()

        self.app.push_screen(BootstrapScreen(self.service, name), started)

    def action_stop(self) -> None:
        builder = self._need_builder(_("No builder to stop: highlight one in the list."))
        if builder is None:
            return
        name, service = builder.name, self.service

        def call() -> str:
            service.stop(name)
            return _("{name} stopped").format(name=name)

        self.call_service(N_("Stop builder"), call)

    def action_bootstrap(self) -> None:
        from buildtui.app.builders.bootstrap import BootstrapScreen

        builder = self._need_builder(_("No builder to bootstrap: highlight one in the list."))
        if builder is not None:
            self.app.push_screen(
                BootstrapScreen(self.service, builder.name), lambda _: self.refresh_builders()
            )

    def action_remove(self) -> None:
        from buildtui.app.builders.remove import RemoveBuilderScreen

        builder = self._need_builder(_("No builder to remove: highlight one in the list."))
        if builder is None:
            return
        if builder.is_context_builder:
            error = ContextBuilderRemoval(builder.name)
            self.app.notify(error.message, title=_("Cannot remove"), severity="error")
            return
        name, service = builder.name, self.service

        def confirmed(request: RemoveRequest | None) -> None:
            if request is None:
                return

            def call() -> str:
                service.remove(name, keep_state=request.keep_state, keep_daemon=request.keep_daemon)
                if request.keep_state:
                    return _("Builder {name} removed (its build cache kept)").format(name=name)
                return _("Builder {name} removed").format(name=name)

            self.call_service(N_("Remove builder"), call)

        self.app.push_screen(RemoveBuilderScreen(builder, service.command_prefix), confirmed)

    def action_inspect(self) -> None:
        from buildtui.app.builders.inspect_screen import InspectBuilderScreen

        builder = self._need_builder(_("No builder to inspect: highlight one in the list."))
        if builder is not None:
            self.app.push_screen(InspectBuilderScreen(self.service, builder.name))

    def action_disk_usage(self) -> None:
        from buildtui.app.builders.usage import DiskUsageScreen

        builder = self._need_builder(
            _("No builder to show the disk usage of: highlight one in the list.")
        )
        if builder is not None:
            self.app.push_screen(DiskUsageScreen(self.service, builder.name))

    def action_prune(self) -> None:
        from buildtui.app.builders.prune import PruneScreen

        builder = self._need_builder(_("No builder to prune: highlight one in the list."))
        if builder is None:
            return
        name, service = builder.name, self.service

        def confirmed(options: PruneOptions | None) -> None:
            if options is None:
                return

            def call() -> str:
                result = service.prune(name, options)
                count = len(result.records)
                return ngettext(
                    "Pruned {count} record, {size}, from {name}",
                    "Pruned {count} records, {size}, from {name}",
                    count,
                ).format(count=count, size=decimal_mark(result.total), name=name)

            self.call_service(N_("Prune"), call)

        self.app.push_screen(PruneScreen(service, name), confirmed)
