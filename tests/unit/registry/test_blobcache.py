"""The on-disk cache of what is named by a digest: verified reads, the cap, moved tags."""

from __future__ import annotations

import json
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import TypeVar

import pytest

from buildtui.registry.blobcache import BlobCache
from buildtui.registry.scan import RegistryScan
from buildtui.registry.walk import scan_registry
from tests.fakes.registry import FakeRegistry, digest_of, lab_registry
from tests.unit.registry.test_scan import client_for

T = TypeVar("T")


def test_entries_are_checked_against_their_digest_on_every_read(tmp_path: Path) -> None:
    cache = BlobCache(tmp_path / "cache.sqlite3")
    data = b'{"hello": "world"}'
    digest = digest_of(data)
    cache.put("r:5000", "lab", digest, data, "application/json")
    assert cache.get("r:5000", "lab", digest) == (data, "application/json")
    assert cache.get("r:5000", "other", digest) is None  # kept per repository
    cache.flush()  # on disk (writes are committed in batches)
    # The stored bytes go bad (a damaged file): the entry is dropped, not served.
    with sqlite3.connect(tmp_path / "cache.sqlite3") as db:
        db.execute("UPDATE entries SET data = ?", (b'{"hello": "w0rld"}',))
    assert cache.get("r:5000", "lab", digest) is None
    assert cache.dropped == 1
    assert cache.usage().entries == 0
    # Bytes that do not hash to the digest given are never kept.
    cache.put("r:5000", "lab", digest_of(b"other"), data)
    assert cache.usage().entries == 0


def test_the_cap_evicts_the_least_recently_used_first(tmp_path: Path) -> None:
    cache = BlobCache(tmp_path / "cache.sqlite3", cap=250)
    blobs = [bytes([n]) * 100 for n in range(3)]
    digests = [digest_of(b) for b in blobs]
    cache.put("r", "lab", digests[0], blobs[0])
    cache.put("r", "lab", digests[1], blobs[1])
    assert cache.get("r", "lab", digests[0]) is not None  # 0 is now the most recent
    cache.put("r", "lab", digests[2], blobs[2])  # 300 bytes > 250: one goes
    assert cache.get("r", "lab", digests[1]) is None
    assert cache.get("r", "lab", digests[0]) is not None
    assert cache.get("r", "lab", digests[2]) is not None
    assert cache.usage().bytes == 200


def test_the_cache_file_is_the_owners_only(tmp_path: Path) -> None:
    path = tmp_path / "data" / "cache.sqlite3"
    BlobCache(path).put("r", "lab", digest_of(b"x"), b"x")
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    for side in path.parent.iterdir():
        assert stat.S_IMODE(side.stat().st_mode) == 0o600, side


def _gets(registry: FakeRegistry) -> list[str]:
    return [f"{r.method} {r.url.path}" for r in registry.requests]


async def test_a_repeat_scan_reads_only_the_tags_and_a_moved_tag_anew(tmp_path: Path) -> None:
    registry = lab_registry()
    cache = BlobCache(tmp_path / "cache.sqlite3")
    client = client_for(registry)
    first = await scan_registry(client, cache=cache)
    first_requests = len(registry.requests)
    registry.requests.clear()
    second = await scan_registry(client, cache=cache)
    # Only the catalog, tag lists and one HEAD per tag: everything else from disk.
    assert {r.method for r in registry.requests if "/manifests/" in r.url.path} == {"HEAD"}
    assert not [r for r in registry.requests if "/blobs/" in r.url.path]
    assert len(registry.requests) < first_requests
    assert [(e.tag, e.report.digest if e.report else None) for e in second.entries()] == [
        (e.tag, e.report.digest if e.report else None) for e in first.entries()
    ]
    # The tag moves between two scans: the next scan shows the new manifest, never the old.
    registry.push_index("lab", "cachetest", platforms=("linux/amd64",), shared=b"new layer")
    moved = registry.tags["lab"]["cachetest"]
    registry.requests.clear()
    third = await scan_registry(client, cache=cache)
    entry = next(e for e in third.entries() if (e.repository, e.tag) == ("lab", "cachetest"))
    assert entry.report is not None and entry.report.digest == moved
    assert [str(p) for p in entry.report.platforms] == ["linux/amd64"]
    assert f"GET /v2/lab/manifests/{moved}" in _gets(registry)
    await client.aclose()


