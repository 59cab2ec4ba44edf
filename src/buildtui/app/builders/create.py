"""The create form: every `buildx create` option, two presets, and the exact command, live."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from buildtui.app.shared.marks import MarkedCheckbox
from buildtui.app.shared.screen_static import ScreenStatic
from buildtui.app.shared.themed_static import ThemedStatic
from buildtui.buildx.builders import BuildersBackend
from buildtui.buildx.commands import CreatePlan, Preset, render_command, split_list
from buildtui.buildx.errors import BuildxError
from buildtui.buildx.models import DRIVERS, CreateMode, CreateOptions, CreateRequest
from buildtui.buildx.presentation import error_text
from buildtui.buildx.presentation_actions import command_text, create_note_text
from buildtui.i18n import N_, _

MODES: tuple[tuple[str, CreateMode], ...] = (
    (N_("new builder"), "new"),
    (N_("add a node to a builder (--append)"), "append"),
    (N_("remove a node from a builder (--leave)"), "leave"),
)
ENDPOINT_HINTS = {
    "docker-container": N_("Docker context or host; empty: the current one"),
    "kubernetes": N_("Kubernetes context; empty: the current one"),
    "remote": N_("BuildKit address, e.g. tcp://buildkitd:1234 (required)"),
}


def text_row(label: str, value: str, placeholder: str, widget_id: str) -> Horizontal:
    """One labelled text field of the form."""
    return Horizontal(
        Label(label),
        # Not selected on focus: typing adds to the text, as in every form.
        Input(value, placeholder=placeholder, id=widget_id, compact=True, select_on_focus=False),
        classes="row",
    )


class CreateBuilderScreen(ModalScreen[CreatePlan | None]):
    """Returns the validated plan to run, or None."""

    DEFAULT_CSS = """
    CreateBuilderScreen {
        align: center middle;
    }
    CreateBuilderScreen > Vertical {
        width: 110;
        max-width: 98%;
        height: 95%;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    CreateBuilderScreen .row {
        height: auto;
    }
    CreateBuilderScreen .row > Label {
        width: 18;
    }
    CreateBuilderScreen .row > Checkbox {
        margin-right: 4;
    }
    CreateBuilderScreen .row > Input, CreateBuilderScreen .row > Select {
        width: 1fr;
    }
    CreateBuilderScreen .presets {
        height: auto;
        border: round $accent;
        padding: 0 1;
    }
    CreateBuilderScreen #create-fields {
        height: 1fr;
        padding-top: 1;
    }
    CreateBuilderScreen #create-command {
        height: auto;
        padding: 0 1;
        background: $boost;
    }
    CreateBuilderScreen #create-problem {
        height: auto;
        padding: 0 1;
    }
    CreateBuilderScreen .buttons {
        height: auto;
        margin: 1 0;
    }
    CreateBuilderScreen .buttons Button {
        margin-right: 2;
    }
    """
    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), id="builder_create.cancel")]

    def __init__(
        self,
        service: BuildersBackend,
        initial: CreateOptions | None = None,
        remembered: CreateRequest | None = None,
        *,
        lab_registry_here: bool = False,
    ) -> None:
        """`remembered`: the last new builder's request (kept across restarts), used when
        `initial` is None. `lab_registry_here`: the lab registry answers on this host (the
        status bar's probe), so a new docker-container builder gets the lab presets on by
        default, unless the remembered request says otherwise."""
        super().__init__()
        self.service = service
        self.remembered = remembered
        """The last new builder's request (its presets too), when `initial` is None."""
        self.initial = initial or (remembered.options if remembered else CreateOptions())
        self.submitted: CreateRequest | None = None
        """The request as the form read it when Create was pressed (before presets)."""
        self.presets_on = (
            lab_registry_here
            and remembered is None
            and self.initial.mode == "new"
            and (self.initial.driver or "docker-container") == "docker-container"
        )
        self.plan: CreatePlan | None = None
        self.problem: BuildxError | None = None
        settings = service.settings
        self.registry_url = settings.registry_url
        self.default_hosts = ", ".join(settings.insecure_registries or (settings.registry_host,))

    def compose(self) -> ComposeResult:
        initial = self.initial
        driver = initial.driver if initial.driver in DRIVERS else "docker-container"
        with Vertical() as box:
            box.border_title = _("Create a builder")
            box.border_subtitle = _("Esc cancels")
            with VerticalScroll(id="create-fields"):
                with Horizontal(classes="row"):
                    yield Label(_("What"))
                    yield Select(
                        [(_(label), mode) for label, mode in MODES],
                        value=initial.mode,
                        allow_blank=False,
                        id="create-mode",
                        compact=True,
                    )
                yield text_row(
                    _("Name"),
                    initial.name,
                    _("e.g. mybuilder (empty: buildx picks one)"),
                    "create-name",
                )
                yield text_row(
                    _("Node"), initial.node, _("node name (needed to remove a node)"), "create-node"
                )
                with Horizontal(classes="row"):
                    yield Label(_("Driver"))
                    yield Select(
                        [(d, d) for d in DRIVERS],
                        value=driver,
                        allow_blank=False,
                        id="create-driver",
                        compact=True,
                    )
                yield text_row(
                    _("Endpoint"), initial.endpoint, _(ENDPOINT_HINTS[driver]), "create-endpoint"
                )
                yield text_row(
                    _("Driver options"),
                    " ".join(initial.driver_options),
                    _("key=value … e.g. image=moby/buildkit:v0.13.2"),
                    "create-driver-opts",
                )
                yield text_row(
                    _("BuildKit flags"), initial.buildkitd_flags, _("e.g. --debug"), "create-flags"
                )
                yield text_row(
                    _("buildkitd config"),
                    initial.buildkitd_config,
                    _("path of a buildkitd.toml"),
                    "create-config",
                )
                yield text_row(
                    _("Platforms"),
                    ", ".join(initial.platforms),
                    _("e.g. linux/amd64, linux/arm64 (empty: detected)"),
                    "create-platforms",
                )
                with Horizontal(classes="row"):
                    yield MarkedCheckbox(
                        _("use it now (--use)"), initial.use, id="create-use", compact=True
                    )
                    yield MarkedCheckbox(
                        _("start it now (--bootstrap)"),
                        initial.bootstrap,
                        id="create-bootstrap",
                        compact=True,
                    )
                with Vertical(classes="presets") as presets:
                    presets.border_title = _("Presets for the lab's traps")
                    if self.presets_on:
                        yield ScreenStatic(
                            _(
                                "On: the lab registry answers at {registry_url} on this "
                                "host, which a docker-container builder reaches only over "
                                "the host's network and plain HTTP."
                            ).format(registry_url=self.registry_url),
                            id="create-presets-why",
                        )
                    yield MarkedCheckbox(
                        _("{title} (--driver-opt network=host)").format(
                            title=Preset.HOST_NETWORK.title
                        ),
                        self.presets_on,
                        id="create-host-network",
                        compact=True,
                        tooltip=Preset.HOST_NETWORK.help,
                    )
                    yield MarkedCheckbox(
                        _("{title} (buildkitd.toml with http = true)").format(
                            title=Preset.PLAIN_HTTP.title
                        ),
                        self.presets_on,
                        id="create-plain-http",
                        compact=True,
                        tooltip=Preset.PLAIN_HTTP.help,
                    )
                    yield text_row(
                        "HTTP registries", self.default_hosts, "HOST:PORT …", "create-http-hosts"
                    )
            yield ThemedStatic(id="create-command")
            yield ThemedStatic(id="create-problem")
            with Horizontal(classes="buttons"):
                yield Button(_("Cancel"), id="create-cancel", compact=True)
                yield Button(_("Create"), id="create-ok", variant="primary", compact=True)

    def on_mount(self) -> None:
        remembered = self.remembered
        if remembered is not None and remembered.options is self.initial:
            self.query_one("#create-host-network", Checkbox).value = remembered.host_network
            if remembered.plain_http_hosts:
                self.query_one("#create-plain-http", Checkbox).value = True
                hosts = ", ".join(remembered.plain_http_hosts)
                self.query_one("#create-http-hosts", Input).value = hosts
        self.update_plan()
        self.query_one("#create-name", Input).focus()

    def _value(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value.strip()

    def _checked(self, widget_id: str) -> bool:
        return self.query_one(f"#{widget_id}", Checkbox).value

    @property
    def request(self) -> CreateRequest:
        mode = self.query_one("#create-mode", Select).value
        driver = self.query_one("#create-driver", Select).value
        options = CreateOptions(
            name=self._value("create-name"),
            driver=str(driver),
            endpoint=self._value("create-endpoint"),
            driver_options=split_list(self._value("create-driver-opts")),
            buildkitd_flags=self._value("create-flags"),
            buildkitd_config=self._value("create-config"),
            platforms=split_list(self._value("create-platforms")),
            use=self._checked("create-use"),
            bootstrap=self._checked("create-bootstrap"),
            mode=mode if mode in ("new", "append", "leave") else "new",
            node=self._value("create-node"),
        )
        hosts = split_list(self._value("create-http-hosts"))
        return CreateRequest(
            options,
            host_network=self._checked("create-host-network"),
            plain_http_hosts=hosts if self._checked("create-plain-http") else (),
        )

    @on(Input.Changed)
    @on(Checkbox.Changed)
    @on(Select.Changed)
    def update_plan(self) -> None:
        """Validate as buildx would and show the exact command (no I/O)."""
        driver = str(self.query_one("#create-driver", Select).value)
        self.query_one("#create-endpoint", Input).placeholder = (
            _(ENDPOINT_HINTS.get(driver, "")) if driver in ENDPOINT_HINTS else ""
        )
        command = self.query_one("#create-command", ThemedStatic)
        problem = self.query_one("#create-problem", ThemedStatic)
        button = self.query_one("#create-ok", Button)
        try:
            plan = self.service.plan_create(self.request)
        except BuildxError as error:
            self.plan, self.problem = None, error
            problem.show(error_text(error, inline=True))
            button.disabled = True
            return
        self.plan, self.problem = plan, None
        text = command_text(render_command(self.service.command_prefix, plan.args))
        command.show(text)
        problem.show(create_note_text(plan))
        button.disabled = False
        button.label = {"new": _("Create"), "append": _("Add node"), "leave": _("Remove node")}[
            plan.options.mode
        ]

    @on(Select.Changed, "#create-driver")
    def _driver_changed(self, event: Select.Changed) -> None:
        """The lab presets follow the driver when they were on by default: only a
        docker-container builder takes them."""
        if not self.presets_on:
            return
        container = event.value == "docker-container"
        for widget_id in ("create-host-network", "create-plain-http"):
            self.query_one(f"#{widget_id}", Checkbox).value = container
        self.query_one("#create-presets-why", Static).display = container

    @on(Input.Submitted)
    @on(Button.Pressed, "#create-ok")
    def submit(self) -> None:
        if self.plan is not None:
            self.submitted = self.request
            self.dismiss(self.plan)

    @on(Button.Pressed, "#create-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
