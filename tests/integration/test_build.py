"""Builds on the real engine: the lab's two-build cache scenario, a failure, a cancel, limits.

Each test runs `docker buildx build --progress=plain` through the app's own runner
(`BuildRunner`) and parser, and keeps the captured log in its tmp dir; set
CAPTURE_BUILD_LOGS to also copy the logs there (that is how the fixtures in
tests/unit/buildlog/data/ were refreshed).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

from buildtui.buildlog.model import StepState
from buildtui.buildlog.parser import LineKind, LogParser
from buildtui.builds.live import LiveBuild
from buildtui.builds.options import argv_for_arguments
from buildtui.builds.platforms import builder_platforms
from buildtui.builds.runner import BuildRunner, RunningBuild
from buildtui.commands.build import run_build
from buildtui.settings import Settings
from tests.integration.lab import TestRegistry, docker, unique

MULTI_STAGE = """\
FROM {base} AS build1
RUN echo hello from build1 {run} > /a.txt
RUN uname -m > /arch.txt && echo arch $(cat /arch.txt)

FROM {base} AS build2
COPY --from=build1 /a.txt /a.txt
RUN cat /a.txt; echo two
"""


def capture(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    target = os.environ.get("CAPTURE_BUILD_LOGS")
    if target:
        shutil.copy(path, Path(target) / name)
    return path


def run_cli(tmp_path: Path, name: str, args: list[str]) -> tuple[int, dict[str, Any], list[str]]:
    """Run a build the way `buildtui build` does; (exit code, summary JSON, log lines)."""
    out = io.StringIO()
    summary = tmp_path / f"{name}.json"
    code = run_build(argv_for_arguments(args, Settings()), BuildRunner(), out, summary_json=summary)
    printed = out.getvalue().splitlines()
    end = max(i for i, line in enumerate(printed) if line.startswith("Steps cached:"))
    capture(tmp_path, f"{name}.log", "\n".join(printed[1 : end - 1]) + "\n")
    # Without the `$ command` line; with the summary and explanations printed after the log.
    return code, json.loads(summary.read_text()), printed[1:]


class RegistryFailed(Exception):
    """registry:2 answered a 5xx while BuildKit pushed: the scenario starts over."""


def run_lab_build(
    tmp_path: Path, registry: TestRegistry, name: str, args: list[str]
) -> tuple[int, dict[str, Any], list[str]]:
    """`run_cli` from an empty local build cache; RegistryFailed on a registry 5xx.

    registry:2 (distribution 2.8) now and then answers 500 ("invalid checksum digest
    format": it read a link file while it was being written) when BuildKit pushes the
    image and exports the cache at once. The app explains that error; the scenario is
    about the cache, so the test runs it again with new names.
    """
    docker("buildx", "prune", "-af")
    code, summary, lines = run_cli(tmp_path, name, args)
    if code != 0 and any(" 500 Internal Server Error" in line for line in lines):
        errors = [line for line in registry.logs().splitlines() if "status=500" in line]
        raise RegistryFailed(f"{name}: registry answered 500: {errors[-3:]}")
    return code, summary, lines


def lab_build_args(tmp_path: Path, registry: TestRegistry, base_image: str) -> list[str]:
    """The lab's build with names (and a Dockerfile word) unique to this attempt."""
    # A word unique to the attempt: no step can come from an earlier run's local cache.
    dockerfile = MULTI_STAGE.format(base=base_image, run=unique("run"))
    (tmp_path / "Dockerfile_multi").write_text(dockerfile)
    image = registry.ref(unique("lab"), "cachetest")
    cache = registry.ref(unique("cachedata"), "latest").rsplit(":", 1)[0]
    return [
        "-f",
        str(tmp_path / "Dockerfile_multi"),
        "-t",
        image,
        "--platform",
        "linux/amd64,linux/arm64",
        "--push",
        "--cache-to",
        f"type=registry,ref={cache},mode=max",
        "--cache-from",
        f"type=registry,ref={cache}",
        str(tmp_path),
    ]


def test_lab_two_builds_second_comes_from_the_registry_cache(
    tmp_path: Path, registry: TestRegistry, base_image: str, image_names: list[str]
) -> None:
    for attempt in (1, 2):
        args = lab_build_args(tmp_path, registry, base_image)
        image_names.append(args[3])
        try:
            check_lab_scenario(tmp_path, registry, args)
            return
        except RegistryFailed as error:
            if attempt == 2:
                raise
            print(f"{error}; the scenario starts over with new names")


def check_lab_scenario(tmp_path: Path, registry: TestRegistry, args: list[str]) -> None:
    code, first, lines = run_lab_build(tmp_path, registry, "lab-first", args)
    assert code == 0, "\n".join(lines[-20:])
    told = "\n".join(lines[-8:])  # the printed summary, for a failure message
    assert first["cache_import"] == "not-found", told
    assert first["cached"] == 0 and first["total"] == 8, told  # per platform: RUN, RUN, COPY, RUN
    assert first["cache_export"] == "ok" and first["push"] == "ok"
    assert first["pushed_digest"].startswith("sha256:")
    assert {s["platform"] for s in first["steps"]} == {"linux/amd64", "linux/arm64"}

    code, second, lines = run_lab_build(tmp_path, registry, "lab-second", args)
    assert code == 0, "\n".join(lines[-20:])
    told = "\n".join(lines[-8:])
    assert second["cache_import"] == "found", told
    assert (second["cached"], second["total"]) == (8, 8), told
    cacheable = [s for s in second["steps"] if not s["instruction"].startswith("FROM ")]
    assert cacheable and all(s["status"] == "cached" for s in cacheable)
    assert any(line.endswith(" CACHED") for line in lines)
    # The parser saw every step of the real log as a header first.
    parser = LogParser()
    kinds = [parser.feed(line).kind for line in lines]
    assert kinds[0] is LineKind.BUILDER and LineKind.CACHED in kinds


def test_failing_run_step(tmp_path: Path, base_image: str) -> None:
    (tmp_path / "Dockerfile").write_text(
        f"FROM {base_image}\nRUN echo about to fail; echo 'really' >&2; exit 7\n"
    )
    code, summary, lines = run_cli(tmp_path, "failing", ["--no-cache", str(tmp_path)])
    assert code == 1
    run = summary["steps"][-1]
    assert run["status"] == "error" and run["instruction"].startswith("RUN echo about")
    assert any("exit code: 7" in error for error in summary["errors"])
    assert any(line == "------" for line in lines)
    assert any(line.endswith("really") for line in lines)


def test_cancel_ends_the_build_and_leaves_nothing_running(tmp_path: Path, base_image: str) -> None:
    (tmp_path / "Dockerfile").write_text(f"FROM {base_image}\nRUN echo started; sleep 60\n")
    argv = argv_for_arguments(["--no-cache", str(tmp_path)], Settings())
    process = RunningBuild(argv)
    live = LiveBuild(argv)
    started = time.monotonic()
    for batch in process.batches():
        live.add(batch)
        if any(line.endswith(" started") for line in live.lines) and not live.canceled:
            process.cancel()
    live.finish(process.wait())
    capture(tmp_path, "canceled.log", "\n".join(live.lines) + "\n")
    assert time.monotonic() - started < 30
    assert live.exit_code != 0
    run = next(s for s in live.model.steps if s.instruction.startswith("RUN"))
    assert run.state is StepState.CANCELED
    assert any(line.endswith(" CANCELED") for line in live.lines)
    group = subprocess.run(["pgrep", "-g", str(process.pid)], capture_output=True, text=True)
    assert group.stdout.split() == []
    assert live.summary is not None and live.summary.steps[-1].status == "canceled"


def test_docker_driver_cache_backend_limit_is_explained(tmp_path: Path, base_image: str) -> None:
    """The engine's built-in BuildKit knows no azblob cache (the classic-store limits
    "multi-platform / cache export not supported" do not occur on the containerd store)."""
    (tmp_path / "Dockerfile").write_text(f"FROM {base_image}\nRUN echo hi\n")
    args = ["--cache-to", "type=azblob,name=lab", str(tmp_path)]
    code, summary, lines = run_cli(tmp_path, "azblob", args)
    assert code == 1
    assert any('unknown cache exporter: "azblob"' in e for e in summary["errors"])
    assert any(line.startswith("problem: This cache backend is not available") for line in lines)


def test_current_builder_platforms(engine: None) -> None:
    platforms = builder_platforms(Settings())
    assert "linux/amd64" in platforms and "linux/arm64" in platforms
