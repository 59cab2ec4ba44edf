"""Pure presentation of builds: step view text, summary, history rows, comparisons, log lines."""

from __future__ import annotations

from dataclasses import replace

import pytest
from rich.style import Style
from rich.text import Text

from buildtui.buildlog.explain import explain
from buildtui.buildlog.model import BuildModel
from buildtui.buildlog.presentation import (
    STYLES,
    explanations_text,
    failure_text,
    phases_text,
    restyled,
    stage_heading,
    steps_text,
    summary_text,
)
from buildtui.buildlog.summary import BuildSummary, summarize
from buildtui.builds.history import BuildEntry, compare
from buildtui.builds.presentation import (
    build_traits,
    buildx_args,
    comparison_headline,
    comparison_table,
    history_row,
    output_cell,
)
from tests.fakes.build import captured_log


def model_of(name: str) -> BuildModel:
    model = BuildModel(stage_order=["build1", "build2"])
    model.feed(captured_log(name))
    model.finish(now=0.0)
    return model


def entry(build_id: int, summary: BuildSummary, canceled: bool = False) -> BuildEntry:
    return BuildEntry(
        build_id,
        0.0,
        ("docker", "buildx", "build", "."),
        "docker buildx build .",
        summary.exit_code,
        canceled,
        summary,
        10,
    )


def styled(text: Text, word: str) -> set[str]:
    """The styles of the spans that cover `word` in `text`."""
    start = text.plain.index(word)
    return {str(span.style) for span in text.spans if span.start <= start < span.end}


def test_stage_heading_keeps_a_gap_between_the_name_and_the_count() -> None:
    heading = stage_heading("linux/amd64", "build1", 3, 3)
    assert heading.plain == "linux/amd64 · build1  3/3 cached"
    assert "build13/3" not in heading.plain
    assert styled(heading, "3/3") == {"dim"}
    assert styled(heading, "build1") == {"heading"}
    assert stage_heading(None, "build2", 0, 4).plain == "build2  0/4 cached"
    assert stage_heading(None, None, 1, 2).plain == "build  1/2 cached"


def test_steps_text_groups_and_highlights_cached() -> None:
    text = steps_text(model_of("lab-second-build.log"), now=0.0)
    lines = text.plain.splitlines()
    assert lines[0] == "linux/amd64 · build1  2/2 cached"
    assert lines[1].startswith("  1/3 FROM ") and lines[1].endswith("done 0.1s")
    assert lines[2].endswith(" CACHED ")
    assert styled(text, "CACHED") == {"cached"}
    assert text.plain.count("CACHED") == 10


def test_running_step_shows_elapsed_time() -> None:
    model = BuildModel()
    model.feed(["#1 [2/2] RUN sleep 5"])
    model.steps[0].started_at = 10.0
    assert "running 2.5s" in steps_text(model, now=12.5).plain
    assert "No Dockerfile steps yet" in steps_text(BuildModel(), now=0.0).plain


def test_phases_failure_summary_and_explanations() -> None:
    first = model_of("lab-first-build.log")
    phases = phases_text(first, now=0.0).plain
    assert "importing cache manifest from localhost:32769/cac…" in phases  # clipped
    assert "exporting cache" in phases
    # BuildKit marks the missing cache ERROR; the phase says it is harmless instead.
    (line,) = [line for line in phases.splitlines() if line.startswith("importing cache")]
    assert line.endswith("not found (harmless: no cache yet)") and "ERROR" not in phases
    assert failure_text(first).plain == ""  # the failed cache import is no build failure
    summary = summarize(first, exit_code=0, wall_seconds=3.25)
    plain = summary_text(summary).plain
    assert "Build succeeded (exit code 0) in 3.2s" in plain or "in 3.3s" in plain
    assert "Steps cached:  0/10   linux/amd64 0/5  linux/arm64 0/5" in plain
    assert "Cache import: not-found" in plain and "Push: ok" in plain
    notes = explanations_text(explain(first)).plain
    assert notes.startswith("ⓘ No cache to import yet (harmless)")
    failing = model_of("failing-run.log")
    failure = failure_text(failing).plain
    assert "✗ [2/2] RUN echo before" in failure and "│ 0.220 err" in failure
    assert "ERROR: failed to solve" in failure


def test_history_rows_and_comparison() -> None:
    first = summarize(model_of("lab-first-build.log"), exit_code=0, wall_seconds=3.0)
    second = summarize(model_of("lab-second-build.log"), exit_code=0, wall_seconds=1.5)
    row = history_row(entry(1, first))
    assert row[0] == "1" and row[2:5] == ("ok", "0/10", "3.0s")
    assert history_row(entry(2, second, canceled=True))[2] == "canceled"
    comparison = compare(entry(1, first), entry(2, second))
    assert comparison_headline(comparison).startswith(
        "10 steps went from run to CACHED (2.6s of step time saved), 0 from CACHED to run"
        " (0.0s lost); wall time 3.0s -> 1.5s (1.5s saved)."
    )
    # The other way round: the FROM steps left out, 10 steps lost their cache.
    back = compare(entry(2, second), entry(3, first))
    headline = comparison_headline(back)
    assert headline.startswith("0 steps went from run to CACHED (0.0s of step time saved), ")
    assert f"10 from CACHED to run ({back.step_seconds_lost:.1f}s lost)" in headline
    assert back.step_seconds_lost == pytest.approx(
        sum(s.seconds or 0.0 for s in first.steps if s.counted)
    )
    assert "wall time 1.5s -> 3.0s (1.5s lost)" in headline
    assert "#3 recorded no cache miss." in headline
    # 12 steps of the second build, and amd64 build2 1/4 (a merged FROM) only in the first
    assert comparison_table(comparison).row_count == len(comparison.changes) == 13


