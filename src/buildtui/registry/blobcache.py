"""Manifests and blobs fetched by digest, kept on disk: what is named by its digest never changes.

`BlobCache` is an sqlite file in the data dir (owner-only, 0600 in a 0700 folder):
entries keyed by registry, repository and digest, capped in bytes, the least recently
used going first. Every read hashes the bytes again and drops an entry that no longer
matches its digest (a damaged file, a bad disk), so it is fetched anew.

`CachedReads` is the one seam between the scan and the client: a manifest by digest or
a blob comes from the cache when it is there; a tag is resolved to its digest every time
(a HEAD request, once the tag's last digest is known), so a tag that moved is fetched
anew and a scan is never stale. The first time a tag is seen, one GET by tag reads and
keeps its manifest, as many requests as without the cache.

Entries are per repository: a manifest deleted in one repository is not served from
another's entry. A platform manifest deleted by digest behind its index's back stays in
the cache until it is evicted (its index's digest did not change); the Clean-up's scans,
which deletions are planned from, do not use the cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Concatenate, ParamSpec, TypeVar

from buildtui.diskspace import is_full, write_problem
from buildtui.i18n import _
from buildtui.private_files import SQLITE_SIDE_FILES, make_private
from buildtui.registry.classify import parse_manifest
from buildtui.registry.models import Manifest
from buildtui.settings import data_dir

if TYPE_CHECKING:  # the client (and httpx) is loaded only where requests are made
    from buildtui.registry.client import RawManifest, RegistryClient

DEFAULT_CAP = 64 * 1024 * 1024
"""64 MiB of manifests, configs, cache configs and attestations."""
BLOB_CAP = 16 * 1024 * 1024
"""The largest blob read for decoding (an attestation with mode=max provenance can be MBs)."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    key TEXT PRIMARY KEY,
    digest TEXT NOT NULL,
    media_type TEXT NOT NULL,
    data BLOB NOT NULL,
    size INTEGER NOT NULL,
    used REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_used ON entries (used);
