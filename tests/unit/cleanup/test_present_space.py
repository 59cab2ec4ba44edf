"""The space as text, bars, JSON and pane cells: readable without colour, names never
markup, control characters never printed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from buildtui.cleanup.present_space import (
    FREES,
    SHARED,
    bar_cells,
    picture_lines,
    picture_text,
    space_cells,
    space_json,
    space_lines,
)
from buildtui.cleanup.space import Bar, SpaceIndex, space_report
from buildtui.cli import main
from buildtui.i18n import speaking
from tests.fakes.cleanup import fake_cleanup_service, lab_graph
from tests.fakes.english_left import untranslated
from tests.fakes.hostile_checks import ESCAPED
from tests.fakes.hostile_content import hostile_content_registry


@given(st.integers(0, 10**9), st.integers(0, 10**9), st.integers(1, 10**9))
def test_a_bar_shows_each_part_that_is_not_zero(freeable: int, shared: int, extra: int) -> None:
    bar = Bar("x", freeable, shared)
    largest = bar.total + extra - 1
    frees, rest = bar_cells(bar, largest, 24)
    assert set(frees) <= {FREES} and set(rest) <= {SHARED}
    assert len(frees + rest) <= 25
    assert bool(frees) == bool(freeable) and bool(rest) == bool(shared)


def test_the_largest_bar_is_the_whole_width_and_the_others_in_proportion() -> None:
    big, small = Bar("big", 600, 400), Bar("small", 0, 250)
    assert bar_cells(big, 1000, 20) == (FREES * 12, SHARED * 8)
    assert bar_cells(small, 1000, 20) == ("", SHARED * 5)


def test_the_picture_has_legends_that_name_the_marks() -> None:
    lines = picture_lines(space_report(lab_graph().graph))
    assert lines[0].startswith("By repository (█ frees if the repository is deleted whole")
    cache = next(line for line in lines if line.strip().startswith("cachedata1"))
    assert FREES in cache and SHARED in cache
    assert cache.endswith("412 kB frees of 2.32 MB")
    assert any(line.startswith("By kind (█ only manifests of this kind hold it") for line in lines)


def test_the_picture_speaks_polish_with_its_figures_in_one_sentence() -> None:
    with speaking("pl"):  # the rows' names are made with the report, in its language
        report = space_report(lab_graph().graph)
        lines = picture_lines(report)
        table = space_lines(report)
    cache = next(line for line in lines if line.strip().startswith("cachedata1"))
    assert cache.endswith("412 kB zwalnia z 2,32 MB")
    kinds = lines[lines.index("") + 1 :]
    assert all(" of " not in line and " frees " not in line for line in lines)
    assert any(line.endswith("własnych z 2,32 MB") or "własnych z" in line for line in kinds)
    assert untranslated("\n".join(table)) == []


def test_the_picture_in_the_pane_styles_the_marks_it_already_shows() -> None:
    text = picture_text(space_report(lab_graph().graph))
    assert FREES in text.plain and SHARED in text.plain
    styles = {str(span.style) for span in text.spans}
    assert {"bold warning", "muted", "bold"} <= styles


def test_registry_text_reaches_the_terminal_as_visible_escapes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`registry space` on a hostile registry: its names and errors go through the twins'
    output layer, control characters as visible escapes, never acted on."""
    registry = hostile_content_registry(tmp_path)
    monkeypatch.setattr(
        "buildtui.cleanup.service.CleanupService",
        lambda settings: fake_cleanup_service(registry),
    )
    assert main(["registry", "space", "--all"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out
    assert ESCAPED in out


def test_the_text_keeps_what_the_registry_said() -> None:
    graph = lab_graph().graph
    graph.warnings.append("note with \x1b[2J")
    lines = space_lines(space_report(graph))
    assert "  - note with \x1b[2J" in lines  # made visible by whoever shows it


def test_pane_cells_are_text_never_markup() -> None:
    report = space_report(lab_graph().graph)
    row = report.rows[0]
    cells = space_cells(row, True)
    assert cells[0].plain == "●"
    assert cells[1].plain == "cachedata1:latest" and not cells[1].spans
    assert space_cells(row, None)[0].plain == "◐"


def test_json_has_every_row_and_the_what_if() -> None:
    graph = lab_graph().graph
    index = SpaceIndex(graph)
    report = index.report()
    what_if = index.what_if(report.rows[0].selections + report.rows[1].selections, report.rows[:2])
    document = json.loads(json.dumps(space_json(report, what_if=what_if)))

    assert [r["key"] for r in document["rows"]] == [r.key for r in report.rows]
    assert document["rows"][0]["frees"] == report.rows[0].frees
    assert document["what_if"]["frees"] == what_if.frees
    assert {k["kind"] for k in document["kinds"]} == {
        "images", "cache images", "attestations", "referrers", "untagged revisions",
    }  # fmt: skip
    assert document["total_bytes"] == report.total
