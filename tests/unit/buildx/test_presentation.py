"""Rows, details, removal plans and previews: pure functions shared by the pane and the CLI."""

from __future__ import annotations

from dataclasses import replace

from buildtui.buildx.builders import current_builder, select_prunable
from buildtui.buildx.models import PruneOptions
from buildtui.buildx.presentation import builder_details, builder_rows, format_activity
from buildtui.buildx.presentation_actions import inspection_lines, preview_lines, removal_plan
from tests.fakes.builders import FakeBuildersService, sample_builders, sample_usage

LISTING = current_builder(sample_builders(), "")


def test_rows_follow_buildx_ls() -> None:
    rows = builder_rows(LISTING)
    assert [row.cells[0] for row in rows] == [
        "default*",
        " └ default",
        "lab7",
        " └ lab70",
        "cachebox",
        " └ cachebox0",
        " └ cachebox-arm",
        "farbox",
        " └ farbox0",
    ]
    assert rows[0].current and rows[0].kind == "builder"
    assert rows[3].cells[4] == "linux/amd64*, linux/arm64*"
    assert rows[0].cells[5] == "2026-11-27 16:54 UTC"
    assert len({row.key for row in rows}) == len(rows)


def test_a_node_error_shows_in_place_of_platforms() -> None:
    farbox = [row for row in builder_rows(LISTING) if row.builder == "farbox"]
    assert farbox[1].cells[2] == "error"
    assert farbox[1].cells[4] == "connection refused"
    assert farbox[1].error == "connection refused"


def test_details_name_flags_options_files_and_in_use() -> None:
    default, lab7, cachebox, _ = LISTING.builders
    assert ("In use", "yes (`buildx use` / Docker context)") in builder_details(default, LISTING)
    details = builder_details(lab7)
    assert ("  Driver option", "network=host") in details
    assert ("  Flags", "--allow-insecure-entitlement=network.host") in details
    assert ("  Platforms", "linux/amd64*, linux/arm64* (* set by hand)") in details
    assert ("  File", "buildkitd.toml") in builder_details(cachebox)


def test_details_say_when_buildx_builder_chose() -> None:
    listing = current_builder(sample_builders(), "lab7")
    lab7 = listing.get("lab7")
    assert lab7 is not None
    assert ("In use", "yes (BUILDX_BUILDER)") in builder_details(lab7, listing)


def test_removal_of_a_docker_container_builder_names_container_and_cache() -> None:
    lab7 = LISTING.builders[1]
    plan = removal_plan(lab7)
    assert plan.lost == (
        "builder 'lab7' and its settings (nodes, flags, driver options)",
        "container buildx_buildkit_lab70 (its BuildKit daemon)",
        "volume buildx_buildkit_lab70_state: all of its build cache",
    )
    assert plan.kept == ()


def test_keep_state_keeps_the_volume_and_keep_daemon_the_container() -> None:
    lab7 = LISTING.builders[1]
    keep_state = removal_plan(lab7, keep_state=True)
    assert "container buildx_buildkit_lab70 (its BuildKit daemon)" in keep_state.lost
    assert keep_state.kept == (
        "volume buildx_buildkit_lab70_state with its build cache (--keep-state)",
    )
    keep_daemon = removal_plan(lab7, keep_daemon=True)
    assert len(keep_daemon.lost) == 1 and len(keep_daemon.kept) == 2


def test_removal_of_the_current_and_of_a_remote_builder() -> None:
    farbox = LISTING.builders[3]
    plan = removal_plan(farbox)
    assert plan.kept == ("the BuildKit daemon at tcp://10.0.0.9:1234 (buildx did not start it)",)
    current = removal_plan(replace(LISTING.builders[1], current=True))
    assert current.lost[-1].startswith("its place as the builder in use")


def test_preview_lines() -> None:
    preview = select_prunable("default", sample_usage(), PruneOptions(all=True))
    lines = preview_lines(preview)
    assert lines[-1] == "3 record(s), 1.098MB from builder default"
    assert lines[0].startswith("l305tv0cx7geu9bxk3dkdiv07    1.065MB  3 days ago")


def test_inspection_lines_keep_buildx_order() -> None:
    inspection = FakeBuildersService().inspect("cachebox")
    lines = inspection_lines(inspection)
    assert lines[:2] == [("Name", "cachebox"), ("Driver", "docker-container")]
    assert ("Name", "cachebox-arm") in lines


def test_format_activity() -> None:
    assert format_activity(None) == ""


def test_the_table_folds_an_architecture_s_variants_so_arm64_stays_in_view() -> None:
    from buildtui.buildx.models import Node, Platform
    from buildtui.buildx.presentation import platforms_short

    names = ["linux/amd64", "linux/amd64/v2", "linux/amd64/v3", "linux/arm64", "linux/arm/v7"]
    node = Node("default", "default", "running", "v0.13", tuple(Platform(n) for n in names))
    assert platforms_short(node) == "linux/amd64 (+v2 v3), linux/arm64, linux/arm/v7"
