"""What the lab guide cannot read back from the engine or the registry afterwards.

A prune of a builder's cache, a completed deletion (what its plan removed) and a
completed garbage collection (bytes before and after, the collector's proof lines,
whether every remaining tag answered) leave no trace the guide could observe later: the
pending-deletions record is forgotten by the collection that frees them. Each is
appended here when it completes. So is the cache image measured against the image, and
each item's proof once the guide saw it done (`proofs.py`): a proof is kept, never
taken back by what happens later.

It sits below the packages that record here (buildx, cleanup, the lab), beside the
foundations it uses. One JSON document in the data dir, readable by its owner only. It
describes itself so that it can be bundled and read elsewhere: every record has its
`kind`, an `id` (e.g. `deletion-2`) and its time `at` in ISO 8601 with the time zone.
Nothing here is written because a user said a step was done.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from buildtui.i18n import _
from buildtui.private_files import write_private
from buildtui.settings import data_dir

VERSION = 2
FORMAT = "buildtui lab records"
KEEP = 50
"""Records kept per kind (the oldest go first); proofs are all kept."""
LOG_LINES = 5000
"""The collector's proof lines kept per collection (the rest are counted)."""


def default_path() -> Path:
    return data_dir() / "lab-records.json"


def iso_time(at: float) -> str:
    """`at` as ISO 8601 in the local time zone, e.g. `2026-12-07T12:42:16+01:00`."""
    return datetime.fromtimestamp(at).astimezone().isoformat(timespec="seconds")


def parse_time(value: Any) -> float:
    """A record's time: ISO 8601 (version 2) or Unix seconds (version 1)."""
    if isinstance(value, int | float):
        return float(value)
    return datetime.fromisoformat(str(value)).timestamp()


@dataclass(frozen=True)
class PruneRecord:
    at: float
    builder: str
    reclaimed: int
    """Bytes buildx reported reclaimed."""
    records: int
    id: str = ""


@dataclass(frozen=True)
class DeletionRecord:
    at: float
    registry: str
    deletion: str
    """What was selected, e.g. `cachedata1:latest`."""
    kinds: tuple[str, ...]
    """The kinds of what was deleted (`cache`, `index`, `image`, ...)."""
    requests: tuple[str, ...]
    """The HTTP requests it sent, as the plan shows them."""
    freed: int
    """Bytes of blobs the plan said the next collection frees."""
    id: str = ""
    blobs: tuple[tuple[str, int], ...] = ()
    """(digest, size) of each blob the plan said the next collection frees."""
    digests: tuple[str, ...] = ()
    """The manifests it deleted."""


@dataclass(frozen=True)
class CollectionRecord:
    at: float
    registry: str
    container: str
    kb_before: int | None
    kb_after: int | None
    blobs_deleted: int
    deletions: tuple[str, ...]
    """The recorded deletions this collection freed the blobs of."""
    tags_checked: int
    problems: tuple[str, ...] = ()
    """Tags that did not answer after the collection."""
    log: tuple[str, ...] = field(default=())
    """The collector's proof: every "eligible for deletion" and "Deleting blob" line
    (at most LOG_LINES; `log_omitted` counts the rest)."""
    id: str = ""
    deletion_ids: tuple[str, ...] = ()
    """The ids of the deletion records it collected."""
    log_omitted: int = 0
    started: float | None = None
    """When the collection started (`at` is when it ended)."""


@dataclass(frozen=True)
class CacheSizeRecord:
    """The cache image and the image as the guide saw them side by side (kept, since the
    lab's bonus step deletes the cache image afterwards)."""

    at: float
    registry: str
    cache_ref: str
    cache_digest: str
    cache_size: int
    blobs: tuple[tuple[str, int], ...]
    """(digest, size) of each of the cache image's blobs, largest first."""
    image_ref: str
    image_digest: str
    image_size: int
    id: str = ""
    build_id: int | None = None
    """The recorded build that exported this cache and pushed this image."""


@dataclass(frozen=True)
class ProofRecord:
    """An item of the guide as it was when it was first seen done (kept for good)."""

    at: float
    registry: str
    item: str
    """The item's key (`pushed`, `cache-size`, ...)."""
    number: int
    status: str
    """`done` or `accepted`."""
    evidence: dict[str, tuple[str, ...]]
    """The evidence lines in each language (`en`, `pl`)."""
    id: str = ""
    builds: tuple[int, ...] = ()
    """The recorded builds it rests on."""
    records: tuple[str, ...] = ()
    """The ids of the records it rests on (prune, deletion, collection, cache size)."""
    digests: tuple[tuple[str, str], ...] = ()
    """(reference, digest) of what it showed in the registry."""
    listing: tuple[str, ...] = ()
    """What the registry served then (the index's `imagetools inspect`-like listing)."""


