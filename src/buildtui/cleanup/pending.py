"""Deletions waiting for a garbage collection: what their plans said it would free.

`buildtui rm` (or `x` in the pane) and `buildtui gc` (or `g`) are separate steps, often
separate processes: each completed deletion records its plan's freed blobs here, per
registry, and the collection reads them to tell its planned blobs from the garbage that
was already in storage, then forgets them. A file in the data dir, for the owner only.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from buildtui.cleanup.accounting import PlannedBlob
from buildtui.private_files import write_private
from buildtui.settings import data_dir

VERSION = 1


def default_path() -> Path:
    return data_dir() / "cleanup-pending.json"


@dataclass(frozen=True)
class Pending:
    """What the deletions since the last collection of one registry expect it to free."""

    deletions: tuple[str, ...] = ()
    blobs: tuple[PlannedBlob, ...] = ()


class PendingDeletions:
    """The record, read and written whole (it holds a few blobs per deletion)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()

    def _read(self) -> dict[str, Any]:
        try:
            document = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}  # none yet, or unreadable: the collection then attributes nothing
        if not isinstance(document, dict) or document.get("version") != VERSION:
            return {}
        registries = document.get("registries")
        return registries if isinstance(registries, dict) else {}

    def _write(self, registries: dict[str, Any]) -> None:
        write_private(
            self.path, json.dumps({"version": VERSION, "registries": registries}, indent=1)
        )

    def get(self, registry: str) -> Pending:
        entry = self._read().get(registry)
        if not isinstance(entry, dict):
            return Pending()
        try:
            return Pending(
                tuple(str(d) for d in entry.get("deletions", [])),
                tuple(
                    PlannedBlob(str(b["digest"]), int(b["size"]), str(b["what"]))
                    for b in entry.get("blobs", [])
                ),
            )
        except (KeyError, TypeError, ValueError):
            return Pending()

    def record(self, registry: str, deletion: str, blobs: Sequence[PlannedBlob]) -> None:
        """Add one completed deletion (e.g. `cachedata1:latest`) and the blobs it frees."""
        registries = self._read()
        now = self.get(registry)
        known = {b.digest for b in now.blobs}
        registries[registry] = {
            "deletions": [*now.deletions, deletion],
            "blobs": [
                {"digest": b.digest, "size": b.size, "what": b.what}
                for b in (*now.blobs, *(b for b in blobs if b.digest not in known))
            ],
        }
        self._write(registries)

    def clear(self, registry: str) -> None:
        """After a collection: its blobs are gone (or will never be freed by those plans)."""
        registries = self._read()
        if registries.pop(registry, None) is not None:
            self._write(registries)
