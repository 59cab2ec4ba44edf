"""One reading of a `docker buildx build` command line, as buildx's flag parser reads
it, shared by the history's columns, the evidence, the cache report and the lab."""

from __future__ import annotations

from pathlib import Path

import pytest

from buildtui.buildlog.summary import BuildSummary
from buildtui.builds.cache_coverage import cache_flags
from buildtui.builds.command import parse_command
from buildtui.builds.evidence import collect
from buildtui.builds.live import LiveBuild
from buildtui.builds.options import dockerfile_of
from buildtui.builds.presentation import build_traits, output_cell, pushed_to
from buildtui.lab.build_command import exports_of, flag_values, platforms_of, registry_caches

LAB = [
    "docker", "buildx", "build", "--builder", "lab7", "--progress=plain",
    "-t", "localhost:5000/lab:cachetest", "--tag=localhost:5000/lab:2", "-tlab:3", "-t=lab:4",
    "--platform", "linux/amd64,linux/arm64", "--platform=linux/arm/v7",
    "--cache-to", "type=registry,ref=localhost:5000/cachedata1,mode=max",
    "--cache-from=localhost:5000/cachedata1",
    "--build-arg", "A=1", "--build-arg", "B", "--target", "out",
    "--no-cache-filter", "a,b", "-f", "Dockerfile_multi", "--push", "-o", "type=local,dest=out",
    ".",
]  # fmt: skip


def test_a_command_read_as_buildx_reads_it() -> None:
    command = parse_command(LAB)
    assert command.tags == [
        "localhost:5000/lab:cachetest",
        "localhost:5000/lab:2",
        "lab:3",
        "lab:4",
    ]
    assert command.platforms == ["linux/amd64", "linux/arm64", "linux/arm/v7"]
    assert [(s.type, s.ref, s.mode) for s in command.cache_to] == [
        ("registry", "localhost:5000/cachedata1", "max")
    ]
    # A bare --cache-from is a registry ref.
    assert [s.registry_ref for s in command.cache_from] == ["localhost:5000/cachedata1"]
    assert command.build_args == [("A", "1"), ("B", None)]
    assert (command.file, command.context, command.builder, command.target) == (
        "Dockerfile_multi",
        ".",
        "lab7",
        "out",
    )
    assert command.no_cache_filter == ["a", "b"] and not command.no_cache
    assert command.push and not command.load
    assert [(s.type, s.dest) for s in command.outputs] == [("local", "out")]


def test_booleans_values_that_look_like_flags_and_the_end_of_flags() -> None:
    command = parse_command(["--push=false", "--load=true", "--no-cache", "--label", "-t", "."])
    assert not command.push and command.load and command.no_cache
    assert command.tags == [] and command.values("--label") == ["-t"]
    assert parse_command(["--", "-weird-context"]).context == "-weird-context"
    assert parse_command(["-o", "./out", "-o", "-"]).outputs[1].dest == "-"


def test_every_reader_agrees() -> None:
    assert build_traits(LAB) == (
        "lab:cachetest lab:2 lab:3 lab:4",
        "to cachedata1 max, from cachedata1",
        "amd64+arm64+arm/v7",
    )
    assert output_cell(LAB) == "registry (push), local out"
    assert output_cell([*LAB[:-1], "--load", "."]) == "registry (push), local out, docker (load)"
    flags = cache_flags(LAB)
    assert flags.cache_to == (("localhost:5000/cachedata1", "max"),)
    assert flags.cache_from == ("localhost:5000/cachedata1",)
    assert flag_values(LAB, "-t", "--tag")[2:] == ["lab:3", "lab:4"]
    assert platforms_of(LAB) == ["linux/amd64", "linux/arm64", "linux/arm/v7"]
    assert [c["ref"] for c in registry_caches(LAB, "--cache-to", "localhost:5000")] == [
        "localhost:5000/cachedata1"
    ]
    assert exports_of(LAB) == [("local", "out", False)]
    assert dockerfile_of(LAB[3:]) == Path("Dockerfile_multi")
    assert dockerfile_of(["-t", "x", "ctx"]) == Path("ctx", "Dockerfile")


def test_the_evidence_reads_the_same_command(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile_multi").write_text("FROM scratch\n")
    evidence = collect(LAB, cwd=tmp_path, environ={"B": "from-env"})
    assert evidence.dockerfile == str(tmp_path / "Dockerfile_multi")
    assert evidence.context == str(tmp_path)
    assert evidence.platforms == ("linux/amd64", "linux/arm64", "linux/arm/v7")
    assert (evidence.builder, evidence.target) == ("lab7", "out")
    assert evidence.cache_to == ("type=registry,ref=localhost:5000/cachedata1,mode=max",)
    assert evidence.no_cache_filter == ("a", "b") and not evidence.no_cache
    assert set(evidence.build_args) == {"A", "B"}
    assert collect(["--no-cache=true", "."], cwd=tmp_path).no_cache


def summary(pushed: tuple[tuple[str, str], ...], cache_export: str) -> BuildSummary:
    return BuildSummary.from_json(
        {"steps": [], "cached": 0, "total": 0, "cache_import": "none",
         "cache_export": cache_export, "pushed": [{"ref": r, "digest": d} for r, d in pushed]}
    )  # fmt: skip


@pytest.mark.parametrize(
    ("pushed", "export", "host", "expected"),
    [
        ((("localhost:5000/lab:1", "sha256:1"),), "none", "localhost:5000", True),
        ((("127.0.0.1:5000/lab:1", "sha256:1"),), "none", "localhost:5000", True),
        ((("LOCALHOST:5000/lab:1", "sha256:1"),), "none", "localhost:5000", True),
        ((("localhost:5001/lab:1", "sha256:1"),), "none", "localhost:5000", False),
        ((("docker.io/me/lab:1", "sha256:1"),), "none", "localhost:5000", False),
        ((), "ok", "127.0.0.1:5000", True),  # the cache export to localhost:5000
        ((), "none", "localhost:5000", False),  # nothing exported
    ],
)
def test_pushed_to_the_lab_registry(
    pushed: tuple[tuple[str, str], ...], export: str, host: str, expected: bool
) -> None:
    live = LiveBuild(LAB)
    live.summary = summary(pushed, export)
    assert pushed_to(live, host) is expected
