"""The pictures of a build in the HTML lab report: the stage graph and the timing
waterfall as inline SVG, with a text version for the Markdown report.

Every name in them comes from a Dockerfile or a build log: it is written as SVG text,
its control characters as visible escapes (`buildtui.untrusted`) and `<`, `>`, `&` and
quotes escaped, never as markup.
States are words as well as colours, so the pictures read printed in black and white.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, replace

from buildtui import l10n
from buildtui.buildlog.summary import BuildSummary
from buildtui.builds.pictures import graph_text, waterfall_text
from buildtui.builds.stage_graph import MARKS, StageGraph, StageNode, stage_graph
from buildtui.builds.waterfall import Waterfall, native_platform, waterfall
from buildtui.i18n import language_of, speaking
from buildtui.lab.checklist import Translate
from buildtui.untrusted import visible

FILL = {
    "cached": "#d6f5d6",
    "ran": "#e8eefc",
    "missed": "#fde2c8",
    "failed": "#f8d0d0",
    "canceled": "#eeeeee",
    "running": "#fff4c2",
}
NODE_W, NODE_H, GAP_X, GAP_Y = 230, 58, 70, 18
FONT = "font-family='system-ui, sans-serif'"


def text(value: str) -> str:
    """`value` as SVG character data: control characters as visible escapes (`\\x1b`),
    `<>&"'` escaped."""
    return html.escape(visible(value, one_line=True), quote=True)


def _clip(value: str, width: int) -> str:
    return value if len(value) <= width else value[: width - 1] + "…"


def state_words(node: StageNode, _: Translate) -> str:
    if node.state == "missed" and node.miss is not None:
        return _("missed the cache at step {index}").format(index=node.miss.index)
    words = {
        "cached": _("cached"),
        "ran": _("ran"),
        "failed": _("failed"),
        "canceled": _("canceled"),
        "running": _("running"),
    }
    return words.get(node.state, node.state)


def _layers(graph: StageGraph, platform: str | None) -> list[list[str]]:
    """Columns of the platform's graph: images first, then each stage one column right of
    everything it takes from."""
    nodes = [n.name for n in graph.nodes_of(platform)]
    sources: dict[str, set[str]] = {name: set() for name in nodes}
    for edge in graph.edges_of(platform):
        target = edge.target or "(single stage)"
        if target in sources:
            sources[target].add(edge.source)
            if edge.source not in sources:
                sources.setdefault(edge.source, set())
    depth: dict[str, int] = {}

    def level(name: str, seen: frozenset[str]) -> int:
        if name in depth:
            return depth[name]
        parents = [p for p in sources.get(name, set()) if p not in seen]
        value = 1 + max((level(p, seen | {name}) for p in parents), default=-1)
        depth[name] = value
        return value

    for name in sources:
        level(name, frozenset())
    columns: list[list[str]] = [[] for _ in range(max(depth.values(), default=0) + 1)]
    for name in sources:
        columns[depth[name]].append(name)
    return columns


def stage_graph_svg(graph: StageGraph, _: Translate = str) -> str:
    """The graph as one SVG: per platform a band; images, then stages left to right;
    FROM edges solid, COPY --from and mount edges dashed, each stage a box with its
    mark, state, seconds and cached count."""
    parts: list[str] = []
    y0 = 10
    width = 0
    for platform in graph.platforms:
        columns = _layers(graph, platform)
        nodes = {n.name: n for n in graph.nodes_of(platform)}
        band_h = max(len(c) for c in columns) * (NODE_H + GAP_Y) + 30
        parts.append(
            f"<text x='10' y='{y0 + 14}' {FONT} font-size='12' font-weight='bold'>"
            f"{text(platform or _('default platform'))}</text>"
        )
        where: dict[str, tuple[int, int]] = {}
        for col, names in enumerate(columns):
            for row, name in enumerate(names):
                x = 10 + col * (NODE_W + GAP_X)
                y = y0 + 26 + row * (NODE_H + GAP_Y)
                where[name] = (x, y)
                width = max(width, x + NODE_W + 10)
                node = nodes.get(name)
                parts.append(_box(name, node, x, y, _))
        for edge in graph.edges_of(platform):
            target = edge.target or "(single stage)"
            if edge.source not in where or target not in where:
                continue
            (x1, y1), (x2, y2) = where[edge.source], where[target]
            dash = "" if edge.kind == "from" else " stroke-dasharray='5 4'"
            label = "FROM" if edge.kind == "from" else f"COPY --from (step {edge.step})"
            if edge.kind == "mount":
                label = f"RUN --mount (step {edge.step})"
            ax, ay, bx, by = x1 + NODE_W, y1 + NODE_H // 2, x2, y2 + NODE_H // 2
            parts.append(
                f"<path d='M{ax},{ay} C{ax + 30},{ay} {bx - 30},{by} {bx - 6},{by}' fill='none' "
                f"stroke='#555'{dash} marker-end='url(#arrow)'><title>{text(label)}</title></path>"
            )
            if edge.kind != "from":
                parts.append(
                    f"<text x='{(ax + bx) // 2 - 30}' y='{(ay + by) // 2 - 4}' {FONT} "
                    f"font-size='10' fill='#555'>{text(label)}</text>"
                )
        y0 += band_h
    legend = "  ".join(
        f"{MARKS[state]} {words}"
        for state, words in (
            ("cached", _("cached")),
            ("ran", _("ran")),
            ("missed", _("missed the cache first")),
            ("failed", _("failed")),
        )
    )
    parts.append(
        f"<text x='10' y='{y0 + 4}' {FONT} font-size='12' fill='#555'>{text(legend)}</text>"
    )
    parts.append(
        f"<text x='10' y='{y0 + 20}' {FONT} font-size='12' fill='#555'>"
        f"{text(_('solid: FROM; dashed: COPY --from'))}</text>"
    )
    height = y0 + 30
    width = max(width, 420)
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' class='stage-graph' width='{width}' "
        f"height='{height}' viewBox='0 0 {width} {height}' role='img'>"
        f"<title>{text(_('Stage graph'))}</title>"
        "<defs><marker id='arrow' viewBox='0 0 10 10' refX='9' refY='5' markerWidth='7' "
        "markerHeight='7' orient='auto'><path d='M0,0 L10,5 L0,10 z' fill='#555'/></marker>"
        "</defs>" + "".join(parts) + "</svg>"
    )


def _box(name: str, node: StageNode | None, x: int, y: int, _: Translate) -> str:
    if node is None:  # an image the stages start from
        return (
            f"<rect x='{x}' y='{y}' width='{NODE_W}' height='{NODE_H}' rx='6' fill='#fafafa' "
            f"stroke='#999'/><text x='{x + 8}' y='{y + 22}' {FONT} font-size='12'>"
            f"{text(_clip(name, 34))}</text><text x='{x + 8}' y='{y + 40}' {FONT} "
            f"font-size='12' fill='#555'>{text(_('image'))}</text>"
        )
    why = f"<title>{text(node.miss.detail)}</title>" if node.miss is not None else ""
    figures = _("{seconds} s · {cached}/{steps} cached").format(
        seconds=l10n.number(node.seconds, 1), cached=node.cached, steps=node.steps
    )
    return (
        f"<g class='stage {node.state}'>{why}<rect x='{x}' y='{y}' width='{NODE_W}' "
        f"height='{NODE_H}' rx='6' fill='{FILL.get(node.state, '#fff')}' stroke='#333'/>"
        f"<text x='{x + 8}' y='{y + 17}' {FONT} font-size='12' font-weight='bold'>"
        f"{text(_clip(node.name, 30))}</text>"
        f"<text x='{x + 8}' y='{y + 34}' {FONT} font-size='12'>"
        f"{text(node.mark + ' ' + _clip(state_words(node, _), 32))}</text>"
        f"<text x='{x + 8}' y='{y + 50}' {FONT} font-size='12' fill='#555'>"
        f"{text(figures)}</text></g>"
    )


def waterfall_svg(chart: Waterfall, _: Translate = str) -> str:
    """Each platform's steps as bars on one time axis; a cached step is a ✓ mark."""
    label_w, bars_w, row_h = 300, 560, 18
    span = chart.span if chart.span > 0 else 1.0
    scale = bars_w / span
    top = 20
    bottom = top + row_h * (len(chart.platforms) + len(chart.bars)) + 6
    parts: list[str] = []
    for tick in _ticks(span):
        x = label_w + tick * scale
        parts.append(
            f"<line x1='{x:.1f}' y1='{top}' x2='{x:.1f}' y2='{bottom}' stroke='#ddd'/>"
            f"<text x='{x:.1f}' y='{top - 6}' {FONT} font-size='10' fill='#555'>{tick:g} s</text>"
        )
    y = top
    for platform in chart.platforms:
        y += row_h
        parts.append(
            f"<text x='4' y='{y}' {FONT} font-size='12' font-weight='bold'>"
            f"{text(platform or _('default platform'))}</text>"
        )
        for bar in (b for b in chart.bars if b.platform == platform):
            y += row_h
            stage = f"{bar.stage} " if bar.stage else ""
            label = _clip(f"{stage}{bar.index} {bar.instruction}", 44)
            parts.append(f"<text x='14' y='{y}' {FONT} font-size='12'>{text(label)}</text>")
            x = label_w + bar.start * scale
            if bar.status == "cached":
                parts.append(
                    f"<text x='{x:.1f}' y='{y}' {FONT} font-size='12' fill='#1a7f37'>"
                    f"✓ {text(_('CACHED'))}</text>"
                )
                continue
            w = max(2.0, bar.seconds * scale)
            fill = {"error": "#c0392b", "canceled": "#999"}.get(bar.status, "#3b6fd6")
            parts.append(
                f"<rect x='{x:.1f}' y='{y - 11}' width='{w:.1f}' height='12' fill='{fill}'>"
                f"<title>{text(bar.instruction)}: {bar.seconds:.1f} s</title></rect>"
                f"<text x='{x + w + 4:.1f}' y='{y}' {FONT} font-size='10'>"
                f"{bar.seconds:.1f} s{' ERROR' if bar.status == 'error' else ''}</text>"
            )
    height = bottom + 10
    width = label_w + bars_w + 70
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' class='waterfall' width='{width}' "
        f"height='{height}' viewBox='0 0 {width} {height}' role='img'>"
        f"<title>{text(_('Where the time went'))}</title>{''.join(parts)}</svg>"
    )


