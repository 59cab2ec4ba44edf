"""Pure presentation of the pictures of a build: the stage graph and the timing
waterfall as Rich text, for the Build pane (and anything else with a terminal).

Styles are the semantic names of `buildtui.buildlog.presentation` (`cached`, `done`,
`error`, `miss` ...), which the caller maps to its colours. Every state is also a sign
and a word, and every bar a character, so both read without colour. Names come from a
Dockerfile and a build log: they are appended as plain text (never markup), their
control characters as visible escapes (`buildtui.untrusted`).
"""

from __future__ import annotations

import math
import textwrap

from rich.text import Text

from buildtui.buildlog.presentation import SEMANTIC, Styles
from buildtui.builds.stage_graph import (
    LEGEND,
    MARKS,
    GraphEdge,
    StageGraph,
    StageNode,
    roots_and_children,
)
from buildtui.builds.waterfall import Bar, Waterfall
from buildtui.i18n import _
from buildtui.l10n import decimal_mark, number
from buildtui.untrusted import visible

STATE_STYLES = {
    "cached": "cached",
    "ran": "done",
    "missed": "miss",
    "failed": "error",
    "canceled": "canceled",
    "running": "running",
}
BAR = "█"
PARTIAL = " ▏▎▍▌▋▊▉"
"""Eighths of a cell, for a bar's last cell."""
TICKS = (0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600)


def _clean(text: str | None) -> str:
    return visible(text or "", one_line=True)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def platform_name(platform: str | None) -> str:
    return platform or _("default platform")


# -- the stage graph -----------------------------------------------------------------


def graph_legend(styles: Styles = SEMANTIC) -> Text:
    out = Text()
    for state, words in LEGEND:
        out.append(f"{MARKS[state]} {_(words)}", style=styles.get(STATE_STYLES[state], ""))
        out.append("  ")
    out.append("─▶ FROM   ⇠ COPY --from", style=styles.get("dim", ""))
    return out


def graph_text(graph: StageGraph, styles: Styles = SEMANTIC, width: int = 100) -> Text:
    """Each platform's stages as a tree along FROM edges, from the images they start from;
    `COPY --from` and `RUN --mount=from=` edges under the stage that takes them."""
    out = Text()
    if not graph.nodes:
        out.append(_("No stages yet: the graph shows once the build has steps."),
                   style=styles.get("dim", ""))  # fmt: skip
        return out
    out.append_text(graph_legend(styles))
    if not graph.complete:
        out.append(
            "\n"
            + _(
                "The Dockerfile was not recorded with this build: a stage FROM another stage "
                'shows under "{unknown}".'
            ).format(unknown=_("base not known")),
            style=styles.get("dim", ""),
        )
    for platform in graph.platforms:
        out.append(f"\n\n{platform_name(platform)}", style=styles.get("heading", ""))
        roots, children = roots_and_children(graph, platform)
        incoming: dict[str | None, list[GraphEdge]] = {}
        for edge in graph.edges_of(platform):
            if edge.kind != "from":
                incoming.setdefault(edge.target, []).append(edge)
        for root in roots:
            out.append("\n  ")
            out.append(_clean(root) if root else _("base not known"), style=styles.get("dim", ""))
            kids = children.get(root, [])
            for i, node in enumerate(kids):
                last = i == len(kids) - 1
                _node(out, node, children, incoming, "  ", last, styles, set(), width)
    return out


def _node(
    out: Text,
    node: StageNode,
    children: dict[str, list[StageNode]],
    incoming: dict[str | None, list[GraphEdge]],
    prefix: str,
    last: bool,
    styles: Styles,
    seen: set[str],
    width: int,
) -> None:
    out.append(f"\n{prefix}{'└─▶ ' if last else '├─▶ '}")
    out.append(_clean(node.name), style=styles.get("heading", ""))
    out.append("  ")
    out.append(node.state_words(), style=styles.get(STATE_STYLES[node.state], ""))
    out.append(
        " · "
        + _("{seconds}s · {cached}/{steps} cached").format(
            seconds=number(node.seconds, 1), cached=node.cached, steps=node.steps
        ),
        style=styles.get("dim", ""),
    )
    inner = prefix + ("    " if last else "│   ")
    for edge in incoming.get(node.stage, []):
        edge_text = (
            _("copies from {source} (step {step})")
            if edge.kind == "copy"
            else _("mounts {source} (step {step})")
        ).format(source=_clean(edge.source), step=edge.step)
        out.append(f"\n{inner}  ⇠ {edge_text}", style=styles.get("dim", ""))
    if node.miss is not None:
        lines = textwrap.wrap(
            _("why: {detail}").format(detail=_clean(node.miss.detail)),
            width=max(30, width - len(inner) - 6),
            subsequent_indent="     ",
            break_on_hyphens=False,
        )
        for line in lines:
            out.append(f"\n{inner}  {line}", style=styles.get("dim", ""))
    if node.name in seen:
        return
    seen.add(node.name)
    kids = children.get(node.name, [])
    for i, kid in enumerate(kids):
        _node(out, kid, children, incoming, inner, i == len(kids) - 1, styles, seen, width)


