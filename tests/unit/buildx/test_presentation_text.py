"""The builders list's Rich text (rows, title, errors, details): semantic styles, never
colours."""

from __future__ import annotations

from rich.text import Text

from buildtui.buildx.builders import current_builder
from buildtui.buildx.errors import BuilderNotFound, EngineUnavailable
from buildtui.buildx.presentation import (
    STATUS_STYLES,
    builder_rows,
    details_text,
    error_text,
    problem_text,
    row_cells,
    title_text,
)
from tests.fakes.builders import sample_builders
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
    assert isinstance(name, Text)
    assert str(name) == "default*"
    assert "reverse" in style_of(name, "default*")
    running = row_cells(rows["n:default/default"])[2]
    assert isinstance(running, Text)
    assert str(running) == "running" and style_of(running, "running") == "bold success"
    inactive = row_cells(rows["n:lab7/lab70"])[2]
    assert isinstance(inactive, Text)
    assert str(inactive) == "inactive" and style_of(inactive, "inactive") == "muted"
    farbox = row_cells(rows["n:farbox/farbox0"])
    assert isinstance(farbox[2], Text)
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


def test_details_text_puts_labels_in_bold() -> None:
    lab7 = LISTING.get("lab7")
    assert lab7 is not None
    details = details_text(lab7, LISTING)
    assert details.plain.startswith("Builder: lab7\nDriver: docker-container\n")
    assert style_of(details, "Builder: ") == "bold"


def test_no_text_names_a_colour() -> None:
    rows = builder_rows(LISTING)
    texts = [cell for row in rows for cell in row_cells(row) if not isinstance(cell, str)]
    texts += [title_text(LISTING, True), error_text(EngineUnavailable("x"), retry="Press r")]
    for text in texts:
        assert stray_style_words(text) == set(), text.plain
