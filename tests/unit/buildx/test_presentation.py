"""The builders list: rows and details, pure functions shared by the pane and the CLI."""

from __future__ import annotations

from buildtui.buildx.builders import current_builder
from buildtui.buildx.presentation import builder_details, builder_rows, format_activity
from tests.fakes.builders import sample_builders

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


def test_format_activity() -> None:
    from datetime import UTC, datetime

    from buildtui.i18n import speaking

    assert format_activity(None) == ""
    moment = datetime(2026, 11, 7, 16, 57, tzinfo=UTC)
    assert format_activity(moment) == "2026-11-07 16:57 UTC"
    with speaking("pl"):
        assert format_activity(moment) == "7.11.2026 16:57 UTC"


def test_the_table_folds_an_architecture_s_variants_so_arm64_stays_in_view() -> None:
    from buildtui.buildx.models import Node, Platform
    from buildtui.buildx.presentation import platforms_short

    names = ["linux/amd64", "linux/amd64/v2", "linux/amd64/v3", "linux/arm64", "linux/arm/v7"]
    node = Node("default", "default", "running", "v0.13", tuple(Platform(n) for n in names))
    assert platforms_short(node) == "linux/amd64 (+v2 v3), linux/arm64, linux/arm/v7"