def _ticks(span: float) -> list[float]:
    for step in (0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600):
        if span / step <= 8:
            return [k * step for k in range(int(span / step) + 1)]
    return [0.0]


def emulation_sentence(chart: Waterfall, _: Translate) -> str | None:
    """How much longer the emulated platform took, in `_`'s language."""
    ratio = chart.emulation
    if ratio is None:
        return None
    with speaking(language_of(_)):  # the build may be another machine's: no "this machine"
        return replace(ratio, native=None).sentence()


@dataclass(frozen=True, slots=True)
class Picture:
    heading: str
    svg: str
    """For the HTML report."""
    lines: tuple[str, ...]
    """The same as text, for the Markdown report."""


def build_pictures(
    summary: BuildSummary, _: Translate = str, native: str | None = None
) -> tuple[list[Picture], str | None]:
    """The stage graph and where the time went of a kept build, and the sentence that
    states how much longer the emulated platform took (None: nothing to compare)."""
    with speaking(language_of(_)):
        return _build_pictures(summary, _, native)


def _build_pictures(
    summary: BuildSummary, _: Translate, native: str | None
) -> tuple[list[Picture], str | None]:
    graph = stage_graph(summary)
    chart = waterfall(summary, native or native_platform())
    pictures = [
        Picture(
            _("Stage graph"), stage_graph_svg(graph, _), tuple(graph_text(graph).plain.splitlines())
        )
    ]
    if chart.bars:
        lines = tuple(waterfall_text(chart, 100).plain.splitlines())
        pictures.append(Picture(_("Where the time went"), waterfall_svg(chart, _), lines))
    return pictures, emulation_sentence(chart, _)
