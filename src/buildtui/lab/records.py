"""What the lab guide cannot read back from the engine or the registry afterwards.

A prune of a builder's cache, a completed deletion (what its plan removed) and a
completed garbage collection (bytes before and after, the collector's log, whether
every remaining tag answered) leave no trace the guide could observe later: the
pending-deletions record is forgotten by the collection that frees them. Each is
appended here when it completes, in one small JSON file in the data dir, readable by
its owner only. Nothing here is written because a user said a step was done.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from buildtui.private_files import write_private
from buildtui.settings import data_dir

VERSION = 1
KEEP = 50
"""Records kept per kind (the oldest go first)."""


def default_path() -> Path:
    return data_dir() / "lab-records.json"


@dataclass(frozen=True)
class PruneRecord:
    at: float
    builder: str
    reclaimed: int
    """Bytes buildx reported reclaimed."""
    records: int


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
    """The collector's output, cut to its first lines."""


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


@dataclass(frozen=True)
class LabRecords:
    prunes: tuple[PruneRecord, ...] = ()
    deletions: tuple[DeletionRecord, ...] = ()
    collections: tuple[CollectionRecord, ...] = ()
    cache_sizes: tuple[CacheSizeRecord, ...] = ()


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
        if not isinstance(document, dict) or document.get("version") != VERSION:
            return LabRecords()
        try:
            return LabRecords(
                prunes=tuple(PruneRecord(**r) for r in document.get("prunes", [])),
                deletions=tuple(
                    DeletionRecord(
                        **{**r, "kinds": tuple(r["kinds"]), "requests": tuple(r["requests"])}
                    )
                    for r in document.get("deletions", [])
                ),
                collections=tuple(
                    CollectionRecord(
                        **{
                            **r,
                            "deletions": tuple(r["deletions"]),
                            "problems": tuple(r.get("problems", ())),
                            "log": tuple(r.get("log", ())),
                        }
                    )
                    for r in document.get("collections", [])
                ),
                cache_sizes=tuple(
                    CacheSizeRecord(
                        **{**r, "blobs": tuple((str(d), int(n)) for d, n in r["blobs"])}
                    )
                    for r in document.get("cache_sizes", [])
                ),
            )
        except (KeyError, TypeError, ValueError):
            return LabRecords()

    def _write(self, records: LabRecords) -> None:
        document = {
            "version": VERSION,
            "prunes": [asdict(r) for r in records.prunes[-KEEP:]],
            "deletions": [asdict(r) for r in records.deletions[-KEEP:]],
            "collections": [asdict(r) for r in records.collections[-KEEP:]],
            "cache_sizes": [asdict(r) for r in records.cache_sizes[-KEEP:]],
        }
        write_private(self.path, json.dumps(document, indent=1))

    def add_prune(self, builder: str, reclaimed: int, records: int) -> None:
        now = self.read()
        prune = PruneRecord(self.clock(), builder, reclaimed, records)
        self._write(replace(now, prunes=(*now.prunes, prune)))

    def add_deletion(
        self,
        registry: str,
        deletion: str,
        kinds: Sequence[str],
        requests: Sequence[str],
        freed: int,
    ) -> None:
        now = self.read()
        record = DeletionRecord(
            self.clock(), registry, deletion, tuple(kinds), tuple(requests), freed
        )
        self._write(replace(now, deletions=(*now.deletions, record)))

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
    ) -> None:
        now = self.read()
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
            tuple(log[:40]),
        )
        self._write(replace(now, collections=(*now.collections, record)))

    def add_cache_size(self, record: CacheSizeRecord) -> None:
        """Keep a comparison, unless the last one of its registry saw the same two digests."""
        now = self.read()
        last = [r for r in now.cache_sizes if r.registry == record.registry][-1:]
        if last and (last[0].cache_digest, last[0].image_digest) == (
            record.cache_digest,
            record.image_digest,
        ):
            return
        self._write(replace(now, cache_sizes=(*now.cache_sizes, record)))
