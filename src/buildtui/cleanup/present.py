"""Pure presentation of clean-up data: the inventory rows and the deletion plan, as text
lines (CLI and pane), table cells and Rich text (pane) and JSON documents (`--json`).

Garbage collection, its accounting and verification are in `present_collection`.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rich.text import Text

from buildtui.cleanup.errors import (
    CleanupError,
    CollectionBusy,
    CollectionInterrupted,
    ContainerNotFound,
    EngineUnavailable,
    RegistryUnavailable,
)
from buildtui.cleanup.execute import ExecutionReport
from buildtui.cleanup.graph import RegistryGraph
from buildtui.cleanup.plan import Plan, Selection
from buildtui.cleanup.steps import StepAction
from buildtui.i18n import N_, _, ngettext
from buildtui.registry.models import Kind
from buildtui.registry.present import format_size, short_digest
from buildtui.untrusted import visible

GC_DOC = N_("registry garbage-collect (never -m: it breaks multi-arch images on registry:2)")

LOSS_STYLE = "bold error"
"""What will be lost, refusals, damage, the selection mark. Styles here are semantic
words (`buildtui.app.theme_styles`): the pane shows them in its theme's colours."""


@dataclass(frozen=True)
class InventoryRow:
    """One selectable line of the Clean-up pane: a tag, or a repository's untagged manifests."""

    key: str
    selection: Selection
    repository: str
    name: str
    kind: str
    size: int
    shared: int
    """Bytes of this row's blobs that other tags use too (they stay when it goes)."""
    digest: str
    note: str = ""


def _kind_label(graph: RegistryGraph, repository: str, digest: str) -> str:
    node = graph.node(repository, digest)
    if node is None:
        return "?"
    if not node.readable:
        return "unreadable"
    if node.kind is Kind.INDEX:
        repo = graph.repositories[repository]
        platforms = [
            repo.manifests[c].label
            for c in node.children
            if c in repo.manifests and repo.manifests[c].kind is Kind.IMAGE
        ]
        return "index " + " + ".join(p for p in platforms if p) if platforms else "index"
    if node.kind is Kind.CACHE:
        return N_("cache image")
    return node.kind.value


def inventory_rows(graph: RegistryGraph) -> list[InventoryRow]:
    """Every tag with its size and what it shares, then each repository's untagged manifests."""
    # How many tags use each manifest and blob (a count, not the tags: 30,000 tags share
    # a base layer), and each tag's own, as a tuple.
    uses: dict[str, int] = {}
    sizes = graph.blob_sizes()
    closures: dict[str, tuple[str, ...]] = {}
    for name, repo in sorted(graph.repositories.items()):
        for tag, digest in repo.tags.items():
            key = f"{name}:{tag}"
            found: set[str] = set()
            for reached in repo.closure([digest]):
                node = repo.manifests.get(reached)
                if node is not None:
                    found.add(node.digest)
                    found.update(b.digest for b in node.blobs)
            closures[key] = tuple(found)
            for blob in found:
                uses[blob] = uses.get(blob, 0) + 1
    rows = []
    for name, repo in sorted(graph.repositories.items()):
        for tag, digest in sorted(repo.tags.items()):
            key = f"{name}:{tag}"
            mine = closures[key]
            same = [t for t in repo.tags_of(digest) if t != tag]
            rows.append(
                InventoryRow(
                    key=key,
                    selection=Selection(name, tag=tag),
                    repository=name,
                    name=tag,
                    kind=_kind_label(graph, name, digest),
                    size=sum(sizes.get(b, 0) for b in mine),
                    shared=sum(sizes.get(b, 0) for b in mine if uses[b] > 1),
                    digest=digest,
                    note=_("same manifest as {same}").format(same=", ".join(same)) if same else "",
                )
            )
        for tag, error in sorted(repo.unreadable_tags.items()):
            rows.append(
                InventoryRow(
                    f"{name}:{tag}",
                    Selection(name, tag=tag),
                    name,
                    tag,
                    "error",
                    0,
                    0,
                    "",
                    note=error,
                )
            )
        untagged = repo.untagged
        if untagged:
            own = {
                d
                for u in repo.closure(untagged)
                if (node := repo.manifests.get(u)) is not None
                for d in (node.digest, *(b.digest for b in node.blobs))
            }
            rows.append(
                InventoryRow(
                    key=f"{name} (untagged)",
                    selection=Selection(name, untagged=True),
                    repository=name,
                    name=_("({count} untagged)").format(count=len(untagged)),
                    kind="untagged",
                    size=sum(sizes.get(b, 0) for b in own),
                    shared=sum(sizes.get(b, 0) for b in own if b in uses),
                    digest="",
                    note=_("kept by GC without -m; deleting them is safe"),
                )
            )
    return rows


