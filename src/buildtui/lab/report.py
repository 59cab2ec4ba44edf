"""The lab report: each item's status and evidence, from what was recorded, as Markdown or
one self-contained HTML file.

Every line comes from the guide's observations: the builds' commands (`--build-arg`
values masked) and their logs (the `importing cache manifest` lines and the CACHED
steps), the registry's index with its platforms and digest, the cache image's blobs,
the recorded deletions and collections, and every error met with its explanation. An
item not done says so.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from buildtui.build.errors import HistoryError
from buildtui.build.history import BuildEntry
from buildtui.build.options import shown_command
from buildtui.buildlog.explain import explain_texts
from buildtui.lab.guide import (
    Guide,
    Observations,
    Status,
    Translate,
    cache_size_record,
    two_platform_image,
)
from buildtui.registry.present import format_size
from buildtui.registry.scan import ImageReport

FORMATS = ("md", "html")
EXCERPT_LINES = 60

_STEP = re.compile(r"^#(\d+) (\[.*)$")
_CACHED = re.compile(r"^#(\d+) CACHED\s*$")
_IMPORT = re.compile(r"^#(\d+) importing cache manifest")


@dataclass(frozen=True)
class Block:
    kind: str
    """heading, text, bullets, code or log."""
    lines: tuple[str, ...]
    level: int = 2


def log_excerpt(log: str, limit: int = EXCERPT_LINES) -> list[str]:
    """The `importing cache manifest` step with its outcome, and each CACHED step with its
    name, in the log's order."""
    names: dict[str, str] = {}
    importing: set[str] = set()
    out: list[str] = []
    for line in log.splitlines():
        step = _STEP.match(line)
        if step and step.group(1) not in names:
            names[step.group(1)] = line
        imported = _IMPORT.match(line)
        if imported:
            importing.add(imported.group(1))
            out.append(line)
            continue
        number = line.split(" ", 1)[0][1:] if line.startswith("#") else ""
        if number in importing and (" DONE" in line or "ERROR" in line or "CACHED" in line):
            out.append(line)
            continue
        cached = _CACHED.match(line)
        if cached:
            name = names.get(cached.group(1))
            if name and name not in out:
                out.append(name)
            out.append(line)
    if len(out) > limit:
        out = [*out[: limit - 1], f"… ({len(out) - limit + 1} more lines)"]
    return out


def imagetools_listing(report: ImageReport) -> list[str]:
    """Like `docker buildx imagetools inspect`: the index and each platform's manifest."""
    lines = [
        f"Name:      {report.ref}",
        f"MediaType: {report.manifest.media_type}",
        f"Digest:    {report.digest}",
    ]
    if report.children:
        lines += ["", "Manifests:"]
        for child in report.children:
            name = f"{report.registry}/{report.repository}@{child.descriptor.digest}"
            lines.append(f"  Name:      {name}")
            lines.append(f"  MediaType: {child.descriptor.media_type}")
            if child.platform is not None:
                lines.append(f"  Platform:  {child.platform}")
            if child.descriptor.is_attestation:
                lines.append("  Annotations: vnd.docker.reference.type: attestation-manifest")
            lines.append("")
    return lines


def _status(status: Status, _: Translate) -> str:
    return {
        Status.DONE: _("done"),
        Status.ACCEPTED: _("accepted"),
        Status.TODO: _("not done yet"),
        Status.ATTENTION: _("needs attention"),
    }[status]


def build_blocks(
    guide: Guide,
    obs: Observations,
    log_of: Callable[[int], str],
    _: Translate,
    now: float | None = None,
) -> list[Block]:
    stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime(now if now is not None else time.time()))
    blocks = [
        Block("heading", (_("Laboratory 7: report"),), 1),
        Block(
            "bullets",
            (
                _("Made {when} by buildtui").format(when=stamp),
                _("Registry: {host} (container {container})").format(
                    host=obs.registry_host, container=obs.registry_container
                ),
                _("Progress: {progress}").format(progress=guide.progress),
            ),
        ),
    ]
    builds = {b.id: b for b in obs.builds}
    for item in guide.items:
        mark = "✓" if item.status.ticked else ("!" if item.status is Status.ATTENTION else "✗")
        blocks.append(Block("heading", (f"{item.number}. {item.title}",), 2))
        blocks.append(Block("text", (f"{mark} {_('Status')}: {_status(item.status, _)}",)))
        if not item.status.ticked and not item.evidence:
            blocks.append(Block("text", (_("This step is not done yet."),)))
        if item.evidence:
            blocks.append(Block("bullets", item.evidence))
        if item.note:
            blocks.append(Block("text", (item.note,)))
        extra = _item_details(item.key, item.build_ids, obs, builds, log_of, _)
        blocks.extend(extra)
        blocks.append(Block("heading", (_("Commands"),), 3))
        blocks.append(Block("code", item.commands))
    blocks.extend(_errors(obs.builds, _))
    return blocks


