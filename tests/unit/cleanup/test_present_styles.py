"""The pane's Rich text and cells, in semantic styles (the app draws them in its theme)."""

from __future__ import annotations

from rich.text import Text

from buildtui.cleanup.docker_output import parse_gc_output
from buildtui.cleanup.errors import (
    CollectionInterrupted,
    ContainerNotFound,
    PlanRefused,
    RegistryUnavailable,
)
from buildtui.cleanup.gc import GcPreview
from buildtui.cleanup.plan import Selection, plan_deletion
from buildtui.cleanup.present import (
    deletion_warning,
    error_text,
    hint_for,
    inventory_rows,
    item_cells,
    plan_lines,
    plan_subtitle,
    styled,
)
from buildtui.cleanup.present_collection import gc_warning
from tests.fakes.cleanup import GraphBuilder, config, d, lab_graph
from tests.unit.cleanup.test_present import info
from tests.unit.styles import stray_style_words


def styles_of(text: Text, fragment: str) -> set[str]:
    """The styles of the spans that cover the line holding `fragment`."""
    start = text.plain.index(fragment)
    return {str(span.style) for span in text.spans if span.start <= start < span.end}


def test_styled_plan_lines_use_the_given_styles_for_loss_headings_and_reasons() -> None:
    g = GraphBuilder()
    g.image("lab", "app", [config("cfg")], "v1", "latest")
    plan = plan_deletion(g.graph, [Selection("lab", digest=d("app"))])
    text = styled(plan_lines(plan))

    assert text.plain == "".join(line + "\n" for line in plan_lines(plan))
    assert styles_of(text, "REFUSED (nothing will be sent)") == {"bold error"}
    assert styles_of(text, "  ! lab:latest") == {"bold error"}
    assert styles_of(text, "Also removed although not selected") == {"bold error"}


def test_styled_headings_reasons_and_ok() -> None:
    plan = plan_deletion(lab_graph().graph, [Selection("cachedata1", tag="latest")])
    text = styled([*plan_lines(plan), "OK: 5 tags complete"])

    assert styles_of(text, "Goes:") == {"bold"}
    assert styles_of(text, "      why: tag cachedata1:latest") == {"muted"}
    assert styles_of(text, "OK: 5 tags") == {"bold success"}
    assert styles_of(text, "Plan for localhost:5000") == set()


def test_the_pane_s_text_names_no_colour() -> None:
    plan = plan_deletion(lab_graph().graph, [Selection("cachedata1", tag="latest")])
    texts = [styled([*plan_lines(plan), "OK: 5", "DAMAGED: 1"])]
    texts += [error_text(RegistryUnavailable("down"), "Cannot read")]
    for row in inventory_rows(lab_graph().graph):
        texts += [c for c in item_cells(row, row.selection) if isinstance(c, Text)]
    assert [stray_style_words(text) for text in texts] == [set()] * len(texts)


def test_item_cells_mark_the_selection_and_style_the_kind() -> None:
    rows = {row.key: row for row in inventory_rows(lab_graph().graph)}
    cache = rows["cachedata1:latest"]

    cells = item_cells(cache, None)
    assert [str(c) for c in cells[:3]] == ["", "cachedata1:latest", "cache image"]
    assert isinstance(cells[2], Text) and cells[2].style == "bold warning"

    def mark(chosen: Selection) -> tuple[str, str]:
        cell = item_cells(cache, chosen)[0]
        assert isinstance(cell, Text)
        return cell.plain, str(cell.style)

    assert mark(cache.selection) == ("●", "bold error")
    assert mark(Selection("cachedata1", tag="latest", untag_only=True)) == ("tag", "bold error")
    assert mark(Selection("cachedata1", digest=cache.digest)) == ("@", "bold error")


def test_each_error_has_the_next_step_and_the_message_box_styles_it() -> None:
    assert hint_for(CollectionInterrupted("x")).startswith("Press R to resume it")
    assert hint_for(RegistryUnavailable("x")).startswith("Start the registry")
    assert hint_for(ContainerNotFound("x")) == "Fix that, then press g again."
    assert hint_for(PlanRefused("x")) == "Press r to refresh."

    text = error_text(RegistryUnavailable("registry7 is down"), "Cannot read")
    assert text.plain == (
        "Cannot read: registry7 is down\n"
        "Start the registry (or fix the address), then press r to refresh."
    )
    assert styles_of(text, "Cannot read: ") == {"bold error"}
    assert styles_of(text, "\nStart the registry") == {"italic"}


def test_the_confirmation_warnings_name_what_is_lost() -> None:
    g = GraphBuilder()
    g.image("lab", "app", [config("cfg")], "v1", "latest")
    plan = plan_deletion(g.graph, [Selection("lab", tag="v1")], allow_tag_loss=True)
    assert plan_subtitle(plan, allow_tag_loss=True).endswith(" · other tags may go")
    assert plan_subtitle(plan, allow_tag_loss=False).startswith(
        f"{len(plan.steps)} step{'' if len(plan.steps) == 1 else 's'} · frees"
    )
    warning = deletion_warning(plan)
    assert len(plan.deleted_manifests) == 0  # v1 goes alone: latest keeps the manifest
    assert warning == "This deletes 0 manifests. It removes the tag lab:v1."

    output = parse_gc_output("21 blobs marked, 4 blobs and 0 manifests eligible for deletion\n")
    preview = GcPreview(info(), output, 100, ("docker stop registry7",))
    assert gc_warning(preview) == (
        "registry7 stops for a few seconds; 4 blobs and 0 manifests eligible for deletion. "
        "Never with -m."
    )
