"""Pure presentation of builders: table rows, details, what a removal loses, JSON.

Shared by the Builders pane and `buildtui builders`. The Rich text for the pane and its
screens is styled with semantic names (`"bold error"`, `"success"`, `"muted"` ...), never
colours: the app turns them into its theme's colours (`buildtui.app.theme_styles`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from rich.text import Text

from buildtui.buildx.commands import CreatePlan
from buildtui.buildx.errors import BootstrapCancelled, BuildxError
from buildtui.buildx.models import (
    Builder,
    BuilderList,
    CacheRecord,
    DiskUsage,
    Inspection,
    Node,
    PrunePreview,
)
from buildtui.buildx.parsing import human_size

CURRENT_MARK = "*"
COLUMNS = ("NAME/NODE", "DRIVER/ENDPOINT", "STATUS", "BUILDKIT", "PLATFORMS", "LAST ACTIVITY")
RECORD_COLUMNS = ("ID", "RECLAIMABLE", "SIZE", "LAST ACCESSED", "TYPE", "DESCRIPTION")
STATUS_STYLES = {
    "running": "bold success",
    "inactive": "muted",
    "stopped": "warning",
    "starting": "primary",
    "stopping": "primary",
    "error": "bold error",
}
"""A node's status in the table, by semantic style."""
NO_BUILDER = "No builder: press n to create one."


@dataclass(frozen=True)
class Row:
    """One line of the builders table: a builder, or one of its nodes under it."""

    key: str
    kind: Literal["builder", "node"]
    builder: str
    node: str | None
    cells: tuple[str, str, str, str, str, str]
    status: str
    current: bool = False
    error: str | None = None


def format_activity(moment: datetime | None) -> str:
    """Absolute and short: `2026-11-27 16:57 UTC` (stable, unlike "5 minutes ago")."""
    if moment is None:
        return ""
    return moment.strftime("%Y-%m-%d %H:%M %Z").strip()


def platforms_text(node: Node) -> str:
    return ", ".join(str(p) for p in node.platforms)


ENDPOINT_WIDTH = 16
"""The table's endpoint column at most (the details under the table show it whole), so
that the platforms stay in view at 100 columns."""