async def test_an_uncached_scan_sees_an_index_entry_deleted_behind_its_back(
    tmp_path: Path,
) -> None:
    """The Clean-up's scans (`cached=False`) read every manifest: a platform manifest
    deleted by digest makes its index damaged there, though a cached scan keeps it."""
    from tests.fakes.registry import fake_service

    registry = lab_registry()
    service = fake_service(registry)
    service._blob_cache_choice = BlobCache(tmp_path / "cache.sqlite3")
    try:
        await service.scan()
        index = json.loads(registry.manifests["lab"][registry.tags["lab"]["cachetest"]][0])
        del registry.manifests["lab"][index["manifests"][1]["digest"]]

        def damaged(scan: RegistryScan) -> str | None:
            entry = next(e for e in scan.entries() if (e.repository, e.tag) == ("lab", "cachetest"))
            assert entry.report is not None
            return entry.report.damaged

        assert damaged(await service.scan()) is None  # the documented limit of the cache
        assert damaged(await service.scan(cached=False)) is not None
    finally:
        await service.aclose()


def test_read_times_are_kept_across_a_reopen_and_order_the_eviction(tmp_path: Path) -> None:
    # Read times are written in batches (one transaction, not one per read) and at close.
    path = tmp_path / "cache.sqlite3"
    blobs = [bytes([n]) * 100 for n in range(3)]
    digests = [digest_of(b) for b in blobs]
    cache = BlobCache(path, cap=250)
    cache.put("r", "lab", digests[0], blobs[0])
    cache.put("r", "lab", digests[1], blobs[1])
    assert cache.get("r", "lab", digests[0]) is not None  # 0 is now the most recent
    cache.close()
    cache = BlobCache(path, cap=250)
    cache.put("r", "lab", digests[2], blobs[2])  # over the cap: the least recent goes
    assert cache.get("r", "lab", digests[1]) is None
    assert cache.get("r", "lab", digests[0]) is not None
    cache.close()


def test_has_tells_whether_an_entry_is_kept_without_reading_it(tmp_path: Path) -> None:
    cache = BlobCache(tmp_path / "cache.sqlite3")
    data = b'{"a": 1}'
    cache.put("r", "lab", digest_of(data), data)
    assert cache.has("r", "lab", digest_of(data))
    assert not cache.has("r", "other", digest_of(data))
    assert not cache.has("r", "lab", digest_of(b"other"))
    assert (cache.hits, cache.misses) == (0, 0)  # not a read


async def test_a_tag_whose_kept_manifest_went_bad_is_read_from_the_registry(
    tmp_path: Path,
) -> None:
    # The tag still points where it did, but the kept manifest no longer matches its
    # digest: the scan drops it and fetches the manifest, never serves the bad bytes.
    registry = lab_registry()
    cache = BlobCache(tmp_path / "cache.sqlite3")
    client = client_for(registry)
    first = await scan_registry(client, cache=cache)
    digest = registry.tags["lab"]["cachetest"]
    with sqlite3.connect(tmp_path / "cache.sqlite3") as db:
        db.execute("UPDATE entries SET data = ? WHERE digest = ?", (b"{}", digest))
    registry.requests.clear()
    second = await scan_registry(client, cache=cache)
    assert f"GET /v2/lab/manifests/{digest}" in _gets(registry)
    assert cache.dropped == 1
    assert [(e.tag, e.report.digest if e.report else None) for e in second.entries()] == [
        (e.tag, e.report.digest if e.report else None) for e in first.entries()
    ]
    await client.aclose()


def _entries_seen_by_another_process(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute("SELECT COUNT(*) FROM entries").fetchone()[0])


def test_writes_are_committed_in_batches_and_by_flush(tmp_path: Path) -> None:
    from buildtui.registry.blobcache import COMMIT_EVERY

    path = tmp_path / "cache.sqlite3"
    cache = BlobCache(path)
    blobs = [str(n).encode() for n in range(COMMIT_EVERY + 3)]
    for blob in blobs[:3]:
        cache.put("r", "lab", digest_of(blob), blob)
    assert cache.get("r", "lab", digest_of(blobs[0])) == (blobs[0], "")  # its own writes
    assert _entries_seen_by_another_process(path) == 0  # not committed yet
    cache.flush()
    assert _entries_seen_by_another_process(path) == 3
    for blob in blobs[3:]:
        cache.put("r", "lab", digest_of(blob), blob)
    assert _entries_seen_by_another_process(path) == COMMIT_EVERY + 3  # a full batch
    cache.close()