@dataclass(frozen=True)
class LabRecords:
    prunes: tuple[PruneRecord, ...] = ()
    deletions: tuple[DeletionRecord, ...] = ()
    collections: tuple[CollectionRecord, ...] = ()
    cache_sizes: tuple[CacheSizeRecord, ...] = ()
    proofs: tuple[ProofRecord, ...] = ()

    def by_id(self, record_id: str) -> Any:
        for group in (self.prunes, self.deletions, self.collections, self.cache_sizes):
            for record in group:
                if record.id == record_id:
                    return record
        return None

    def proof(self, registry: str, item: str) -> ProofRecord | None:
        return next((p for p in self.proofs if p.registry == registry and p.item == item), None)


KINDS: dict[str, tuple[str, type[Any]]] = {
    "prunes": ("prune", PruneRecord),
    "deletions": ("deletion", DeletionRecord),
    "collections": ("collection", CollectionRecord),
    "cache_sizes": ("cache-size", CacheSizeRecord),
    "proofs": ("proof", ProofRecord),
}
"""The document's lists: (each record's kind, its class)."""
_STRINGS = {
    "kinds",
    "requests",
    "digests",
    "deletions",
    "problems",
    "log",
    "deletion_ids",
    "records",
    "listing",
}


def _record(cls: type[Any], data: dict[str, Any], kind: str, number: int) -> Any:
    known = {f.name for f in fields(cls)}
    values: dict[str, Any] = {k: v for k, v in data.items() if k in known}
    values["at"] = parse_time(data["at"])
    if values.get("started") is not None:
        values["started"] = parse_time(values["started"])
    for key, value in values.items():
        if key == "blobs":
            values[key] = tuple((str(d), int(n)) for d, n in value)
        elif key == "digests" and cls is ProofRecord:
            values[key] = tuple((str(ref), str(d)) for ref, d in value)
        elif key == "builds":
            values[key] = tuple(int(b) for b in value)
        elif key == "evidence":
            values[key] = {str(k): tuple(map(str, v)) for k, v in value.items()}
        elif key == "records" and cls is PruneRecord:
            values[key] = int(value)
        elif key in _STRINGS:
            values[key] = tuple(str(v) for v in value)
    if not values.get("id"):
        values["id"] = f"{kind}-{number}"  # version 1 kept no ids
    return cls(**values)


def _document(record: Any, kind: str) -> dict[str, Any]:
    data = asdict(record)
    data["at"] = iso_time(record.at)
    if data.get("started") is not None:
        data["started"] = iso_time(data["started"])
    return {"kind": kind, "id": data.pop("id"), **data}


def records_document(records: LabRecords) -> dict[str, Any]:
    """The records as the file keeps them (and as a bundle would carry them)."""
    document: dict[str, Any] = {"format": FORMAT, "version": VERSION}
    for name, (kind, _cls) in KINDS.items():
        kept = getattr(records, name)
        kept = kept if name == "proofs" else kept[-KEEP:]
        document[name] = [_document(r, kind) for r in kept]
    return document


def records_from_document(document: Any) -> LabRecords:
    """The records of a document as `records_document` writes it (version 1 or 2);
    ValueError when it is not one (a bundle's records are read with this too)."""
    if not isinstance(document, dict) or document.get("version") not in (1, VERSION):
        raise ValueError(_("not a document of lab records (version 1 or 2)"))
    try:
        return LabRecords(
            **{
                name: tuple(
                    _record(cls, r, kind, n)
                    for n, r in enumerate(document.get(name) or [], start=1)
                )
                for name, (kind, cls) in KINDS.items()
            }
        )
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as error:
        raise ValueError(
            _("a record cannot be read ({error})").format(error=f"{type(error).__name__}: {error}")
        ) from None


def next_id(kept: Sequence[Any], kind: str) -> str:
    numbers = [int(r.id.rsplit("-", 1)[1]) for r in kept if r.id.rsplit("-", 1)[-1].isdigit()]
    return f"{kind}-{max(numbers, default=0) + 1}"


