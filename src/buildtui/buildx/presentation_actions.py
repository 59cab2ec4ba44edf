"""Pure presentation of what each action on a builder shows: inspect, bootstrap, create,
remove a node or a builder, disk usage, prune.

Shared by the Builders pane's screens and `buildtui builders`. Rich text is styled with
semantic names (`"bold error"`, `"success"`, `"muted"` ...), never colours: the app turns
them into its theme's colours (`buildtui.app.theme_styles`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text

from buildtui.buildx.commands import CreatePlan
from buildtui.buildx.errors import BUILDKIT_IMAGE, BootstrapCancelled, BuildxError
from buildtui.buildx.models import (
    Builder,
    CacheRecord,
    DiskUsage,
    Inspection,
    PrunePreview,
)
from buildtui.buildx.parsing import human_size
from buildtui.i18n import N_, _, ngettext
from buildtui.l10n import decimal_mark

RECORD_COLUMNS = (
    N_("ID"),
    N_("RECLAIMABLE"),
    N_("SIZE"),
    N_("LAST ACCESSED"),
    N_("TYPE"),
    N_("DESCRIPTION"),
)
"""`buildx du`'s headings (English: translate with `_`)."""


def inspection_lines(inspection: Inspection) -> list[tuple[str, str]]:
    """`buildx inspect` as label/value lines, sections indented, in buildx's order."""
    lines = list(inspection.fields)
    for node in inspection.nodes:
        lines.append(("", ""))
        lines.extend(node.fields)
        for section in node.sections:
            lines.append((section.title, ""))
            for key, value in section.entries:
                lines.append((f"  {key}" if key else "  >", value))
    return lines


def inspection_text(inspection: Inspection) -> Text:
    """`inspection_lines` aligned in two columns, section titles in bold."""
    lines = inspection_lines(inspection)
    width = max((len(key) for key, value in lines if value), default=0) + 2
    text = Text()
    for key, value in lines:
        if not key and not value:
            text.append("\n")
            continue
        if value:
            text.append(f"{key + ':':<{width}}", style="bold")
            text.append(f"{value}\n")
        else:
            text.append(f"{key}{'' if key.endswith('>') else ':'}\n", style="bold")
    text.rstrip()
    return text


def bootstrap_text(builder: str, inspection: Inspection | None, error: BuildxError | None) -> Text:
    """How a bootstrap ended: up with each node's status, cancelled, or failed."""
    outcome = Text()
    if error is None and inspection is not None:
        statuses = ", ".join(f"{node.name}: {node.get('Status')}" for node in inspection.nodes)
        outcome.append(_("{builder} is up").format(builder=builder), style="bold success")
        outcome.append(f" ({statuses})")
    elif error is not None:
        cancelled = isinstance(error, BootstrapCancelled)
        outcome.append(error.what, style="bold warning" if cancelled else "bold error")
        outcome.append(f"\n{error.fix}")
    return outcome


def not_running_warning(builder: Builder) -> str | None:
    """What switching to `builder` would leave the builds to: None when it runs (the
    docker driver's always does); else that it is not running (inactive, stopped, or a
    start that failed) and what its first build would then do."""
    if builder.driver == "docker" or builder.status == "running":
        return None
    reason = builder.error or next((node.error for node in builder.nodes if node.error), None)
    state = (
        _("{status}: {reason}").format(status=builder.status, reason=reason)
        if reason
        else builder.status
    )
    if builder.driver == "docker-container":
        consequence = _(
            "Every build on it starts it first, and fails if it cannot start, e.g. "
            "when its BuildKit image {BUILDKIT_IMAGE} cannot be pulled."
        ).format(BUILDKIT_IMAGE=BUILDKIT_IMAGE)
    else:
        consequence = _("Every build on it fails until its BuildKit answers.")
    return _("{name} is not running ({state}). {consequence}").format(
        name=builder.name, state=state, consequence=consequence
    )


def command_text(command: str) -> Text:
    """`$ docker buildx ...`: the exact command, the prompt muted."""
    text = Text("$ ", style="muted")
    text.append(command, style="bold")
    return text


def create_note_text(plan: CreatePlan) -> Text:
    """The buildkitd.toml a create writes first, if any."""
    note = Text()
    if plan.config_path is not None:
        note.append(
            _("Writes {config_path} first:\n").format(config_path=plan.config_path), style="italic"
        )
        note.append((plan.config_text or "").rstrip())
    return note


def created_text(plan: CreatePlan, name: str) -> str:
    """What a `buildx create` did, said once it has: a builder created, a node added or
    removed."""
    if plan.options.mode == "leave":
        return _("Node {node} removed from {name}").format(node=plan.options.node, name=name)
    if plan.options.mode == "append":
        return _("Node added to {name}").format(name=name)
    if plan.options.use:
        return _("Builder {name} created and in use").format(name=name)
    return _("Builder {name} created").format(name=name)


def leave_losses(builder: str, node: str, found: Builder | None) -> list[str]:
    """What removing a node (`buildx create --leave`) takes away."""
    lost = [_("node {node} of builder {builder}").format(node=node, builder=builder)]
    if found is not None and found.driver == "docker-container":
        lost.append(
            _("the node's container buildx_buildkit_{node} and its build cache").format(node=node)
        )
    return lost