def test_an_entry_another_process_evicted_is_missed_then_kept_again(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    cache = BlobCache(path)
    data = b'{"a": 1}'
    cache.put("r", "lab", digest_of(data), data)
    cache.put("r", "lab", digest_of(b"other"), b"other")
    cache.flush()
    with sqlite3.connect(path) as other:  # another buildtui evicts the first entry
        other.execute("DELETE FROM entries WHERE digest = ?", (digest_of(data),))
    assert cache.has("r", "lab", digest_of(data))  # this process cannot know yet
    assert cache.get("r", "lab", digest_of(data)) is None  # the read misses …
    assert not cache.has("r", "lab", digest_of(data))  # … and forgets it
    cache.put("r", "lab", digest_of(data), data)  # fetched again: kept again
    assert cache.get("r", "lab", digest_of(data)) == (data, "")
    assert cache.get("r", "lab", digest_of(b"other")) == (b"other", "")
    cache.close()


def test_bytes_the_client_checked_are_not_hashed_again_but_only_known_digests_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from buildtui.registry import blobcache

    hashed: list[str] = []
    matches = blobcache._matches

    def spy(data: bytes, digest: str) -> bool:
        hashed.append(digest)
        return matches(data, digest)

    monkeypatch.setattr(blobcache, "_matches", spy)
    cache = BlobCache(tmp_path / "cache.sqlite3")
    cache.put("r", "lab", digest_of(b"checked"), b"checked", checked=True)
    assert hashed == [] and cache.has("r", "lab", digest_of(b"checked"))
    cache.put("r", "lab", "md5:" + "0" * 32, b"checked", checked=True)  # nothing to verify by
    assert not cache.has("r", "lab", "md5:" + "0" * 32)
    cache.put("r", "lab", digest_of(b"x"), b"not x")  # not checked: hashed, and refused
    assert hashed == [digest_of(b"x")] and not cache.has("r", "lab", digest_of(b"x"))
    assert cache.get("r", "lab", digest_of(b"checked")) == (b"checked", "")  # read: checked
    cache.close()


def test_a_write_refused_by_another_writer_loses_nothing_kept_before(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    cache = BlobCache(path)
    cache.put("r", "lab", digest_of(b"kept"), b"kept")
    cache.flush()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another buildtui writing the file
    try:
        cache.put("r", "lab", digest_of(b"refused"), b"refused")  # queued
        assert cache.get("r", "lab", digest_of(b"refused")) == (b"refused", "")
        assert cache.flush() is False  # written: refused, and forgotten
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert not cache.has("r", "lab", digest_of(b"refused"))  # what the file holds
    assert cache.has("r", "lab", digest_of(b"kept"))
    cache.put("r", "lab", digest_of(b"later"), b"later")
    cache.flush()
    assert cache.get("r", "lab", digest_of(b"refused")) is None
    assert cache.usage().entries == 2
    assert cache.usage().bytes == len(b"kept") + len(b"later")
    cache.close()


async def test_a_scan_leaves_nothing_uncommitted(tmp_path: Path) -> None:
    # Another buildtui reading or writing the file meets no transaction left open.
    from tests.fakes.registry import fake_service

    registry = lab_registry()
    service = fake_service(registry)
    service._blob_cache_choice = BlobCache(tmp_path / "cache.sqlite3")
    try:
        await service.scan()
        assert _entries_seen_by_another_process(tmp_path / "cache.sqlite3") > 0
        with sqlite3.connect(tmp_path / "cache.sqlite3", timeout=0) as other:
            other.execute("BEGIN IMMEDIATE")  # would be refused with a transaction open
            other.execute("ROLLBACK")
    finally:
        await service.aclose()


async def test_a_scan_whose_writes_another_buildtui_refuses_still_answers(
    tmp_path: Path,
) -> None:
    # Two buildtuis (or a pane and the lab's guide) keep the same file: a scan that ends
    # while the other writes it loses what it would have kept, never its result.
    path = tmp_path / "cache.sqlite3"
    cache = BlobCache(path)
    client = client_for(lab_registry())
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        scan = await scan_registry(client, cache=cache)
    finally:
        other.execute("ROLLBACK")
        other.close()
        await client.aclose()
    assert scan.entries() and not any(e.error for e in scan.entries())
    assert cache.usage().entries == 0  # refused and forgotten: fetched again next time
    cache.close()


async def test_a_repeat_scan_reads_each_kept_document_once(tmp_path: Path) -> None:
    # Each read hashes the bytes again: a document read twice costs twice.
    registry = lab_registry()
    cache = BlobCache(tmp_path / "cache.sqlite3")
    client = client_for(registry)
    first = await scan_registry(client, cache=cache)
    kept = cache.usage().entries
    hits = cache.hits
    second = await scan_registry(client, cache=cache)
    assert 0 < cache.hits - hits <= kept
    assert [e.report for e in second.entries()] == [e.report for e in first.entries()]
    await client.aclose()


async def test_a_damaged_kept_index_entry_is_fetched_anew(tmp_path: Path) -> None:
    registry = lab_registry()
    cache = BlobCache(tmp_path / "cache.sqlite3")
    client = client_for(registry)
    first = await scan_registry(client, cache=cache)
    index = json.loads(registry.manifests["lab"][registry.tags["lab"]["cachetest"]][0])
    entry = index["manifests"][0]["digest"]
    with sqlite3.connect(tmp_path / "cache.sqlite3") as db:
        db.execute("UPDATE entries SET data = ? WHERE digest = ?", (b"[]", entry))
    registry.requests.clear()
    second = await scan_registry(client, cache=cache)
    assert f"GET /v2/lab/manifests/{entry}" in _gets(registry)
    assert [e.report for e in second.entries()] == [e.report for e in first.entries()]
    await client.aclose()


def test_a_process_killed_with_writes_uncommitted_leaves_a_cache_that_works(
    tmp_path: Path,
) -> None:
    # The terminal closed mid-scan: what was committed stays, what was not is gone, and
    # the file opens and takes new entries (the next scan fetches what is missing).
    path = tmp_path / "cache.sqlite3"
    script = textwrap.dedent(
        f"""
        import hashlib, os, signal
        from pathlib import Path
        from buildtui.registry.blobcache import BlobCache

        def digest(data):
            return "sha256:" + hashlib.sha256(data).hexdigest()

        cache = BlobCache(Path({str(path)!r}))
        cache.put("r", "lab", digest(b"committed"), b"committed")
        cache.flush()
        cache.put("r", "lab", digest(b"pending"), b"pending")
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    killed = subprocess.run([sys.executable, "-c", script], check=False)
    assert killed.returncode == -signal.SIGKILL
    cache = BlobCache(path)
    assert cache.get("r", "lab", digest_of(b"committed")) == (b"committed", "")
    assert cache.get("r", "lab", digest_of(b"pending")) is None
    cache.put("r", "lab", digest_of(b"after"), b"after")
    cache.flush()
    assert cache.usage().entries == 2
    assert cache.usage().bytes == len(b"committed") + len(b"after")
    cache.close()


def test_clear_drops_every_entry_tag_and_queued_write(tmp_path: Path) -> None:
    cache = BlobCache(tmp_path / "cache.sqlite3")
    cache.put("r", "lab", digest_of(b"kept"), b"kept")
    cache.set_tag_digest("r", "lab", "v1", digest_of(b"kept"))
    cache.flush()
    cache.put("r", "lab", digest_of(b"queued"), b"queued")  # not yet written
    assert cache.clear() == 2
    assert not cache.has("r", "lab", digest_of(b"kept"))
    assert cache.get("r", "lab", digest_of(b"queued")) is None
    assert cache.tag_digest("r", "lab", "v1") is None
    cache.flush()
    assert cache.usage().entries == 0 and cache.usage().bytes == 0
    cache.put("r", "lab", digest_of(b"later"), b"later")  # kept as before
    assert cache.get("r", "lab", digest_of(b"later")) == (b"later", "")
    cache.close()


@pytest.mark.parametrize(
    ("killed_at", "left"), [("DELETE FROM tags", 50), ("VACUUM", 0)], ids=["deleting", "vacuuming"]
)
def test_a_clear_killed_midway_leaves_all_or_nothing_and_a_cache_that_works(
    tmp_path: Path, killed_at: str, left: int
) -> None:
    # `buildtui registry cache --clear` killed (a closed terminal) inside its transaction,
    # or once it committed and gives the space back.
    path = tmp_path / "cache.sqlite3"
    cache = BlobCache(path)
    for n in range(50):
        data = b"%d" % n * 500
        cache.put("r", "lab", digest_of(data), data)
    cache.close()
    script = textwrap.dedent(
        f"""
        import os, signal
        from pathlib import Path
        from buildtui.registry.blobcache import BlobCache

        class KilledAt:
            def __init__(self, db):
                self.db = db

            def execute(self, sql, *args):
                if sql.startswith({killed_at!r}):
                    os.kill(os.getpid(), signal.SIGKILL)
                return self.db.execute(sql, *args)

            def __getattr__(self, name):
                return getattr(self.db, name)

        cache = BlobCache(Path({str(path)!r}))
        cache._db = KilledAt(cache._db)
        cache.clear()
        """
    )
    killed = subprocess.run([sys.executable, "-c", script], check=False)
    assert killed.returncode == -signal.SIGKILL
    cache = BlobCache(path)
    assert cache.usage().entries == left
    if left:
        assert cache.get("r", "lab", digest_of(b"7" * 500)) == (b"7" * 500, "")
    cache.put("r", "lab", digest_of(b"after"), b"after")
    cache.flush()
    assert cache.usage().entries == left + 1
    cache.close()
