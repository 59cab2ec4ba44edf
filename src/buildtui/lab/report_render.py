"""The report's blocks as Markdown or as one self-contained HTML file.

Everything in a report can come from outside (a registry's answers, a build's log, a
file name): every piece of text is stripped of control characters, and in HTML
escaped, so none of it is markup. The HTML wraps long lines instead of scrolling them
(a command hidden behind a scroll bar is lost on paper) and prints on A4.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from buildtui.buildlog.parser import sanitize
from buildtui.i18n import speaking
from buildtui.lab.report_blocks import Block
from buildtui.lab.report_space import bars_html, bars_markdown

_CACHED = re.compile(r"^#\d+ CACHED\s*$")
_HIGHLIGHTS = (
    (re.compile(r"^#\d+ importing cache manifest"), "import"),
    (re.compile(r"^#\d+ (writing cache manifest|exporting cache to registry)"), "export"),
    (re.compile(r"^#\d+ (pushing manifest for|exporting manifest list)"), "push"),
    (re.compile(r"eligible for deletion|Deleting blob"), "gc"),
)


def clean(text: str) -> str:
    """One line of text without control characters (a newline inside becomes a space)."""
    return sanitize(text.replace("\r\n", " ").replace("\n", " "))


def _fence(lines: Sequence[str]) -> str:
    longest = max((len(run) for line in lines for run in re.findall(r"`+", line)), default=0)
    return "`" * max(3, longest + 1)


def _cell(text: str) -> str:
    return clean(text).replace("\\", "\\\\").replace("|", "\\|")


def render_markdown(blocks: Sequence[Block]) -> str:
    out: list[str] = []
    for block in blocks:
        if block.kind == "heading":
            out += ["#" * block.level + " " + clean(block.lines[0]), ""]
        elif block.kind == "text":
            out += [*(clean(line) for line in block.lines), ""]
        elif block.kind == "bullets":
            out += [f"- {clean(line)}" for line in block.lines] + [""]
        elif block.kind == "checks":
            out += [f"- {clean(m)} {clean(text)}" for m, text in block.rows] + [""]
        elif block.kind == "bars":
            out += bars_markdown(block)
        elif block.kind == "table":
            header, *rows = block.rows
            out.append("| " + " | ".join(_cell(c) for c in header) + " |")
            out.append("|" + "|".join("---" for _c in header) + "|")
            out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
            out.append("")
        else:
            shown = block.lines[1:] if block.kind == "svg" else block.lines  # svg: its text
            lines = [clean(line) for line in shown]
            fence = _fence(lines)
            out += [fence, *lines, fence, ""]
    return "\n".join(out)


CSS = """
body { font-family: system-ui, "DejaVu Sans", sans-serif; max-width: 60rem; margin: 2rem auto;
       padding: 0 1rem; line-height: 1.4; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 1.6rem; }
h3 { font-size: 1.05rem; }
pre, code { font-family: "DejaVu Sans Mono", monospace; font-size: .85rem; }
pre { background: #f4f4f4; padding: .6rem; white-space: pre-wrap; overflow-wrap: anywhere;
      word-break: break-word; overflow: visible; }
table { border-collapse: collapse; width: calc(100% - 2px); font-size: .9rem; }
th, td { border: 1px solid #bbb; padding: .25rem .4rem; text-align: left; vertical-align: top;
         overflow-wrap: anywhere; }
th { background: #eee; white-space: nowrap; }
td.short { white-space: nowrap; }
.done { color: #16621f; font-weight: bold; }
.todo { color: #7a1010; font-weight: bold; }
.cached { background: #d6f5d6; font-weight: bold; }
.import { background: #dde8ff; }
.export { background: #fff1cc; }
.push { background: #efe0ff; }
.gc { background: #ffe3e3; }
@page { size: A4; margin: 15mm; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 10pt; }
  pre { background: none; border: 1px solid #ccc; page-break-inside: auto; }
  h2, h3 { page-break-after: avoid; }
  tr, li { page-break-inside: avoid; }
  .cached, .import, .export, .push, .gc { -webkit-print-color-adjust: exact;
                                          print-color-adjust: exact; }
}
"""


def _e(text: str) -> str:
    return html.escape(clean(text), quote=True)


def _log_line(line: str) -> str:
    text = _e(line)
    if _CACHED.match(line):
        return f'<span class="cached">{text}</span>'
    for pattern, name in _HIGHLIGHTS:
        if pattern.search(line):
            return f'<span class="{name}">{text}</span>'
    return text


def _mark_class(cell: str) -> str:
    return "done" if cell.startswith("✓") else "todo" if cell.startswith(("✗", "!")) else ""


SHORT = 26
"""A table cell this short (a time, an id, a status) is never wrapped."""


def _cell_class(cell: str) -> str:
    names = [name for name in (_mark_class(cell), "short" if len(cell) <= SHORT else "") if name]
    return f' class="{" ".join(names)}"' if names else ""


def render_html(blocks: Sequence[Block], language: str = "en") -> str:
    title = _e(blocks[0].lines[0]) if blocks else "buildtui"
    language = language if language in ("en", "pl") else "en"
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{language}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{title}</title><style>{CSS}</style></head><body>",
    ]
    for block in blocks:
        if block.kind == "heading":
            out.append(f"<h{block.level}>{_e(block.lines[0])}</h{block.level}>")
        elif block.kind == "text":
            out += [f"<p>{_e(line)}</p>" for line in block.lines]
        elif block.kind == "bullets":
            out.append("<ul>" + "".join(f"<li>{_e(i)}</li>" for i in block.lines) + "</ul>")
        elif block.kind == "checks":
            out.append(
                "<ul>"
                + "".join(
                    f'<li><span class="{_mark_class(m)}">{_e(m)}</span> {_e(t)}</li>'
                    for m, t in block.rows
                )
                + "</ul>"
            )
        elif block.kind == "bars":
            out.append(bars_html(block))
        elif block.kind == "table":
            header, *rows = block.rows
            out.append("<table><thead><tr>" + "".join(f"<th>{_e(c)}</th>" for c in header))
            out.append("</tr></thead><tbody>")
            for row in rows:
                cells = "".join(f"<td{_cell_class(c)}>{_e(c)}</td>" for c in row)
                out.append(f"<tr>{cells}</tr>")
            out.append("</tbody></table>")
        elif block.kind == "log":
            out.append("<pre>" + "\n".join(_log_line(line) for line in block.lines) + "</pre>")
        elif block.kind == "svg":  # made by report_pictures, every name in it escaped
            out.append(f"<figure>{block.lines[0]}</figure>")
        else:
            out.append("<pre>" + "\n".join(_e(line) for line in block.lines) + "</pre>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def render(blocks: Sequence[Block], fmt: str, language: str) -> str:
    """The report in `fmt`; what the renderers format (the sizes of a `bars` block) is
    written as `language` writes it."""
    with speaking(language):
        return render_html(blocks, language) if fmt == "html" else render_markdown(blocks)
