"""The Clean-up pane's plan view: the plan (or GC, or verification) as styled text, in the
theme's colours; the help, or the last collection's account, when nothing is selected."""

from __future__ import annotations

from collections.abc import Iterable

from rich.style import Style
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from buildtui.app.widgets.semantic_styles import on_theme_change, theme_styles
from buildtui.cleanup.accounting import GcAccount
from buildtui.cleanup.plan import Plan
from buildtui.cleanup.present import PLAIN_STYLES, plan_lines, plan_subtitle, styled
from buildtui.cleanup.present_collection import gc_account_lines


class PlanView(VerticalScroll):
    """A scrolling, bordered view of some lines (or a hint when there is nothing to show)."""

    COMPONENT_CLASSES = {
        "plan-view--loss",
        "plan-view--ok",
        "plan-view--heading",
        "plan-view--reason",
    }
    DEFAULT_CSS = """
    PlanView {
        height: 1fr;
        border: round $primary;
        padding: 0 1;
    }
    PlanView > .plan-view--loss { color: $text-error; text-style: bold; }
    PlanView > .plan-view--ok { color: $text-success; text-style: bold; }
    PlanView > .plan-view--heading { text-style: bold; }
    PlanView > .plan-view--reason { text-style: dim; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: Iterable[str] | str = ""

    def compose(self) -> ComposeResult:
        yield Static(id="plan-text")

    def on_mount(self) -> None:
        on_theme_change(self, self._repaint)

    def theme_styles(self) -> dict[str, Style | str]:
        """The semantic styles of `buildtui.cleanup.present`, from the current theme."""
        return theme_styles(self, "plan-view", PLAIN_STYLES)

    def show(self, lines: Iterable[str] | str, subtitle: str = "") -> None:
        self._shown = lines if isinstance(lines, str) else list(lines)
        self.border_subtitle = subtitle
        self._repaint()

    def _repaint(self) -> None:
        lines = self._shown
        body = lines if isinstance(lines, str) else styled(lines, self.theme_styles())
        self.query_one("#plan-text", Static).update(body)

    def show_plan(self, plan: Plan, *, allow_tag_loss: bool) -> None:
        self.show(plan_lines(plan), plan_subtitle(plan, allow_tag_loss=allow_tag_loss))

    def show_help(self, help_text: str, last_collection: GcAccount | None) -> None:
        """The help; after a collection, its account (predicted against measured) first."""
        if last_collection is None:
            self.show(help_text)
            return
        lines = ["Last garbage collection:", *gc_account_lines(last_collection), ""]
        self.show([*lines, *help_text.splitlines()], "predicted against measured")
