"""What a registry listing keeps of each tag once its report is let go, and the blobs of
the whole registry counted once, in little memory.

A scan of 30,000 tags decodes ~100,000 manifests. Kept whole (bytes, descriptors, the
index's entries), they take gigabytes; what `registry ls` shows of a tag is one line
(`TagSummary`), and of the registry its unique bytes and how many blobs tags share
(`BlobTally`: one small entry per distinct blob).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass, field

from buildtui.registry.models import Kind


@dataclass(frozen=True, slots=True)
class TagSummary:
    """One tag as a listing shows it: kind, platforms, size, digest, damage."""

    kind: Kind
    media_type: str
    digest: str
    platforms: tuple[str, ...]
    size: int
    """Every blob of the tag counted once (compressed)."""
    damaged: str | None = None
    """Why the tag is damaged (index entries that cannot be read), or None."""
    errors: tuple[str, ...] = ()
    """Why each unreadable index entry could not be read."""
    unread: int = 0
    """Index entries not read yet (their blobs are not in `size`)."""


def _interned(text: str) -> str:
    """Media types and platforms repeat across thousands of tags: one string for each."""
    return sys.intern(text)


def summary(
    kind: Kind,
    media_type: str,
    digest: str,
    platforms: Iterable[str],
    size: int,
    damaged: str | None,
    errors: tuple[str, ...],
    unread: int = 0,
) -> TagSummary:
    return TagSummary(
        kind,
        _interned(media_type),
        digest,
        tuple(_interned(p) for p in platforms),
        size,
        damaged,
        errors,
        unread,
    )


def _key(digest: str) -> bytes | str:
    """A sha256 digest as its 32 bytes (half the memory of its text); others as they are."""
    if digest.startswith("sha256:") and len(digest) == 71:
        try:
            return bytes.fromhex(digest[7:])
        except ValueError:
            return digest
    return digest


@dataclass
class BlobTally:
    """Each distinct blob of the tags added, with its size, and whether more than one tag
    uses it. A tag adds each of its blobs once."""

    _blobs: dict[bytes | str, int] = field(default_factory=dict)
    """Blob -> its size times two, plus one once a second tag uses it."""
    tags: int = 0
    """Tags added."""
    unique_size: int = 0
    shared: int = 0
    """Blobs used by more than one tag."""

    def add(self, blobs: Iterable[tuple[str, int]]) -> None:
        """One tag's blobs (digest, size), each once."""
        self.tags += 1
        known = self._blobs
        for digest, size in blobs:
            key = _key(digest)
            value = known.get(key)
            if value is None:
                known[key] = size * 2
                self.unique_size += size
            elif not value & 1:
                known[key] = value | 1
                self.shared += 1

    def __len__(self) -> int:
        return len(self._blobs)
