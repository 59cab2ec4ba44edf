"""The report's picture of the registry's space: by repository (what deleting it whole
frees, and what it shares) and by kind (images, cache images, attestations, referrers,
untagged revisions), with what deleting each tag frees, largest first.

From the scan the report's observations already hold (no other request): a plan's own
figures (`cleanup.space`), except untagged revisions, which only the registry
container's storage lists (`buildtui registry space` counts them). `space_blocks` gives
the report's blocks; the renderers draw a `bars` block with `bars_markdown` (characters:
`█` frees, `░` shared) and `bars_html` (HTML and CSS bars with the same marks, readable
printed in black and white). Every name is the registry's: stripped of control
characters, and escaped in HTML.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from buildtui.buildlog.parser import sanitize
from buildtui.cleanup.graph import graph_from_scan
from buildtui.cleanup.present_space import FREES, SHARED, bar_cells
from buildtui.cleanup.space import (
    ATTESTATIONS,
    CACHES,
    IMAGES,
    REFERRERS,
    UNTAGGED,
    Bar,
    space_report,
)
from buildtui.lab.checklist import Observations, Translate
from buildtui.lab.report_blocks import Block
from buildtui.registry.present import format_size

TOP = 10
"""Rows of "what deleting each frees" in the report."""
BAR_WIDTH = 24
KIND_NAMES = (IMAGES, CACHES, ATTESTATIONS, REFERRERS, UNTAGGED)


def _kind_label(kind: str, _: Translate) -> str:
    return {
        IMAGES: _("images"),
        CACHES: _("cache images"),
        ATTESTATIONS: _("attestations"),
        REFERRERS: _("referrers (signatures, SBOMs)"),
        UNTAGGED: _("untagged revisions"),
    }.get(kind, kind)


def _row_kind(kind: str, _: Translate) -> str:
    return {
        "image": _("image"),
        "cache image": _("cache image"),
        "attestation": _("attestation"),
        "artifact": _("artifact"),
        "referrer": _("referrer"),
        "orphaned referrer": _("orphaned referrer"),
        "untagged": _("untagged revisions"),
        "unreadable": _("unreadable"),
    }.get(kind, kind)


def _bars(title: str, legend: str, bars: Sequence[Bar], _: Translate) -> Block:
    """A `bars` block: lines (title, legend), rows (label, freeable, shared)."""
    return Block(
        "bars",
        lines=(title, legend, _("{freeable} of {total}")),
        rows=tuple((b.label, str(b.freeable), str(b.shared)) for b in bars),
    )


def space_blocks(obs: Observations, _: Translate) -> list[Block]:
    """The report's section on the registry's space, or none when it was not read."""
    if obs.scan is None:
        return []
    graph = graph_from_scan(obs.scan, f"http://{obs.registry_host}")
    report = space_report(graph)
    if not report.repositories:
        return []
    kinds = [
        Bar(_kind_label(bar.label, _), bar.freeable, bar.shared)
        for bar in report.kinds
        if bar.label != UNTAGGED and bar.total
    ]
    blocks = [
        Block("heading", (_("Where the registry's space goes"),), 2),
        Block(
            "text",
            (
                _(
                    "{host} holds {size} (every blob counted once). What deleting each "
                    "repository or tag frees after a garbage collection is what no remaining "
                    "tag shares; untagged revisions are not counted here (only the registry "
                    "container's storage lists them: buildtui registry space)."
                ).format(host=obs.registry_host, size=format_size(report.total)),
            ),
        ),
        _bars(
            _("By repository"),
            _("█ frees if the repository is deleted whole, ░ shared with other repositories"),
            report.repositories,
            _,
        ),
        _bars(
            _("By kind"),
            _("█ only manifests of this kind hold it, ░ shared with another kind"),
            kinds,
            _,
        ),
    ]
    rows = [r for r in report.rows if r.kind != "repository"][:TOP]
    if rows:
        table: list[tuple[str, ...]] = [(_("Tag"), _("Kind"), _("Frees"), _("Size"))]
        table += [
            (r.label, _row_kind(r.kind, _), format_size(r.frees), format_size(r.size)) for r in rows
        ]
        blocks += [
            Block("heading", (_("What deleting each tag frees, largest first"),), 3),
            Block("table", rows=tuple(table)),
        ]
    return blocks


def _parts(block: Block) -> tuple[list[tuple[str, int, int]], int]:
    bars = []
    for label, freeable, shared in block.rows:
        bars.append((label, int(freeable), int(shared)))
    largest = max((f + s for _label, f, s in bars), default=0)
    return bars, largest


def bars_markdown(block: Block) -> list[str]:
    """The bars as Markdown: a table whose bar column is drawn with `█` and `░`."""
    title, legend, figures = block.lines
    bars, largest = _parts(block)
    out = [f"**{_md(title)}** ({_md(legend)})", "", "| | | |", "|---|---|---|"]
    for label, freeable, shared in bars:
        frees, rest = bar_cells(Bar(label, freeable, shared), largest, BAR_WIDTH)
        text = figures.format(freeable=format_size(freeable), total=format_size(freeable + shared))
        out.append(f"| {_md(label)} | `{frees}{rest or ' '}` | {_md(text)} |")
    return [*out, ""]


def _md(text: str) -> str:
    clean = sanitize(text.replace("\n", " "))
    return clean.replace("\\", "\\\\").replace("|", "\\|").replace("*", "\\*")


BAR_CSS = "display:inline-block;height:.9em;vertical-align:middle;"
PRINT = "-webkit-print-color-adjust:exact;print-color-adjust:exact;"
FREES_CSS = f"{BAR_CSS}{PRINT}background:#9a3412;border:1px solid #000;"
SHARED_CSS = (
    f"{BAR_CSS}{PRINT}background:repeating-linear-gradient(45deg,#777 0 1px,#fff 1px 4px);"
    "border:1px solid #555;"
)


def bars_html(block: Block) -> str:
    """The bars as HTML and CSS: a solid part (frees) and a hatched one (shared), sized
    against the largest, each with its figures in words; `█`/`░` in the legend."""
    title, legend, figures = block.lines
    bars, largest = _parts(block)
    out = [
        f"<p><strong>{_e(title)}</strong> ({_e(legend)})</p>",
        '<table class="bars"><tbody>',
    ]
    for label, freeable, shared in bars:
        total = freeable + shared
        whole = 96 * total / largest if largest else 0
        part = whole * freeable / total if total else 0
        cells = ""
        if freeable:
            cells += f'<span style="{FREES_CSS}width:{max(part, 0.4):.2f}%" title="{FREES}"></span>'
        if shared:
            width = max(whole - part, 0.4)
            cells += f'<span style="{SHARED_CSS}width:{width:.2f}%" title="{SHARED}"></span>'
        text = figures.format(freeable=format_size(freeable), total=format_size(total))
        out.append(
            f'<tr><td class="short">{_e(label)}</td><td style="width:60%">{cells}</td>'
            f'<td class="short">{_e(text)}</td></tr>'
        )
    out.append("</tbody></table>")
    return "\n".join(out)


def _e(text: str) -> str:
    return html.escape(sanitize(text.replace("\n", " ")), quote=True)
