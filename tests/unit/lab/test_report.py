"""The lab report: evidence from recorded data only, Markdown and one HTML file."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from buildtui.builds.history import BuildHistory
from buildtui.i18n import translator
from buildtui.lab.evidence import cache_size_record
from buildtui.lab.excerpts import CACHE_EXPORT, CACHE_IMPORT, CACHED, PUSH, excerpt
from buildtui.lab.guide import Observations, evaluate
from buildtui.lab.report import ReportReads, build_blocks, cited
from buildtui.lab.report_render import render
from buildtui.lab_records import RecordBook
from buildtui.settings import Settings
from tests.fakes.build import captured_log
from tests.fakes.cleanup import lab_fake_registry
from tests.fakes.english_left import markdown_prose, sizes_with_a_point, untranslated
from tests.fakes.lab import fake_lab_digests, record_build, scan_of
from tests.unit.lab.test_guide import observations

GC_LOG = [
    "cachedata1: marking manifest sha256:abc",
    "12 blobs marked, 3 blobs and 0 manifests eligible for deletion",
    "blob eligible for deletion: sha256:c1",
    "blob eligible for deletion: sha256:c2",
    "blob eligible for deletion: sha256:other",
    'time="2026-12-07T10:42:00Z" level=info msg="Deleting blob: '
    '/docker/registry/v2/blobs/sha256/c1/c1" go.version=go1.20',
    'time="2026-12-07T10:42:00Z" level=info msg="Deleting blob: '
    '/docker/registry/v2/blobs/sha256/ot/other" go.version=go1.20',
]


def lab_run(tmp_path: Path) -> tuple[BuildHistory, Observations]:
    history = BuildHistory(tmp_path / "h.sqlite3")
    record_build(history, "lab-first-build.log", 100.0)
    record_build(history, "lab-second-build.log", 200.0)
    RecordBook(tmp_path / "records.json", clock=lambda: 150.0).add_prune("default", 4096, 3)
    book = RecordBook(tmp_path / "records.json", clock=lambda: 300.0)
    book.add_deletion(
        "localhost:5000", "cachedata1:latest", ["cache"],
        ["DELETE /v2/cachedata1/manifests/sha256:abc"], 9000,
        blobs=[("sha256:c1", 6000), ("sha256:c2", 3000)],
    )  # fmt: skip
    RecordBook(tmp_path / "records.json", clock=lambda: 400.0).add_collection(
        "localhost:5000", "registry7", kb_before=3000, kb_after=1000, blobs_deleted=3,
        deletions=["cachedata1:latest"], tags_checked=6, problems=[], log=GC_LOG, started=390.0,
    )  # fmt: skip
    entries = tuple(reversed(history.list()))
    scan = scan_of(lab_fake_registry(), Settings())
    obs = observations(tmp_path, entries=entries, scan=scan)
    digests = {1: fake_lab_digests()[1], 2: fake_lab_digests()[1]}
    obs = replace(obs, cache_digests=digests)
    seen = cache_size_record(obs, 250.0)  # as the guide keeps it when it looks
    assert seen is not None
    book.add_cache_size(seen)
    return history, replace(obs, records=book.read())


def report(
    tmp_path: Path, fmt: str = "md", language: str = "en", **changes: Any
) -> tuple[str, Observations]:
    history, obs = lab_run(tmp_path)
    obs = replace(obs, **changes)
    _ = translator(language)
    guide = evaluate(obs, _)
    served = {one: one[2] is False for one in cited(guide, obs)}  # manifests yes, blobs no
    reads = ReportReads(
        log_of=lambda i: history.get(i).log,
        served=served,
        student="Ada <Lovelace>",
        made_at=1_000.0,
    )
    return render(build_blocks(guide, obs, reads, _), fmt, language), obs


def test_excerpts_keep_the_lines_that_prove_each_point() -> None:
    second = "\n".join(captured_log("lab-second-build.log"))
    lines = excerpt(second, (CACHE_IMPORT, CACHED))
    assert lines[:2] == [
        "#6 importing cache manifest from localhost:32769/cachedata1",
        "#6 DONE 0.1s",
    ]
    assert sum(1 for line in lines if line.endswith("CACHED")) == 10
    assert not any("FROM" in line for line in lines)
    first = "\n".join(captured_log("lab-first-build.log"))
    pushed = excerpt(first, (PUSH, CACHE_EXPORT))
    assert any(line.startswith("#18 exporting manifest list sha256:4f5eb") for line in pushed)
    assert any(line.startswith("#18 pushing manifest for localhost:32769/lab") for line in pushed)
    assert "#19 exporting cache to registry" in pushed
    assert any(line.startswith("#19 writing cache manifest sha256:9bac") for line in pushed)
    # A first build whose only CACHED lines are its base images shows none of them.
    assert [line for line in excerpt(first, (CACHED,)) if "CACHED" in line] == []


def test_markdown_report_holds_the_runs_evidence(tmp_path: Path) -> None:
    text, _obs = report(tmp_path)
    index, cache = fake_lab_digests()
    assert "- Student: Ada <Lovelace>" in text
    assert "- Date: " in text and "Made by buildtui" in text
    # The summary table comes first, before any item's section.
    assert text.index("## Summary") < text.index("## 1. ")
    assert "| 7 | The local cache is pruned" in text
    assert "Name:      localhost:5000/lab:cachetest\nMediaType: " in text
    assert f"Digest:    {index}" in text
    assert "#6 importing cache manifest from localhost:5000/cachedata1" in text
    assert "#7 CACHED" in text
    assert "writing cache manifest " + cache in text
    # Build arguments are masked in the commands.
    assert "TOKEN=…" in text and "secret-value" not in text
    # One figure for the space freed, and the collector's lines for the cache's blobs.
    assert "Space freed: 2.05 MB, measured by du -sk" in text
    assert "DELETE /v2/cachedata1/manifests/sha256:abc" in text
    assert "12 blobs marked, 3 blobs and 0 manifests eligible for deletion" in text
    assert "blob eligible for deletion: sha256:c1" in text
    assert "blob eligible for deletion: sha256:c2" in text
    assert "/blobs/sha256/c1/c1" in text
    assert "eligible for deletion: sha256:other" not in text  # counted, not the cache's
    assert '3 "eligible for deletion" lines and 2 "Deleting blob" lines in all; 3 of them' in text
    # The order the lab needs, checked.
    assert "- ✓ Cache exported by build 1" in text and "then the prune prune-1" in text
    assert "- ✓ Deletion deletion-1" in text
    # A step not done says so.
    section = text.split("## 5.")[1].split("## 6.")[0]
    assert "This step is not done yet." in section
    assert "## Errors met" in text
    # Each cited digest re-checked at the end.
    tail = text.split("## Digests re-checked when the report was made")[1]
    assert f"| lab | {index} | manifest | yes |" in tail
    assert "| blob | no |" in tail


def test_no_control_characters_in_markdown_and_everything_escaped_in_html(
    tmp_path: Path,
) -> None:
    hostile = "evil\x1b[31m<script>alert(1)</script>|x"
    text, _obs = report(tmp_path, registry_container=hostile)
    assert "\x1b" not in text and "<script>" in text  # Markdown is text: stripped, kept
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", text)
    page, _obs = report(tmp_path / "h", "html", registry_container=hostile)
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "Ada &lt;Lovelace&gt;" in page
    assert "\x1b" not in page


def test_html_report_wraps_commands_and_prints_on_a4(tmp_path: Path) -> None:
    page, _obs = report(tmp_path, "html", "pl")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="pl">' in page
    assert "<style>" in page and "<link" not in page and "<script" not in page
    assert "white-space: pre-wrap" in page and "overflow-wrap: anywhere" in page
    assert "@page { size: A4" in page and "@media print" in page
    assert "overflow-x: auto" not in page
    assert '<span class="cached">#7 CACHED</span>' in page
    assert "Laboratorium 7: sprawozdanie" in page
    assert "Budowanie nr 1" in page and "Budowa " not in page
    assert "Zwolnione miejsce: 2,05 MB" in page  # a decimal comma in Polish


def test_report_without_builds_says_each_step_is_not_done(tmp_path: Path) -> None:
    obs = replace(observations(tmp_path), engine=None, builders=None)
    text = render(build_blocks(evaluate(obs), obs, ReportReads(), str), "md", "en")
    assert text.count("This step is not done yet.") == 9


@pytest.mark.parametrize(
    ("name", "code", "said"),
    [
        ("r.pdf", 2, "cannot write a report as .pdf"),
        ("r", 2, "without a suffix"),
        ("no/x.md", 1, "cannot write"),
    ],
)
def test_report_command_refuses_what_it_cannot_write(
    tmp_path: Path, capsys: Any, name: str, code: int, said: str
) -> None:
    from buildtui.cli import main

    out = tmp_path / name
    assert main(["--registry", "http://localhost:9", "lab", "report", "--out", str(out)]) == code
    assert said in capsys.readouterr().err
    assert not out.exists()


def test_report_command_refuses_a_format_that_contradicts_the_name(
    tmp_path: Path, capsys: Any
) -> None:
    from buildtui.cli import main

    out = tmp_path / "r.html"
    args = ["--registry", "http://localhost:9", "lab", "report", "--out", str(out)]
    assert main([*args, "--format", "md"]) == 2
    assert "does not match" in capsys.readouterr().err


def test_the_polish_report_has_no_english_sentence_and_no_decimal_point_in_a_size(
    tmp_path: Path,
) -> None:
    """A lab run with every kind of evidence (builds, a prune, a deletion, a garbage
    collection), reported in Polish: outside the quoted commands and logs, no phrase of the
    English catalogue and no size written with a decimal point."""
    text, _obs = report(tmp_path, "md", "pl")
    prose = markdown_prose(text)
    assert "Budowanie nr 2" in prose and "garbage collection" in prose
    assert untranslated(prose) == []
    assert sizes_with_a_point(prose) == []
    assert re.search(r"\d,\d+ kB", prose)  # sizes are there, with a decimal comma
    english, _obs = report(tmp_path / "en", "md", "en")
    assert untranslated(markdown_prose(english))  # the check finds English where it is
