"""Pure presentation of garbage collection, its accounting, resuming an interrupted one and
verification: text lines (CLI and pane) and JSON documents (`--json`)."""

from __future__ import annotations

from typing import Any

from buildtui.cleanup.accounting import MEASURED_BY, GcAccount, freed_bytes
from buildtui.cleanup.gc import GcPreview, GcResult, ResumeResult
from buildtui.cleanup.verify import VerifyReport
from buildtui.i18n import N_, _, ngettext
from buildtui.registry.present import format_size


def gc_preview_lines(preview: GcPreview) -> list[str]:
    lines = [
        _("Registry container {name} ({image_name}), storage {storage_root}").format(
            name=preview.info.name,
            image_name=preview.info.image_name,
            storage_root=preview.info.storage_root,
        )
        + (
            _(": {size} now").format(size=format_size(preview.kb * 1024))
            if preview.kb is not None
            else ""
        ),
        _("Dry run: {summary}").format(summary=preview.output.summary),
        "",
        _(
            "Garbage collection stops {name} for a few seconds (pushes and pulls fail "
            "meanwhile), runs the collector on its volumes, and starts it again:"
        ).format(name=preview.info.name),
    ]
    lines += [f"  {command}" for command in preview.commands]
    if preview.repositories:
        lines += ["", _("Empty repositories (removed from storage while it is stopped):")]
        lines += [f"  {r.line}" for r in preview.repositories]
    if preview.warnings:
        lines += ["", "Warning:"] + [f"  ! {w}" for w in preview.warnings]
    return lines


def gc_preview_json(preview: GcPreview) -> dict[str, Any]:
    """`gc --dry-run --json`'s document (its `dry_run` member): what the collector would
    delete, the exact commands of the real run, and the repositories it would remove."""
    return {
        "summary": preview.output.summary,
        "blobs": list(preview.output.blobs),
        "kb": preview.kb,
        "commands": list(preview.commands),
        "warnings": list(preview.warnings),
        "repositories": [
            {"name": r.name, "removable": not r.reason, "reason": r.reason}
            for r in preview.repositories
        ],
    }


def gc_warning(preview: GcPreview) -> str:
    """The confirmation's warning before a collection."""
    return _("{name} stops for a few seconds; {value}. Never with -m.").format(
        name=preview.info.name, value=preview.output.summary.split(", ", 1)[-1]
    )


def gc_result_lines(result: GcResult, *, cli: str, with_account: bool = True) -> list[str]:
    """What the collection did, as lines; the command it proposes starts with `cli`
    (`settings.cli_prefix`)."""
    what = _("Dry run") if result.dry_run else _("Garbage collection")
    lines = [
        _("{what} in {name}: {summary}").format(
            what=what, name=result.info.name, summary=result.output.summary
        )
    ]
    freed = freed_bytes(result.kb_before, result.kb_after)
    if result.kb_before is not None and result.kb_after is not None and freed is not None:
        lines.append(
            _("Storage: {size} -> {size2}, {size3} freed ({MEASURED_BY})").format(
                size=format_size(result.kb_before * 1024),
                size2=format_size(result.kb_after * 1024),
                size3=format_size(freed),
                MEASURED_BY=_(MEASURED_BY),
            )
        )
    lines += [f"  {r.line}" for r in result.repositories]
    if result.left_stopped:
        lines.append(
            _(
                "{name} was stopped before and is left stopped: the tags were not "
                "verified. `docker start {name}` starts it (or run `{cli} gc "
                "--start` next time)"
            ).format(name=result.info.name, cli=cli)
        )
    lines += [f"  ! {w}" for w in result.warnings]
    if with_account and result.account is not None and not result.dry_run:
        lines += ["", *gc_account_lines(result.account)]
    return lines


def resume_lines(result: ResumeResult) -> list[str]:
    lines = [
        _("Resumed the interrupted garbage collection of {container}: ").format(
            container=result.container
        )
        + (_("started it again") if result.started else _("it was running"))
    ]
    if result.registry_url:
        lines.append(
            _("  ! the registry answers at {registry_url} now (new host port)").format(
                registry_url=result.registry_url
            )
        )
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


EARLIER_GARBAGE = N_(
    "garbage already in storage before it (earlier deletions, failed or "
    "interrupted pushes, superseded revisions)"
)


def _blobs(count: int) -> str:
    return ngettext("{count} blob", "{count} blobs", count).format(count=count)


def gc_account_lines(account: GcAccount) -> list[str]:
    """Predicted, measured, and where the difference came from."""
    measured = account.measured_bytes
    if account.deletions:
        lines = [
            _("Predicted by the plan ({deletions}): {blobs}, {size}").format(
                deletions="; ".join(account.deletions),
                blobs=_blobs(len(account.predicted)),
                size=format_size(account.predicted_bytes),
            )
        ]
    else:
        lines = [_("Predicted: nothing (no deletion was recorded since the last collection)")]
    lines.append(
        "Measured: "
        + (
            _("{size} freed ({how})").format(size=format_size(measured), how=_(MEASURED_BY))
            if measured is not None
            else _("unknown")
        )
        + _(", {blobs} deleted").format(blobs=_blobs(len(account.planned) + len(account.earlier)))
    )
    lines.append(_("Where it came from:"))
    if account.planned:
        lines.append(
            _("  {blobs}, {size} (about {size2} on disk): freed by this deletion (planned)").format(
                blobs=_blobs(len(account.planned)),
                size=format_size(account.planned_bytes),
                size2=format_size(account.planned_disk_bytes),
            )
        )
    if account.earlier:
        weight = account.earlier_bytes
        size = (
            _(", about {size} on disk").format(size=format_size(weight))
            if weight is not None
            else ""
        )
        lines.append(
            _("  {blobs}{size}: {EARLIER_GARBAGE}").format(
                blobs=_blobs(len(account.earlier)), size=size, EARLIER_GARBAGE=_(EARLIER_GARBAGE)
            )
        )
    if not account.planned and not account.earlier:
        lines.append(_("  no blob was deleted"))
    if account.not_deleted:
        lines.append(
            _(
                "  ! {blobs} the plan predicted, {size}, not deleted: something "
                "references them again (pushed since?), or they were collected already"
            ).format(
                blobs=_blobs(len(account.not_deleted)),
                size=format_size(sum(b.size for b in account.not_deleted)),
            )
        )
    if account.planned and account.earlier:
        lines.append(
            _(
                "  (du counts whole 4 KiB blocks and each blob's directory: on disk a "
                "blob weighs more than its size)"
            )
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


def freed_text(kb_before: int | None, kb_after: int | None) -> str | None:
    """The space freed as `format_size` writes it (`90.1 kB`), or None when not measured."""
    freed = freed_bytes(kb_before, kb_after)
    return None if freed is None else format_size(freed)


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
        "freed_bytes": freed_bytes(result.kb_before, result.kb_after),
        "freed": freed_text(result.kb_before, result.kb_after),
        "freed_measured_by": MEASURED_BY,
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
    lines = [(_("OK: ") if report.ok else _("DAMAGED: ")) + report.summary()]
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
