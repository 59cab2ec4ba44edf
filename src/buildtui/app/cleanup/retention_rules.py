"""The retention rules form: a repository, keep the last N images, delete those older than
a duration, and its untagged revisions. It only asks: the pane then shows the plan (the
dry run), and nothing is deleted before `x` and its confirmation."""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label

from buildtui.app.shared.marks import MarkedCheckbox
from buildtui.app.shared.screen_static import ScreenStatic
from buildtui.cleanup.retention import (
    RetentionRules,
    RuleError,
    describe_duration,
    parse_duration,
)
from buildtui.i18n import N_, _


@dataclass(frozen=True)
class RulesAsked:
    repository: str
    rules: RetentionRules


def rules_command(cli: str, asked: RulesAsked) -> str:
    """The `buildtui rm` that applies the same rules (what the form shows as it is filled)."""
    rules = asked.rules
    argv = ["rm", asked.repository]
    if rules.keep_last is not None:
        argv += ["--keep-last", str(rules.keep_last)]
    if rules.older_than is not None:
        argv += ["--older-than", describe_duration(rules.older_than)]
    if rules.untagged:
        argv.append("--untagged")
    return f"{cli} {shlex.join(argv)} --dry-run"


class RetentionRulesScreen(ModalScreen[RulesAsked | None]):
    """Returns the repository and the rules, or None when cancelled."""

    DEFAULT_CSS = """
    RetentionRulesScreen {
        align: center middle;
    }
    RetentionRulesScreen > Vertical {
        width: 80;
        max-width: 95%;
        height: auto;
        max-height: 95%;
        border: thick $primary;
        background: $surface;
        padding: 0 2;
    }
    RetentionRulesScreen Input {
        width: 1fr;
    }
    RetentionRulesScreen .field {
        height: auto;
    }
    RetentionRulesScreen .field Label {
        width: 24;
        padding: 1 1 0 0;
    }
    RetentionRulesScreen #rules-problem {
        color: $text-error;
        height: auto;
    }
    RetentionRulesScreen #rules-command {
        color: $text-muted;
        height: auto;
    }
    RetentionRulesScreen #rules-buttons {
        height: auto;
        align-horizontal: right;
    }
    """
    AUTO_FOCUS = "#rules-keep-last"
    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), id="rules.cancel")]

    def __init__(self, repository: str, repositories: list[str], cli: str = "buildtui") -> None:
        super().__init__()
        self.repository = repository
        self.repositories = repositories
        self.cli = cli

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = _("Retention rules")
            yield ScreenStatic(
                _(
                    "Rules count images: tags on the same manifest are kept or deleted "
                    "together, and what a kept tag needs always stays. The plan is "
                    "shown first; nothing is deleted before x and its confirmation."
                )
            )
            with Horizontal(classes="field"):
                yield Label(_("Repository"))
                yield Input(value=self.repository, id="rules-repository")
            with Horizontal(classes="field"):
                yield Label(_("Keep the last (images)"))
                yield Input(placeholder=_("e.g. 2 (empty: no such rule)"), id="rules-keep-last")
            with Horizontal(classes="field"):
                yield Label(_("Delete older than"))
                yield Input(placeholder=_("e.g. 30d, 12h, 2w (empty: none)"), id="rules-older")
            yield MarkedCheckbox(
                _("Also delete its untagged revisions"), id="rules-untagged", compact=True
            )
            yield ScreenStatic(id="rules-problem")
            yield ScreenStatic(id="rules-command")
            with Horizontal(id="rules-buttons"):
                yield Button(_("Cancel"), id="rules-cancel")
                yield Button(_("Show the plan"), variant="primary", id="rules-ok")

    def on_mount(self) -> None:
        self._check()

    def _asked(self) -> RulesAsked:
        """The rules typed so far; RuleError says what is wrong."""
        repository = self.query_one("#rules-repository", Input).value.strip().strip("/")
        if repository not in self.repositories:
            raise RuleError(
                _("{value} is not in this registry").format(value=repository or "no repository")
                if repository
                else _("name the repository the rules apply to")
            )
        keep_text = self.query_one("#rules-keep-last", Input).value.strip()
        keep_last = None
        if keep_text:
            if not keep_text.isdigit() or len(keep_text) > 6:
                raise RuleError(
                    _("keep the last: {value!r} is not a number of images").format(
                        value=keep_text[:20]
                    )
                )
            keep_last = int(keep_text)
        older_text = self.query_one("#rules-older", Input).value.strip()
        older = parse_duration(older_text) if older_text else None
        rules = RetentionRules(keep_last, older, self.query_one("#rules-untagged", Checkbox).value)
        if keep_last is None and older is None and not rules.untagged:
            raise RuleError(
                _(
                    "fill in a rule: keep the last N images, delete those older than a "
                    "duration, or the untagged revisions"
                )
            )
        return RulesAsked(repository, rules)

    def _check(self) -> RulesAsked | None:
        problem = self.query_one("#rules-problem", ScreenStatic)
        command = self.query_one("#rules-command", ScreenStatic)
        try:
            asked = self._asked()
        except RuleError as error:
            problem.update(str(error))
            command.update("")
            return None
        problem.update("")
        command.update(_("Same as: {command}").format(command=rules_command(self.cli, asked)))
        return asked

    @on(Input.Changed)
    @on(Checkbox.Changed)
    def changed(self) -> None:
        self._check()

    @on(Input.Submitted)
    @on(Button.Pressed, "#rules-ok")
    def submit(self) -> None:
        asked = self._check()
        if asked is not None:
            self.dismiss(asked)

    @on(Button.Pressed, "#rules-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
