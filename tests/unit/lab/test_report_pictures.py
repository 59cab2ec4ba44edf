"""The pictures of a build in the lab report: the stage graph and the timing waterfall as
inline SVG (well-formed, every stage named, hostile names escaped), their text version in
Markdown, and the emulation ratio, in English and Polish."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from dataclasses import replace
from pathlib import Path

from buildtui.buildlog.summary import CacheMiss
from buildtui.builds.stage_graph import stage_graph, with_stage_edges
from buildtui.builds.waterfall import waterfall
from buildtui.lab.i18n import translator
from buildtui.lab.report_pictures import build_pictures, stage_graph_svg, waterfall_svg
from tests.fakes.forecast import planned_summary
from tests.unit.lab.test_report import report

MULTI = """\
FROM localhost:5000/busybox:latest AS build1
RUN echo hello
FROM localhost:5000/busybox:latest AS build2
COPY --from=build1 /a.txt /a.txt
RUN cat /a.txt
"""
SVG = "{http://www.w3.org/2000/svg}"


def texts(svg: str) -> list[str]:
    """Every text of a well-formed SVG (it fails to parse otherwise)."""
    root = ElementTree.fromstring(svg)
    return [
        "".join(node.itertext())
        for node in root.iter()
        if node.tag in (f"{SVG}text", f"{SVG}title")
    ]


def test_the_stage_graph_svg_names_every_stage_and_its_state() -> None:
    summary = planned_summary(MULTI, platforms=("linux/amd64", "linux/arm64"))
    miss = CacheMiss("linux/amd64", "build1", 2, "RUN echo hello", "files", "src/a changed", 1)
    summary = with_stage_edges(replace(summary, first_misses=(miss,)), MULTI)
    found = texts(stage_graph_svg(stage_graph(summary)))
    assert found.count("build1") == 2 and found.count("build2") == 2
    assert "linux/amd64" in found and "linux/arm64" in found
    assert "◀ missed the cache at step 2" in found and "src/a changed" in found
    assert "● ran" in found
    assert "localhost:5000/busybox:latest" in found
    assert "COPY --from (step 2)" in found


def test_hostile_stage_names_and_steps_are_escaped() -> None:
    hostile = "&amp;<script>x</script>\x1b[31m\x07"
    summary = planned_summary(MULTI)
    steps = tuple(
        replace(s, stage=hostile, instruction=s.instruction + hostile) for s in summary.steps
    )
    summary = replace(summary, steps=steps)
    for svg in (stage_graph_svg(stage_graph(summary)), waterfall_svg(waterfall(summary))):
        assert "<script" not in svg and "\x1b" not in svg and "\x07" not in svg
        assert "&lt;script&gt;" in svg and "&amp;amp;" in svg
        assert any("&amp;<script>x</script>" in t for t in texts(svg))  # shown, as text


def test_the_waterfall_svg_has_each_step_and_a_time_axis() -> None:
    summary = planned_summary(MULTI, platforms=("linux/amd64", "linux/arm64"), seconds=2.0)
    found = texts(waterfall_svg(waterfall(summary)))
    assert "0 s" in found and "linux/arm64" in found
    assert "build1 2 RUN echo hello" in found and "build2 3 RUN cat /a.txt" in found


def test_the_html_report_shows_the_pictures_of_the_two_platform_build(tmp_path: Path) -> None:
    page, _obs = report(tmp_path, "html")
    section = page.split("<h2>4.")[1].split("<h2>5.")[0]
    assert "<h4>Stage graph</h4>" in section and "<h4>Where the time went</h4>" in section
    svg = section.split("<figure>")[1].split("</figure>")[0]
    names = texts(svg)
    assert "build1" in names and "build2" in names
    assert "<script" not in page
    markdown, _obs = report(tmp_path / "md")
    part = markdown.split("## 4.")[1].split("## 5.")[0]
    assert "#### Stage graph" in part and "<svg" not in markdown
    assert "├─▶ build1" in part or "└─▶ build1" in part


def test_the_emulation_ratio_is_said_in_polish_too() -> None:
    summary = planned_summary(MULTI, platforms=("linux/amd64", "linux/arm64"), seconds=1.0)
    slow = tuple(
        replace(s, seconds=(s.seconds or 0) * 3) if s.platform == "linux/arm64" else s
        for s in summary.steps
    )
    pictures, sentence = build_pictures(replace(summary, steps=slow), translator("pl"))
    assert [p.heading for p in pictures] == ["Graf etapów", "Na co poszedł czas"]
    assert sentence == (
        "Kroki linux/arm64 trwały 3,0\u00d7 dłużej niż kroki linux/amd64: 9,0 s wobec 3,0 s "
        "dla 3 kroków wykonanych na obu platformach"
    )
