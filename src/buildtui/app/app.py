"""The buildtui app: its panes (builders, build, registry, clean-up, lab, and a class
when one is opened), a status bar, the footer and the command palette."""

from __future__ import annotations

import gc
from collections.abc import Iterable
from dataclasses import replace
from functools import partial
from pathlib import Path

from textual import on, work
from textual.actions import parse as parse_action
from textual.app import ComposeResult, SystemCommand
from textual.command import CommandPalette
from textual.message import Message
from textual.screen import Screen
from textual.theme import Theme
from textual.widget import AwaitMount, Widget
from textual.widgets import Input, TabbedContent, TabPane, TextArea
from textual.worker import Worker, WorkerState

from buildtui import __version__
from buildtui.app.background import BackgroundChanged, running
from buildtui.app.commands import APP_COMMANDS, bindings, palette_text
from buildtui.app.engine_follow import EngineChanged, EngineFollower
from buildtui.app.messages import LabChanged, LabProgress, ShowLabStep
from buildtui.app.panes import PANE_SPECS, SPECS, Pane
from buildtui.app.polling import BackoffPoll
from buildtui.app.running import ScreenTextApp, keep_language, run_captured
from buildtui.app.services import Services
from buildtui.app.shared.footer import TranslatedFooter
from buildtui.app.shared.screen_static import ScreenStatic
from buildtui.app.shared.status_bar import StatusBar
from buildtui.app.shared.title_bar import TitleBar
from buildtui.engine.status import EngineStatus
from buildtui.i18n import LANGUAGE_NAMES, LANGUAGES, N_, _, language, set_language, translator
from buildtui.pane_ids import PaneId
from buildtui.settings import Settings, SettingsError, save_setting
from buildtui.untrusted import visible

STATUS_INTERVAL = 15.0
"""Seconds between two status probes after a change."""
STATUS_INTERVAL_MAX = 60.0
"""Seconds between two status probes at most, while the status stays the same."""
STARTUP_GC_PAUSE = 10.0
"""At most this many seconds without automatic garbage collection while starting."""
TEXTUAL_COMMANDS = (
    N_("Theme"),
    N_("Change the current theme"),
    N_("Quit"),
    N_("Quit the application as soon as possible"),
    N_("Keys"),
    N_("Hide the keys and widget help panel"),
    N_("Show help for the focused widget and a summary of available keys"),
    N_("Minimize"),
    N_("Minimize the widget and restore to normal size"),
    N_("Maximize"),
    N_("Maximize the focused widget"),
    N_("Screenshot"),
    N_("Save an SVG 'screenshot' of the current screen"),
)
"""Textual's own palette commands, as Textual names them: translated in the palette."""


