"""Cache misses decided from recorded evidence: .dockerignore, the context hashes and
their bounds, build arguments, and each reason (and "unknown") on captured real logs."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from buildtui.buildlog.presentation import steps_text, summary_text
from buildtui.buildlog.summary import BuildSummary, CacheMiss, summarize
from buildtui.builds.copy_sources import source_takes
from buildtui.builds.dockerignore import IgnoreRules
from buildtui.builds.evidence import BuildEvidence, collect, hash_context
from buildtui.builds.history import BuildHistory, compare
from buildtui.builds.misses import EarlierBuild, first_misses
from buildtui.builds.presentation import comparison_headline, first_miss_cell
from tests.unit.build_service.test_presentation import entry, model_of

MULTI_STAGE = """\
FROM localhost:32769/busybox:latest AS build1
RUN echo hello from build1 > /a.txt
RUN uname -m > /arch.txt && echo arch $(cat /arch.txt)

FROM localhost:32769/busybox:latest AS build2
COPY --from=build1 /a.txt /a.txt
RUN cat /a.txt /arch.txt 2>/dev/null; echo two
RUN for i in 1 2 3; do echo line $i; done
"""


@pytest.mark.parametrize(
    ("patterns", "path", "excluded"),
    [
        ("node_modules", "node_modules/a/b.js", True),
        ("/node_modules", "node_modules", True),
        ("*.md\n!README.md", "README.md", False),
        ("*.md\n!README.md", "CHANGES.md", True),
        ("*.md", "docs/a.md", False),  # * stays within one element
        ("**/*.md", "docs/deep/a.md", True),
        ("**/*.md", "a.md", True),
        ("docs/**/tmp", "docs/tmp", True),
        ("docs/**/tmp", "docs/x/y/tmp/f", True),
        ("src\n!src/keep.js", "src/keep.js", False),
        ("src\n!src/keep.js", "src/drop.js", True),
        ("# comment\n\n  ./build/  ", "build/out.o", True),
        ("file?.txt", "file1.txt", True),
        ("file[0-9].txt", "filex.txt", False),
        ("", "anything", False),
    ],
)
def test_dockerignore_as_docker_reads_it(patterns: str, path: str, excluded: bool) -> None:
    assert IgnoreRules.from_text(patterns).excluded(path) is excluded


def test_copy_sources_match_files_and_globs() -> None:
    assert source_takes("src/", "src/index.js")
    assert source_takes(".", "anything/at/all")
    assert source_takes("package*.json", "package-lock.json")
    assert not source_takes("src", "srcx/a.js")
    assert not source_takes("package*.json", "src/package.json")


def test_context_hashes_honour_dockerignore_and_their_bounds(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "node_modules" / "x").mkdir(parents=True)
    (tmp_path / "src" / "a.js").write_text("a")
    (tmp_path / "src" / "b.log").write_text("b")
    (tmp_path / "node_modules" / "x" / "i.js").write_text("i")
    (tmp_path / ".dockerignore").write_text("node_modules\n*.log\nsrc/*.log\n")
    hashes, note = hash_context(tmp_path)
    assert note is None and hashes is not None
    assert sorted(hashes) == [".dockerignore", "src/a.js"]
    (tmp_path / "src" / "a.js").write_text("changed")
    again, _ = hash_context(tmp_path)
    assert again is not None and again["src/a.js"] != hashes["src/a.js"]
    none, note = hash_context(tmp_path, max_files=1)
    assert none is None and note is not None
    assert note.startswith("context hashes skipped: the build context has over 1 files")
    none, note = hash_context(tmp_path, max_seconds=-1)
    assert none is None and note is not None and "hashing took over" in note


def test_evidence_keeps_a_keyed_hash_of_build_argument_values(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM x\nARG TOKEN\n")
    argv = ["docker", "buildx", "build", "--build-arg", "TOKEN=hunter2", "--no-cache", "."]
    evidence = collect(argv, cwd=tmp_path, data_dir=tmp_path)
    again = collect(argv, cwd=tmp_path, data_dir=tmp_path)
    other = collect([*argv[:4], "TOKEN=other", "."], cwd=tmp_path, data_dir=tmp_path)
    assert evidence.build_args == again.build_args != other.build_args
    assert b"hunter2" not in evidence.to_blob()
    assert evidence.no_cache and not other.no_cache
    assert evidence.dockerfile_text == "FROM x\nARG TOKEN\n"
    assert oct((tmp_path / "evidence.key").stat().st_mode & 0o777) == "0o600"
    assert BuildEvidence.from_blob(evidence.to_blob()) == evidence
    url = collect(["docker", "buildx", "build", "https://example.invalid/r.git"], cwd=tmp_path)
    assert url.context_hashes is None and url.context_note is not None
    assert "is not a local folder" in url.context_note


def evidence(**changes: Any) -> BuildEvidence:
    base = BuildEvidence(
        context="/lab",
        dockerfile="/lab/Dockerfile_multi",
        dockerfile_text=MULTI_STAGE,
        context_hashes={"Dockerfile_multi": "1"},
    )
    return replace(base, **changes)


def lab(name: str) -> BuildSummary:
    return summarize(model_of(name), exit_code=0, wall_seconds=1.0)


def by_place(misses: tuple[CacheMiss, ...]) -> dict[tuple[str | None, str | None], CacheMiss]:
    return {(m.platform, m.stage): m for m in misses}


def test_a_pruned_cache_with_nothing_imported_says_so() -> None:
    cached, ran = lab("lab-second-build.log"), lab("lab-first-build.log")
    misses = by_place(first_misses(ran, evidence(), [EarlierBuild(7, cached, evidence())]))
    assert len(misses) == 4
    first = misses[("linux/amd64", "build1")]
    assert (first.index, first.reason, first.compared_with) == (2, "no-cache", 7)
    assert first.detail == (
        "no step came from the cache: no cache was imported (the import found nothing) and "
        "the local cache no longer holds build #7's steps (pruned), though their input is "
        "the same (the step's text, base image digests, build arguments)"
    )
    copy = misses[("linux/arm64", "build2")]
    assert copy.reason == "copy-from" and copy.index == 2
    assert copy.detail == (
        "COPY --from=build1: stage build1 missed first at step 2 RUN echo hello from build1 "
        "> /a.txt (no-cache)"
    )


def test_another_builder_or_no_earlier_build() -> None:
    cached, ran = lab("lab-second-build.log"), lab("lab-first-build.log")
    elsewhere = replace(cached, builder="lab7")
    misses = first_misses(ran, evidence(), [EarlierBuild(3, elsewhere, evidence())])
    assert misses[0].reason == "other-builder"
    assert misses[0].detail.startswith("built on builder default; build #3 ran on lab7")
    assert first_misses(ran, evidence(), []) == ()  # nothing earlier: no claim
    other_project = [EarlierBuild(3, cached, evidence(context="/elsewhere"))]
    assert first_misses(ran, evidence(), other_project) == ()


def test_unknown_says_what_was_checked() -> None:
    ran = lab("lab-first-build.log")
    cached = lab("lab-second-build.log")
    # Some steps came from the cache, the import was found, nothing recorded changed.
    half = replace(ran, cache_import="found", cached=1)
    (first, *_) = first_misses(half, evidence(), [EarlierBuild(2, cached, evidence())])
    assert first.reason == "unknown"
    assert first.detail == (
        "unknown; checked against build #2: the step's text (same), base image digests "
        "(same), build arguments (same), the cache (some steps came from it)"
    )


def test_a_changed_argument_declared_by_the_dockerfile_is_named() -> None:
    text = MULTI_STAGE.replace("AS build1\n", "AS build1\nARG V\n")
    old, new = (
        evidence(dockerfile_text=text, build_args={"V": "a", "OTHER": "x"}),
        evidence(dockerfile_text=text, build_args={"V": "b", "OTHER": "y"}),
    )
    ran, cached = lab("lab-first-build.log"), lab("lab-second-build.log")
    first = first_misses(ran, new, [EarlierBuild(4, cached, old)])[0]
    assert (first.reason, first.detail) == ("build-arg", "build argument V changed since build #4")


def one_stage(copy: str, base: str = "1") -> BuildSummary:
    """A one-stage build: FROM (resolved to sha256:<base>…), then COPY src/ (`copy`)."""
    from_step = {"platform": None, "stage": None, "index": 1, "status": "done", "seconds": 0.1}
    return BuildSummary.from_json(
        {
            "steps": [
                {**from_step, "instruction": f"FROM b@sha256:{base * 64}", "counted": False},
                {**from_step, "index": 2, "instruction": "COPY src/ /app/", "status": copy},
            ],
            "cached": int(copy == "cached"),
            "total": 1,
            "cache_import": "none",
        }
    )


def test_files_outside_the_copy_sources_are_not_blamed() -> None:
    cached, ran = one_stage("cached"), one_stage("done")
    old = evidence(dockerfile_text=None, context_hashes={"src/a.js": "1", "README": "1"})
    only_readme = evidence(dockerfile_text=None, context_hashes={"src/a.js": "1", "README": "2"})
    (miss,) = first_misses(ran, only_readme, [EarlierBuild(1, cached, old)])
    assert miss.reason == "no-cache" and "the files it copies, build arguments)" in miss.detail
    added = evidence(dockerfile_text=None, context_hashes={"src/a.js": "2", "src/b.js": "1"})
    (miss,) = first_misses(ran, added, [EarlierBuild(1, cached, old)])
    assert (miss.reason, miss.detail) == (
        "files",
        "changed since build #1: src/a.js, src/b.js (added)",
    )
    skipped = replace(added, context_hashes=None, context_note="context hashes skipped: big")
    (miss,) = first_misses(ran, skipped, [EarlierBuild(1, cached, old)])
    assert "context files (not recorded: context hashes skipped: big)" in miss.detail
    (miss,) = first_misses(one_stage("done", "2"), added, [EarlierBuild(1, cached, old)])
    assert miss.reason == "base-image"
    assert miss.detail == (
        "the base image b resolved to another digest: sha256:2222222222… (was sha256:1111111111…)"
    )


def test_misses_are_shown_and_kept(tmp_path: Path) -> None:
    ran = lab("lab-first-build.log")
    misses = first_misses(
        ran, evidence(), [EarlierBuild(7, lab("lab-second-build.log"), evidence())]
    )
    summary = replace(ran, first_misses=misses)
    assert BuildSummary.from_json(summary.to_json()) == summary
    steps = steps_text(model_of("lab-first-build.log"), 0.0, misses=misses).plain
    assert steps.count("◀ cache broken here") == 4
    assert "      why: no step came from the cache" in steps
    assert "Cache broken here: linux/amd64 · build1: cache broken at step 2 RUN echo" in (
        summary_text(summary).plain
    )
    assert first_miss_cell(summary) == "2 RUN echo hello from buil: no-cache (+3)"
    assert first_miss_cell(ran) == "-"
    headline = comparison_headline(
        compare(entry(7, lab("lab-second-build.log")), entry(8, summary))
    )
    assert headline.startswith(
        "0 steps went from run to CACHED (0.0s of step time saved), 10 from CACHED to run"
    )
    assert headline.endswith(
        "First miss of #8: linux/amd64 · build1: cache broken at step 2 RUN echo hello from "
        "build1 > /a.txt: " + misses[0].detail + " (and 3 more stages)"
    )
    # An older history without the evidence column gains it; its builds have none.
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE builds (id INTEGER PRIMARY KEY AUTOINCREMENT, started REAL NOT NULL,"
            " argv TEXT NOT NULL, command TEXT NOT NULL, exit_code INTEGER, canceled INTEGER"
            " NOT NULL DEFAULT 0, summary TEXT NOT NULL, log BLOB NOT NULL, log_lines INTEGER"
            " NOT NULL)"
        )
    history = BuildHistory(path)
    history.add(started=0, argv=["d"], command="d", summary=ran, log_lines=["x"])
    history.add(
        started=1, argv=["d"], command="d", summary=summary, log_lines=["x"], evidence=evidence()
    )
    (earlier,) = history.earlier(evidence())
    assert earlier.id == 2 and earlier.evidence == evidence()
    assert earlier.summary.first_misses == misses
    assert history.earlier(evidence(context="/other")) == []


def test_a_step_after_an_older_cached_copy_names_the_files() -> None:
    """COPY came from an older build's cache (same files as then), so the RUN after it
    had no cache: the files that changed since the compared build are named."""
    step = {"platform": None, "stage": None, "seconds": 0.1}

    def build(copy: str, run: str) -> BuildSummary:
        return BuildSummary.from_json(
            {
                "steps": [
                    {**step, "index": 1, "instruction": "COPY src/ /app/", "status": copy},
                    {**step, "index": 2, "instruction": "RUN make", "status": run},
                ],
                "cached": [copy, run].count("cached"),
                "total": 2,
                "cache_import": "none",
            }
        )

    old = evidence(dockerfile_text=None, context_hashes={"src/a.c": "1"})
    new = evidence(dockerfile_text=None, context_hashes={"src/a.c": "0"})
    (miss,) = first_misses(
        build("cached", "done"), new, [EarlierBuild(5, build("cached", "cached"), old)]
    )
    assert (miss.index, miss.reason) == (2, "files")
    assert miss.detail == (
        "step 1 COPY src/ /app/ came from the cache but takes files changed since build #5: src/a.c"
    )
    same = first_misses(
        build("cached", "done"), old, [EarlierBuild(5, build("cached", "cached"), old)]
    )
    assert (
        same[0].reason == "unknown" and "the stage's earlier steps (same input)" in same[0].detail
    )


def test_a_cache_exported_for_other_platforms_says_so() -> None:
    cached = lab("lab-second-build.log")
    amd64_only = replace(
        cached, steps=tuple(s for s in cached.steps if s.platform == "linux/amd64")
    )
    ran = replace(lab("lab-first-build.log"), cache_import="found")
    ref = "type=registry,ref=localhost:5000/cachedata1"
    exported = evidence(cache_to=(ref + ",mode=max",))
    imported = evidence(cache_from=(ref,))
    misses = by_place(first_misses(ran, imported, [EarlierBuild(9, amd64_only, exported)]))
    arm = misses[("linux/arm64", "build1")]
    assert (arm.reason, arm.compared_with) == ("no-cache", 9)
    assert arm.detail == (
        "the imported cache was exported by build #9 for linux/amd64 only, not linux/arm64"
    )
    # Another cache image: nothing is claimed for arm64.
    other = evidence(cache_from=("type=registry,ref=localhost:5000/other",))
    assert ("linux/arm64", "build1") not in by_place(
        first_misses(ran, other, [EarlierBuild(9, amd64_only, exported)])
    )