# -- the waterfall -------------------------------------------------------------------


def tick_step(span: float, cells: int, min_gap: int = 10) -> float:
    """The smallest round tick interval whose ticks are at least `min_gap` cells apart."""
    if span <= 0 or cells <= 0:
        return 1.0
    for step in TICKS:
        if step / span * cells >= min_gap:
            return float(step)
    return float(TICKS[-1])


def _bar_cells(bar: Bar, scale: float, cells: int) -> tuple[int, str]:
    """(first cell, the bar's characters) for `bar` at `scale` cells a second."""
    start = min(cells - 1, int(bar.start * scale))
    if bar.status == "cached" or bar.seconds <= 0:
        return start, "✓" if bar.status == "cached" else "▏"
    length = bar.seconds * scale
    whole = int(length)
    eighths = round((length - whole) * 8)
    text = BAR * whole + (PARTIAL[eighths] if 0 < eighths < 8 else "")
    if eighths == 8:
        text += BAR
    text = text or "▏"
    return start, text[: max(1, cells - start)]


def bar_label(bar: Bar) -> str:
    stage = f"{bar.stage} " if bar.stage else ""
    return _clean(f"{stage}{bar.index} {bar.instruction}")


def waterfall_text(chart: Waterfall, width: int = 100, styles: Styles = SEMANTIC) -> Text:
    """A time axis, then each platform's steps as bars on it (`█` ran, `✓` from the
    cache, an error's bar in the error style and the word ERROR)."""
    out = Text()
    if not chart.bars:
        out.append(_("No steps yet: the timing shows once the build has steps."),
                   style=styles.get("dim", ""))  # fmt: skip
        return out
    if chart.emulation is not None:
        out.append(chart.emulation.sentence(), style=styles.get("heading", ""))
        out.append("\n")
    if not chart.timed:
        out.append(
            _("This build was kept before step start times were recorded: its bars all start at 0.")
            + "\n",
            style=styles.get("dim", ""),
        )
    label_width = max(20, min(48, width // 3))
    cells = max(10, width - label_width - 20)
    span = chart.span if chart.span > 0 else 1.0
    scale = cells / span
    step = tick_step(span, cells)
    axis = [" "] * (cells + 8)
    for k in range(math.floor(span / step) + 1):
        col = int(k * step * scale)
        mark = f"{decimal_mark(format(k * step, 'g'))}s"
        if col + len(mark) <= len(axis):
            axis[col : col + len(mark)] = mark
    out.append(" " * (label_width + 3) + "".join(axis).rstrip(), style=styles.get("dim", ""))
    for platform in chart.platforms:
        out.append(f"\n{platform_name(platform)}", style=styles.get("heading", ""))
        for bar in (b for b in chart.bars if b.platform == platform):
            out.append("\n  ")
            out.append(f"{_clip(bar_label(bar), label_width):<{label_width}}")
            out.append(" │")
            start, text = _bar_cells(bar, scale, cells)
            style = {
                "cached": "cached",
                "error": "error",
                "canceled": "canceled",
                "running": "running",
            }.get(bar.status, "done")
            out.append(" " * start)
            out.append(text, style=styles.get(style, ""))
            out.append(" " * max(0, cells - start - len(text)))
            out.append("│ ")
            out.append(_status(bar), style=styles.get("dim", ""))
    return out


def _status(bar: Bar) -> str:
    if bar.status == "cached":
        return "CACHED"
    if bar.status == "error":
        return f"ERROR {number(bar.seconds, 1)}s"
    if bar.status == "canceled":
        return _("canceled")
    if bar.status == "running":
        return _("running {seconds}s").format(seconds=number(bar.seconds, 1))
    return f"{number(bar.seconds, 1)}s"
