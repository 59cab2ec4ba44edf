"""Predicted against measured: each blob the collector deleted, planned or earlier garbage."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from buildtui.cleanup.accounting import PlannedBlob, account_for, on_disk, planned_blobs
from buildtui.cleanup.docker_output import parse_gc_output
from buildtui.cleanup.pending import PendingDeletions
from buildtui.cleanup.plan import Selection, plan_deletion
from buildtui.cleanup.present_collection import gc_account_json, gc_account_lines
from tests.fakes.cleanup import d, lab_graph


def collector_output(*digests: str) -> str:
    """What `registry garbage-collect` prints for these deleted blobs."""
    lines = [f"lab: marking manifest {d('kept')}"]
    lines += [f"blob eligible for deletion: {digest}" for digest in digests]
    lines.append(f"\n12 blobs marked, {len(digests)} blobs and 0 manifests eligible for deletion")
    return "\n".join(lines)


def test_the_cache_deletion_s_blobs_are_planned_and_the_rest_is_earlier_garbage() -> None:
    plan = plan_deletion(lab_graph().graph, [Selection("cachedata1", tag="latest")])
    predicted = planned_blobs(plan)
    assert {b.digest for b in predicted} == {b.digest for b in plan.freed_blobs}
    earlier = [d("interrupted push layer"), d("old revision config")]
    output = parse_gc_output(collector_output(*[b.digest for b in predicted], *earlier))

    account = account_for(predicted, output, 2_000, 1_000, ["cachedata1:latest"])

    assert account.planned == predicted
    assert account.earlier == tuple(earlier)
    assert account.not_deleted == ()
    assert account.predicted_bytes == account.planned_bytes == plan.freed_bytes == 411_600
    assert account.measured_bytes == 1_000 * 1024
    # du counts blocks: the planned blobs' share on disk, the rest is the earlier garbage.
    assert account.planned_disk_bytes == sum(on_disk(b.size) for b in predicted)
    assert account.earlier_bytes == 1_000 * 1024 - account.planned_disk_bytes

    text = "\n".join(gc_account_lines(account))
    assert "Predicted by the plan (cachedata1:latest): 4 blobs, 412 kB" in text
    assert (
        "Measured: 1.02 MB freed (du -sk of the registry's storage before and after the "
        "collection), 6 blobs deleted" in text
    )
    assert "4 blobs, 412 kB (about 438 kB on disk): freed by this deletion (planned)" in text
    assert "2 blobs, about 586 kB on disk: garbage already in storage before it (earlier " in text
    document = gc_account_json(account)
    assert document["planned"]["blobs"] == [b.digest for b in predicted]
    assert document["earlier_garbage"] == {
        "blobs": earlier,
        "disk_bytes": account.earlier_bytes,
    }
    assert document["measured_bytes"] == 1_024_000
    json.dumps(document)


def test_a_predicted_blob_the_collector_kept_is_reported() -> None:
    layer = PlannedBlob(d("layer"), 5_000, "layer")
    again = PlannedBlob(d("pushed again"), 7_000, "layer")
    account = account_for([layer, again], parse_gc_output(collector_output(layer.digest)), 10, 2)
    assert account.planned == (layer,)
    assert account.not_deleted == (again,)
    assert account.earlier == ()
    assert account.earlier_bytes == 0
    text = "\n".join(gc_account_lines(account))
    assert "1 blob the plan predicted, 7 kB, not deleted" in text
    assert "garbage already in storage" not in text


def test_without_a_recorded_deletion_everything_deleted_was_earlier_garbage() -> None:
    output = parse_gc_output(collector_output(d("a"), d("b")))
    account = account_for([], output, None, None)
    assert account.earlier == (d("a"), d("b")) and account.planned == ()
    assert account.measured_bytes is None and account.earlier_bytes is None
    text = "\n".join(gc_account_lines(account))
    assert "no deletion was recorded since the last collection" in text
    assert "Measured: unknown, 2 blobs deleted" in text
    assert "  2 blobs: garbage already in storage before it" in text


def test_on_disk_counts_whole_blocks_and_the_blob_s_directory() -> None:
    assert on_disk(1) == 8192
    assert on_disk(4096) == 8192
    assert on_disk(4097) == 12288


def test_deletions_are_recorded_per_registry_for_the_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "data" / "cleanup-pending.json"
    pending = PendingDeletions(path)
    a = PlannedBlob(d("a"), 10, "layer")
    b = PlannedBlob(d("b"), 20, "manifest")
    pending.record("localhost:5000", "cachedata1:latest", [a, b])
    pending.record("localhost:5000", "lab:old", [b, PlannedBlob(d("c"), 30, "config")])
    pending.record("localhost:5001", "other:x", [a])

    mine = PendingDeletions(path).get("localhost:5000")
    assert mine.deletions == ("cachedata1:latest", "lab:old")
    assert [x.digest for x in mine.blobs] == [d("a"), d("b"), d("c")]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700

    pending.clear("localhost:5000")
    assert pending.get("localhost:5000").blobs == ()
    assert pending.get("localhost:5001").deletions == ("other:x",)


def test_an_unreadable_record_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "cleanup-pending.json"
    path.write_text("{not json")
    pending = PendingDeletions(path)
    assert pending.get("localhost:5000").blobs == ()
    pending.record("localhost:5000", "lab:v1", [PlannedBlob(d("a"), 1, "layer")])
    assert pending.get("localhost:5000").deletions == ("lab:v1",)


def test_earlier_garbage_too_small_to_tell_apart_in_du_has_no_size() -> None:
    layer = PlannedBlob(d("layer"), 5_000, "layer")
    output = parse_gc_output(collector_output(layer.digest, d("tiny")))
    account = account_for([layer], output, 20, 8)  # 12 kB freed: all of it the layer's
    assert account.planned_disk_bytes == 12_288
    assert account.earlier_bytes is None
    assert "  1 blob: garbage already in storage" in "\n".join(gc_account_lines(account))