def _item_details(
    key: str,
    build_ids: Sequence[int],
    obs: Observations,
    builds: dict[int, BuildEntry],
    log_of: Callable[[int], str],
    _: Translate,
) -> list[Block]:
    blocks: list[Block] = []
    for build_id in build_ids:
        build = builds.get(build_id)
        if build is None:
            continue
        blocks.append(Block("heading", (_("Build {id}").format(id=build.id),), 3))
        blocks.append(Block("code", (shown_command(build.argv),)))
        summary = build.summary
        blocks.append(
            Block(
                "bullets",
                (
                    _("{cached}/{total} steps CACHED").format(
                        cached=summary.cached, total=summary.total
                    ),
                    _("Cache import: {state}").format(state=summary.cache_import),
                    _("Exit code: {code}").format(code=summary.exit_code),
                ),
            )
        )
        try:
            excerpt = log_excerpt(log_of(build.id))
        except HistoryError:
            excerpt = []
        if excerpt:
            blocks.append(Block("log", tuple(excerpt)))
    image = two_platform_image(obs)
    if key == "pushed" and image is not None:
        blocks.append(Block("heading", (_("Manifest as the registry serves it"),), 3))
        blocks.append(Block("code", tuple(imagetools_listing(image))))
    seen = cache_size_record(obs, image, 0.0)
    kept = [r for r in obs.records.cache_sizes if r.registry == obs.registry_host]
    seen = seen or (kept[-1] if kept else None)
    if key == "cache-size" and seen is not None:
        blocks.append(Block("heading", (_("Cache image blobs"),), 3))
        blocks.append(
            Block(
                "code",
                (
                    f"{seen.cache_ref}  {seen.cache_digest}",
                    *(f"  {digest}  {format_size(size):>9}" for digest, size in seen.blobs),
                    f"  {format_size(seen.cache_size):>9}",
                    f"{seen.image_ref}  {seen.image_digest}  {format_size(seen.image_size)}",
                ),
            )
        )
    if key == "bonus":
        host = obs.registry_host
        for deletion in obs.records.deletions:
            if deletion.registry != host:
                continue
            blocks.append(
                Block("heading", (_("Deletion plan: {what}").format(what=deletion.deletion),), 3)
            )
            blocks.append(
                Block(
                    "code",
                    (
                        *deletion.requests,
                        _("Frees {size} of blobs").format(size=format_size(deletion.freed)),
                    ),
                )
            )
        for gc in obs.records.collections:
            if gc.registry != host:
                continue
            blocks.append(
                Block(
                    "heading",
                    (_("Garbage collection of {container}").format(container=gc.container),),
                    3,
                )
            )
            before = "?" if gc.kb_before is None else format_size(gc.kb_before * 1024)
            after = "?" if gc.kb_after is None else format_size(gc.kb_after * 1024)
            blocks.append(
                Block(
                    "bullets",
                    (
                        _("Storage before {before}, after {after}").format(
                            before=before, after=after
                        ),
                        _("{count} tags verified afterwards").format(count=gc.tags_checked),
                    ),
                )
            )
            if gc.log:
                blocks.append(Block("code", gc.log))
    return blocks


def _errors(builds: Sequence[BuildEntry], _: Translate) -> list[Block]:
    blocks: list[Block] = []
    for build in builds:
        texts = list(build.summary.errors)
        if build.summary.cache_import_detail:
            texts.append(f"importing cache: {build.summary.cache_import_detail}")
        if not texts:
            continue
        lines = [f"{_('Build {id}').format(id=build.id)}: {text}" for text in texts]
        for explanation in explain_texts(texts, build.summary.driver):
            lines.append(f"→ {explanation.title}: {explanation.explanation} {explanation.fix}")
        blocks.append(Block("bullets", tuple(lines)))
    if blocks:
        blocks.insert(0, Block("heading", (_("Errors met"),), 2))
    return blocks


def render_markdown(blocks: Sequence[Block]) -> str:
    out: list[str] = []
    for block in blocks:
        if block.kind == "heading":
            out += ["#" * block.level + " " + block.lines[0], ""]
        elif block.kind == "text":
            out += [*block.lines, ""]
        elif block.kind == "bullets":
            out += [f"- {line}" for line in block.lines] + [""]
        else:
            out += ["```", *block.lines, "```", ""]
    return "\n".join(out)


CSS = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
pre { background: #f4f4f4; padding: .6rem; overflow-x: auto; }
.cached { background: #d6f5d6; font-weight: bold; }
.import { background: #dde8ff; }
"""


def render_html(blocks: Sequence[Block], language: str = "en") -> str:
    title = html.escape(blocks[0].lines[0]) if blocks else "buildtui"
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{language}"><head><meta charset="utf-8">',
        f"<title>{title}</title><style>{CSS}</style></head><body>",
    ]
    for block in blocks:
        if block.kind == "heading":
            out.append(f"<h{block.level}>{html.escape(block.lines[0])}</h{block.level}>")
        elif block.kind == "text":
            out += [f"<p>{html.escape(line)}</p>" for line in block.lines]
        elif block.kind == "bullets":
            out.append(
                "<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in block.lines) + "</ul>"
            )
        elif block.kind == "log":
            out.append("<pre>" + "\n".join(_log_line(line) for line in block.lines) + "</pre>")
        else:
            out.append("<pre>" + "\n".join(html.escape(line) for line in block.lines) + "</pre>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def _log_line(line: str) -> str:
    text = html.escape(line)
    if _CACHED.match(line):
        return f'<span class="cached">{text}</span>'
    if _IMPORT.match(line):
        return f'<span class="import">{text}</span>'
    return text


def render(
    guide: Guide,
    obs: Observations,
    log_of: Callable[[int], str],
    *,
    fmt: str = "md",
    language: str = "en",
    _: Translate = str,
    now: float | None = None,
) -> str:
    blocks = build_blocks(guide, obs, log_of, _, now)
    return render_html(blocks, language) if fmt == "html" else render_markdown(blocks)
