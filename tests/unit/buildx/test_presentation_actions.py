"""What each action on a builder shows (inspect, bootstrap, create, remove, disk usage,
prune): pure lines and Rich text with semantic styles, never colours."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from buildtui.buildx.builders import current_builder, select_prunable
from buildtui.buildx.commands import CreatePlan
from buildtui.buildx.errors import BootstrapCancelled, EngineUnavailable
from buildtui.buildx.models import CreateOptions, PruneOptions, PrunePreview
from buildtui.buildx.presentation_actions import (
    bootstrap_text,
    command_text,
    create_note_text,
    created_text,
    inspection_lines,
    inspection_text,
    leave_losses,
    preview_lines,
    prune_summary_text,
    record_cells,
    removal_plan,
    totals_text,
)
from tests.fakes.builders import FakeBuildersService, sample_builders, sample_usage
from tests.unit.styles import stray_style_words, style_of

LISTING = current_builder(sample_builders(), "")


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
    assert lines[-1] == "3 records, 1.098MB from builder default"
    assert lines[0].startswith("l305tv0cx7geu9bxk3dkdiv07    1.065MB  3 days ago")


def test_inspection_lines_keep_buildx_order() -> None:
    inspection = FakeBuildersService().inspect("cachebox")
    lines = inspection_lines(inspection)
    assert lines[:2] == [("Name", "cachebox"), ("Driver", "docker-container")]
    assert ("Name", "cachebox-arm") in lines


def test_bootstrap_outcome_up_cancelled_or_failed() -> None:
    inspection = FakeBuildersService().inspect("lab7")
    up = bootstrap_text("lab7", inspection, None)
    assert up.plain.startswith("lab7 is up (lab70: ")
    assert style_of(up, "lab7 is up") == "bold success"
    cancelled = bootstrap_text("lab7", None, BootstrapCancelled("lab7"))
    assert style_of(cancelled, 'Bootstrap of "lab7" was cancelled') == "bold warning"
    failed = bootstrap_text("lab7", None, EngineUnavailable("gone"))
    assert style_of(failed, "The Docker engine is not reachable (gone)") == "bold error"


def test_inspection_text_puts_labels_in_bold() -> None:
    inspected = inspection_text(FakeBuildersService().inspect("cachebox"))
    first = inspected.plain.split("\n")[0]
    assert first.startswith("Name:") and first.endswith("cachebox")
    assert not inspected.plain.endswith("\n")


def test_du_records_and_totals_as_buildx_du_marks_them() -> None:
    usage = sample_usage()
    shared, mutable = usage.records[0], usage.records[1]
    assert record_cells(shared)[2] == "1.065MB*"
    assert record_cells(mutable)[0] == "sm17l1x7e4ciju1prhsgotdpm*"
    assert record_cells(usage.records[3])[1] == "false"
    totals = totals_text(usage).plain
    assert totals.startswith("Shared: 1.065MB   Private: 36.87kB   Reclaimable: 1.098MB")
    assert "(4 records;" in totals


def test_prune_summary_nothing_exact_or_estimated() -> None:
    preview = select_prunable("default", sample_usage(), PruneOptions(all=True))
    assert prune_summary_text(preview).plain == "3 records, 1.098MB of build cache go."
    empty = PrunePreview("default", PruneOptions(), records=())
    assert prune_summary_text(empty).plain == "Nothing to prune with these options."
    estimate = PrunePreview("default", PruneOptions(keep_storage="1GB"), (), estimate=True)
    assert "BuildKit makes the final choice" in prune_summary_text(estimate).plain


def test_create_command_note_and_outcome() -> None:
    command = command_text("docker buildx create --name lab7")
    assert command.plain == "$ docker buildx create --name lab7"
    assert style_of(command, "$ ") == "muted"
    plan = CreatePlan(
        CreateOptions(name="lab7", use=True),
        ("buildx", "create"),
        config_path=Path("/tmp/lab7/buildkitd.toml"),
        config_text='[registry."localhost:5000"]\n  http = true\n',
    )
    note = create_note_text(plan)
    assert note.plain == (
        'Writes /tmp/lab7/buildkitd.toml first:\n[registry."localhost:5000"]\n  http = true'
    )
    assert create_note_text(CreatePlan(CreateOptions(name="x"), ())).plain == ""
    assert created_text(plan, "lab7") == "Builder lab7 created and in use"
    leave = CreatePlan(CreateOptions(name="cachebox", node="cachebox-arm", mode="leave"), ())
    assert created_text(leave, "cachebox") == "Node cachebox-arm removed from cachebox"
    append = CreatePlan(CreateOptions(name="cachebox", mode="append"), ())
    assert created_text(append, "cachebox") == "Node added to cachebox"


def test_leaving_a_docker_container_node_loses_its_container_and_cache() -> None:
    cachebox = LISTING.get("cachebox")
    assert leave_losses("cachebox", "cachebox-arm", cachebox) == [
        "node cachebox-arm of builder cachebox",
        "the node's container buildx_buildkit_cachebox-arm and its build cache",
    ]
    assert leave_losses("farbox", "farbox0", LISTING.get("farbox")) == [
        "node farbox0 of builder farbox"
    ]


def test_no_action_text_names_a_colour() -> None:
    texts = [
        bootstrap_text("lab7", None, BootstrapCancelled("lab7")),
        command_text("docker"),
        totals_text(sample_usage()),
    ]
    for text in texts:
        assert stray_style_words(text) == set(), text.plain
