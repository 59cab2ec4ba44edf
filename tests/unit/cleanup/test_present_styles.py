"""The pane's Rich text and cells, in the styles it is given (the theme's, in the app)."""

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
    PLAIN_STYLES,
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

THEME = {name: f"style-of-{name}" for name in PLAIN_STYLES}
"""Stand-ins for a theme's styles: each span says which name it came from."""


def styles_of(text: Text, fragment: str) -> set[str]:
    """The styles of the spans that cover the line holding `fragment`."""
    start = text.plain.index(fragment)
    return {str(span.style) for span in text.spans if span.start <= start < span.end}


def test_styled_plan_lines_use_the_given_styles_for_loss_headings_and_reasons() -> None:
    g = GraphBuilder()
    g.image("lab", "app", [config("cfg")], "v1", "latest")
    plan = plan_deletion(g.graph, [Selection("lab", digest=d("app"))])
    text = styled(plan_lines(plan), THEME)

    assert text.plain == "".join(line + "\n" for line in plan_lines(plan))
    assert styles_of(text, "REFUSED (nothing will be sent)") == {"style-of-loss"}
    assert styles_of(text, "  ! lab:latest") == {"style-of-loss"}
    assert styles_of(text, "Also removed although not selected") == {"style-of-loss"}


def test_styled_headings_reasons_and_ok() -> None:
    plan = plan_deletion(lab_graph().graph, [Selection("cachedata1", tag="latest")])
    text = styled([*plan_lines(plan), "OK: 5 tags complete"], THEME)

    assert styles_of(text, "Goes:") == {"style-of-heading"}
    assert styles_of(text, "      why: tag cachedata1:latest") == {"style-of-reason"}
    assert styles_of(text, "OK: 5 tags") == {"style-of-ok"}
    assert styles_of(text, "Plan for localhost:5000") == set()


def test_plain_styles_are_the_default() -> None:
    assert styles_of(styled(["DAMAGED: 1 tag"]), "DAMAGED") == {"bold red"}


def test_item_cells_mark_the_selection_and_style_the_kind() -> None:
    rows = {row.key: row for row in inventory_rows(lab_graph().graph)}
    cache = rows["cachedata1:latest"]

    cells = item_cells(cache, None, THEME)
    assert [str(c) for c in cells[:3]] == ["", "cachedata1:latest", "cache image"]
    assert isinstance(cells[2], Text) and cells[2].style == "style-of-cache"

    def mark(chosen: Selection) -> tuple[str, str]:
        cell = item_cells(cache, chosen, THEME)[0]
        assert isinstance(cell, Text)
        return cell.plain, str(cell.style)

    assert mark(cache.selection) == ("●", "style-of-loss")
    assert mark(Selection("cachedata1", tag="latest", untag_only=True)) == ("tag", "style-of-loss")
    assert mark(Selection("cachedata1", digest=cache.digest)) == ("@", "style-of-loss")


def test_each_error_has_the_next_step_and_the_message_box_styles_it() -> None:
    assert hint_for(CollectionInterrupted("x")).startswith("Press R to resume it")
    assert hint_for(RegistryUnavailable("x")).startswith("Start the registry")
    assert hint_for(ContainerNotFound("x")) == "Fix that, then press g again."
    assert hint_for(PlanRefused("x")) == "Press r to refresh."

    text = error_text(RegistryUnavailable("registry7 is down"), "Cannot read", THEME)
    assert text.plain == (
        "Cannot read: registry7 is down\n"
        "Start the registry (or fix the address), then press r to refresh."
    )
    assert styles_of(text, "Cannot read: ") == {"style-of-loss"}
    assert styles_of(text, "\nStart the registry") == {"style-of-hint"}


def test_the_confirmation_warnings_name_what_is_lost() -> None:
    g = GraphBuilder()
    g.image("lab", "app", [config("cfg")], "v1", "latest")
    plan = plan_deletion(g.graph, [Selection("lab", tag="v1")], allow_tag_loss=True)
    assert plan_subtitle(plan, allow_tag_loss=True).endswith(" · other tags may go")
    assert plan_subtitle(plan, allow_tag_loss=False).startswith(f"{len(plan.steps)} step(s)")
    warning = deletion_warning(plan)
    assert warning.startswith(f"This deletes {len(plan.deleted_manifests)} manifest(s)")
    assert "lab:v1" in warning

    output = parse_gc_output("21 blobs marked, 4 blobs and 0 manifests eligible for deletion\n")
    preview = GcPreview(info(), output, 100, ("docker stop registry7",))
    assert gc_warning(preview) == (
        "registry7 stops for a few seconds; 4 blobs and 0 manifests eligible for deletion. "
        "Never with -m."
    )
