"""The plain-progress parser, on logs captured from real builds and on edge cases."""

from __future__ import annotations

import pytest

from buildtui.buildlog.parser import (
    LineKind,
    LogLine,
    LogParser,
    parse_builder,
    parse_step_name,
    sanitize,
)
from tests.fakes.build import captured_log


def parse(lines: list[str]) -> list[LogLine]:
    parser = LogParser()
    return [parser.feed(line) for line in lines]


def test_captured_first_build_kinds() -> None:
    parsed = parse(captured_log("lab-first-build.log"))
    kinds = [p.kind for p in parsed]
    assert kinds[0] is LineKind.BUILDER
    headers = {p.vertex for p in parsed if p.kind is LineKind.HEADER}
    assert headers == set(range(1, 21))
    assert [p.vertex for p in parsed if p.kind is LineKind.ERROR] == [5]
    assert sum(1 for k in kinds if k is LineKind.CACHED) == 2
    assert sum(1 for k in kinds if k is LineKind.DONE) == 17  # 20 steps: 1 error, 2 cached
    interrupted = [p.vertex for p in parsed if p.kind is LineKind.INTERRUPTED]
    assert interrupted == [8, 15]
    logs = [p for p in parsed if p.kind is LineKind.LOG]
    assert logs[0].vertex == 10 and logs[0].text == "arch done" and logs[0].seconds == 0.297
    # The failure block of the (harmless) cache import at the very end.
    assert kinds[-3:] == [LineKind.BLOCK_START, LineKind.BLOCK_STEP, LineKind.BLOCK_END]
    assert parsed[-2].text == "importing cache manifest from localhost:32769/cachedata1"


def test_resumed_header_is_not_a_new_step_or_a_status() -> None:
    parsed = parse(
        [
            "#8 [linux/arm64 build1 2/3] RUN echo hello",
            "#8 ...",
            "",
            "#9 [linux/amd64 build1 2/3] RUN echo hello",
            "#9 DONE 0.3s",
            "",
            "#8 [linux/arm64 build1 2/3] RUN echo hello",
            "#8 0.120 still going",
            "#8 DONE 0.4s",
        ]
    )
    kinds = [(p.kind, p.vertex) for p in parsed]
    assert kinds == [
        (LineKind.HEADER, 8),
        (LineKind.INTERRUPTED, 8),
        (LineKind.BLANK, -1),
        (LineKind.HEADER, 9),
        (LineKind.DONE, 9),
        (LineKind.BLANK, -1),
        (LineKind.HEADER, 8),
        (LineKind.LOG, 8),
        (LineKind.DONE, 8),
    ]
    assert parsed[4].seconds == 0.3 and parsed[8].seconds == 0.4


def test_status_lines_of_a_known_step() -> None:
    parsed = parse(
        [
            "#18 exporting to image",
            "#18 exporting layers 0.2s done",
            "#18 pushing manifest for localhost:5000/lab:1@sha256:" + "a" * 64 + " 0.1s done",
            "#18 sha256:0f 1.2MB / 3.4MB 0.3s",
            "#18 DONE 0.6s",
        ]
    )
    assert [p.kind for p in parsed] == [
        LineKind.HEADER,
        LineKind.STATUS,
        LineKind.STATUS,
        LineKind.STATUS,
        LineKind.DONE,
    ]


def test_failure_block_with_multi_line_error_and_blank_lines() -> None:
    lines = captured_log("failing-run.log")
    parsed = parse(lines)
    error = next(p for p in parsed if p.kind is LineKind.ERROR)
    assert error.vertex == 5
    assert error.text.startswith('process "/bin/sh -c echo before;')
    assert error.text.endswith("did not complete successfully: exit code: 3")
    block = [p for p in parsed if p.kind is LineKind.BLOCK_LOG]
    assert len(block) == 10 and block[-1].text == "0.220 err"
    # The escape sequence the RUN printed is gone; its tab became spaces.
    assert block[-2].text == "0.220 red   tab"  # tab stop at column 12
    assert parsed[-1].kind is LineKind.BUILDX_ERROR
    assert parsed[-1].text.startswith("failed to solve: process")
    # The Dockerfile excerpt after the block is plain text, not part of the block.
    assert any(p.kind is LineKind.OTHER and p.text == "Dockerfile:2" for p in parsed)

    parsed = parse(["------", " > [2/2] RUN make:", "0.1 a", "", "0.2 b", "------", "x"])
    assert [p.kind for p in parsed] == [
        LineKind.BLOCK_START,
        LineKind.BLOCK_STEP,
        LineKind.BLOCK_LOG,
        LineKind.BLOCK_LOG,
        LineKind.BLOCK_LOG,
        LineKind.BLOCK_END,
        LineKind.OTHER,
    ]


