"""The Builders pane's and screens' Rich text: semantic styles, never colours."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text

from buildtui.buildx.builders import current_builder, select_prunable
from buildtui.buildx.commands import CreatePlan
from buildtui.buildx.errors import BootstrapCancelled, BuilderNotFound, EngineUnavailable
from buildtui.buildx.models import CreateOptions, PruneOptions, PrunePreview
from buildtui.buildx.presentation import (
    STATUS_STYLES,
    builder_rows,
    details_text,
    error_text,
    problem_text,
    row_cells,
    title_text,
)
from buildtui.buildx.presentation_actions import (
    bootstrap_text,
    command_text,
    create_note_text,
    created_text,
    inspection_text,
    leave_losses,
    prune_summary_text,
    record_cells,
    totals_text,
)
from tests.fakes.builders import FakeBuildersService, sample_builders, sample_usage
from tests.unit.styles import SEMANTIC, stray_style_words, style_of

LISTING = current_builder(sample_builders(), "")


def test_status_styles_are_semantic() -> None:
    assert STATUS_STYLES["running"] == "bold success"
    assert STATUS_STYLES["error"] == "bold error"
    words = {word for style in STATUS_STYLES.values() for word in style.split()}
    assert words - {"bold"} <= SEMANTIC


def test_row_cells_reverse_the_builder_in_use_and_style_status_and_errors() -> None:
    rows = {row.key: row for row in builder_rows(LISTING)}
    name = row_cells(rows["b:default"])[0]
    assert str(name) == "default*"
    assert "reverse" in style_of(name, "default*")
    running = row_cells(rows["n:default/default"])[2]
    assert str(running) == "running" and style_of(running, "running") == "bold success"
    inactive = row_cells(rows["n:lab7/lab70"])[2]
    assert str(inactive) == "inactive" and style_of(inactive, "inactive") == "muted"
    farbox = row_cells(rows["n:farbox/farbox0"])
    assert style_of(farbox[2], "error") == "bold error"
    platforms, fine = farbox[4], row_cells(rows["n:lab7/lab70"])[4]
    assert isinstance(platforms, Text) and isinstance(fine, Text)
    assert (platforms.plain, platforms.style) == ("connection refused", "error")
    assert fine.style == ""


def test_title_says_how_many_which_is_in_use_and_why() -> None:
    assert title_text(None, False).plain == "Builders"
    assert title_text(LISTING, True).plain == "Builders · 4 · in use: default · refreshing…"
    chosen = current_builder(sample_builders(), "lab7")
    title = title_text(chosen, False)
    assert title.plain == "Builders · 4 · in use: lab7 (BUILDX_BUILDER)"
    assert style_of(title, "lab7") == "bold underline"


def test_problem_text_says_what_how_to_fix_and_how_to_retry() -> None:
    text = problem_text(EngineUnavailable("no socket"))
    assert text is not None
    what, fix, retry = text.plain.split("\n")
    assert what == "The Docker engine is not reachable (no socket)"
    assert fix.startswith("Start the Docker daemon")
    assert retry == "Press r to try again."
    assert style_of(text, what) == "bold error"
    warning = problem_text(None, "BUILDX_BUILDER=gone names no builder")
    assert warning is not None and style_of(warning, warning.plain) == "bold warning"
    assert problem_text(None, None) is None


def test_error_text_inline_for_a_form() -> None:
    error = BuilderNotFound("nope")
    inline = error_text(error, inline=True)
    assert inline.plain == f"{error.what}. {error.fix}"
    assert "\n" not in inline.plain
    assert style_of(inline, f"{error.what}. ") == "bold error"
    assert error_text(error).plain == f"{error.what}\n{error.fix}"


def test_bootstrap_outcome_up_cancelled_or_failed() -> None:
    inspection = FakeBuildersService().inspect("lab7")
    up = bootstrap_text("lab7", inspection, None)
    assert up.plain.startswith("lab7 is up (lab70: ")
    assert style_of(up, "lab7 is up") == "bold success"
    cancelled = bootstrap_text("lab7", None, BootstrapCancelled("lab7"))
    assert style_of(cancelled, 'Bootstrap of "lab7" was cancelled') == "bold warning"
    failed = bootstrap_text("lab7", None, EngineUnavailable("gone"))
    assert style_of(failed, "The Docker engine is not reachable (gone)") == "bold error"


def test_details_and_inspection_text_put_labels_in_bold() -> None:
    lab7 = LISTING.get("lab7")
    assert lab7 is not None
    details = details_text(lab7, LISTING)
    assert details.plain.startswith("Builder: lab7\nDriver: docker-container\n")
    assert style_of(details, "Builder: ") == "bold"
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
    assert prune_summary_text(preview).plain == "3 record(s), 1.098MB of build cache go."
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


def test_no_text_names_a_colour() -> None:
    rows = builder_rows(LISTING)
    texts = [cell for row in rows for cell in row_cells(row) if not isinstance(cell, str)]
    texts += [
        title_text(LISTING, True),
        error_text(EngineUnavailable("x"), retry="Press r"),
        bootstrap_text("lab7", None, BootstrapCancelled("lab7")),
        command_text("docker"),
        totals_text(sample_usage()),
    ]
    for text in texts:
        assert stray_style_words(text) == set(), text.plain