KIND_WIDTH = 18
"""The KIND column's width: `index amd64+arm/v7`; longer lists become a count."""


KIND_WORDS = (N_("untagged"), N_("error"), N_("image"), N_("index"), N_("cache image"))
"""The kinds of the clean-up's rows that are words (translated where shown)."""


def kind_text(kind: str) -> str:
    """A row's kind in the current language (`index linux/amd64 + …` keeps its platforms)."""
    if kind.startswith("index "):
        return _("index") + kind[len("index") :]
    return _(kind) if kind in KIND_WORDS else kind


def compact_kind(kind: str) -> str:
    """`index linux/amd64 + linux/arm64` as `index amd64+arm64` (the table's KIND column)."""
    if not kind.startswith("index "):
        return kind
    platforms = kind[len("index ") :].split(" + ")
    if all(p.startswith("linux/") for p in platforms):
        platforms = [p[len("linux/") :] for p in platforms]
    short = "index " + "+".join(platforms)
    return short if len(short) <= KIND_WIDTH else f"index {len(platforms)} platforms"


def row_name(row: InventoryRow) -> str:
    """`repo:tag`, or `repo (N untagged)`: what the pinned name column shows."""
    return (
        f"{row.repository}:{row.name}" if row.kind != "untagged" else f"{row.repository} {row.name}"
    )


