"""Pure presentation of builders: table rows, details, what a removal loses, JSON.

Shared by the Builders pane and `buildtui builders`; plain strings, no UI library.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from buildtui.buildx.models import (
    Builder,
    BuilderList,
    DiskUsage,
    Inspection,
    Node,
    PrunePreview,
)
from buildtui.buildx.parsing import human_size

CURRENT_MARK = "*"
COLUMNS = ("NAME/NODE", "DRIVER/ENDPOINT", "STATUS", "BUILDKIT", "PLATFORMS", "LAST ACTIVITY")


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
