"""The Clean-up pane's plan view: the plan (or GC, or verification) as styled text, in the
theme's colours; the help, or the last collection's account, when nothing is selected."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll

from buildtui.app.shared.themed_static import ThemedStatic
from buildtui.cleanup.accounting import GcAccount
from buildtui.cleanup.plan import Plan
from buildtui.cleanup.present import plan_lines, plan_subtitle, styled
from buildtui.cleanup.present_collection import gc_account_lines
from buildtui.i18n import _
from buildtui.untrusted import screen_text


class PlanView(VerticalScroll):
    """A scrolling, bordered view of some lines (or a hint when there is nothing to show)."""

    DEFAULT_CSS = """
    PlanView {
        height: 1fr;
        border: round $primary;
        padding: 0 1;
    }
    """

    def compose(self) -> ComposeResult:
        yield ThemedStatic(id="plan-text")

    def show(self, lines: Iterable[str] | str | Text, subtitle: str = "") -> None:
        """Lines (styled as plans are), or one string or Rich text shown as it is."""
        shown = lines if isinstance(lines, str | Text) else styled(lines)
        self.query_one(ThemedStatic).show(shown)
        self.border_subtitle = screen_text(subtitle, one_line=True)

    def show_plan(self, plan: Plan, *, allow_tag_loss: bool, before: Text | None = None) -> None:
        """The plan; `before` (the retention rules' decisions) above it."""
        text = styled(plan_lines(plan))
        if before is not None:
            text = Text.assemble(before, text)
        self.show(text, plan_subtitle(plan, allow_tag_loss=allow_tag_loss))

    def show_help(self, help_text: str, last_collection: GcAccount | None) -> None:
        """The help; after a collection, its account (predicted against measured) first."""
        if last_collection is None:
            self.show(help_text)
            return
        lines = [_("Last garbage collection:"), *gc_account_lines(last_collection), ""]
        self.show([*lines, *help_text.splitlines()], _("predicted against measured"))
