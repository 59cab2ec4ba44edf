"""Registry rows and summaries (`registry.rows`): one reading of a tag for the pane and
`registry ls`, as semantic cells; no Textual here."""

from __future__ import annotations

import pytest

from buildtui.commands.registry import render_scan
from buildtui.registry import rows
from buildtui.registry.errors import AuthError, NotFound, Unreachable
from buildtui.registry.rows import (
    Styled,
    TagRow,
    error_message,
    hint_for,
    registry_title,
    report_details,
    row_cells,
    scan_lines,
    scan_summary,
    scan_text,
    tag_row,
)
from buildtui.registry.scan import ImageReport, RegistryScan
from buildtui.registry.tally import TagSummary
from tests.fakes.registry import FakeRegistry, damaged_lab_registry, fake_service, lab_registry


async def scan_of(registry: FakeRegistry) -> RegistryScan:
    service = fake_service(registry)
    try:
        return await service.scan(cached=False)
    finally:
        await service.aclose()


def entry(scan: RegistryScan, repository: str, tag: str) -> TagRow:
    found = next(e for e in scan.repositories[repository] if e.tag == tag)
    return tag_row(found.tag, found.report, found.error)


async def test_a_damaged_index_an_error_and_a_cache_as_rows_and_cells() -> None:
    scan = await scan_of(damaged_lab_registry())
    damaged = entry(scan, "lab", "cachetest")
    assert damaged.kind == "index" and damaged.damaged and "cannot be read" in damaged.damaged
    assert row_cells(damaged)[1] == Styled("index damaged", "bold error")
    broken = entry(scan, "lab", "broken")
    assert broken.kind == "" and broken.error and "not valid JSON" in broken.error
    assert row_cells(broken)[1] == Styled("error", "bold error")
    assert [c.text for c in row_cells(broken)[2:]] == ["", "", ""]
    cache = entry(scan, "cachedata1", "latest")
    assert row_cells(cache)[1] == Styled("cache") and cache.damaged is None
    assert cache.digest.startswith("sha256:") and len(cache.digest) == len("sha256:") + 12


async def test_registry_ls_prints_the_lines_of_the_same_rows() -> None:
    """`registry ls` and the pane's table read each tag with `tag_row`: the CLI's lines are
    `scan_lines` of the rows whose `row_cells` the pane shows."""
    scan = await scan_of(damaged_lab_registry())
    printed = render_scan(scan).splitlines()
    for repository, tag in (("lab", "cachetest"), ("lab", "broken"), ("cachedata1", "latest")):
        lines = scan_lines(repository, entry(scan, repository, tag))
        start = printed.index(lines[0])
        assert printed[start : start + len(lines)] == lines
    damaged = scan_lines("lab", entry(scan, "lab", "cachetest"))
    assert damaged[0].split()[1] == "index" and damaged[1].strip().startswith("! damaged: ")
    assert scan_lines("lab", entry(scan, "lab", "broken"))[0].split()[1] == "!"


async def test_pane_and_cli_rows_come_from_one_function(monkeypatch: pytest.MonkeyPatch) -> None:
    """A change in `tag_row` shows in `registry ls`; the pane imports the same function."""
    scan = await scan_of(damaged_lab_registry())
    seen: list[str] = []
    original = rows.tag_row

    def spy(tag: str, report: ImageReport | TagSummary | None, error: str | None = None) -> TagRow:
        seen.append(tag)
        return original(tag, report, error)

    monkeypatch.setattr(rows, "tag_row", spy)
    render_scan(scan)
    assert {"cachetest", "broken", "latest"} <= set(seen)


def test_a_pending_row_and_its_cells() -> None:
    row = tag_row("v3", None)
    assert row.pending and row_cells(row)[1] == Styled("…", "dim")
    assert not tag_row("v3", None, "gone").pending


async def test_scan_summary_counts_tags_repositories_and_damage() -> None:
    scan = await scan_of(damaged_lab_registry())
    summary = scan_summary(scan)
    assert summary.startswith(f"{len(scan.entries())} tags in {len(scan.repositories)} ")
    # lab:v2 points at the same linux/amd64 manifest as lab:cachetest: damaged too.
    assert summary.endswith("; 2 damaged")
    assert f"\n{summary}" in scan_text(scan)


def test_an_empty_registry_and_a_cut_catalog() -> None:
    scan = RegistryScan("registry.test:5000", catalog_cut="stopped after 5 pages")
    assert scan_text(scan) == "registry.test:5000: no repositories\n! stopped after 5 pages"


def test_registry_title() -> None:
    assert registry_title("r:5000", 0, False) == "Registry r:5000"
    assert registry_title("r:5000", 3, True) == "Registry r:5000 · 3 repositories (list cut short)"


def test_error_message_names_what_and_the_keys_that_help() -> None:
    auth = AuthError("denied", status=401, tried=())
    assert "l to log in" in hint_for(auth)
    assert "r to retry" in hint_for(Unreachable("down"))
    assert hint_for(NotFound("gone", what="tag")) == "Press r to refresh."
    parts = error_message("the tags of lab", auth)
    assert parts[0] == Styled("Cannot read the tags of lab: ", "bold error")
    assert parts[2].style == "italic" and "log in" in parts[2].text


async def test_report_details_of_a_cache_while_comparing_and_after() -> None:
    registry = lab_registry()
    service = fake_service(registry)
    try:
        report = await service.inspect("cachedata1", "latest")
        breakdown = await service.breakdown(report)
    finally:
        await service.aclose()
    waiting = report_details(report, None, ["docker x"])
    assert Styled(" (comparing with the registry's images…)", "dim") in waiting
    done = "".join(p.text for p in report_details(report, breakdown, ["docker x"]))
    assert "deleting it frees only the" in done and done.endswith("\n  $ docker x")


def test_how_far_a_scan_is_in_one_line() -> None:
    from buildtui.registry.rows import progress_text, tags_read_text
    from buildtui.registry.scan import ScanProgress

    assert progress_text(ScanProgress(12_000, False, 40, 4_000, 1_234)) == (
        "Reading the catalog: 12,000 repositories so far; 1,234 tags read"
    )
    assert progress_text(ScanProgress(300, True, 40, 4_000, 1_234)) == (
        "1,234 of 4,000 tags read so far; the tags of 40 of 300 repositories listed"
    )
    assert progress_text(ScanProgress(300, True, 300, 30_000, 29_000)) == (
        "29,000 of 30,000 tags read in 300 repositories"
    )
    assert tags_read_text(12, 100, False) == "12 of 100 read"
    assert tags_read_text(100, 100, True) == "cut short"
    assert tags_read_text(100, 100, False) is None
    assert registry_title("r:5000", 12_000, False, reading=True) == (
        "Registry r:5000 · reading the catalog: 12,000 repositories so far…"
    )
    assert registry_title("r:5000", 1, False) == "Registry r:5000 · 1 repository"
