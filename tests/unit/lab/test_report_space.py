"""The report's picture of the registry's space: from the observations' scan, as Markdown
bars of characters and as HTML/CSS bars, every name escaped, in English and Polish."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from buildtui.lab.i18n import translator
from buildtui.lab.report_blocks import Block
from buildtui.lab.report_render import render
from buildtui.lab.report_space import bars_html, bars_markdown, space_blocks
from buildtui.settings import Settings
from tests.fakes.cleanup import lab_fake_registry
from tests.fakes.lab import scan_of
from tests.unit.lab.test_guide import observations
from tests.unit.lab.test_report import report


def lab_space(tmp_path: Path, language: str = "en") -> list[Block]:
    obs = observations(tmp_path, scan=scan_of(lab_fake_registry(), Settings()))
    return space_blocks(obs, translator(language))


def test_the_section_has_bars_by_repository_and_kind_and_the_top_tags(tmp_path: Path) -> None:
    blocks = lab_space(tmp_path)

    assert blocks[0].lines == ("Where the registry's space goes",)
    by_repository, by_kind = [b for b in blocks if b.kind == "bars"]
    assert by_repository.lines[0] == "By repository"
    assert {row[0] for row in by_repository.rows} == {"busybox", "lab", "cachedata1"}
    assert [row[0] for row in by_kind.rows] == [
        "images", "cache images", "attestations",
    ]  # fmt: skip
    table = blocks[-1]
    assert table.rows[0] == ("Tag", "Kind", "Frees", "Size")
    assert table.rows[1][:2] == ("cachedata1:latest", "cache image")


def test_markdown_bars_read_without_colour(tmp_path: Path) -> None:
    by_repository = next(b for b in lab_space(tmp_path) if b.kind == "bars")
    lines = bars_markdown(by_repository)

    assert lines[0].startswith("**By repository** (█ frees if the repository is deleted whole")
    cache = next(line for line in lines if line.startswith("| cachedata1 |"))
    assert re.search(r"`█+░+`", cache)
    assert re.search(r"\| \d[\d.]* k?B of \d[\d.]* k?B \|$", cache)


def test_html_bars_are_sized_against_the_largest_and_escape_every_name() -> None:
    block = Block(
        "bars",
        lines=("By <b>repository</b>", "█ frees & ░ shared", "{freeable} of {total}"),
        rows=(("<script>alert(1)</script>", "300", "100"), ("x\x1b[31my", "0", "200")),
    )
    out = bars_html(block)

    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "<b>repository" not in out and "&lt;b&gt;repository" in out
    assert "\x1b" not in out and ">xy</td>" in out
    widths = [float(w) for w in re.findall(r"width:([\d.]+)%\" title", out)]
    assert widths == [72.0, 24.0, 48.0]  # 300+100 of the largest 400 over 96%, then 200
    assert "print-color-adjust:exact" in out
    markdown = "\n".join(bars_markdown(block))
    assert "\x1b" not in markdown and "| xy |" in markdown


def test_the_report_has_the_picture_in_both_formats_and_in_polish(tmp_path: Path) -> None:
    html_text, _obs = report(tmp_path / "en", "html")
    assert "<h2>Where the registry&#x27;s space goes</h2>" in html_text
    assert 'class="bars"' in html_text and "repeating-linear-gradient" in html_text
    markdown, _obs = report(tmp_path / "md", "md")
    assert "## Where the registry's space goes" in markdown
    assert "**By kind**" in markdown
    polish, _obs = report(tmp_path / "pl", "md", "pl")
    assert "## Na co idzie miejsce w rejestrze" in polish
    assert "**Według repozytorium**" in polish


def test_no_section_when_the_registry_was_not_read(tmp_path: Path) -> None:
    obs = observations(tmp_path, scan=None)
    assert space_blocks(obs, translator("en")) == []
    obs = replace(obs, scan_error="down")
    assert space_blocks(obs, translator("en")) == []
    assert render([], "md", "en") == ""
