"""The stage graph and the timing waterfall: built from a summary (and its Dockerfile's
edges), drawn as text that reads without colour, with hostile names made harmless."""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text

from buildtui.buildlog.summary import BuildSummary, CacheMiss, StepSummary, summarize
from buildtui.builds.pictures import graph_text, tick_step, waterfall_text
from buildtui.builds.stage_graph import stage_graph, with_stage_edges
from buildtui.builds.waterfall import emulation, waterfall
from buildtui.i18n import speaking
from tests.fakes.forecast import planned_summary
from tests.unit.build_service.test_presentation import model_of

MULTI_STAGE = """\
FROM localhost:32769/busybox:latest AS build1
RUN echo hello from build1 > /a.txt
RUN uname -m > /arch.txt && echo arch $(cat /arch.txt)

FROM localhost:32769/busybox:latest AS build2
COPY --from=build1 /a.txt /a.txt
RUN cat /a.txt /arch.txt 2>/dev/null; echo two
RUN for i in 1 2 3; do echo line $i; done
"""


def lab_build(name: str) -> BuildSummary:
    return summarize(model_of(name), exit_code=0, wall_seconds=1.0)


def test_the_graph_has_from_and_copy_edges_and_each_stage_s_state() -> None:
    summary = with_stage_edges(lab_build("lab-second-build.log"), MULTI_STAGE)
    graph = stage_graph(summary)
    assert graph.complete
    assert {(n.platform, n.stage, n.state, n.steps, n.cached) for n in graph.nodes} == {
        ("linux/amd64", "build1", "cached", 2, 2),
        ("linux/amd64", "build2", "cached", 3, 3),
        ("linux/arm64", "build1", "cached", 2, 2),
        ("linux/arm64", "build2", "cached", 3, 3),
    }
    edges = {(e.platform, e.source, e.target, e.kind, e.step) for e in graph.edges}
    assert ("linux/amd64", "localhost:32769/busybox:latest", "build1", "from", None) in edges
    assert ("linux/arm64", "build1", "build2", "copy", 2) in edges
    json = graph.to_json()
    assert {"nodes", "edges", "complete"} <= set(json) and len(json["edges"]) == 6


def test_a_missed_stage_says_where_and_why_in_words_and_marks() -> None:
    summary = lab_build("lab-first-build.log")
    miss = CacheMiss("linux/amd64", "build1", 2, "RUN echo hello", "files", "src/a changed", 1)
    summary = with_stage_edges(replace(summary, first_misses=(miss,)), MULTI_STAGE)
    text = graph_text(stage_graph(summary)).plain
    assert "├─▶ build1  ◀ missed the cache at step 2 · 0.6s · 0/2 cached" in text
    assert "why: src/a changed" in text
    assert "⇠ copies from build1 (step 2)" in text
    assert "build2  ● ran" in text
    assert text.splitlines()[0].startswith("✓ all from the cache  ● ran  ◀ missed")


def test_without_a_dockerfile_the_graph_says_what_it_does_not_know() -> None:
    graph = stage_graph(lab_build("lab-first-build.log"))
    assert not graph.complete
    assert "The Dockerfile was not recorded" in graph_text(graph).plain


def test_hostile_names_are_plain_text_without_control_characters() -> None:
    hostile = "[bold red]x[/]\x1b[31m\x07"
    summary = planned_summary(f"FROM x AS a\nRUN echo {hostile}\n")
    summary = replace(
        summary,
        first_misses=(CacheMiss(None, "a", 2, "RUN", "files", f"why {hostile}", 1),),
    )
    text = graph_text(stage_graph(summary))
    assert isinstance(text, Text) and "\x1b" not in text.plain and "\x07" not in text.plain
    assert "[bold red]x[/]" in text.plain  # shown as it is, never as markup
    chart = waterfall_text(waterfall(summary), 100).plain
    assert "\x1b" not in chart and "\x07" not in chart