class RecordBook:
    """The file, read and written whole; a record that cannot be written is dropped."""

    def __init__(self, path: Path | None = None, clock: Any = time.time) -> None:
        self.path = path or default_path()
        self.clock = clock

    def read(self) -> LabRecords:
        try:
            document = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return LabRecords()
        try:
            return records_from_document(document)
        except ValueError:
            return LabRecords()

    def _write(self, records: LabRecords) -> None:
        write_private(self.path, json.dumps(records_document(records), indent=1))

    def add_prune(self, builder: str, reclaimed: int, records: int) -> PruneRecord:
        now = self.read()
        prune = PruneRecord(
            self.clock(), builder, reclaimed, records, id=next_id(now.prunes, "prune")
        )
        self._write(replace(now, prunes=(*now.prunes, prune)))
        return prune

    def add_deletion(
        self,
        registry: str,
        deletion: str,
        kinds: Sequence[str],
        requests: Sequence[str],
        freed: int,
        blobs: Sequence[tuple[str, int]] = (),
        digests: Sequence[str] = (),
    ) -> DeletionRecord:
        now = self.read()
        record = DeletionRecord(
            self.clock(),
            registry,
            deletion,
            tuple(kinds),
            tuple(requests),
            freed,
            id=next_id(now.deletions, "deletion"),
            blobs=tuple(blobs),
            digests=tuple(digests),
        )
        self._write(replace(now, deletions=(*now.deletions, record)))
        return record

    def add_collection(
        self,
        registry: str,
        container: str,
        *,
        kb_before: int | None,
        kb_after: int | None,
        blobs_deleted: int,
        deletions: Sequence[str],
        tags_checked: int,
        problems: Sequence[str],
        log: Sequence[str],
        started: float | None = None,
    ) -> CollectionRecord:
        """Keep a collection; `log` is the collector's output, of which the proof lines
        ("eligible for deletion", "Deleting blob") are kept. The deletions it collected
        are the recorded ones of this registry since its last collection."""
        now = self.read()
        last = max((c.at for c in now.collections if c.registry == registry), default=0.0)
        collected = tuple(
            d.id
            for d in now.deletions
            if d.registry == registry and d.at > last and d.deletion in deletions
        )
        proof = proof_lines(log)
        record = CollectionRecord(
            self.clock(),
            registry,
            container,
            kb_before,
            kb_after,
            blobs_deleted,
            tuple(deletions),
            tags_checked,
            tuple(problems),
            tuple(proof[:LOG_LINES]),
            id=next_id(now.collections, "collection"),
            deletion_ids=collected,
            log_omitted=max(0, len(proof) - LOG_LINES),
            started=started,
        )
        self._write(replace(now, collections=(*now.collections, record)))
        return record

    def add_cache_size(self, record: CacheSizeRecord) -> None:
        """Keep a comparison, unless the last one of its registry saw the same two digests."""
        now = self.read()
        last = [r for r in now.cache_sizes if r.registry == record.registry][-1:]
        if last and (last[0].cache_digest, last[0].image_digest, last[0].build_id) == (
            record.cache_digest,
            record.image_digest,
            record.build_id,
        ):
            return
        kept = replace(record, id=next_id(now.cache_sizes, "cache-size"))
        self._write(replace(now, cache_sizes=(*now.cache_sizes, kept)))

    def add_proofs(self, proofs: Sequence[ProofRecord]) -> LabRecords:
        """Keep these proofs; each replaces the one of its registry and item (a proof is
        only ever replaced by a better one: `proofs.to_keep` decides)."""
        now = self.read()
        replaced = {(p.registry, p.item) for p in proofs}
        kept = [p for p in now.proofs if (p.registry, p.item) not in replaced]
        number = len(now.proofs)
        for proof in proofs:
            number += 1
            kept.append(replace(proof, id=proof.id or f"proof-{proof.item}-{number}"))
        records = replace(now, proofs=tuple(kept))
        self._write(records)
        return records


def proof_lines(log: Sequence[str]) -> list[str]:
    """The collector's lines that prove what it deleted: each blob or manifest "eligible
    for deletion" and each "Deleting blob" (registry:2 logs the blob's storage path)."""
    return [
        line
        for line in log
        if "eligible for deletion" in line or "Deleting blob" in line or "deleting blob" in line
    ]


def blob_of_line(line: str) -> str | None:
    """The digest a proof line is about: `blob eligible for deletion: sha256:…` or
    `Deleting blob: /docker/registry/v2/blobs/sha256/ab/abc…`."""
    if "eligible for deletion:" in line:
        words = line.split("eligible for deletion:", 1)[1].split()
        return words[0] if words else None
    marker = "/blobs/"
    if marker in line:
        parts = line.split(marker, 1)[1].split("/")
        if len(parts) >= 3:
            algorithm, digest = parts[0], parts[2].split('"')[0].split()[0]
            return f"{algorithm}:{digest}"
    return None
