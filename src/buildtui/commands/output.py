"""The one shape of every `--json` output: an object with a `schema_version`.

The version changes only when a key is removed or changes meaning; new keys do not
change it. README's "JSON output" section documents each command's object.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

SCHEMA_VERSION = 1


def json_document(body: dict[str, Any]) -> dict[str, Any]:
    return {"schema_version": SCHEMA_VERSION, **body}


def print_json(body: dict[str, Any], out: TextIO | None = None) -> None:
    print(json.dumps(json_document(body), indent=2), file=out)