def test_the_waterfall_puts_each_platform_s_steps_on_one_time_axis() -> None:
    summary = planned_summary(MULTI_STAGE, platforms=("linux/amd64", "linux/arm64"), seconds=1.0)
    slow = tuple(
        replace(s, seconds=(s.seconds or 0) * 4) if s.platform == "linux/arm64" else s
        for s in summary.steps
    )
    summary = replace(summary, steps=slow)
    chart = waterfall(summary, native="linux/amd64")
    assert chart.timed and chart.platforms == ["linux/amd64", "linux/arm64"]
    assert [b.start for b in chart.bars if b.platform == "linux/amd64"] == [1.0, 2.0, 4.0, 5.0, 6.0]
    ratio = chart.emulation
    assert ratio is not None and (ratio.fast, ratio.slow, ratio.steps) == (
        "linux/amd64", "linux/arm64", 5
    )  # fmt: skip
    assert round(ratio.ratio, 1) == 4.0
    assert ratio.sentence() == (
        "linux/arm64 steps took 4.0\u00d7 as long as linux/amd64's: 20.0 s against 5.0 s over "
        "the 5 steps that ran on both (linux/arm64 runs under QEMU emulation on this "
        "linux/amd64 machine)"
    )
    for width in (100, 160):
        text = waterfall_text(chart, width).plain
        lines = text.splitlines()
        assert all(len(line) <= width for line in lines if "│" in line), width
        assert lines[0] == ratio.sentence() or lines[0].startswith("linux/arm64 steps took")
        assert any("build1 2 RUN echo hello" in line and "█" in line for line in lines)


def test_cached_steps_are_marks_and_an_untimed_build_says_so() -> None:
    summary = planned_summary(MULTI_STAGE, status="cached")
    untimed = replace(summary, steps=tuple(replace(s, started=None) for s in summary.steps))
    chart = waterfall(untimed)
    assert not chart.timed and chart.emulation is None
    text = waterfall_text(chart, 100).plain
    assert "kept before step start times were recorded" in text
    assert "✓" in text and "CACHED" in text


def test_emulation_needs_steps_that_ran_on_two_platforms() -> None:
    summary = planned_summary(MULTI_STAGE, platforms=("linux/amd64",))
    assert emulation(summary) is None


def test_ticks_are_round_and_apart() -> None:
    assert tick_step(4.0, 60) == 1.0
    assert tick_step(0.4, 50) == 0.1
    assert tick_step(600.0, 60) == 120.0


def test_a_step_s_start_is_kept_in_the_summary_json() -> None:
    step = StepSummary("linux/amd64", "a", 2, "RUN x", "done", 1.5, True, 2.25)
    summary = replace(planned_summary("FROM x AS a\nRUN x\n"), steps=(step,))
    assert BuildSummary.from_json(summary.to_json()).steps[0].started == 2.25


def test_the_pictures_speak_polish_with_a_decimal_comma() -> None:
    summary = lab_build("lab-first-build.log")
    miss = CacheMiss("linux/amd64", "build1", 2, "RUN echo hello", "files", "src/a changed", 1)
    summary = with_stage_edges(replace(summary, first_misses=(miss,)), MULTI_STAGE)
    timed = planned_summary(MULTI_STAGE, platforms=("linux/amd64", "linux/arm64"), seconds=1.5)
    with speaking("pl"):
        graph = graph_text(stage_graph(summary)).plain
        chart = waterfall_text(waterfall(timed, native="linux/amd64"), 100).plain
    assert "├─▶ build1  ◀ cache chybił w kroku 2 · 0,6s · z cache 0/2" in graph
    assert "dlaczego: src/a changed" in graph and "⇠ kopiuje z build1 (krok 2)" in graph
    assert graph.splitlines()[0].startswith("✓ wszystko z cache  ● uruchomiony")
    assert "missed" not in graph and "cached" not in graph and "ran" not in graph
    assert "1,5s" in chart and "1.5s" not in chart
