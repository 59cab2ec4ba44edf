"""The collection's records in its journal, as JSON and back: the container it acted on,
the collector's result, the tags it read and their verification, the error that ended it.
Read by the process that follows or resumes a collection (`detach.py`, `recovery.py`) as
by the one that runs it (`collection.py`)."""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any

from buildtui.cleanup import errors
from buildtui.cleanup.accounting import account_from_json, account_json
from buildtui.cleanup.docker_output import ContainerInfo, parse_gc_output
from buildtui.cleanup.errors import CleanupError
from buildtui.cleanup.gc import GcResult, RepositoryRemoval
from buildtui.cleanup.graph import TagRef
from buildtui.cleanup.verify import TagCheck, VerifyReport
from buildtui.i18n import _


def info_json(info: ContainerInfo) -> dict[str, Any]:
    return asdict(info)


def info_from_json(data: dict[str, Any]) -> ContainerInfo:
    known = {f.name for f in fields(ContainerInfo)}
    values = {key: value for key, value in data.items() if key in known}
    for key in ("mounts", "ports", "host_ports", "bound_ports"):
        values[key] = tuple(values.get(key) or ())
    values["storage_env"] = tuple(tuple(pair) for pair in values.get("storage_env") or ())
    values["port_map"] = tuple(tuple(pair) for pair in values.get("port_map") or ())
    return ContainerInfo(**values)


def verification_json(report: VerifyReport) -> dict[str, Any]:
    return {
        "registry": report.registry,
        "requests": report.requests,
        "checks": [
            {
                "ref": asdict(check.ref),
                "digest": check.digest,
                "checked": check.checked,
                "problems": list(check.problems),
            }
            for check in report.checks
        ],
    }


def verification_from_json(data: dict[str, Any]) -> VerifyReport:
    checks = tuple(
        TagCheck(_tag(c["ref"]), c.get("digest"), int(c["checked"]), tuple(c["problems"]))
        for c in data.get("checks") or ()
    )
    return VerifyReport(str(data.get("registry") or ""), checks, int(data.get("requests") or 0))


def result_json(result: GcResult) -> dict[str, Any]:
    return {
        "info": info_json(result.info),
        "dry_run": result.dry_run,
        "output": result.output.text,
        "kb_before": result.kb_before,
        "kb_after": result.kb_after,
        "commands": list(result.commands),
        "ports_after": list(result.ports_after),
        "warnings": list(result.warnings),
        "repositories": [asdict(r) for r in result.repositories],
        "left_stopped": result.left_stopped,
        "registry_url": result.registry_url,
        "verification": (
            verification_json(result.verification) if result.verification is not None else None
        ),
        "account": account_json(result.account) if result.account is not None else None,
        "started": result.started,
    }


def result_from_json(data: dict[str, Any]) -> GcResult:
    verification = data.get("verification")
    account = data.get("account")
    return GcResult(
        info_from_json(data["info"]),
        bool(data.get("dry_run")),
        parse_gc_output(str(data.get("output") or "")),
        data.get("kb_before"),
        data.get("kb_after"),
        tuple(data.get("commands") or ()),
        tuple(data.get("ports_after") or ()),
        tuple(data.get("warnings") or ()),
        tuple(
            RepositoryRemoval(str(r["name"]), bool(r["removed"]), str(r.get("reason") or ""))
            for r in data.get("repositories") or ()
        ),
        bool(data.get("left_stopped")),
        data.get("registry_url"),
        verification_from_json(verification) if verification else None,
        account_from_json(account) if account else None,
        data.get("started"),
    )


def error_json(error: CleanupError) -> dict[str, Any]:
    return {"type": type(error).__name__, "message": str(error)}


def error_from_json(data: dict[str, Any]) -> CleanupError:
    """The error the collection's process met, as the same class (GcFailed if unknown)."""
    kind = getattr(errors, str(data.get("type")), None)
    message = str(data.get("message") or _("the garbage collection failed"))
    if isinstance(kind, type) and issubclass(kind, CleanupError):
        try:
            return kind(message)
        except TypeError:
            pass
    return errors.GcFailed(message)


def tags_json(tags: list[TagRef]) -> list[dict[str, str]]:
    return [asdict(tag) for tag in tags]


def _tag(data: dict[str, Any]) -> TagRef:
    return TagRef(str(data["repository"]), str(data["tag"]), str(data["digest"]))


def tags_from_json(data: Any) -> list[TagRef]:
    return [_tag(tag) for tag in data or ()]