def test_buildx_args_of_a_kept_command() -> None:
    argv = ("docker", "--context", "lab", "buildx", "build", "--progress=plain", "-f", "D", ".")
    assert buildx_args(argv) == ["-f", "D", "."]


def test_step_buildkit_skipped_in_a_successful_build() -> None:
    model = BuildModel()
    model.feed(
        ["#5 [build1 2/3] RUN echo hello", "#5 CANCELED", "#6 [build1 3/3] RUN x", "#6 CACHED"]
    )
    assert "skipped (not needed)" in steps_text(model, 0.0, succeeded=True).plain
    assert "canceled" in steps_text(model, 0.0, succeeded=False).plain
    summary = summarize(model, exit_code=0, wall_seconds=1.0)
    assert (summary.cached, summary.total) == (1, 2)  # as buildx's history counts it


def test_history_rows_show_what_tells_builds_apart() -> None:
    from dataclasses import replace

    lab = (
        "docker", "buildx", "build", "--progress=plain", "-f", "Dockerfile_multi",
        "-t", "localhost:5000/lab:cachetest", "--platform", "linux/amd64,linux/arm64",
        "--push", "--cache-to", "type=registry,ref=localhost:5000/cachedata1,mode=max",
        "--cache-from=type=registry,ref=localhost:5000/cachedata1", "--build-arg", "T=s3cret",
        ".",
    )  # fmt: skip
    assert build_traits(lab) == (
        "lab:cachetest",
        "to cachedata1 max, from cachedata1",
        "amd64+arm64",
    )
    assert build_traits(("docker", "buildx", "build", "--tag=myimage:1", ".")) == (
        "myimage:1",
        "-",
        "default",
    )
    summary = summarize(model_of("lab-second-build.log"), exit_code=0, wall_seconds=1.5)
    row = history_row(replace(entry(3, summary), argv=lab))
    assert row[5:] == (
        "lab:cachetest",
        "amd64+arm64",
        "registry (push)",
        "to cachedata1 max, from cachedata1",
        "-",  # no cache miss recorded for this build: the "cache broken first at" column
        "-",  # no forecast was made before it
    )
    assert not any("s3cret" in cell for cell in row)


@pytest.mark.parametrize(
    ("flags", "cell"),
    [
        ([], "default"),
        (["--push"], "registry (push)"),
        (["--load"], "docker (load)"),
        (["--output", "type=registry"], "registry (push)"),
        (["-o", "type=docker,name=lab:1"], "docker (load)"),
        (["--output=type=image"], "image"),
        (["-o", "type=local,dest=out"], "local out"),
        (["-o", "type=oci,dest=lab.tar"], "oci lab.tar"),
        (["--output", "type=tar,dest=fs.tar"], "tar fs.tar"),
        (["-o", "./out"], "local ./out"),
        (["--output", "type=cacheonly"], "cacheonly"),
        (["--push", "--load"], "registry (push), docker (load)"),
    ],
)
def test_history_rows_say_where_the_result_went(flags: list[str], cell: str) -> None:
    """Builds 2 and 3 of the lab (a push, then a local export) read differently."""
    argv = ("docker", "buildx", "build", "--progress=plain", "-t", "lab:1", *flags, ".")
    assert output_cell(argv) == cell


def test_semantic_styles_are_mapped_by_the_caller() -> None:
    text = steps_text(model_of("lab-second-build.log"), now=0.0)
    assert {str(span.style) for span in text.spans} <= set(STYLES)  # names, no colours
    theme: dict[str, Style | str] = {name: Style(color="#123456") for name in STYLES}
    theme["cached"] = Style(bold=True, bgcolor="#00ff00")
    shown = restyled(text, theme)
    assert shown.plain == text.plain and text.spans  # the original keeps its names
    assert styled(shown, "CACHED") == {str(theme["cached"])}
    link = explanations_text(explain(model_of("lab-first-build.log")))
    links = [span for span in link.spans if isinstance(span.style, Style)]  # docs links
    assert links and all(span in restyled(link, theme).spans for span in links)


def test_comparison_table_names_its_styles() -> None:
    first = summarize(model_of("lab-first-build.log"), exit_code=0, wall_seconds=3.0)
    second = summarize(model_of("lab-second-build.log"), exit_code=0, wall_seconds=1.5)
    table = comparison_table(compare(entry(1, first), entry(2, second)), {"cached": "X"})
    after = [cell for cell in table.columns[3].cells if isinstance(cell, Text)]
    assert any(cell.plain == "CACHED" and str(cell.spans[0].style) == "X" for cell in after)
    back = comparison_table(compare(entry(2, second), entry(3, first)))
    ran = [cell for cell in back.columns[3].cells if isinstance(cell, Text)]
    assert ran and all(cell.style == "error" for cell in ran if "was CACHED" in cell.plain)


def test_an_imported_build_says_so_in_its_history_row() -> None:
    summary = summarize(model_of("lab-second-build.log"), exit_code=0, wall_seconds=1.0)
    imported = replace(entry(3, summary), source="plain-log", origin="student.log")
    assert history_row(imported)[2] == "ok · imported"
    assert history_row(entry(3, summary))[2] == "ok"
