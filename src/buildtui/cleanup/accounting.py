"""Predicted against measured: where the space a garbage collection freed came from.

Pure. A deletion's plan predicts the blobs the next collection frees (with their sizes);
the collector names the blobs it deleted; `du` measures the storage before and after.
The collector also deletes garbage that was there before the deletion: blobs of earlier
deletions done without buildtui (or whose plan was not recorded), of failed or
interrupted pushes, of revisions a later push superseded and someone deleted. So the
measured total is often larger than the prediction, and both are right; `account_for`
says which deleted blob is which, and how many bytes each side weighs.

`du` counts whole 4 KiB blocks and each blob's own directory, so a blob weighs more
on disk than its size: the planned side is converted to disk blocks the same way before
the rest of the measured total is put down to the earlier garbage.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from buildtui.cleanup.docker_output import GcOutput
from buildtui.cleanup.plan import Plan
from buildtui.i18n import N_

BLOCK = 4096
"""The file system block `du -k` counts in (ext4, overlayfs on it, xfs)."""


MEASURED_BY = N_("du -sk of the registry's storage before and after the collection")
"""How the space a collection freed is measured (said beside the figure everywhere)."""


def freed_bytes(kb_before: int | None, kb_after: int | None) -> int | None:
    """The space a collection freed, in bytes: `du -sk` before minus after (KiB), the one
    figure the Clean-up pane, `gc --json` and the lab report give. None: not measured."""
    if kb_before is None or kb_after is None:
        return None
    return (kb_before - kb_after) * 1024


@dataclass(frozen=True)
class PlannedBlob:
    """A blob a deletion's plan said the next collection frees."""

    digest: str
    size: int
    what: str
    """layer, config, cache config, manifest or throw-away manifest."""


def planned_blobs(plan: Plan) -> tuple[PlannedBlob, ...]:
    return tuple(PlannedBlob(b.digest, b.size, b.what) for b in plan.freed_blobs)


def on_disk(size: int) -> int:
    """What `du` counts for one blob: its data file in whole blocks, plus its directory."""
    return -(-size // BLOCK) * BLOCK + BLOCK


@dataclass(frozen=True)
class GcAccount:
    """One collection's deleted blobs, attributed, and the bytes on each side."""

    deletions: tuple[str, ...]
    """The recorded deletions the prediction comes from (e.g. `cachedata1:latest`)."""
    predicted: tuple[PlannedBlob, ...]
    """Every blob the recorded plans said the collection frees."""
    planned: tuple[PlannedBlob, ...]
    """Deleted, as predicted: freed by this deletion."""
    earlier: tuple[str, ...]
    """Deleted, not predicted: garbage already in storage before the deletion."""
    not_deleted: tuple[PlannedBlob, ...]
    """Predicted, not deleted: referenced again since (a push), or already collected."""
    kb_before: int | None = None
    kb_after: int | None = None

    @property
    def predicted_bytes(self) -> int:
        return sum(b.size for b in self.predicted)

    @property
    def planned_bytes(self) -> int:
        return sum(b.size for b in self.planned)

    @property
    def planned_disk_bytes(self) -> int:
        return sum(on_disk(b.size) for b in self.planned)

    @property
    def measured_bytes(self) -> int | None:
        """Storage freed, by `du` (kB), in bytes; None when it could not be measured."""
        return freed_bytes(self.kb_before, self.kb_after)

    @property
    def earlier_bytes(self) -> int | None:
        """About what the earlier garbage weighed on disk: the measured rest (None when
        unmeasured, or when the planned blobs' share takes up all of it)."""
        measured = self.measured_bytes
        if measured is None:
            return None
        if not self.earlier:
            return 0
        rest = measured - self.planned_disk_bytes
        return rest if rest > 0 else None


def account_for(
    predicted: Sequence[PlannedBlob],
    output: GcOutput,
    kb_before: int | None,
    kb_after: int | None,
    deletions: Sequence[str] = (),
) -> GcAccount:
    """Attribute each blob the collector deleted to the recorded plans, or to earlier garbage."""
    by_digest = {b.digest: b for b in predicted}
    deleted = set(output.blobs)
    return GcAccount(
        deletions=tuple(deletions),
        predicted=tuple(by_digest.values()),
        planned=tuple(by_digest[d] for d in output.blobs if d in by_digest),
        earlier=tuple(d for d in output.blobs if d not in by_digest),
        not_deleted=tuple(b for b in by_digest.values() if b.digest not in deleted),
        kb_before=kb_before,
        kb_after=kb_after,
    )


def account_json(account: GcAccount) -> dict[str, Any]:
    """The account as the collection's journal keeps it (its process may outlive the caller)."""
    return asdict(account)


def account_from_json(data: dict[str, Any]) -> GcAccount:
    def blobs(key: str) -> tuple[PlannedBlob, ...]:
        return tuple(
            PlannedBlob(str(b["digest"]), int(b["size"]), str(b["what"]))
            for b in data.get(key) or ()
        )

    return GcAccount(
        deletions=tuple(data.get("deletions") or ()),
        predicted=blobs("predicted"),
        planned=blobs("planned"),
        earlier=tuple(data.get("earlier") or ()),
        not_deleted=blobs("not_deleted"),
        kb_before=data.get("kb_before"),
        kb_after=data.get("kb_after"),
    )
