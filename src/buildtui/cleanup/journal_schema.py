"""What a collection's journal may hold: the type of every field, checked on reading.

A journal is a file in the data dir: a disk fault, a crash on a file system without
ordered writes, or a hand edit can leave anything in it. `journal_problem` says what is
wrong with a document (the first field that does not fit, by its path, e.g.
`settings: a string, not an object`), or None when every known field has its type.
Fields this version does not know are allowed (a newer buildtui may add some).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from buildtui.i18n import N_, _

Check = Callable[[Any, str], str | None]
"""A field's check: the value and its path in, a problem (or None) out."""

VERSION = 1
STATES = ("requested", "running", "done", "failed", "cancelled")
PHASES = (
    "requested", "stopping", "stopped", "collecting", "collected", "starting", "started",
    "waiting", "verifying",
)  # fmt: skip


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return _("an object")
    return type(value).__name__


def _typed(name: str, test: Callable[[Any], bool]) -> Check:
    def check(value: Any, path: str) -> str | None:
        return None if test(value) else f"{path}: {_kind(value)}, not {name}"

    return check


text = _typed(N_("a string"), lambda v: isinstance(v, str))
flag = _typed(N_("a boolean"), lambda v: isinstance(v, bool))
count = _typed(N_("an integer"), lambda v: isinstance(v, int) and not isinstance(v, bool))


def optional(check: Check) -> Check:
    return lambda value, path: None if value is None else check(value, path)


def one_of(*choices: str) -> Check:
    def check(value: Any, path: str) -> str | None:
        problem = text(value, path)
        if problem is None and value not in choices:
            return _("{path}: {value!r} is none of {choices}").format(
                path=path, value=value[:40], choices=", ".join(choices)
            )
        return problem

    return check


def list_of(item: Check) -> Check:
    def check(value: Any, path: str) -> str | None:
        if not isinstance(value, list):
            return _("{path}: {kind}, not a list").format(path=path, kind=_kind(value))
        for index, element in enumerate(value):
            problem = item(element, f"{path}[{index}]")
            if problem is not None:
                return problem
        return None

    return check


def pair(first: Check, second: Check) -> Check:
    def check(value: Any, path: str) -> str | None:
        if not isinstance(value, list) or len(value) != 2:
            return _("{path}: {kind}, not a pair").format(path=path, kind=_kind(value))
        return first(value[0], f"{path}[0]") or second(value[1], f"{path}[1]")

    return check


def obj(fields: Mapping[str, Check], required: tuple[str, ...] = ()) -> Check:
    """An object whose known fields have their types (`required` ones must be there)."""

    def check(value: Any, path: str) -> str | None:
        if not isinstance(value, dict):
            return _("{path}: {kind}, not an object").format(path=path, kind=_kind(value))
        for key in required:
            if key not in value:
                return f"{path}.{key}: missing" if path else f"{key}: missing"
        for key, field_check in fields.items():
            if key in value:
                problem = field_check(value[key], f"{path}.{key}" if path else key)
                if problem is not None:
                    return problem
        return None

    return check


SETTINGS = obj(
    {
        "registry_url": optional(text),
        "registry_container": optional(text),
        "docker_context": optional(text),
        "docker_host": optional(text),
    }
)
TAG = obj({"repository": text, "tag": text, "digest": text}, ("repository", "tag", "digest"))
INFO = obj(
    {
        "name": text, "id": text, "image": text, "image_name": text, "running": flag,
        "auto_remove": flag, "binary": text, "config_path": text, "storage_root": text,
        "mounts": list_of(text), "storage_env": list_of(pair(text, text)),
        "ports": list_of(text), "host_ports": list_of(count), "delete_enabled": flag,
        "port_map": list_of(pair(text, count)), "bound_ports": list_of(count), "ephemeral": flag,
    },
    (
        "name", "id", "image", "image_name", "running", "auto_remove", "binary",
        "config_path", "storage_root", "mounts", "storage_env", "ports", "host_ports",
        "delete_enabled",
    ),
)  # fmt: skip
VERIFICATION = obj(
    {
        "registry": text,
        "requests": count,
        "checks": list_of(
            obj(
                {"ref": TAG, "digest": optional(text), "checked": count, "problems": list_of(text)},
                ("ref", "checked", "problems"),
            )
        ),
    }
)
BLOB = obj({"digest": text, "size": count, "what": text}, ("digest", "size", "what"))
ACCOUNT = obj(
    {
        "deletions": list_of(text), "predicted": list_of(BLOB), "planned": list_of(BLOB),
        "earlier": list_of(text), "not_deleted": list_of(BLOB), "kb_before": optional(count),
        "kb_after": optional(count),
    }
)  # fmt: skip
RESULT = obj(
    {
        "info": INFO, "dry_run": flag, "output": text, "kb_before": optional(count),
        "kb_after": optional(count), "commands": list_of(text), "ports_after": list_of(text),
        "warnings": list_of(text),
        "repositories": list_of(
            obj({"name": text, "removed": flag, "reason": text}, ("name", "removed"))
        ),
        "left_stopped": flag, "registry_url": optional(text),
        "verification": optional(VERIFICATION), "account": optional(ACCOUNT),
    },
    ("info",),
)  # fmt: skip
ERROR = obj({"type": text, "message": text})
JOURNAL = obj(
    {
        "version": count, "container": text, "container_id": text, "engine_id": text,
        "settings": SETTINGS, "state": one_of(*STATES), "phase": one_of(*PHASES),
        "started_at": text, "updated_at": text, "finished_at": text, "pid": optional(count),
        "steps": list_of(obj({"at": text, "what": text}, ("what",))),
        "remove_repositories": list_of(text), "start_stopped": flag, "was_running": flag,
        "info": INFO, "tags": list_of(TAG), "registry_url_after": optional(text),
        "result": RESULT, "error": ERROR, "resumed": flag, "note": text,
        "verification": VERIFICATION,
    },
    ("version", "container", "settings", "state", "phase", "started_at"),
)  # fmt: skip


def journal_problem(document: Any) -> str | None:
    """What is wrong with a journal document, or None when it can be used as it is."""
    problem = JOURNAL(document, "")
    if problem is None and document["version"] != VERSION:
        return _("version {value}, not {VERSION} (another buildtui wrote it)").format(
            value=document["version"], VERSION=VERSION
        )
    return problem