class BuildTUI(ScreenTextApp[None]):
    """Builders, builds, the lab registry and its clean-up, on one screen."""

    TITLE = "buildtui"
    SUB_TITLE = "Docker buildx lab"
    CSS_PATH = str(Path(__file__).with_name("app.tcss"))
    """Beside this module, whichever module an app built on this one is in."""
    AUTO_FOCUS = None
    """Nothing takes the focus before the panes load (focusing the tabs restyles them,
    ~15 ms before the first frame); `mount_panes` then focuses the pane in front."""
    BINDINGS = bindings(APP_COMMANDS)
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (40, "-tall")]
    """`-narrow` below 120 columns, `-short` below 40 rows (a projector with a large font
    gives 100x30): app.tcss packs the panes tighter there, so that nothing the lab needs
    is hidden or cut."""

    class ServicesReady(Message):
        """The services (and the modules behind the panes) are loaded."""

        def __init__(self, services: Services) -> None:
            super().__init__()
            self.services = services

    class PanesLoaded(Message):
        """The modules of the panes behind the one in front are loaded."""

    class StatusProbed(Message):
        """A fresh snapshot of the engine and registry, from the status worker."""

        def __init__(self, status: EngineStatus) -> None:
            super().__init__()
            self.status = status

    def __init__(self, settings: Settings, services: Services | None = None) -> None:
        super().__init__()
        self.settings = settings
        self.services = services
        """None until loaded after the first frame (real ones), or given (tests)."""
        self.status: EngineStatus | None = None
        self.status_poll: BackoffPoll | None = None
        """Probes the status again, once the panes are mounted."""
        self._reported_problems: tuple[str, ...] = ()
        self._lab_progress = ""
        """The Lab's progress (`3/9`), shown on its tab."""
        self._initial_pane: str = PANE_SPECS[0].id
        """The pane to show when the panes are mounted (a key may choose it before)."""
        self.engine = EngineFollower(self)
        """Follows the engine's events (`Services.events`), once per burst."""
        self._status_bar = StatusBar(self.registry_name, id="status")
        self._panes: TabbedContent | None = None
        """The tabs, once made (`mount_panes`). Both are kept rather than queried: a
        query walks every widget of the five panes (~4 ms), and the footer asks for
        the tabs on every key (`check_action`)."""
        set_language(settings.ui_language)

    def compose(self) -> ComposeResult:
        # The first frame: title, status bar and keys. The tabs come with the panes
        # (`mount_panes`): Textual's tab strip alone costs ~80 ms before a frame here.
        yield TitleBar()
        yield ScreenStatic(_("Loading…"), id="loading", classes="pane-missing")
        yield self._status_bar
        yield TranslatedFooter(compact=True)

    @property
    def registry_name(self) -> str:
        return self.settings.registry_container

    def on_mount(self) -> None:
        # Start-up allocates ~125,000 objects that live as long as the app: collecting
        # while they are made only re-scans them (~60 ms in all, one 20 ms pass just as
        # the pane in front is drawn). Resumed once the panes are mounted (`freeze_heap`),
        # or after STARTUP_GC_PAUSE if start-up goes wrong.
        gc.disable()
        self.set_timer(STARTUP_GC_PAUSE, gc.enable)
        self.show_sub_title()
        if self.settings.theme is not None:
            if self.settings.theme in self.available_themes:
                self.theme = self.settings.theme
            else:
                self.notify(
                    _("theme {theme!r} is not known; themes: {themes}").format(
                        theme=self.settings.theme, themes=", ".join(sorted(self.available_themes))
                    ),
                    title=_("Settings"),
                    severity="warning",
                )
        self.theme_changed_signal.subscribe(self, self.keep_theme)
        if self.settings.keymap:
            self.set_keymap(dict(self.settings.keymap))
        # No I/O and no heavy imports before the first frame: both happen after it.
        self.call_after_refresh(self.load_services)

    def keep_theme(self, theme: Theme) -> None:
        """A theme chosen in the palette is written to the config file for the next start."""
        if theme.name == self.settings.theme:
            return
        try:
            save_setting("theme", theme.name)
        except (OSError, SettingsError) as error:
            self.notify(
                _("the theme is not kept: {error}").format(error=error),
                title=_("Settings"),
                severity="warning",
            )
            return
        self.settings = replace(self.settings, theme=theme.name)

    def check_keymap(self, panes: Iterable[Widget]) -> None:
        """Say which keymap ids name no binding (a typo would otherwise remap nothing)."""
        known = {command.id for command in APP_COMMANDS}
        for pane in panes:
            # The pane's commands and its widgets' own (the manifest tree's keys).
            for widget in pane.walk_children(with_self=True):
                known.update(command.id for command in getattr(widget, "COMMANDS", ()))
        unknown = sorted({binding_id for binding_id, _key in self.settings.keymap} - known)
        if unknown:
            self.notify(
                _("keymap: no key has the id {unknown}; the ids are {ids}").format(
                    unknown=", ".join(unknown), ids=", ".join(sorted(known))
                ),
                title=_("Settings"),
                severity="warning",
                timeout=15,
            )

    @work(thread=True, exclusive=True, group="startup")
    def load_services(self) -> None:
        """Import the pane in front and its service off the UI thread, then mount."""
        from buildtui.app import wiring

        services = self.services or wiring.make_services(self.settings)
        wiring.load_pane(self._initial_pane, services)
        self.post_message(self.ServicesReady(services))

    @on(ServicesReady)
    async def mount_panes(self, message: ServicesReady) -> None:
        """The tabs with the pane in front; the other panes follow once it is drawn."""
        from buildtui.app.wiring import make_pane

        self.services = message.services
        front = self._initial_pane
        tabs = TabbedContent(id="panes", initial=front)
        for spec in PANE_SPECS:
            # The others stay empty until `mount_pane` (in the background, or when shown).
            content = [make_pane(spec.id, message.services)] if spec.id == front else []
            # As `with TabbedContent():` in compose does:
            tabs.compose_add_child(TabPane(f"{spec.key} {_(spec.title)}", *content, id=spec.id))
        loading = self.query("#loading")
        if not loading:
            return  # the app is closing (quit while the pane in front was loading)
        await loading.remove()
        self._panes = tabs
        await self.mount(tabs, before="#status")
        # Once laid out, its widgets can take the focus (the pane shown then, if a key
        # changed it meanwhile).
        self.call_after_refresh(lambda: self.focus_pane(tabs.active))
        self.call_after_refresh(self.load_panes)

    @work(thread=True, exclusive=True, group="startup-panes")
    def load_panes(self) -> None:
        """Import the other panes and their services off the UI thread, once the first
        is drawn."""
        from buildtui.app import wiring

        assert self.services is not None  # the tabs come with the services
        for spec in PANE_SPECS:
            wiring.load_pane(spec.id, self.services)
        self.post_message(self.PanesLoaded())

    @on(PanesLoaded)
    async def mount_other_panes(self) -> None:
        """Mount the panes behind the one in front, then start probing the status."""
        for spec in PANE_SPECS:
            mounting = self.mount_pane(spec.id)
            if mounting is not None:
                await mounting
        if self.tabs is not None:
            tabs = self.tabs
            self.check_keymap(
                child for spec in PANE_SPECS for child in tabs.get_pane(spec.id).children
            )
        self.refresh_status()
        # Again `STATUS_INTERVAL` seconds after each probe, less often while nothing
        # changes (`app/polling.py`): the engine's events and ctrl+r probe at once.
        self.status_poll = BackoffPoll(
            self, self.refresh_status, first=STATUS_INTERVAL, longest=STATUS_INTERVAL_MAX
        )
        if self.services is not None and self.services.events is not None:
            self.services.events.start(self.engine.post)
        self.call_after_refresh(self.freeze_heap)

    def freeze_heap(self) -> None:
        """Take what start-up built (Textual, the panes, their styles: ~125,000 objects)
        out of the garbage collector's oldest generation. A full collection then scans
        only what changed since, not the whole app: without this, each one stalls the
        event loop, and with it every key, for 40-90 ms (`bench/app_heap.py`).

        Collection is off from the import of Textual (`cli.main`) until here, so what
        start-up made is all in the young generations: their garbage is collected first,
        not the whole heap again (a third of the time where an earlier app's objects are
        still there, as in a test run)."""
        gc.collect(1)
        gc.freeze()
        gc.enable()

    def mount_pane(self, pane_id: str) -> AwaitMount | None:
        """Mount a pane not mounted yet (awaited, it is); None if it is mounted.

        The pane in front is mounted with the tabs, the others in the background just
        after (`mount_other_panes`), or at once if shown before.
        """
        tab = self.query_one(f"TabPane#{pane_id}", TabPane)
        if not tab.children:
            from buildtui.app.wiring import make_pane

            assert self.services is not None  # the tabs come with the services
            return tab.mount(make_pane(pane_id, self.services))
        mounting = [child for child in tab.children if not child.is_mounted]
        return AwaitMount(tab, mounting) if mounting else None

    @on(TabbedContent.TabActivated)
    async def pane_shown(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id is None:
            return
        mounting = self.mount_pane(event.pane.id)
        if mounting is not None:  # shown before the background mounted it
            # Not left on the pane just hidden: Textual would refocus there, and the
            # tabs follow the focus.
            event.pane.screen.set_focus(None)
            await mounting
        self.focus_pane(event.pane.id)

    def focus_pane(self, pane_id: str) -> None:
        """Move the focus into a pane, so that its keys work at once.

        A pane names where its focus starts with an `AUTO_FOCUS` selector (as
        Textual screens do); otherwise the first focusable widget in it. Never a text
        field: the next key (`4` for the Clean-up pane) must not be typed into it.
        """
        tab = self.query_one(f"TabPane#{pane_id}", TabPane)
        for pane in tab.children:
            selector = pane.AUTO_FOCUS if isinstance(pane, Pane) else None
            if selector:
                for widget in pane.query(selector):
                    if widget.focusable and shown(widget) and not is_text_field(widget):
                        widget.focus()
                        return
        for widget in self.screen.focus_chain:
            if tab in widget.ancestors and not is_text_field(widget):
                widget.focus()
                return
        self.screen.set_focus(None)

    async def on_unmount(self) -> None:
        gc.unfreeze()  # what start-up built can be collected again once the app is gone
        gc.enable()
        if self.services is not None and self.services.events is not None:
            self.services.events.stop()
        # The Clean-up service shares the Registry pane's HTTP client: the last to let go
        # of it closes it.
        if self.services is not None:
            for service in (self.services.cleanup, self.services.registry):
                if service is not None:
                    await service.aclose()

    @work(thread=True, exclusive=True, group="status", exit_on_error=False)
    def refresh_status(self) -> None:
        if self.services is not None:
            self.post_message(self.StatusProbed(self.services.status.probe()))

    @on(Worker.StateChanged)
    def status_worker_changed(self, event: Worker.StateChanged) -> None:
        """A status probe that raised (exit_on_error=False): show it, never a frozen bar."""
        if event.worker.group != "status" or event.state is not WorkerState.ERROR:
            return
        error = event.worker.error or RuntimeError("unknown error")
        if self.status_poll is not None:
            self.status_poll.looked(changed=True)
        if (bar := self.status_bar) is not None:
            bar.show_failure(error)
        self.notify(
            _(
                "The engine and registry could not be checked: {error}. Press ctrl+r to try again."
            ).format(error=error),
            title=_("Status check failed"),
            severity="error",
            timeout=8,
        )

    @on(StatusProbed)
    def show_status(self, message: StatusProbed) -> None:
        if self.status_poll is not None:
            self.status_poll.looked(changed=message.status != self.status)
        self.status = message.status
        if (bar := self.status_bar) is not None:
            bar.status = message.status
        problems = tuple(check.detail for check in message.status.problems)
        if problems and problems != self._reported_problems:
            self.notify(
                "\n".join((*problems, _("Press d for the fixes."))),
                title=_("The lab is not complete"),
                severity="error",
                timeout=8,
            )
        self._reported_problems = problems

    @property
    def status_bar(self) -> StatusBar | None:
        """The status bar; None once the app is closing and its screen was emptied.

        A status probe runs in a thread and can finish while the app shuts down: what it
        posts is still handled after the screen's widgets are gone.
        """
        return self._status_bar if self._status_bar.is_attached else None

    @property
    def tabs(self) -> TabbedContent | None:
        """The panes' tabs; None until they are mounted, after the first frame, and once
        the app is closing."""
        tabs = self._panes
        return tabs if tabs is not None and tabs.is_attached else None

    def action_show_pane(self, pane_id: str) -> None:
        tabs = self.tabs
        if tabs is not None:
            if self.mount_pane(pane_id) is not None:  # not yet there: it is now
                tabs.screen.set_focus(None)  # see `pane_shown`
            tabs.active = pane_id
        else:  # still loading: shown as soon as the panes are there
            self._initial_pane = pane_id

    def action_show_class(self) -> None:
        """The Class pane on its own screen, for the class of the `class_ref` setting; it
        shares the app's registry client when the class is on the lab's registry."""
        from buildtui.app.classroom.screen import ClassScreen
        from buildtui.classroom.ref import ClassRefError, parse_class_ref
        from buildtui.classroom.service import ClassService
        from buildtui.registry.reference import same_registry
        from buildtui.registry.service import RegistryService

        try:
            ref = parse_class_ref(self.settings.class_ref or "")
        except ClassRefError as error:
            self.notify(f"class_ref: {error}", severity="error")
            return
        registry = self.services.registry if self.services is not None else None
        shared = None
        if isinstance(registry, RegistryService) and same_registry(ref.registry, registry.registry):
            shared = registry.share()
        service = ClassService(
            self.settings, ref, registry=shared, translate=translator(language())
        )
        self.push_screen(ClassScreen(service))

    def action_doctor(self) -> None:
        from buildtui.app.shared.doctor import DoctorScreen  # not needed for the first frame

        self.push_screen(DoctorScreen(self.status))

    def action_refresh_status(self) -> None:
        self.refresh_status()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Esc leaves a text field of a pane (its own modal screens use Esc to close):
        # shown in the footer only while the focus is in one.
        if action == "leave_field":
            return self.pane_text_field() is not None
        return True

    def pane_text_field(self) -> Widget | None:
        """The text field of a pane that has the focus, if one has it."""
        focused = self.screen.focused if self.tabs is not None else None
        if focused is None or not is_text_field(focused):
            return None
        return focused if any(isinstance(a, TabPane) for a in focused.ancestors) else None

    def action_leave_field(self) -> None:
        """Move the focus out of a text field to the nearest part of its pane that takes
        it (the Build form itself, so that Tab goes on from the first field), or where
        the pane's focus starts. Digits then switch panes again."""
        field = self.pane_text_field()
        if field is None:
            return
        for ancestor in field.ancestors:
            if isinstance(ancestor, TabPane):
                if ancestor.id is not None:
                    self.focus_pane(ancestor.id)
                return
            if isinstance(ancestor, Widget) and ancestor.focusable:
                ancestor.focus()
                return

    @on(EngineChanged)
    def engine_changed(self, message: EngineChanged) -> None:
        self.engine.changed(message.change)

    @on(LabChanged)
    def lab_changed(self, message: LabChanged) -> None:
        self.refresh_status()
        for guide in self.query(".lab-guide"):
            self.call_later(guide.run_action, "refresh")
        if message.registry_changed:
            self.refresh_registry_panes(message.origin)

    def refresh_registry_panes(self, origin: Widget | None = None) -> None:
        """The Registry and Clean-up panes read the registry again (not `origin`)."""
        if self.tabs is None:
            return
        for spec in PANE_SPECS:
            if not spec.shows_registry:
                continue
            for pane in self.query(f"TabPane#{spec.id} > *").results(Pane):
                # Not one in the middle of a deletion or collection: it reads again after.
                if pane is origin or pane.busy:
                    continue
                pane.action_refresh()

    @on(BackgroundChanged)
    def count_background(self) -> None:
        """A pane's read started or ended: the status bar counts those running."""
        if (bar := self.status_bar) is not None:
            bar.background = running(self.workers)

    @on(LabProgress)
    def lab_progress(self, message: LabProgress) -> None:
        progress = f"{message.done}/{message.total}"
        if self.tabs is not None:
            self._lab_progress = progress
            self.label_tabs()
        if (bar := self.status_bar) is not None:
            bar.lab_progress = progress

    @on(ShowLabStep)
    async def show_lab_step(self, message: ShowLabStep) -> None:
        """Show the pane that does a lab step, filled in for it."""
        target = message.target
        self.action_show_pane(target.pane)
        if target.preset is None or self.tabs is None:
            return
        action = SPECS[target.pane].presets[target.preset]
        mounting = self.mount_pane(target.pane)
        if mounting is not None:
            await mounting
        for pane in self.tabs.get_pane(target.pane).children:
            if isinstance(pane, Pane):  # not the note of a pane that is not available
                pane.before_lab_step(self.status)
                self.call_after_refresh(pane.run_action, action)

    def label_tabs(self) -> None:
        """The tabs' titles in the app's language (the Lab's with its progress)."""
        if self.tabs is None:
            return
        for spec in PANE_SPECS:
            label = f"{spec.key} {_(spec.title)}"
            if spec.id is PaneId.LAB and self._lab_progress:
                label = f"{label} {self._lab_progress}"
            self.tabs.get_tab(spec.id).label = label

    def show_sub_title(self) -> None:
        self.sub_title = _("Docker buildx lab · {registry}").format(
            registry=self.settings.registry_url
        )

    def action_switch_language(self, value: str) -> None:
        """Show the whole app in `value` now, and keep it for the next start."""
        if value not in LANGUAGES:
            return
        set_language(value)
        self.retranslate()
        self.settings = keep_language(self, self.settings, value)

    def retranslate(self) -> None:
        """Draw everything again in the current language: the title, the tabs, the footer,
        the status bar, and each widget of every open screen that makes its own text
        (`retranslate()`: the panes render again from what they hold)."""
        self.show_sub_title()
        self.label_tabs()
        for screen in self.screen_stack:
            for widget in screen.walk_children(with_self=True):
                retranslate = getattr(widget, "retranslate", None)
                if callable(retranslate):
                    retranslate()
        self.refresh_bindings()
        self.refresh_status()  # the checks' words are made by the probe, in its language

    def action_command_palette(self) -> None:
        """The palette, its prompt in the app's language."""
        if self.use_command_palette and not CommandPalette.is_open(self):  # type: ignore[arg-type]
            self.push_screen(
                CommandPalette(id="--command-palette", placeholder=_("Search for commands…"))
            )

    def search_themes(self) -> None:
        """The theme picker, its prompt in the app's language."""
        from textual.theme import ThemeProvider

        self.push_screen(
            CommandPalette(providers=[ThemeProvider], placeholder=_("Search for themes…"))
        )

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        for textual_command in super().get_system_commands(screen):
            yield textual_command._replace(
                title=_(textual_command.title), help=_(textual_command.help)
            )
        for other in LANGUAGES:
            if other != language():
                # In both languages: whoever does not read the current one finds it.
                yield SystemCommand(
                    f"Language · Język: {LANGUAGE_NAMES[other]}",
                    _("Show the whole app in {language}; kept for the next start").format(
                        language=LANGUAGE_NAMES[other]
                    ),
                    partial(self.action_switch_language, other),
                )
        keys = dict(self.settings.keymap)
        for command in APP_COMMANDS:
            if command.priority:
                continue  # the same command under another key
            name, help_line = palette_text(command, keys.get(command.id, command.key))
            yield SystemCommand(name, help_line, partial(self.run_action, command.action))
        if self.settings.class_ref:
            yield SystemCommand(
                _("Show the class"),
                _("Every submission in {ref}, checked (class mode)").format(
                    ref=visible(self.settings.class_ref, one_line=True)
                ),
                self.action_show_class,
            )
        # The commands of the pane in front that it offers now (as its footer does), each
        # run by that pane.
        tabs = self.tabs
        for pane in tabs.get_pane(tabs.active).children if tabs and tabs.active else ():
            if not isinstance(pane, Pane):
                continue
            for command in pane.COMMANDS:
                if not offered(pane, command.action):
                    continue
                name, help_line = palette_text(command, keys.get(command.id, command.key))
                yield SystemCommand(name, help_line, partial(pane.run_action, command.action))


def shown(widget: Widget) -> bool:
    """Neither `widget` nor a widget it is in is hidden (a view a switcher does not show)."""
    return all(node.display for node in widget.ancestors_with_self if isinstance(node, Widget))


def offered(node: Widget, action: str) -> bool:
    """Whether `node` offers `action` now: its `check_action` does not hide it."""
    _unused, name, parameters = parse_action(action)
    return node.check_action(name, parameters) is not False


def is_text_field(widget: Widget) -> bool:
    """A widget that takes typed characters (digits included) as its own."""
    return isinstance(widget, Input | TextArea)


def make_app(settings: Settings, services: Services | None = None) -> BuildTUI:
    """The one factory for the app: the CLI, tests, snapshots and screenshots use it.

    Without `services`, the real ones are made after the first frame.
    """
    return BuildTUI(settings, services)


def run_app(settings: Settings) -> int:
    """Run the app; its exit code (an unexpected error: one line and the traceback in
    the log file, exit 1)."""
    return run_captured(make_app(settings))


if __name__ == "__main__":
    print(f"buildtui {__version__}: run `buildtui` to start the app")
