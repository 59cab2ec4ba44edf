"""One set of highlight rules for the raw log: the Build pane's log view and
`buildtui build` paint each kind of line alike (CANCELED included)."""

from __future__ import annotations

import io

import pytest

from buildtui.buildlog.parser import LineKind, LogLine, LogParser
from buildtui.buildlog.presentation import (
    LOG_LINE_STYLES,
    STYLES,
    highlighted_kind,
    log_line_style,
)
from buildtui.commands.build import ANSI, RESET, run_build
from tests.fakes.build import DATA, ReplayBuildService

EVERY_KIND = [
    '#0 building with "default" instance using docker driver',
    "#5 [build1 2/2] RUN echo hello",
    "#5 sha256:4f4fb700ef54 1.05MB / 2.10MB 0.3s",
    "#5 0.123 hello",
    "#5 ...",
    "#6 [build1 1/2] FROM busybox",
    "#6 CACHED",
    "#7 [build2 1/1] RUN true",
    "#7 DONE 0.1s",
    "#5 WARN: the clock went back",
    "#8 [build2 2/2] RUN false",
    "#8 ERROR: process did not complete successfully: exit code: 1",
    "#5 CANCELED",
    "------",
    " > [build2 2/2] RUN false:",
    "0.220 err",
    "------",
    "",
    "Dockerfile:4",
    "ERROR: failed to solve: process did not complete successfully",
]
"""A log with a line of every kind, in an order the parser reads them in."""


def parsed(lines: list[str]) -> list[LogLine]:
    parser = LogParser()
    return [parser.feed(line) for line in lines]


def test_the_sample_log_has_every_kind_of_line() -> None:
    assert {line.kind for line in parsed(EVERY_KIND)} == set(LineKind)


def test_log_line_styles() -> None:
    assert log_line_style("#7 CACHED") == "cached"
    assert log_line_style("#5 ERROR: boom") == "error"
    assert log_line_style("ERROR: failed to solve: x") == "error"
    assert log_line_style("#5 CANCELED") == "error"
    assert log_line_style("#5 0.1 CACHED is just output") is None
    assert log_line_style("#5 DONE 0.1s") is None
    assert log_line_style("#x CACHED") is None
    assert set(LOG_LINE_STYLES.values()) <= set(STYLES)


@pytest.mark.parametrize("name", sorted(path.name for path in DATA.glob("*.log")))
def test_a_line_is_highlighted_as_the_parser_reads_it(name: str) -> None:
    """The log view has the lines only; it tells the highlighted kinds as the parser does."""
    lines = parsed((DATA / name).read_text(encoding="utf-8").splitlines()) + parsed(EVERY_KIND)
    for line in lines:
        expected = line.kind if line.kind in LOG_LINE_STYLES else None
        assert highlighted_kind(line.line) is expected, line.line


@pytest.mark.parametrize("kind", list(LineKind), ids=lambda kind: kind.value)
def test_each_kind_of_line_gets_the_same_style_in_the_pane_and_on_the_command_line(
    kind: LineKind,
) -> None:
    lines = parsed(EVERY_KIND)
    index = next(i for i, line in enumerate(lines) if line.kind is kind)
    text = lines[index].line
    out = io.StringIO()
    run_build(["docker"], ReplayBuildService(EVERY_KIND), out, color=True)
    printed = out.getvalue().split("\n")[1 : 1 + len(EVERY_KIND)]  # after the `$ command`
    style = LOG_LINE_STYLES.get(kind)  # by the parser's kind
    assert log_line_style(text) == style  # what the pane's log view paints the line with
    assert printed[index] == (f"{ANSI[style]}{text}{RESET}" if style else text)
    if kind is LineKind.CANCELED or kind is LineKind.ERROR or kind is LineKind.BUILDX_ERROR:
        assert style == "error"
    if kind is LineKind.CACHED:
        assert style == "cached"


def test_the_command_line_has_a_colour_for_every_semantic_style() -> None:
    assert set(ANSI) == set(STYLES)
    assert len({ANSI["cached"], ANSI["error"], ANSI["done"]}) == 3


def test_no_colour_leaves_every_line_as_it_came() -> None:
    out = io.StringIO()
    run_build(["docker"], ReplayBuildService(EVERY_KIND), out, color=False)
    assert out.getvalue().split("\n")[1 : 1 + len(EVERY_KIND)] == EVERY_KIND
    assert "\x1b" not in out.getvalue()
