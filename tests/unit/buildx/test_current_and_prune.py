"""Which builder is in use (BUILDX_BUILDER, `*`), and what a prune is expected to remove."""

from __future__ import annotations

from pathlib import Path

import pytest

from buildtui.buildx.builders import current_builder, select_prunable
from buildtui.buildx.errors import EngineUnavailable
from buildtui.buildx.models import CacheRecord, DiskUsage, PruneOptions
from buildtui.buildx.parsing import parse_du_verbose, parse_ls_template

DATA = Path(__file__).parent / "data"
BUILDERS = parse_ls_template((DATA / "ls_template.txt").read_text())


def test_current_is_the_builder_buildx_marks() -> None:
    result = current_builder(BUILDERS, "")
    assert result.current == "labx"
    assert result.current_source == "buildx"
    assert result.warning is None


def test_buildx_builder_variable_wins_over_buildx_use() -> None:
    result = current_builder(BUILDERS, "Plain")
    assert result.current == "plain"
    assert result.current_source == "BUILDX_BUILDER"
    assert [b.name for b in result.builders if b.current] == ["plain"]


def test_buildx_builder_naming_no_builder_is_a_warning() -> None:
    result = current_builder(BUILDERS, "gone")
    assert result.current is None
    assert not any(b.current for b in result.builders)
    assert result.warning is not None
    assert "BUILDX_BUILDER=gone" in result.warning and "Unset BUILDX_BUILDER" in result.warning


def test_engine_down_is_one_error_not_a_list() -> None:
    down = parse_ls_template((DATA / "ls_template_engine_down.txt").read_text())
    with pytest.raises(EngineUnavailable) as caught:
        current_builder(down, "")
    assert "unix:///tmp/nope.sock" in caught.value.what
    assert "Start the Docker daemon" in caught.value.fix


def record(
    rid: str,
    size: int,
    *,
    age: str = "5 seconds ago",
    shared: bool = False,
    in_use: bool = False,
    kind: str = "regular",
) -> CacheRecord:
    return CacheRecord(
        id=rid,
        reclaimable=not in_use,
        size=f"{size}B",
        size_bytes=size,
        last_accessed=age,
        shared=shared,
        in_use=in_use,
        record_type=kind,
    )


USAGE = DiskUsage(
    records=(
        record("old", 400, age="3 days ago"),
        record("new", 300, age="5 seconds ago"),
        record("shared", 200, shared=True),
        record("busy", 100, in_use=True),
        record("frontend", 50, kind="frontend"),
    ),
    total="1.05kB",
)


def ids(options: PruneOptions) -> list[str]:
    return [r.id for r in select_prunable("b", USAGE, options).records]


def test_prune_without_all_keeps_shared_internal_frontend_and_busy() -> None:
    assert ids(PruneOptions()) == ["old", "new"]


def test_prune_all_takes_everything_not_in_use() -> None:
    assert ids(PruneOptions(all=True)) == ["old", "new", "shared", "frontend"]


def test_prune_until_keeps_what_was_used_recently() -> None:
    preview = select_prunable("b", USAGE, PruneOptions(filters=("until=24h",)))
    assert [r.id for r in preview.records] == ["old"]
    assert preview.estimate


def test_keep_storage_removes_oldest_first_until_under_the_limit() -> None:
    # 1050 B in all; keep 700 B: removing "old" (400 B) leaves 650 B.
    assert ids(PruneOptions(keep_storage="700")) == ["old"]
    assert ids(PruneOptions(keep_storage="100")) == ["old", "new"]
    assert ids(PruneOptions(keep_storage="1GB")) == []


def test_preview_of_real_du_output() -> None:
    usage = parse_du_verbose((DATA / "du_verbose.txt").read_text())
    preview = select_prunable("default", usage, PruneOptions(all=True))
    assert len(preview.records) == len(usage.records)  # nothing in use in the capture
    assert preview.total_bytes == usage.total_bytes
    assert not preview.estimate
    without_all = select_prunable("default", usage, PruneOptions())
    assert all(not r.shared for r in without_all.records)
    assert len(without_all.records) < len(preview.records)
