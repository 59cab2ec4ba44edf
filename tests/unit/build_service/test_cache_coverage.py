"""Which platforms and stages a registry cache holds (the last build that exported to it),
and the overwrite trap: two single-platform builds exporting to one ref."""

from __future__ import annotations

from dataclasses import replace

from buildtui.buildlog.summary import Outcome
from buildtui.builds.cache_coverage import (
    KeptBuild,
    cache_flags,
    cache_report,
    coverage,
    overwrite_fix,
    overwrites,
)
from tests.fakes.forecast import planned_summary

DOCKERFILE = "FROM x AS build1\nRUN a\nFROM x AS build2\nCOPY --from=build1 /a /a\nRUN b\n"
REF = "localhost:5000/cachedata1"


def build(build_id: int, *args: str, export: Outcome = "ok", imported: bool = False) -> KeptBuild:
    summary = planned_summary(DOCKERFILE, cache_export=export)
    if imported:
        summary = replace(summary, cache_import="found")
    return KeptBuild(build_id, ("docker", "buildx", "build", *args, "."), summary)


def test_cache_flags_of_a_command() -> None:
    flags = cache_flags(
        ("docker", "buildx", "build", "--platform=linux/amd64,linux/arm64",
         "--cache-to", f"type=registry,ref={REF},mode=max", f"--cache-from={REF}",
         "--cache-from", "type=local,src=/tmp/c", "--cache-to", "type=inline", "."),
    )  # fmt: skip
    assert flags.cache_to == ((REF, "max"),)
    assert flags.cache_from == (REF,)
    assert flags.platforms == ("linux/amd64", "linux/arm64")
    assert cache_flags(("docker", "buildx", "build", ".")).platforms == ("default platform",)


def test_a_ref_holds_what_its_last_export_built() -> None:
    builds = [
        build(3, "--platform", "linux/arm64", "--cache-to", f"type=registry,ref={REF}",
              export="failed"),
        build(2, "--platform", "linux/arm64", "--cache-to", f"type=registry,ref={REF}"),
        build(1, "--platform", "linux/amd64", "--cache-to", f"type=registry,ref={REF},mode=max"),
    ]  # fmt: skip
    held = coverage(REF, builds)
    assert held is not None
    assert (held.build_id, held.platforms, held.stages, held.mode) == (
        2, ("linux/arm64",), ("build2",), "min"
    )  # fmt: skip
    assert held.sentence() == (
        f"{REF} covers linux/arm64 (stages build2; mode=min), exported by build #2"
    )
    assert coverage("localhost:5000/other", builds) is None


def test_two_single_platform_exports_to_one_ref_overwrite() -> None:
    to = ("--cache-to", f"type=registry,ref={REF},mode=max")
    builds = [
        build(3, "--platform", "linux/amd64,linux/arm64", *to),
        build(2, "--platform", "linux/arm64", *to),
        build(1, "--platform", "linux/amd64", *to),
    ]
    [found] = overwrites(builds)
    assert (found.earlier_id, found.later_id, found.lost, found.kept) == (
        1, 2, ("linux/amd64",), ("linux/arm64",)
    )  # fmt: skip
    assert found.warning() == (
        f"build #2 (linux/arm64) exported its cache to {REF} after build #1 did: {REF} now "
        "holds linux/arm64 only, and the linux/amd64 cache is gone (each export replaces "
        "the whole cache image)"
    )
    assert found.fix() == overwrite_fix(REF, ("linux/amd64", "linux/arm64"))
    assert found.fix() == (
        f"give each platform its own cache ref (for linux/amd64: --cache-to "
        f"type=registry,ref={REF}-amd64,mode=max --cache-from type=registry,ref={REF}-amd64; "
        f"for linux/arm64: --cache-to type=registry,ref={REF}-arm64,mode=max --cache-from "
        f"type=registry,ref={REF}-arm64), or build them in one build (--platform "
        f"linux/amd64,linux/arm64) that exports to {REF}"
    )


def test_a_build_s_report_says_what_its_caches_cover() -> None:
    to = ("--cache-to", f"type=registry,ref={REF},mode=max", "--cache-from", REF)
    earlier = [build(1, "--platform", "linux/amd64", *to)]
    report = cache_report(build(2, "--platform", "linux/arm64", *to, imported=True), earlier)
    assert [c.platforms for c in report.exported] == [("linux/arm64",)]
    [(held, missing)] = report.imported
    assert (held.build_id, missing) == (1, ("linux/arm64",))
    assert [o.later_id for o in report.overwrites] == [2]
    lines = report.lines()
    assert lines[0] == (
        f"Registry cache: {REF} covers linux/arm64 (stages build1, build2; mode=max), "
        "exported by build #2."
    )
    assert lines[1].endswith("it holds nothing for linux/arm64.")
    assert lines[2].startswith("Warning: build #2 (linux/arm64) exported its cache")
    assert report.to_json()["overwrites"][0]["lost_platforms"] == ["linux/amd64"]
    assert not cache_report(build(3), [])