CREATE TABLE IF NOT EXISTS tags (
    key TEXT PRIMARY KEY,
    digest TEXT NOT NULL
);
"""


USED_BATCH = 500
"""Read times kept in memory before they are written (one statement for them all)."""
COMMIT_EVERY = 200
"""Writes (entries kept, tags' digests) queued before they are written, in one transaction."""
COMMIT_AFTER = 1.0
"""Seconds a queued write waits at most, checked at each write; the service also writes
the queue at the end of each call (`flush`)."""


def default_path() -> Path:
    return data_dir() / "registry-cache.sqlite3"


HASHES = ("sha256", "sha384", "sha512")
"""The digest algorithms entries are kept for (checked on every read)."""


def _matches(data: bytes, digest: str) -> bool:
    algorithm, _unused, hexpart = digest.partition(":")
    if algorithm not in HASHES:
        return False  # nothing to check it against: never cached
    return hashlib.new(algorithm, data).hexdigest() == hexpart


def _file_size(path: Path) -> int:
    """0 for a file that is not there (a journal comes and goes with the transactions)."""
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


P = ParamSpec("P")
T = TypeVar("T")


def _locked(
    method: Callable[Concatenate[BlobCache, P], T],
) -> Callable[Concatenate[BlobCache, P], T]:
    """One thread at a time: the clients' requests threads (one per registry) share a cache."""

    def locked(self: BlobCache, /, *args: P.args, **kwargs: P.kwargs) -> T:
        with self._lock:
            return method(self, *args, **kwargs)

    locked.__doc__ = method.__doc__
    return locked


@dataclass(frozen=True)
class CacheUsage:
    entries: int
    bytes: int
    """Bytes of the entries' content."""
    file_bytes: int
    """What the cache takes on disk (the sqlite file and its journal)."""
    cap: int
    path: Path


class BlobCache:
    """Content by digest on disk, capped, least recently used out first, verified on read."""

    def __init__(self, path: Path | None = None, *, cap: int = DEFAULT_CAP) -> None:
        self.path = path or default_path()
        self.cap = cap
        self.hits = 0
        self.misses = 0
        self.dropped = 0
        """Entries that no longer matched their digest and were dropped."""
        self.closed = False
        self._lock = threading.Lock()
        self._used: dict[str, float] = {}
        """When each entry read since the last write of them was read (`_write_due`):
        written in one statement, not one per read."""
        self._entries_due: dict[str, tuple[str, str, str, bytes, int, float]] = {}
        self._tags_due: dict[str, str] = {}
        """Writes not yet made: written together (`_write_due`), and read from here until."""
        self._due_since = 0.0
        self._keys: set[str] = set()
        """The keys of the entries, in memory: whether an entry is kept is asked for nearly
        every document of a scan. Another process may evict an entry behind this set's
        back: its read then misses (and forgets it), and the entry is fetched again."""
        self._tags: dict[str, str] = {}
        """What each tag pointed at when last read, in memory (a scan asks it per tag)."""
        make_private(self.path)
        # Another buildtui writing the file makes a read or write fail at once (then the
        # registry is asked instead) rather than block the event loop for sqlite's 5 s.
        self._db = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=0.05
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=OFF")  # a cache: every read is verified
        self._db.executescript(_SCHEMA)
        make_private(self.path)  # the WAL files now exist
        self._reload()

    def _reload(self) -> None:
        """The size, keys and tags the file holds (at open, and after a rollback)."""
        self._total = int(
            self._db.execute("SELECT COALESCE(SUM(size), 0) FROM entries").fetchone()[0]
        )
        self._keys = {str(key) for (key,) in self._db.execute("SELECT key FROM entries")}
        self._tags = {str(k): str(d) for k, d in self._db.execute("SELECT key, digest FROM tags")}

    @staticmethod
    def _key(registry: str, repository: str, digest: str) -> str:
        return f"{registry}/{repository}@{digest}"

    @_locked
    def get(self, registry: str, repository: str, digest: str) -> tuple[bytes, str] | None:
        """(bytes, media type) kept for that digest, checked against it; None if absent or bad."""
        key = self._key(registry, repository, digest)
        due = self._entries_due.get(key)
        if due is not None:  # checked when it was put; now its latest read
            self._entries_due[key] = (*due[:5], time.time())
            self.hits += 1
            return due[3], due[2]
        row = self._db.execute(
            "SELECT data, media_type, size FROM entries WHERE key = ?", (key,)
        ).fetchone()
        if row is None:
            self._keys.discard(key)  # evicted by another process
            self.misses += 1
            return None
        data, media_type, size = bytes(row[0]), str(row[1]), int(row[2])
        if not _matches(data, digest):
            self._db.execute("DELETE FROM entries WHERE key = ?", (key,))
            self._keys.discard(key)
            self._total -= size
            self.dropped += 1
            self.misses += 1
            return None
        self._used[key] = time.time()
        if len(self._used) >= USED_BATCH:
            self._write_due()
        self.hits += 1
        return data, media_type

    @_locked
    def has(self, registry: str, repository: str, digest: str) -> bool:
        """Whether an entry is kept for that digest (not read, nor checked: `get` does)."""
        return self._key(registry, repository, digest) in self._keys

    def _update_used(self) -> None:
        """Write the read times kept in memory (the order eviction goes by)."""
        used, self._used = self._used, {}
        self._db.executemany(
            "UPDATE entries SET used = ? WHERE key = ?",
            [(when, key) for key, when in used.items()],
        )

    @_locked
    def put(
        self,
        registry: str,
        repository: str,
        digest: str,
        data: bytes,
        media_type: str = "",
        *,
        checked: bool = False,
    ) -> None:
        """Keep `data` if it matches `digest` (`checked`: the client has just hashed it),
        then evict to the cap. Written with the next writes, in one transaction, once
        COMMIT_EVERY are due or COMMIT_AFTER seconds have gone by, and by `flush`; this
        cache reads it at once. An entry already kept is left as it is: what a digest
        names never changes."""
        if len(data) > self.cap or digest.partition(":")[0] not in HASHES:
            return
        key = self._key(registry, repository, digest)
        if key in self._keys or not (checked or _matches(data, digest)):
            return
        self._entries_due[key] = (key, digest, media_type, data, len(data), time.time())
        self._keys.add(key)
        self._total += len(data)
        self._due()

    def _due(self) -> None:
        """A write was queued: write the queue if it is long or old enough, or if the
        cache is over its cap (the eviction sees what the file holds)."""
        due = len(self._entries_due) + len(self._tags_due)
        if due == 1:
            self._due_since = time.monotonic()
        if (
            due >= COMMIT_EVERY
            or time.monotonic() - self._due_since >= COMMIT_AFTER
            or self._total > self.cap
        ):
            self._write_due()

    def _write_due(self) -> bool:
        """The queued writes and the read times, in one transaction. A failure (another
        buildtui writing the file) rolls it back and gives False, never raises: a cache,
        what was not kept is fetched again."""
        entries, self._entries_due = self._entries_due, {}
        tags, self._tags_due = self._tags_due, {}
        if not entries and not tags and not self._used:
            return True
        try:
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT OR REPLACE INTO entries (key, digest, media_type, data, size, used) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                entries.values(),
            )
            self._db.executemany(
                "INSERT OR REPLACE INTO tags (key, digest) VALUES (?, ?)", tags.items()
            )
            self._update_used()
            if self._total > self.cap:
                self._evict()
            self._db.execute("COMMIT")
        except sqlite3.Error:
            self._rollback()
            return False
        return True

    def _rollback(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._db.rollback()
        # What the file holds now: the rolled-back writes had been counted.
        with contextlib.suppress(sqlite3.Error):
            self._reload()

    @_locked
    def flush(self) -> bool:
        """Write what is due and the read times (the end of a call and of a scan). False
        when the file refuses them (another buildtui is writing it): they are forgotten,
        and fetched again when next needed. Never raises: what a scan read stands."""
        return self._write_due()

    def _evict(self) -> None:
        rows = self._db.execute("SELECT key, size FROM entries ORDER BY used").fetchall()
        for key, size in rows:
            if self._total <= self.cap:
                break
            self._db.execute("DELETE FROM entries WHERE key = ?", (key,))
            self._keys.discard(key)
            self._total -= int(size)

    @_locked
    def tag_digest(self, registry: str, repository: str, tag: str) -> str | None:
        """The digest the tag pointed at when it was last read."""
        return self._tags.get(f"{registry}/{repository}:{tag}")

    @_locked
    def set_tag_digest(self, registry: str, repository: str, tag: str, digest: str) -> None:
        key = f"{registry}/{repository}:{tag}"
        if self._tags.get(key) == digest:
            return
        self._tags[key] = digest
        self._tags_due[key] = digest
        self._due()

    @_locked
    def usage(self) -> CacheUsage:
        self._write_due()  # what the file holds is counted
        entries, size = self._db.execute(
            "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM entries"
        ).fetchone()
        files = sum(
            _file_size(self.path.with_name(self.path.name + s)) for s in ("", *SQLITE_SIDE_FILES)
        )
        return CacheUsage(int(entries), int(size), files, self.cap, self.path)

    @_locked
    def clear(self) -> int:
        """Drop every entry and tag, and give the space back to the disk; the number of
        entries dropped. Raises sqlite3.Error when another buildtui is writing the file
        (what the file holds then stays)."""
        queued = len(self._entries_due)
        self._entries_due.clear()
        self._tags_due.clear()
        self._used.clear()
        try:
            self._db.execute("BEGIN IMMEDIATE")
            kept = int(self._db.execute("SELECT COUNT(*) FROM entries").fetchone()[0])
            self._db.execute("DELETE FROM entries")
            self._db.execute("DELETE FROM tags")
            self._db.execute("COMMIT")
        except sqlite3.Error:
            self._rollback()
            raise
        self._reload()
        with contextlib.suppress(sqlite3.Error):  # the space; what was dropped stays dropped
            self._db.execute("VACUUM")
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return kept + queued

    @_locked
    def close(self) -> None:
        self._write_due()
        self._db.close()
        self.closed = True


_opened: dict[Path, BlobCache] = {}
_opening = threading.Lock()
_refused: dict[Path, BaseException] = {}
"""Why a cache file could not be opened, by path (its last attempt): `cache_problem`."""

SQLITE_CORRUPT = 11
SQLITE_NOTADB = 26


def damaged(error: BaseException) -> bool:
    """The file is no sqlite database, or a damaged one (cut short, overwritten)."""
    if not isinstance(error, sqlite3.DatabaseError):
        return False
    code = getattr(error, "sqlite_errorcode", None)
    text = str(error)
    return code in (SQLITE_CORRUPT, SQLITE_NOTADB) or (
        "malformed" in text or "not a database" in text
    )


def problem_text(path: Path, error: BaseException) -> str:
    """What is wrong with the cache file and what to do, for the user."""
    if is_full(error):
        return _("the disk cache cannot be written: {problem}").format(
            problem=write_problem(path, error)
        )
    if damaged(error):
        return _(
            "the disk cache {path} is damaged ({error}); scans read everything "
            "from the registry meanwhile. `buildtui registry cache --clear` "
            "replaces it with an empty one (it holds only copies of what "
            "registries serve)"
        ).format(path=path, error=error)
    if isinstance(error, sqlite3.OperationalError) and "locked" in str(error):
        return _(
            "another buildtui is writing it ({path}: {error}); let its scan end and try again"
        ).format(path=path, error=error)
    reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
    return _(
        "the disk cache {path} cannot be opened: {reason}; scans read everything "
        "from the registry meanwhile. Check that {parent} is yours and writable"
    ).format(path=path, reason=reason, parent=path.parent)


def cache_problem(path: Path | None = None) -> tuple[str, str] | None:
    """Why this process cannot use the cache in that file, and the command that fixes it
    (empty when none does); None when it can."""
    path = path or default_path()
    if open_cache(path) is not None:
        return None
    error = _refused.get(path)
    if error is None:
        return None
    return problem_text(path, error), "buildtui registry cache --clear" if damaged(error) else ""


def replace_damaged(path: Path | None = None) -> BlobCache:
    """A new, empty cache in place of a damaged file (and its sqlite side files)."""
    path = path or default_path()
    for suffix in ("", *SQLITE_SIDE_FILES):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    with _opening:
        _refused.pop(path, None)
        _opened.pop(path, None)
    return BlobCache(path)


def open_cache(path: Path | None = None, *, cap: int = DEFAULT_CAP) -> BlobCache | None:
    """This process's cache in that file, or None when the data dir cannot hold it (scans
    then read everything).

    One cache, and so one sqlite connection, per file for the whole process: the Registry
    pane's service, the Lab guide's scans and a command's services share it (its methods
    take turns), rather than each opening the file and refusing one another's writes.
    `cap` is the first opener's."""
    path = path or default_path()
    with _opening:
        cache = _opened.get(path)
        if cache is None or cache.closed:
            try:
                cache = BlobCache(path, cap=cap)
            except (OSError, sqlite3.Error) as error:
                _refused[path] = error
                return None
            _refused.pop(path, None)
            _opened[path] = cache
        return cache


class CachedReads:
    """Reads by digest through the cache; tags resolved to their digest on every read."""

    def __init__(self, client: RegistryClient, cache: BlobCache | None) -> None:
        self.client = client
        self.cache = cache

    def read_kept(self, repository: str, digest: str) -> tuple[bytes, str] | None:
        """The kept bytes and media type, checked against `digest` (None: not kept, or
        no longer matching)."""
        if self.cache is None:
            return None
        try:
            return self.cache.get(self.client.registry, repository, digest)
        except sqlite3.Error:
            return None

    def kept(self, repository: str, digest: str) -> bool:
        """Whether an entry is kept (not read nor checked): a lookup in memory."""
        return self.cache is not None and self.cache.has(self.client.registry, repository, digest)

    def _keep(self, repository: str, digest: str, data: bytes, media_type: str) -> None:
        """Keep what the client has just read: it checked the bytes against the digest."""
        if self.cache is not None:
            self.cache.put(self.client.registry, repository, digest, data, media_type, checked=True)

    async def manifest(self, repository: str, reference: str) -> Manifest:
        """A manifest by digest (from the cache when kept) or by tag (its digest asked first).

        Whether an entry is kept, and a tag's last digest, are lookups in memory: a scan
        asks them for nearly every document."""
        tag = None
        if ":" not in reference:  # a tag
            known = self._known_tag(repository, reference)
            if known is None:
                raw = await self.client.fetch_manifest(repository, reference)
                return self._keep_manifest(repository, raw, reference)
            head = await self.client.head_manifest(repository, reference)
            if head.digest != known:
                tag = reference
            reference = head.digest
        if self.kept(repository, reference):
            kept = self._kept_manifest(repository, reference, tag)
            if kept is not None:
                return kept
            tag = None  # recorded by `_kept_manifest`
        raw = await self.client.fetch_manifest(repository, reference)
        return self._keep_manifest(repository, raw, tag)

    async def blob(self, repository: str, digest: str, max_bytes: int | None = None) -> bytes:
        if self.kept(repository, digest):
            kept = self.read_kept(repository, digest)
            if kept is not None:
                return kept[0]
        data = await self.client.fetch_blob(repository, digest, max_bytes)
        self._keep(repository, digest, data, "")
        return data

    def _known_tag(self, repository: str, tag: str) -> str | None:
        """The digest the tag pointed at last time, if its manifest is still kept."""
        if self.cache is None:
            return None
        known = self.cache.tag_digest(self.client.registry, repository, tag)
        if known is None or not self.kept(repository, known):
            return None
        return known  # read (and checked) once its tag is known to still point at it

    def _kept_manifest(self, repository: str, digest: str, tag: str | None) -> Manifest | None:
        """The kept manifest, decoded (None if not kept); `tag` now points at `digest`."""
        if tag is not None:
            self._set_tag_digest(repository, tag, digest)
        kept = self.read_kept(repository, digest)
        return parse_manifest(kept[0], digest, kept[1]) if kept is not None else None

    def _keep_manifest(self, repository: str, raw: RawManifest, tag: str | None) -> Manifest:
        """Keep a fetched manifest (and what its tag points at), and decode it."""
        self._keep(repository, raw.digest, raw.raw, raw.media_type)
        if tag is not None:
            self._set_tag_digest(repository, tag, raw.digest)
        return parse_manifest(raw.raw, raw.digest, raw.media_type)

    def _set_tag_digest(self, repository: str, tag: str, digest: str) -> None:
        if self.cache is not None:
            self.cache.set_tag_digest(self.client.registry, repository, tag, digest)