@dataclass(frozen=True)
class RemovalPlan:
    """What `buildx rm` takes away and what it leaves, in the user's words."""

    lost: tuple[str, ...]
    kept: tuple[str, ...]


def removal_plan(
    builder: Builder,
    *,
    keep_state: bool = False,
    keep_daemon: bool = False,
) -> RemovalPlan:
    lost = [
        _("builder {name!r} and its settings (nodes, flags, driver options)").format(
            name=builder.name
        )
    ]
    kept: list[str] = []
    for node in builder.nodes:
        if builder.driver == "docker-container":
            if keep_daemon:
                kept.append(
                    _("container {container}, still running (--keep-daemon)").format(
                        container=node.container
                    )
                )
            else:
                lost.append(
                    _("container {container} (its BuildKit daemon)").format(
                        container=node.container
                    )
                )
            if keep_state or keep_daemon:
                kept.append(
                    _("volume {state_volume} with its build cache (--keep-state)").format(
                        state_volume=node.state_volume
                    )
                )
            else:
                lost.append(
                    _("volume {state_volume}: all of its build cache").format(
                        state_volume=node.state_volume
                    )
                )
        elif builder.driver == "kubernetes":
            if keep_daemon:
                kept.append(
                    _("BuildKit deployment {name} in the cluster (--keep-daemon)").format(
                        name=node.name
                    )
                )
            else:
                lost.append(_("BuildKit deployment {name} in the cluster").format(name=node.name))
        elif builder.driver == "remote":
            kept.append(
                _("the BuildKit daemon at {endpoint} (buildx did not start it)").format(
                    endpoint=node.endpoint
                )
            )
    if builder.current:
        lost.append(_("its place as the builder in use: buildx goes back to the context's builder"))
    return RemovalPlan(tuple(lost), tuple(kept))


def preview_lines(preview: PrunePreview) -> list[str]:
    """What a prune will remove: one line per record, then the total."""
    lines = [
        f"{r.id}  {r.size:>9}  {r.last_accessed or '-':<20}  {r.description or r.record_type}"
        for r in preview.records
    ]
    lines.append(
        (
            ngettext(
                "{count} record, about {size} from builder {builder}",
                "{count} records, about {size} from builder {builder}",
                len(preview.records),
            )
            if preview.estimate
            else ngettext(
                "{count} record, {size} from builder {builder}",
                "{count} records, {size} from builder {builder}",
                len(preview.records),
            )
        ).format(
            count=len(preview.records),
            size=human_size(preview.total_bytes),
            builder=preview.builder or _("(in use)"),
        )
    )
    return lines


def record_cells(record: CacheRecord) -> tuple[str, ...]:
    """A record as `buildx du` marks it: `*` after a mutable ID, after a shared size."""
    return (
        record.id + ("*" if record.mutable else ""),
        "true" if record.reclaimable else "false",
        decimal_mark(record.size) + ("*" if record.shared else ""),
        record.last_accessed,
        record.record_type,
        record.description,
    )


def totals_text(usage: DiskUsage) -> Text:
    """`buildx du`'s totals on one line, with how to read its marks."""
    text = Text()
    if usage.shared is not None:
        text.append(_("Shared:") + " ", style="bold")
        text.append(f"{decimal_mark(usage.shared or '')}   ")
        text.append(_("Private:") + " ", style="bold")
        text.append(f"{decimal_mark(usage.private or '')}   ")
    text.append(_("Reclaimable:") + " ", style="bold")
    text.append(f"{decimal_mark(usage.reclaimable)}   ")
    text.append(_("Total:") + " ", style="bold")
    text.append(decimal_mark(usage.total))
    text.append(
        "   "
        + ngettext(
            "({count} records; * after an ID: mutable, after a size: shared)",
            "({count} records; * after an ID: mutable, after a size: shared)",
            len(usage.records),
        ).format(count=len(usage.records))
    )
    return text


def prune_summary_text(preview: PrunePreview) -> Text:
    """What a prune takes, under its list of records."""
    if not preview.records and not preview.estimate:
        return Text(_("Nothing to prune with these options."), style="italic")
    count = len(preview.records)
    text = Text(
        (
            ngettext(
                "{count} record, about {size} of build cache go.",
                "{count} records, about {size} of build cache go.",
                count,
            )
            if preview.estimate
            else ngettext(
                "{count} record, {size} of build cache go.",
                "{count} records, {size} of build cache go.",
                count,
            )
        ).format(count=count, size=human_size(preview.total_bytes)),
        style="bold",
    )
    if preview.estimate:
        text.append(
            " "
            + _(
                "With until/keep-storage BuildKit makes the final choice: this is what du suggests."
            ),
            style="italic",
        )
    return text


def usage_json(usage: DiskUsage) -> dict[str, Any]:
    return {
        "records": [
            {
                "id": r.id,
                "reclaimable": r.reclaimable,
                "size": r.size,
                "size_bytes": r.size_bytes,
                "last_accessed": r.last_accessed,
                "mutable": r.mutable,
                "shared": r.shared,
                "type": r.record_type or None,
                "description": r.description or None,
            }
            for r in usage.records
        ],
        "shared": usage.shared,
        "private": usage.private,
        "reclaimable": usage.reclaimable,
        "total": usage.total,
    }
