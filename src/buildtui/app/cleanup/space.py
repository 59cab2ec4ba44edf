"""The Clean-up pane's space view, retention rules and referrers.

`SpaceView` belongs to one `CleanupPane`: it switches the pane between the tags table and
the ranking (`s`), keeps the ranking's marks in step with the pane's one selection (a
repository's row selects every tag and untagged revision of it), says what the selection
frees together, draws the picture, runs the retention rules form (`k`) and adds the
referrers a plan would orphan (`f`). What deletes is still the pane's plan, `x` and its
confirmation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from buildtui.app.cleanup.messages import Failed, RulesChosen
from buildtui.app.cleanup.retention_rules import RetentionRulesScreen, RulesAsked
from buildtui.app.cleanup.space_list import SpaceList
from buildtui.app.cleanup.space_table import Marks
from buildtui.cleanup.errors import BadInput, CleanupError
from buildtui.cleanup.present_space import (
    picture_text,
    retention_text,
    selection_key,
    what_if_summary,
)
from buildtui.cleanup.retention import RetentionChoice, RuleError
from buildtui.cleanup.space import SpaceIndex, SpaceReport, SpaceRow
from buildtui.i18n import _, ngettext
from buildtui.registry.present import format_size

if TYPE_CHECKING:
    from buildtui.app.cleanup.pane import CleanupPane


class SpaceView:
    def __init__(self, pane: CleanupPane) -> None:
        self.pane = pane
        self.on = False
        """The ranking is in front (else the tags table)."""
        self.index: SpaceIndex | None = None
        self.report: SpaceReport | None = None
        self.retention: RetentionChoice | None = None
        """The rules that made the selection, shown above the plan until it is changed."""

    @property
    def list(self) -> SpaceList:
        return self.pane.query_one(SpaceList)

    # -- data ---------------------------------------------------------------------------

    def loaded(self, index: SpaceIndex | None, report: SpaceReport | None) -> None:
        self.index, self.report = index, report
        rows = list(report.rows) if report is not None else []
        self.list.show_rows(rows, self.marks())

    def keys(self) -> set[str]:
        """Every key the ranking can select (kept in the selection across a refresh)."""
        if self.report is None:
            return set()
        return {selection_key(s) for row in self.report.rows for s in row.selections}

    def forget(self) -> None:
        self.index = self.report = None
        self.list.forget()

    def marks(self) -> Marks:
        selected = self.pane.selected
        marks: dict[str, bool | None] = {}
        if self.report is None or not selected:
            return marks
        for row in self.report.rows:
            members = [selection_key(s) for s in row.selections]
            chosen = [k for k in members if k in selected]
            if members and len(chosen) == len(members):
                marks[row.key] = True
            elif chosen:
                marks[row.key] = None
        return marks

    def selection_changed(self, *, by_rules: bool = False) -> None:
        """The pane's selection changed: marks, the what-if line."""
        if not by_rules:
            self.retention = None
        self.list.table.update_marks(self.marks())
        self.list.show_what_if(self.what_if_text())

    def what_if_text(self) -> str:
        selected = self.pane.selected
        if self.index is None or not selected:
            return ""
        rows: list[SpaceRow] = []
        if self.report is not None:
            atoms = {r.key: r for r in self.report.rows if r.kind != "repository"}
            rows = [atoms[k] for k in selected if k in atoms]
        what_if = self.index.what_if(list(selected.values()), rows)
        return what_if_summary(what_if, len(selected))

    # -- keys ---------------------------------------------------------------------------

    def toggle_view(self) -> None:
        self.on = not self.on
        self.pane.set_class(self.on, "-space")
        if self.on:
            self.list.table.focus()
            self.list.show_what_if(self.what_if_text())
        else:
            self.pane.items.table.focus()
        self.pane.show_plan()

    def toggle_current(self) -> bool:
        """Select the highlighted ranking row (all of it), or unselect it."""
        row = self.list.current
        if row is None or not row.selections:
            return False
        members = {selection_key(s): s for s in row.selections}
        selected = self.pane.selected
        everything = all(k in selected for k in members)
        for key, selection in members.items():
            self.pane.items.choose(key, None if everything else selection)
        return True

    def current_key(self) -> str | None:
        row = self.list.current
        return row.key if row is not None else None

    def add_referrers(self) -> None:
        plan = self.pane.plan
        if plan is None or not plan.orphans:
            self.pane.app.notify(
                _("The plan leaves no referrer (signature, SBOM) orphaned: nothing to add."),
                severity="warning",
            )
            return
        for selection in plan.referrer_selections:
            self.pane.items.choose(selection_key(selection), selection)
        names = ", ".join(r.name for r in plan.orphans)
        self.pane.app.notify(
            ngettext(
                "Added the referrer {names} to the selection.",
                "Added {count} referrers to the selection: {names}.",
                len(plan.orphans),
            ).format(count=len(plan.orphans), names=names),
            timeout=6,
            markup=False,
        )
        self.pane.selection_changed()

    # -- the retention rules ----------------------------------------------------------

    def ask_rules(self) -> None:
        pane = self.pane
        graph = pane.graph
        if graph is None or pane.refused_while_busy():
            return
        repositories = sorted(graph.repositories)
        current = self.list.current if self.on else None
        repository = current.repository if current is not None else ""
        if not self.on:
            key = pane.items.table.current_key
            row = pane.rows.get(key) if key is not None else None
            repository = row.repository if row is not None else ""
        from buildtui.settings import cli_prefix

        cli = cli_prefix(pane.service.settings)
        pane.app.push_screen(RetentionRulesScreen(repository, repositories, cli), self._asked)

    def _asked(self, asked: RulesAsked | None) -> None:
        if asked is None:
            return
        self.pane.activity.show_lines(
            [_("Reading the dates of {repository}'s images…").format(repository=asked.repository)]
        )
        self.pane.run_worker(
            self._choose(asked),
            name="rules",
            group="cleanup-rules",
            exclusive=True,
            exit_on_error=False,
        )

    async def _choose(self, asked: RulesAsked) -> None:
        pane = self.pane
        graph = pane.graph
        if graph is None:
            return
        try:
            choice = await pane.service.retention(graph, asked.repository, asked.rules)
        except RuleError as error:
            pane.post_message(Failed(_("The rules cannot apply"), BadInput(str(error))))
            return
        except CleanupError as error:
            pane.post_message(Failed(_("The rules cannot apply"), error))
            return
        pane.post_message(RulesChosen(choice))

    def rules_chosen(self, choice: RetentionChoice) -> None:
        pane = self.pane
        pane.activity.show_lines([])
        for key in list(pane.selected):
            pane.items.choose(key, None)
        for selection in choice.selections:
            key = selection_key(selection)
            if key in pane.rows or key in self.keys():
                pane.items.choose(key, selection)
        self.retention = choice
        pane.selection_changed(by_rules=True)
        deleted = len(choice.deleted_tags)
        if not pane.selected:
            pane.app.notify(_("The rules keep every image: nothing to delete."), timeout=6)
            return
        frees = format_size(pane.plan.reclaimed_bytes) if pane.plan is not None else "?"
        pane.app.notify(
            (
                ngettext(
                    "The rules delete {count} tag of {repository} and its untagged "
                    "revisions, freeing {frees}: the plan is shown; x deletes (you confirm first).",
                    "The rules delete {count} tags of {repository} and its untagged "
                    "revisions, freeing {frees}: the plan is shown; x deletes (you confirm first).",
                    deleted,
                )
                if choice.rules.untagged
                else ngettext(
                    "The rules delete {count} tag of {repository}, freeing {frees}: the plan "
                    "is shown; x deletes (you confirm first).",
                    "The rules delete {count} tags of {repository}, freeing {frees}: the plan "
                    "is shown; x deletes (you confirm first).",
                    deleted,
                )
            ).format(count=deleted, repository=choice.repository, frees=frees),
            timeout=8,
            markup=False,  # registry names
        )

    # -- the plan box ---------------------------------------------------------------------

    def plan_text(self) -> Text | None:
        """The plan box in the space view with nothing selected: the picture."""
        if self.report is None:
            return None
        text = Text()
        text.append(
            _("{registry}: {size} held (every blob once)\n\n").format(
                registry=self.report.registry, size=format_size(self.report.total)
            ),
            style="bold",
        )
        text.append_text(picture_text(self.report, 14, compact=True))
        if self.report.warnings:
            text.append("\n")
            for warning in self.report.warnings:
                text.append(f"- {warning}\n", style="muted")
        return text

    def rules_text(self) -> Text | None:
        """The rules' decisions, shown above the plan they made."""
        if self.retention is None:
            return None
        text = retention_text(self.retention)
        text.append("\n")
        return text
