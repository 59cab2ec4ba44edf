"""Pure presentation of clean-up data: the inventory rows, the plan, GC and verification,
as text lines (CLI and pane) and JSON documents (`--json`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from buildtui.cleanup.execute import ExecutionReport
from buildtui.cleanup.gc import GcPreview, GcResult
from buildtui.cleanup.graph import RegistryGraph
from buildtui.cleanup.plan import Plan, Selection
from buildtui.cleanup.steps import StepAction
from buildtui.cleanup.verify import VerifyReport
from buildtui.registry.models import Kind
from buildtui.registry.present import format_size, short_digest

GC_DOC = "registry garbage-collect (never -m: it breaks multi-arch images on registry:2)"


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
        return "cache image"
    return node.kind.value


def inventory_rows(graph: RegistryGraph) -> list[InventoryRow]:
    """Every tag with its size and what it shares, then each repository's untagged manifests."""
    uses: dict[str, set[str]] = {}
    sizes = graph.blob_sizes()
    closures: dict[str, set[str]] = {}
    for name, repo in sorted(graph.repositories.items()):
        for tag, digest in repo.tags.items():
            key = f"{name}:{tag}"
            found: set[str] = set()
            for reached in repo.closure([digest]):
                node = repo.manifests.get(reached)
                if node is not None:
                    found.add(node.digest)
                    found.update(b.digest for b in node.blobs)
            closures[key] = found
            for blob in found:
                uses.setdefault(blob, set()).add(key)
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
                    shared=sum(sizes.get(b, 0) for b in mine if len(uses[b]) > 1),
                    digest=digest,
                    note=f"same manifest as {', '.join(same)}" if same else "",
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
                    name=f"({len(untagged)} untagged)",
                    kind="untagged",
                    size=sum(sizes.get(b, 0) for b in own),
                    shared=sum(sizes.get(b, 0) for b in own if b in uses),
                    digest="",
                    note="kept by GC without -m; deleting them is safe",
                )
            )
    return rows


def plan_lines(plan: Plan) -> list[str]:
    """The plan as the CLI prints it and the pane shows it."""
    lines = [f"Plan for {plan.registry}: " + ", ".join(str(s) for s in plan.selections)]
    if plan.refusals:
        lines += ["", "REFUSED (nothing will be sent):"] + [f"  ! {r}" for r in plan.refusals]
    if plan.steps:
        lines += ["", "Goes:"]
        for step in plan.steps:
            tags = f"  (tags: {', '.join(step.removes_tags)})" if step.removes_tags else ""
            lines.append(f"  {step.title}{tags}")
            lines.append(f"      why: {step.why}")
    if plan.collateral_tags:
        lines += ["", "Also removed although not selected:"]
        lines += [f"  ! {t} ({short_digest(t.digest)})" for t in plan.collateral_tags]
    if plan.kept:
        lines += ["", "Stays (a remaining tag needs it):"]
        for kept in plan.kept:
            label = f" ({kept.label})" if kept.label else ""
            lines.append(
                f"  {kept.repository}@{short_digest(kept.digest)}{label}: "
                f"needed by {', '.join(kept.needed_by)}"
            )
    freed, stay = plan.freed_blobs, plan.kept_blobs
    if plan.steps:
        lines += [
            "",
            f"Garbage collection frees {len(freed)} blob(s), {format_size(plan.freed_bytes)}:",
        ]
        lines += [
            f"  {b.what:<19} {short_digest(b.digest)}  {format_size(b.size):>9}" for b in freed
        ]
    if stay:
        lines += ["", f"Blobs that stay ({len(stay)}, {format_size(sum(b.size for b in stay))}):"]
        lines += [
            f"  {b.what:<19} {short_digest(b.digest)}  {format_size(b.size):>9}  "
            f"used by {', '.join(b.kept_by)}"
            for b in stay
        ]
    if plan.warnings:
        lines += ["", "Note:"] + [f"  - {w}" for w in plan.warnings]
    if plan.steps:
        lines += ["", "Requests (in this order, after checking every tag and digest):"]
        lines += [f"  {c}" for c in plan.curl()]
        lines += ["", f"Then reclaim the space: buildtui gc  ({GC_DOC})"]
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


def gc_preview_lines(preview: GcPreview) -> list[str]:
    lines = [
        f"Registry container {preview.info.name} ({preview.info.image_name}), "
        f"storage {preview.info.storage_root}"
        + (f": {preview.kb:,} kB now" if preview.kb is not None else ""),
        f"Dry run: {preview.output.summary}",
        "",
        f"Garbage collection stops {preview.info.name} for a few seconds (pushes and pulls "
        "fail meanwhile), runs the collector on its volumes, and starts it again:",
    ]
    lines += [f"  {command}" for command in preview.commands]
    if preview.warnings:
        lines += ["", "Warning:"] + [f"  ! {w}" for w in preview.warnings]
    return lines


def gc_result_lines(result: GcResult) -> list[str]:
    what = "Dry run" if result.dry_run else "Garbage collection"
    lines = [f"{what} in {result.info.name}: {result.output.summary}"]
    if result.kb_before is not None and result.kb_after is not None:
        lines.append(
            f"Storage: {result.kb_before:,} kB -> {result.kb_after:,} kB "
            f"({result.kb_before - result.kb_after:,} kB freed)"
        )
    lines += [f"  ! {w}" for w in result.warnings]
    return lines


def gc_json(result: GcResult) -> dict[str, Any]:
    counts = result.output.counts
    return {
        "container": result.info.name,
        "dry_run": result.dry_run,
        "blobs_marked": counts.marked if counts else None,
        "blobs_deleted": counts.blobs if counts else None,
        "manifests_deleted": counts.manifests if counts else None,
        "deleted_blobs": list(result.output.blobs),
        "kb_before": result.kb_before,
        "kb_after": result.kb_after,
        "commands": list(result.commands),
        "warnings": list(result.warnings),
    }


def verify_lines(report: VerifyReport) -> list[str]:
    lines = [("OK: " if report.ok else "DAMAGED: ") + report.summary()]
    for check in report.failed:
        lines.append(f"  {check.ref}:")
        lines += [f"    ! {p}" for p in check.problems]
    return lines


def verify_json(report: VerifyReport) -> dict[str, Any]:
    return {
        "ok": report.ok,
        "tags": [
            {
                "tag": str(c.ref),
                "digest": c.digest,
                "checked": c.checked,
                "problems": list(c.problems),
            }
            for c in report.checks
        ],
        "requests": report.requests,
    }
