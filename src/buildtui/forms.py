"""The forms' last values, kept across restarts (the Build form, the builder create form).

One JSON file per form in the data dir (`forms/NAME.json`). A form can hold
`--build-arg` values (tokens, passwords), so the folder is the owner's only (0700) and
so is each file (0600), as with the build history. A file that cannot be read is
ignored: the form then starts empty, as on a first start.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import asdict, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from buildtui.private_files import write_private
from buildtui.settings import data_dir
from buildtui.untrusted import is_safe

if TYPE_CHECKING:
    from buildtui.buildx.models import CreateRequest


class FormMemory:
    """Reads and writes the forms' values; `base` is the data dir (tests give their own)."""

    def __init__(self, base: Path | None = None) -> None:
        self.folder = (base or data_dir()) / "forms"

    def path(self, form: str) -> Path:
        return self.folder / f"{form}.json"

    def load(self, form: str) -> dict[str, Any]:
        try:
            data = json.loads(self.path(form).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return _typed_text_only(data) if isinstance(data, dict) else {}

    def save(self, form: str, values: dict[str, Any]) -> None:
        """Write them owner-only; an error (a read-only data dir) loses nothing but them."""
        with contextlib.suppress(OSError):
            write_private(self.path(form), json.dumps(values, indent=2))


def _typed_text_only(data: dict[str, Any]) -> dict[str, Any]:
    """`data` without the strings no one could type in a form (control characters: a
    file edited behind the app's back), at any depth; the fields they were for start
    empty."""

    def keep(value: Any) -> bool:
        return is_safe(value, one_line=True) if isinstance(value, str) else True

    def clean(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items() if keep(k) and keep(v)}
        if isinstance(value, list):
            return [clean(v) for v in value if keep(v)]
        return value

    return {k: clean(v) for k, v in data.items() if keep(k) and keep(v)}


CREATE_FORM = "builder-create"
"""The builder create form's file: its last new builder, presets included."""


def create_request_values(request: CreateRequest) -> dict[str, Any]:
    """A create form's request as JSON values (`create_request_from` reads them back)."""
    return {
        "options": asdict(request.options),
        "host_network": request.host_network,
        "plain_http_hosts": list(request.plain_http_hosts),
    }


def create_request_from(values: dict[str, Any]) -> CreateRequest | None:
    """The request `create_request_values` wrote; None when there is none or it is damaged."""
    from buildtui.buildx.models import CreateOptions, CreateRequest

    options = values.get("options")
    if not isinstance(options, dict):
        return None
    known = {f.name for f in fields(CreateOptions)} - {"mode", "node"}  # a new builder
    try:
        defaults = CreateOptions()
        read: dict[str, Any] = {}
        for key, value in options.items():
            value = tuple(str(v) for v in value) if isinstance(value, list) else value
            if key in known and type(value) is type(getattr(defaults, key)):
                read[key] = value  # a value of another type (a damaged file) is left out
        return CreateRequest(
            CreateOptions(**read),
            host_network=bool(values.get("host_network")),
            plain_http_hosts=tuple(str(h) for h in values.get("plain_http_hosts") or ()),
        )
    except (TypeError, ValueError):
        return None
