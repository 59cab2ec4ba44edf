"""Pure presentation of the builders list: table rows, status styles, details, title,
errors, JSON. What each action on a builder shows is in `buildx.presentation_actions`.

Shared by the Builders pane and `buildtui builders`. The Rich text for the pane and its
screens is styled with semantic names (`"bold error"`, `"success"`, `"muted"` ...), never
colours: the app turns them into its theme's colours (`buildtui.app.theme_styles`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from rich.text import Text

from buildtui.buildx.errors import BuildxError
from buildtui.buildx.models import Builder, BuilderList, Node
from buildtui.i18n import N_, _, language

CURRENT_MARK = "*"
COLUMNS = (
    N_("NAME/NODE"),
    N_("DRIVER/ENDPOINT"),
    N_("STATUS"),
    N_("BUILDKIT"),
    N_("PLATFORMS"),
    N_("LAST ACTIVITY"),
)
"""The table's headings, as `buildx ls` prints them (English: translate with `_`)."""
STATUS_STYLES = {
    "running": "bold success",
    "inactive": "muted",
    "stopped": "warning",
    "starting": "primary",
    "stopping": "primary",
    "error": "bold error",
}
"""A node's status in the table, by semantic style."""
NO_BUILDER = N_("No builder: press n to create one.")


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
    """Absolute and short: `2026-11-27 16:57 UTC` (stable, unlike "5 minutes ago"); in
    Polish a numeric date with dots, `27.11.2026 16:57 UTC`."""
    if moment is None:
        return ""
    if language() == "pl":
        return f"{moment.day}.{moment.month:02d}.{moment.year} {moment:%H:%M %Z}".strip()
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
        base, _unused, variant = name.rpartition("/")
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
    lines: list[tuple[str, str]] = [(_("Builder"), builder.name), (_("Driver"), builder.driver)]
    if builder.current:
        source = listing.current_source if listing else "buildx"
        why = "BUILDX_BUILDER" if source == "BUILDX_BUILDER" else _("`buildx use` / Docker context")
        lines.append((_("In use"), _("yes ({why})").format(why=why)))
    if builder.last_activity:
        lines.append((_("Last activity"), format_activity(builder.last_activity)))
    if builder.dynamic:
        lines.append((_("Dynamic"), _("yes")))
    if builder.error:
        lines.append((_("Error"), builder.error))
    for node in builder.nodes:
        lines.append((_("Node"), node.name))
        lines.append(("  " + _("Endpoint"), node.endpoint))
        lines.append(("  " + _("Status"), node.status))
        if node.error:
            lines.append(("  " + _("Error"), node.error))
        if node.buildkit:
            lines.append(("  BuildKit", node.buildkit))
        if node.platforms:
            platforms = platforms_text(node)
            if any(p.set_by_hand for p in node.platforms):
                platforms = _("{platforms} (* set by hand)").format(platforms=platforms)
            lines.append(("  " + _("Platforms"), platforms))
        if node.flags:
            lines.append(("  " + _("Flags"), " ".join(node.flags)))
        for key, value in sorted(node.driver_options.items()):
            lines.append(("  " + _("Driver option"), f"{key}={value}"))
        for file_name in sorted(node.files):
            lines.append(("  " + _("File"), file_name))
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
    title = Text(_("Builders"), style="bold")
    if listing is not None:
        title.append(f" · {len(listing.builders)}", style="bold")
        if listing.current:
            title.append(" · " + _("in use:") + " ")
            title.append(listing.current, style="bold underline")
            if listing.current_source == "BUILDX_BUILDER":
                title.append(" (BUILDX_BUILDER)")
    if refreshing:
        title.append(" · " + _("refreshing…"), style="italic")
    return title


def error_text(error: BuildxError, *, inline: bool = False, retry: str | None = None) -> Text:
    """What happened (bold, as an error), then what to do: on the next line, or on the
    same one when `inline`; then how to try again, if given."""
    text = Text(_("{what}. ").format(what=error.what) if inline else error.what, style="bold error")
    if error.fix:
        text.append(error.fix if inline else f"\n{error.fix}")
    if retry:
        text.append(f"\n{retry}", style="italic")
    return text


def problem_text(error: BuildxError | None, warning: str | None = None) -> Text | None:
    """The note above the builders list: the error that stops it (with how to try
    again), else the listing's warning; None when there is nothing to say."""
    if error is not None:
        return error_text(error, retry=_("Press r to try again."))
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