def truncate(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def row_detail(row: InventoryRow) -> str:
    """The highlighted row in full (the table's cells are cut to fit): name, kind, digest,
    sizes and note."""
    parts = [row_name(row), kind_text(row.kind)]
    if row.digest:
        parts.append(row.digest)
    if row.kind != "error":
        shared = (
            _(", {size} shared with other tags").format(size=format_size(row.shared))
            if row.shared
            else ""
        )
        parts.append(format_size(row.size) + shared)
    if row.note:
        parts.append(row.note)
    return " · ".join(parts)


def empty_repository_text(repository: str, cli: str | None) -> str:
    """Why a repository with no tags is still listed, and (on the lab registry, whose
    container `cli` reaches) the command that removes it."""
    text = _(
        "{repository} holds no tags. registry:2 has no API to delete a repository: "
        "once its last tag is gone it stays in the catalog, listed with no tags, "
        "until its directory is removed from the registry's storage."
    ).format(repository=repository)
    if cli is None:
        return text
    name = shlex.quote(repository)
    return _(
        "{text} Its untagged manifests, if any, go with `{cli} rm --untagged "
        "{name}` (or its row in the Clean-up pane); then `{cli} gc "
        "--remove-empty-repo {name}` removes the directory while the registry is "
        "stopped for garbage collection (only when it holds no tags and no "
        "manifests)."
    ).format(text=text, cli=cli, name=name)


def plan_lines(plan: Plan) -> list[str]:
    """The plan as the CLI prints it and the pane shows it."""
    lines = [
        _("Plan for {registry}: ").format(registry=plan.registry)
        + ", ".join(str(s) for s in plan.selections)
    ]
    if plan.refusals:
        lines += ["", _("REFUSED (nothing will be sent):")] + [f"  ! {r}" for r in plan.refusals]
    if plan.steps:
        lines += ["", _("Goes:")]
        for step in plan.steps:
            tags = (
                _("  (tags: {removes_tags})").format(removes_tags=", ".join(step.removes_tags))
                if step.removes_tags
                else ""
            )
            lines.append(f"  {step.title}{tags}")
            lines.append(_("      why: {why}").format(why=step.why))
    if plan.collateral_tags:
        lines += ["", _("Also removed although not selected:")]
        lines += [f"  ! {t} ({short_digest(t.digest)})" for t in plan.collateral_tags]
    if plan.kept:
        lines += ["", _("Stays (a remaining tag needs it):")]
        for kept in plan.kept:
            label = _(" ({label})").format(label=kept.label) if kept.label else ""
            lines.append(
                _("  {repository}@{digest}{label}: needed by {needed_by}").format(
                    repository=kept.repository,
                    digest=short_digest(kept.digest),
                    label=label,
                    needed_by=", ".join(kept.needed_by),
                )
            )
    freed, stay = plan.freed_blobs, plan.kept_blobs
    if plan.steps:
        lines += [
            "",
            ngettext(
                "Garbage collection frees {count} blob, {size}:",
                "Garbage collection frees {count} blobs, {size}:",
                len(freed),
            ).format(count=len(freed), size=format_size(plan.freed_bytes)),
        ]
        lines += [
            f"  {b.what:<19} {short_digest(b.digest)}  {format_size(b.size):>9}" for b in freed
        ]
        if any(b.what == "cache config" for b in freed):
            shared = sum(b.size for b in stay)
            lines.append(
                _(
                    "  A BuildKit cache: deleting it frees only its cache-only bytes "
                    "({size}); {size2} of its blobs stay, used by the tags listed "
                    "below."
                ).format(size=format_size(plan.freed_bytes), size2=format_size(shared))
            )
    if stay:
        lines += [
            "",
            _("Blobs that stay ({count}, {size}):").format(
                count=len(stay), size=format_size(sum(b.size for b in stay))
            ),
        ]
        lines += [
            _("  {what:<19} {digest}  {size:>9}  used by {kept_by}").format(
                what=b.what,
                digest=short_digest(b.digest),
                size=format_size(b.size),
                kept_by=", ".join(b.kept_by),
            )
            for b in stay
        ]
    if plan.warnings:
        lines += ["", _("Note:")] + [f"  - {w}" for w in plan.warnings]
    if plan.steps:
        lines += ["", _("Requests (in this order, after checking every tag and digest):")]
        lines += [f"  {c}" for c in plan.curl()]
        lines += ["", _("Then reclaim the space ({GC_DOC}):").format(GC_DOC=_(GC_DOC))]
        lines += [f"  {command}" for command in plan.follow_ups]
    return lines


def left_behind_lines(plan: Plan) -> list[str]:
    """After a deletion: what it left for later (untagged manifests, empty repositories)."""
    lines = [
        ngettext(
            "{name}: {count} manifest left untagged, kept by the collector: select the row "
            "{name} ({count} untagged) and delete it, or {cli} rm --untagged {quote}",
            "{name}: {count} manifests left untagged, kept by the collector: select the row "
            "{name} ({count} untagged) and delete it, or {cli} rm --untagged {quote}",
            len(digests),
        ).format(name=name, count=len(digests), cli=plan.cli, quote=shlex.quote(name))
        for name, digests in plan.left_untagged.items()
    ]
    lines += [
        _(
            "{name} keeps no tags but stays in the catalog (registry:2 cannot delete a "
            "repository): {cli} gc --remove-empty-repo {quote}"
        ).format(name=name, cli=plan.cli, quote=shlex.quote(name))
        for name in plan.emptied
    ]
    return lines


def plan_json(plan: Plan) -> dict[str, Any]:
    return {
        "registry": plan.registry,
        "selections": [str(s) for s in plan.selections],
        "ok": plan.ok,
        "refusals": list(plan.refusals),
        "warnings": list(plan.warnings),
        "steps": [
            {
                "action": step.action.value,
                "repository": step.repository,
                "digest": step.digest,
                "tag": step.tag,
                "removes_tags": list(step.removes_tags),
                "why": step.why,
                "requests": [r.curl(plan.base_url) for r in step.requests],
                **({"keeps": step.kept_digest} if step.action is StepAction.UNTAG else {}),
            }
            for step in plan.steps
        ],
        "removed_tags": [str(t) for t in plan.removed_tags],
        "collateral_tags": [str(t) for t in plan.collateral_tags],
        "kept_manifests": [
            {
                "repository": k.repository,
                "digest": k.digest,
                "label": k.label,
                "needed_by": list(k.needed_by),
            }
            for k in plan.kept
        ],
        "blobs": [
            {
                "digest": b.digest,
                "size": b.size,
                "what": b.what,
                "freed": b.freed,
                "owners": list(b.owners),
                "kept_by": list(b.kept_by),
            }
            for b in plan.blobs
        ],
        "freed_bytes": plan.freed_bytes,
        "repositories_left_without_tags": list(plan.emptied),
        "manifests_left_untagged": {
            name: list(digests) for name, digests in plan.left_untagged.items()
        },
        "follow_up_commands": list(plan.follow_ups),
    }


def execution_json(report: ExecutionReport) -> dict[str, Any]:
    return {
        "complete": report.complete,
        "checks": report.checks,
        "done": [s.title for s in report.done],
        "already_gone": [s.title for s in report.already_gone],
        "failed": report.failed.title if report.failed else None,
        "error": report.error,
        "not_run": [s.title for s in report.not_run],
    }


LOSS = (N_("REFUSED"), "  ! ", N_("Also removed"), N_("DAMAGED"))
HEADINGS = (
    N_("Goes:"),
    N_("Garbage collection frees"),
    N_("Stays"),
    N_("Blobs that stay"),
    N_("Requests"),
    N_("Note:"),
    N_("Last garbage collection:"),
)
"""How the plan's lines start (English: translated where they are matched)."""


def styled(lines: Iterable[str]) -> Text:
    """Lines of this module or `present_collection` as Rich text: what will be lost (or is
    damaged) bold in the error colour, headings bold, the reasons muted."""
    text = Text()
    for line in lines:
        style = ""
        if line.startswith(tuple(_(start) for start in LOSS)):
            style = LOSS_STYLE
        elif line.startswith("OK:"):
            style = "bold success"
        elif line.startswith(tuple(_(start) for start in HEADINGS)):
            style = "bold"
        elif line.startswith("      why:"):
            style = "muted"
        text.append(visible(line) + "\n", style=style)  # a line quotes the registry
    return text


NOTE_WIDTH = 20
"""The NOTE column's width (the full note is in the line under the table)."""
KIND_STYLES = {N_("cache image"): "bold warning", "untagged": "muted", "error": LOSS_STYLE}


def item_cells(row: InventoryRow, chosen: Selection | None) -> tuple[str | Text, ...]:
    """One table row's cells: the mark (● delete, "tag" tag only, "@" the manifest with all
    its tags), name, kind, sizes, note."""
    mark = Text("")
    if chosen is not None:
        symbol = "tag" if chosen.untag_only else "@" if chosen.digest else "●"
        mark = Text(symbol, style=LOSS_STYLE)
    return (
        mark,
        row_name(row),
        Text(kind_text(compact_kind(row.kind)), style=KIND_STYLES.get(row.kind, "")),
        Text(format_size(row.size), justify="right"),
        Text(format_size(row.shared) if row.shared else "-", justify="right"),
        truncate(row.note, NOTE_WIDTH),
    )


def hint_for(error: CleanupError) -> str:
    """What the pane's user does next, under an error."""
    if isinstance(error, CollectionInterrupted):
        return _("Press R to resume it: the registry is started again and every tag verified.")
    if isinstance(error, CollectionBusy):
        return _("Wait until it has finished, then try again.")
    if isinstance(error, RegistryUnavailable):
        return _("Start the registry (or fix the address), then press r to refresh.")
    if isinstance(error, ContainerNotFound | EngineUnavailable):
        return _("Fix that, then press g again.")
    return _("Press r to refresh.")


def error_text(error: CleanupError, what: str = "") -> Text:
    """`what: the error`, then the hint: the pane's message box."""
    text = Text()
    text.append(visible(f"{what}: ") if what else "", style=LOSS_STYLE)
    text.append(visible(str(error)))
    text.append(f"\n{hint_for(error)}", style="italic")
    return text


def plan_subtitle(plan: Plan, *, allow_tag_loss: bool) -> str:
    allow = _(" · other tags may go") if allow_tag_loss else ""
    return ngettext(
        "{count} step · frees {size}{allow}", "{count} steps · frees {size}{allow}", len(plan.steps)
    ).format(count=len(plan.steps), size=format_size(plan.freed_bytes), allow=allow)


def deletion_warning(plan: Plan) -> str:
    """The confirmation's warning: how many manifests go, and every tag that goes with them."""
    lost = [str(t) for t in plan.removed_tags]
    count = len(plan.deleted_manifests)
    warning = ngettext(
        "This deletes {count} manifest.", "This deletes {count} manifests.", count
    ).format(count=count)
    if lost:
        warning += " " + ngettext(
            "It removes the tag {tags}.", "It removes {count} tags: {tags}.", len(lost)
        ).format(count=len(lost), tags=", ".join(lost))
    if plan.collateral_tags:
        warning += _(" Tags you did not select go too: ") + ", ".join(
            str(t) for t in plan.collateral_tags
        )
    return warning
