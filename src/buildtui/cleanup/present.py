"""Pure presentation of clean-up data: the inventory rows, the plan, GC and verification,
as text lines (CLI and pane) and JSON documents (`--json`)."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any

from buildtui.cleanup.accounting import GcAccount
from buildtui.cleanup.collection import ResumeResult
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


KIND_WIDTH = 18
"""The KIND column's width: `index amd64+arm/v7`; longer lists become a count."""


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
    parts = [row_name(row), row.kind]
    if row.digest:
        parts.append(row.digest)
    if row.kind != "error":
        shared = f", {format_size(row.shared)} shared with other tags" if row.shared else ""
        parts.append(format_size(row.size) + shared)
    if row.note:
        parts.append(row.note)
    return " · ".join(parts)


def empty_repository_text(repository: str, cli: str | None) -> str:
    """Why a repository with no tags is still listed, and (on the lab registry, whose
    container `cli` reaches) the command that removes it."""
    text = (
        f"{repository} holds no tags. registry:2 has no API to delete a repository: once its "
        "last tag is gone it stays in the catalog, listed with no tags, until its directory "
        "is removed from the registry's storage."
    )
    if cli is None:
        return text
    name = shlex.quote(repository)
    return (
        f"{text} Its untagged manifests, if any, go with `{cli} rm --untagged {name}` (or its "
        f"row in the Clean-up pane); then `{cli} gc --remove-empty-repo {name}` removes the "
        "directory while the registry is stopped for garbage collection (only when it holds "
        "no tags and no manifests)."
    )


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
        if any(b.what == "cache config" for b in freed):
            shared = sum(b.size for b in stay)
            lines.append(
                f"  A BuildKit cache: deleting it frees only its cache-only bytes "
                f"({format_size(plan.freed_bytes)}); {format_size(shared)} of its blobs "
                "stay, used by the tags listed below."
            )
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
        lines += ["", f"Then reclaim the space ({GC_DOC}):"]
        lines += [f"  {command}" for command in plan.follow_ups]
    return lines


def left_behind_lines(plan: Plan) -> list[str]:
    """After a deletion: what it left for later (untagged manifests, empty repositories)."""
    lines = [
        f"{name}: {len(digests)} manifest(s) left untagged, kept by the collector: select "
        f"the row {name} ({len(digests)} untagged) and delete it, or {plan.cli} rm --untagged "
        f"{shlex.quote(name)}"
        for name, digests in plan.left_untagged.items()
    ]
    lines += [
        f"{name} keeps no tags but stays in the catalog (registry:2 cannot delete a "
        f"repository): {plan.cli} gc --remove-empty-repo {shlex.quote(name)}"
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
    if preview.repositories:
        lines += ["", "Empty repositories (removed from storage while it is stopped):"]
        lines += [f"  {r.line}" for r in preview.repositories]
    if preview.warnings:
        lines += ["", "Warning:"] + [f"  ! {w}" for w in preview.warnings]
    return lines


def gc_result_lines(result: GcResult, *, with_account: bool = True) -> list[str]:
    what = "Dry run" if result.dry_run else "Garbage collection"
    lines = [f"{what} in {result.info.name}: {result.output.summary}"]
    if result.kb_before is not None and result.kb_after is not None:
        lines.append(
            f"Storage: {result.kb_before:,} kB -> {result.kb_after:,} kB "
            f"({result.kb_before - result.kb_after:,} kB freed)"
        )
    lines += [f"  {r.line}" for r in result.repositories]
    if result.left_stopped:
        lines.append(
            f"{result.info.name} was stopped before and is left stopped: the tags were not "
            f"verified. `docker start {result.info.name}` starts it (or run `buildtui gc "
            "--start` next time)"
        )
    lines += [f"  ! {w}" for w in result.warnings]
    if with_account and result.account is not None and not result.dry_run:
        lines += ["", *gc_account_lines(result.account)]
    return lines


def resume_lines(result: ResumeResult) -> list[str]:
    lines = [
        f"Resumed the interrupted garbage collection of {result.container}: "
        + ("started it again" if result.started else "it was running")
    ]
    if result.registry_url:
        lines.append(f"  ! the registry answers at {result.registry_url} now (new host port)")
    if result.note:
        lines.append(result.note)
    return lines


def resume_json(result: ResumeResult) -> dict[str, Any]:
    return {
        "container": result.container,
        "started": result.started,
        "registry_url": result.registry_url,
        "note": result.note,
        "verification": verify_json(result.verification) if result.verification else None,
    }


EARLIER_GARBAGE = (
    "garbage already in storage before it (earlier deletions, failed or interrupted pushes, "
    "superseded revisions)"
)


def _blobs(count: int) -> str:
    return f"{count} blob{'' if count == 1 else 's'}"


def gc_account_lines(account: GcAccount) -> list[str]:
    """Predicted, measured, and where the difference came from."""
    measured = account.measured_bytes
    if account.deletions:
        lines = [
            f"Predicted by the plan ({'; '.join(account.deletions)}): "
            f"{_blobs(len(account.predicted))}, {format_size(account.predicted_bytes)}"
        ]
    else:
        lines = ["Predicted: nothing (no deletion was recorded since the last collection)"]
    lines.append(
        "Measured: "
        + (f"{format_size(measured)} freed on disk (du)" if measured is not None else "unknown")
        + f", {_blobs(len(account.planned) + len(account.earlier))} deleted"
    )
    lines.append("Where it came from:")
    if account.planned:
        lines.append(
            f"  {_blobs(len(account.planned))}, {format_size(account.planned_bytes)} "
            f"(about {format_size(account.planned_disk_bytes)} on disk): freed by this "
            "deletion (planned)"
        )
    if account.earlier:
        weight = account.earlier_bytes
        size = f", about {format_size(weight)} on disk" if weight is not None else ""
        lines.append(f"  {_blobs(len(account.earlier))}{size}: {EARLIER_GARBAGE}")
    if not account.planned and not account.earlier:
        lines.append("  no blob was deleted")
    if account.not_deleted:
        lines.append(
            f"  ! {_blobs(len(account.not_deleted))} the plan predicted, "
            f"{format_size(sum(b.size for b in account.not_deleted))}, not deleted: "
            "something references them again (pushed since?), or they were collected already"
        )
    if account.planned and account.earlier:
        lines.append(
            "  (du counts whole 4 KiB blocks and each blob's directory: on disk a blob "
            "weighs more than its size)"
        )
    return lines


def gc_account_json(account: GcAccount) -> dict[str, Any]:
    return {
        "deletions": list(account.deletions),
        "predicted": {
            "blobs": [b.digest for b in account.predicted],
            "bytes": account.predicted_bytes,
        },
        "measured_bytes": account.measured_bytes,
        "planned": {
            "blobs": [b.digest for b in account.planned],
            "bytes": account.planned_bytes,
            "disk_bytes": account.planned_disk_bytes,
        },
        "earlier_garbage": {
            "blobs": list(account.earlier),
            "disk_bytes": account.earlier_bytes,
        },
        "not_deleted": {
            "blobs": [b.digest for b in account.not_deleted],
            "bytes": sum(b.size for b in account.not_deleted),
        },
    }


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
        "repositories": [
            {"name": r.name, "removed": r.removed, "reason": r.reason} for r in result.repositories
        ],
        "left_stopped": result.left_stopped,
        "registry_url": result.registry_url,
        **({"accounting": gc_account_json(result.account)} if result.account else {}),
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
