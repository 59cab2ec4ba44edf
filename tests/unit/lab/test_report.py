"""The lab report: evidence from recorded data only, Markdown and one HTML file."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from buildtui.build.history import BuildHistory
from buildtui.lab.guide import evaluate
from buildtui.lab.i18n import translator
from buildtui.lab.records import RecordBook
from buildtui.lab.report import log_excerpt, render
from buildtui.settings import Settings
from tests.fakes.build import captured_log
from tests.fakes.cleanup import lab_fake_registry
from tests.fakes.lab import record_build, scan_of
from tests.unit.lab.test_guide import observations


def lab_run(tmp_path: Path) -> tuple[BuildHistory, object]:
    history = BuildHistory(tmp_path / "h.sqlite3")
    record_build(history, "lab-first-build.log", 100.0)
    record_build(history, "lab-second-build.log", 200.0)
    RecordBook(tmp_path / "records.json", clock=lambda: 150.0).add_prune("default", 4096, 3)
    book = RecordBook(tmp_path / "records.json", clock=lambda: 300.0)
    book.add_deletion(
        "localhost:5000", "cachedata1:latest", ["cache"],
        ["DELETE /v2/cachedata1/manifests/sha256:abc"], 9000,
    )  # fmt: skip
    RecordBook(tmp_path / "records.json", clock=lambda: 400.0).add_collection(
        "localhost:5000", "registry7", kb_before=3000, kb_after=1000, blobs_deleted=4,
        deletions=["cachedata1:latest"], tags_checked=6, problems=[],
        log=["cachedata1: marking manifest", "blob eligible for deletion: sha256:abc"],
    )  # fmt: skip
    entries = tuple(reversed(history.list()))
    scan = scan_of(lab_fake_registry(), Settings())
    return history, observations(tmp_path, entries=entries, scan=scan)


def test_excerpt_keeps_the_cache_import_and_each_cached_step_with_its_name() -> None:
    excerpt = log_excerpt("\n".join(captured_log("lab-second-build.log")))
    assert excerpt[0] == "#6 importing cache manifest from localhost:32769/cachedata1"
    assert "#7 CACHED" in excerpt
    named = excerpt.index("#7 CACHED") - 1
    assert excerpt[named].startswith("#7 [")
    assert sum(1 for line in excerpt if line.endswith("CACHED")) == 10


def test_markdown_report_holds_the_runs_evidence(tmp_path: Path) -> None:
    history, obs = lab_run(tmp_path)
    guide = evaluate(obs)  # type: ignore[arg-type]
    text = render(guide, obs, lambda i: history.get(i).log, now=0)  # type: ignore[arg-type]
    registry = lab_fake_registry()
    index = registry.tags["lab"]["cachetest"]
    assert "Name:      localhost:5000/lab:cachetest\nMediaType: " in text
    assert f"Digest:    {index}" in text
    assert "  Platform:  linux/amd64" in text and "  Platform:  linux/arm64" in text
    assert "#6 importing cache manifest from localhost:32769/cachedata1" in text
    assert "#7 CACHED" in text
    # Build arguments are masked in the commands.
    assert "TOKEN=…" in text and "secret-value" not in text
    assert "Storage before 3.07 MB, after 1.02 MB" in text
    assert "DELETE /v2/cachedata1/manifests/sha256:abc" in text
    assert "blob eligible for deletion: sha256:abc" in text
    # A step not done says so.
    assert "## 5. An image is exported" in text
    section = text.split("## 5.")[1].split("## 6.")[0]
    assert "This step is not done yet." in section
    # The first build's cache import error, with its explanation.
    assert "## Errors met" in text


def test_html_report_is_one_file_with_cached_lines_highlighted(tmp_path: Path) -> None:
    history, obs = lab_run(tmp_path)
    _ = translator("pl")
    guide = evaluate(obs, _)  # type: ignore[arg-type]
    page = render(guide, obs, lambda i: history.get(i).log, fmt="html", language="pl", _=_, now=0)  # type: ignore[arg-type]
    assert page.startswith("<!DOCTYPE html>") and '<html lang="pl">' in page
    assert "<style>" in page and "<link" not in page and "<script" not in page
    assert '<span class="cached">#7 CACHED</span>' in page
    assert "Laboratorium 7: sprawozdanie" in page
    assert "Ten krok nie został jeszcze wykonany." in page


def test_report_without_builds_says_each_step_is_not_done(tmp_path: Path) -> None:
    obs = replace(observations(tmp_path), engine=None, builders=None)
    text = render(evaluate(obs), obs, lambda i: "", now=0)
    assert text.count("This step is not done yet.") == 9


def test_report_command_refuses_an_unwritable_file(tmp_path: Path, capsys: Any) -> None:
    from buildtui.cli import main

    code = main(
        ["--registry", "http://localhost:9", "lab", "report", "--out", str(tmp_path / "no/x.md")]
    )
    assert code == 1
    assert "cannot write" in capsys.readouterr().err