def clipped(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def platforms_short(node: Node) -> str:
    """The platforms with an architecture's variants folded into it, for the table:
    `linux/amd64 (+v2 v3 v4), linux/arm64`, so that arm64 stays in view at 100 columns
    (the details below the table list them all)."""
    names = [str(p) for p in node.platforms]
    folded: dict[str, list[str]] = {}
    for name in names:
        base, _, variant = name.rpartition("/")
        if name.count("/") >= 2 and base in names:
            folded.setdefault(base, []).append(variant)
        else:
            folded.setdefault(name, [])
    return ", ".join(
        f"{name} (+{' '.join(variants)})" if variants else name for name, variants in folded.items()
    )


def builder_rows(listing: BuilderList) -> list[Row]:
    """Builders and their nodes, as `buildx ls` shows them; errors in place of platforms."""
    rows: list[Row] = []
    for builder in listing.builders:
        name = builder.name + (CURRENT_MARK if builder.current else "")
        rows.append(
            Row(
                key=f"b:{builder.name}",
                kind="builder",
                builder=builder.name,
                node=None,
                cells=(
                    name,
                    builder.driver or "?",
                    builder.status if builder.error else "",
                    "",
                    builder.error or "",
                    format_activity(builder.last_activity),
                ),
                status=builder.status,
                current=builder.current,
                error=builder.error,
            )
        )
        for node in builder.nodes:
            rows.append(
                Row(
                    key=f"n:{builder.name}/{node.name}",
                    kind="node",
                    builder=builder.name,
                    node=node.name,
                    cells=(
                        f" └ {node.name}",
                        clipped(node.endpoint, ENDPOINT_WIDTH),
                        node.status,
                        node.buildkit,
                        node.error or platforms_short(node),
                        "",
                    ),
                    status=node.status,
                    error=node.error,
                )
            )
    return rows


def builder_details(builder: Builder, listing: BuilderList | None = None) -> list[tuple[str, str]]:
    """Everything `buildx ls` knows about one builder, as label/value lines."""
    lines: list[tuple[str, str]] = [("Builder", builder.name), ("Driver", builder.driver)]
    if builder.current:
        source = listing.current_source if listing else "buildx"
        why = "BUILDX_BUILDER" if source == "BUILDX_BUILDER" else "`buildx use` / Docker context"
        lines.append(("In use", f"yes ({why})"))
    if builder.last_activity:
        lines.append(("Last activity", format_activity(builder.last_activity)))
    if builder.dynamic:
        lines.append(("Dynamic", "yes"))
    if builder.error:
        lines.append(("Error", builder.error))
    for node in builder.nodes:
        lines.append(("Node", node.name))
        lines.append(("  Endpoint", node.endpoint))
        lines.append(("  Status", node.status))
        if node.error:
            lines.append(("  Error", node.error))
        if node.buildkit:
            lines.append(("  BuildKit", node.buildkit))
        if node.platforms:
            hand = " (* set by hand)" if any(p.set_by_hand for p in node.platforms) else ""
            lines.append(("  Platforms", platforms_text(node) + hand))
        if node.flags:
            lines.append(("  Flags", " ".join(node.flags)))
        for key, value in sorted(node.driver_options.items()):
            lines.append(("  Driver option", f"{key}={value}"))
        for file_name in sorted(node.files):
            lines.append(("  File", file_name))
    return lines


def row_cells(row: Row) -> tuple[str | Text, ...]:
    """A table row's cells: the builder in bold, the one in use reversed, the status by
    its style, an error in place of the platforms."""
    name, driver, status, buildkit, platforms, activity = row.cells
    name_cell = Text(name, style="bold" if row.kind == "builder" else "")
    if row.current:
        name_cell.stylize("bold reverse")
    status_cell = Text(status, style=STATUS_STYLES.get(status, ""))
    platforms_cell = Text(platforms, style="error" if row.error else "")
    return (name_cell, driver, status_cell, buildkit, platforms_cell, activity)


def title_text(listing: BuilderList | None, refreshing: bool) -> Text:
    """`Builders · 4 · in use: lab7 (BUILDX_BUILDER) · refreshing…`"""
    title = Text("Builders", style="bold")
    if listing is not None:
        title.append(f" · {len(listing.builders)}", style="bold")
        if listing.current:
            title.append(" · in use: ")
            title.append(listing.current, style="bold underline")
            if listing.current_source == "BUILDX_BUILDER":
                title.append(" (BUILDX_BUILDER)")
    if refreshing:
        title.append(" · refreshing…", style="italic")
    return title


def error_text(error: BuildxError, *, inline: bool = False, retry: str | None = None) -> Text:
    """What happened (bold, as an error), then what to do: on the next line, or on the
    same one when `inline`; then how to try again, if given."""
    text = Text(f"{error.what}. " if inline else error.what, style="bold error")
    if error.fix:
        text.append(error.fix if inline else f"\n{error.fix}")
    if retry:
        text.append(f"\n{retry}", style="italic")
    return text


def problem_text(error: BuildxError | None, warning: str | None = None) -> Text | None:
    """The note above the builders list: the error that stops it (with how to try
    again), else the listing's warning; None when there is nothing to say."""
    if error is not None:
        return error_text(error, retry="Press r to try again.")
    if warning:
        return Text(warning, style="bold warning")
    return None


def details_text(builder: Builder, listing: BuilderList | None = None) -> Text:
    """`builder_details` as label/value lines, labels in bold."""
    text = Text()
    for label, value in builder_details(builder, listing):
        text.append(f"{label}: " if value else label, style="bold")
        text.append(f"{value}\n" if value else "\n")
    text.rstrip()
    return text


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
        outcome.append(f"{builder} is up", style="bold success")
        outcome.append(f" ({statuses})")
    elif error is not None:
        cancelled = isinstance(error, BootstrapCancelled)
        outcome.append(error.what, style="bold warning" if cancelled else "bold error")
        outcome.append(f"\n{error.fix}")
    return outcome


def command_text(command: str) -> Text:
    """`$ docker buildx ...`: the exact command, the prompt muted."""
    text = Text("$ ", style="muted")
    text.append(command, style="bold")
    return text


def create_note_text(plan: CreatePlan) -> Text:
    """The buildkitd.toml a create writes first, if any."""
    note = Text()
    if plan.config_path is not None:
        note.append(f"Writes {plan.config_path} first:\n", style="italic")
        note.append((plan.config_text or "").rstrip())
    return note


def created_text(plan: CreatePlan, name: str) -> str:
    """What a `buildx create` did, said once it has: a builder created, a node added or
    removed."""
    if plan.options.mode == "leave":
        return f"Node {plan.options.node} removed from {name}"
    if plan.options.mode == "append":
        return f"Node added to {name}"
    return f"Builder {name} created" + (" and in use" if plan.options.use else "")


def leave_losses(builder: str, node: str, found: Builder | None) -> list[str]:
    """What removing a node (`buildx create --leave`) takes away."""
    lost = [f"node {node} of builder {builder}"]
    if found is not None and found.driver == "docker-container":
        lost.append(f"the node's container buildx_buildkit_{node} and its build cache")
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
    lost = [f"builder {builder.name!r} and its settings (nodes, flags, driver options)"]
    kept: list[str] = []
    for node in builder.nodes:
        if builder.driver == "docker-container":
            if keep_daemon:
                kept.append(f"container {node.container}, still running (--keep-daemon)")
            else:
                lost.append(f"container {node.container} (its BuildKit daemon)")
            if keep_state or keep_daemon:
                kept.append(f"volume {node.state_volume} with its build cache (--keep-state)")
            else:
                lost.append(f"volume {node.state_volume}: all of its build cache")
        elif builder.driver == "kubernetes":
            if keep_daemon:
                kept.append(f"BuildKit deployment {node.name} in the cluster (--keep-daemon)")
            else:
                lost.append(f"BuildKit deployment {node.name} in the cluster")
        elif builder.driver == "remote":
            kept.append(f"the BuildKit daemon at {node.endpoint} (buildx did not start it)")
    if builder.current:
        lost.append("its place as the builder in use: buildx goes back to the context's builder")
    return RemovalPlan(tuple(lost), tuple(kept))


def preview_lines(preview: PrunePreview) -> list[str]:
    """What a prune will remove: one line per record, then the total."""
    lines = [
        f"{r.id}  {r.size:>9}  {r.last_accessed or '-':<20}  {r.description or r.record_type}"
        for r in preview.records
    ]
    about = "about " if preview.estimate else ""
    lines.append(
        f"{len(preview.records)} record(s), {about}{human_size(preview.total_bytes)} "
        f"from builder {preview.builder or '(in use)'}"
    )
    return lines


def record_cells(record: CacheRecord) -> tuple[str, ...]:
    """A record as `buildx du` marks it: `*` after a mutable ID, after a shared size."""
    return (
        record.id + ("*" if record.mutable else ""),
        "true" if record.reclaimable else "false",
        record.size + ("*" if record.shared else ""),
        record.last_accessed,
        record.record_type,
        record.description,
    )


def totals_text(usage: DiskUsage) -> Text:
    """`buildx du`'s totals on one line, with how to read its marks."""
    text = Text()
    if usage.shared is not None:
        text.append("Shared: ", style="bold")
        text.append(f"{usage.shared}   ")
        text.append("Private: ", style="bold")
        text.append(f"{usage.private}   ")
    text.append("Reclaimable: ", style="bold")
    text.append(f"{usage.reclaimable}   ")
    text.append("Total: ", style="bold")
    text.append(usage.total)
    text.append(f"   ({len(usage.records)} records; * after an ID: mutable, after a size: shared)")
    return text


def prune_summary_text(preview: PrunePreview) -> Text:
    """What a prune takes, under its list of records."""
    if not preview.records and not preview.estimate:
        return Text("Nothing to prune with these options.", style="italic")
    about = "about " if preview.estimate else ""
    text = Text(
        f"{len(preview.records)} record(s), {about}{human_size(preview.total_bytes)} "
        f"of build cache go.",
        style="bold",
    )
    if preview.estimate:
        text.append(
            " With until/keep-storage BuildKit makes the final choice: this is what du suggests.",
            style="italic",
        )
    return text


def builder_json(builder: Builder) -> dict[str, Any]:
    """`buildtui builders list --json`, per builder."""
    return {
        "name": builder.name,
        "driver": builder.driver,
        "current": builder.current,
        "last_activity": builder.last_activity.isoformat() if builder.last_activity else None,
        "error": builder.error,
        "nodes": [
            {
                "name": node.name,
                "endpoint": node.endpoint,
                "status": node.status,
                "buildkit": node.buildkit or None,
                "platforms": list(node.platform_names),
                "platforms_set_by_hand": [p.name for p in node.platforms if p.set_by_hand],
                "flags": list(node.flags),
                "driver_options": dict(node.driver_options),
                "error": node.error,
            }
            for node in builder.nodes
        ],
    }


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