def test_canceled_build() -> None:
    parsed = parse(captured_log("canceled.log"))
    assert [p.vertex for p in parsed if p.kind is LineKind.CANCELED] == [5]
    assert parsed[-1].kind is LineKind.BUILDX_ERROR


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("\x1b[31mred\x1b[0m", "red"),
        ("a\x1b]0;title\x07b", "a\\x1b]0;title\\x07b"),
        (
            "a\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\b",
            "a\\x1b]8;;http://x\\x1b\\link\\x1b]8;;\\x1b\\b",
        ),
        ("a\x1b]52;c;cHduZWQ=\x07b", "a\\x1b]52;c;cHduZWQ=\\x07b"),
        ("bell\x07 and nul\x00", "bell\\x07 and nul\\x00"),
        ("c1 \x9b31m csi", "c1  csi"),
        ("c1 osc \x9d0;t\x9c", "c1 osc \\x9d0;t\\x9c"),
        ("50%\r100%", "100%"),
        ("cursor \x1b[2J\x1b[Hhome", "cursor home"),
        ("tab\there", "tab here"),
        ("bidi \u202eevil\u202c", "bidi \\u202eevil\\u202c"),
        ("\x1bPq#0;2;0;0;0\x1b\\sixel", "\\x1bPq#0;2;0;0;0\\x1b\\sixel"),
        ("esc at end \x1b", "esc at end \\x1b"),
        ("plain ✓ unicode", "plain ✓ unicode"),
    ],
)
def test_sanitize_drops_colours_and_shows_other_controls(raw: str, clean: str) -> None:
    assert sanitize(raw) == clean
    assert all(ch == " " or ch.isprintable() for ch in sanitize(raw))


def test_escape_sequences_never_reach_the_line_or_text() -> None:
    parser = LogParser()
    parser.feed("#3 [2/2] RUN printf")
    line = parser.feed("#3 0.201 \x1b[1;31mboom\x1b[0m\x1b]0;pwned\x07\r\n")
    assert line.kind is LineKind.LOG
    assert line.text == "boom\\x1b]0;pwned\\x07"
    assert "\x1b" not in line.line and "\r" not in line.line and "\x07" not in line.line
    header = LogParser().feed("#1 [2/2] RUN \x1b[2Jecho")
    assert header.text == "[2/2] RUN echo"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("[linux/arm64 build1 2/5] RUN make", ("linux/arm64", "build1", 2, 5, "RUN make")),
        ("[build  3/12] COPY . .", (None, "build", 3, 12, "COPY . .")),
        ("[ 3/12] RUN x", (None, None, 3, 12, "RUN x")),
        ("[2/2] RUN x", (None, None, 2, 2, "RUN x")),
        ("[linux/amd64 2/2] RUN x", ("linux/amd64", None, 2, 2, "RUN x")),
        ("[linux/arm/v7 base 1/3] FROM a", ("linux/arm/v7", "base", 1, 3, "FROM a")),
        ("[linux/amd64 stage-1 10/10] RUN y", ("linux/amd64", "stage-1", 10, 10, "RUN y")),
    ],
)
def test_step_names(name: str, expected: tuple[object, ...]) -> None:
    parts = parse_step_name(name)
    assert parts is not None
    assert (parts.platform, parts.stage, parts.index, parts.total, parts.instruction) == expected


@pytest.mark.parametrize(
    "name",
    [
        "[internal] load build definition from Dockerfile",
        "[linux/amd64 internal] load metadata for localhost:5000/busybox:latest",
        "importing cache manifest from localhost:5000/cachedata1",
        "exporting to image",
    ],
)
def test_internal_names_are_not_dockerfile_steps(name: str) -> None:
    assert parse_step_name(name) is None


def test_builder_line() -> None:
    assert parse_builder('building with "lab" instance using docker-container driver') == (
        "lab",
        "docker-container",
    )


def test_odd_lines() -> None:
    parsed = parse(["#", "#x not a step", "#12", "WARNING: x", "#4 [1/1] RUN a", "#4 0.5"])
    assert [p.kind for p in parsed] == [
        LineKind.OTHER,
        LineKind.OTHER,
        LineKind.OTHER,
        LineKind.OTHER,
        LineKind.HEADER,
        LineKind.LOG,
    ]
    assert parsed[-1].text == "" and parsed[-1].seconds == 0.5


@pytest.mark.parametrize(
    ("line", "kind", "text", "seconds"),
    [
        ("#4 1.234 hello world", LineKind.LOG, "hello world", 1.234),
        ("#4 1.234  two spaces kept", LineKind.LOG, " two spaces kept", 1.234),
        ("#4 12.5", LineKind.LOG, "", 12.5),
        ("#4 12.5s done", LineKind.STATUS, "12.5s done", None),
        ("#4 1.2.3 text", LineKind.STATUS, "1.2.3 text", None),
        ("#4 1. text", LineKind.STATUS, "1. text", None),
        ("#4 \u0661.5 arabic-indic digits", LineKind.LOG, "arabic-indic digits", 1.5),
        ("#9 1.0 a step never announced", LineKind.HEADER, "1.0 a step never announced", None),
    ],
)
def test_step_output_lines(line: str, kind: LineKind, text: str, seconds: float | None) -> None:
    """The fast path for `#N <t> <text>` and the general one agree at their edges."""
    parser = LogParser()
    parser.feed("#4 [2/2] RUN make")
    parsed = parser.feed(line)
    assert (parsed.kind, parsed.text, parsed.seconds, parsed.line) == (kind, text, seconds, line)
