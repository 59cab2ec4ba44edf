"""The registry-cache trap on the real engine and registry: two single-platform builds
export to one cache ref, and the second replaces the first. buildtui warns before the
second build (its forecast) and after it (the build's cache report, `--summary-json`'s
`cache_coverage`), with the fix; and the registry shows that it is so: the cache image
then holds the arm64 base layer and no longer the amd64 one.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from buildtui.builds.engine_facts import EngineFacts
from buildtui.builds.forecaster import Forecaster
from buildtui.builds.history import BuildHistory
from buildtui.builds.options import argv_for_arguments
from buildtui.builds.runner import BuildRunner
from buildtui.commands.build import run_build
from buildtui.settings import Settings
from tests.integration.lab import TestRegistry, docker, unique


def layers(ref: str) -> set[str]:
    """The layer digests of a manifest or of a cache image's index, as the registry serves it."""
    raw = json.loads(docker("buildx", "imagetools", "inspect", "--raw", ref).stdout)
    if "layers" in raw:
        return {layer["digest"] for layer in raw["layers"]}
    return {m["digest"] for m in raw["manifests"] if "layer" in m["mediaType"]}


def test_two_single_platform_builds_overwrite_one_cache_ref(
    registry: TestRegistry, base_image: str, tmp_path: Path, image_names: list[str]
) -> None:
    token = unique("trap")
    context = tmp_path / "context"
    context.mkdir()
    (context / "Dockerfile").write_text(f"FROM {base_image}\nRUN echo {token} > /token\n")
    cache = registry.ref(f"{token}-cache")  # localhost:PORT/trap-…-cache
    history = BuildHistory(tmp_path / "builds.sqlite3")
    forecaster = Forecaster(history, EngineFacts(Settings()))

    def build(platform: str) -> tuple[dict[str, Any], str]:
        image = f"{token}:{platform.rsplit('/', 1)[-1]}"
        image_names.append(image)
        argv = argv_for_arguments(
            [
                "--platform", platform, "-t", image,
                "--cache-to", f"type=registry,ref={cache},mode=max",
                "--cache-from", f"type=registry,ref={cache}",
                str(context),
            ],
            Settings(),
        )  # fmt: skip
        out = io.StringIO()
        summary = tmp_path / f"{platform.replace('/', '-')}.json"
        code = run_build(
            argv, BuildRunner(), out, summary_json=summary, history=history,
            forecasting=forecaster,
        )  # fmt: skip
        assert code == 0, out.getvalue()
        return json.loads(summary.read_text()), out.getvalue()

    first, printed = build("linux/amd64")
    assert first["cache_coverage"]["exported"] == [
        {
            "ref": cache,
            "build": 1,
            "platforms": ["linux/amd64"],
            "stages": ["(single stage)"],
            "mode": "max",
        }
    ]
    assert first["cache_coverage"]["overwrites"] == []
    assert f"Registry cache: {cache} covers linux/amd64" in printed
    amd64_base = layers(base_image.replace(":latest", ":amd64"))
    arm64_base = layers(base_image.replace(":latest", ":arm64"))
    assert amd64_base <= layers(cache) and not arm64_base & layers(cache)

    # Before the second build: its forecast warns, with the fix.
    argv = argv_for_arguments(
        ["--platform", "linux/arm64", "--cache-to", f"type=registry,ref={cache},mode=max",
         str(context)],
        Settings(),
    )  # fmt: skip
    forecast = forecaster.forecast(argv)
    assert forecast.warnings == (
        f"this build's export to {cache} will replace the cache of linux/amd64 that build #1 "
        "left there (each export replaces the whole cache image). Fix: give each platform its "
        f"own cache ref (for linux/amd64: --cache-to type=registry,ref={cache}-amd64,mode=max "
        f"--cache-from type=registry,ref={cache}-amd64; for linux/arm64: --cache-to "
        f"type=registry,ref={cache}-arm64,mode=max --cache-from "
        f"type=registry,ref={cache}-arm64), or build them in one build (--platform "
        f"linux/amd64,linux/arm64) that exports to {cache}",
    )

    second, printed = build("linux/arm64")
    coverage = second["cache_coverage"]
    assert coverage["exported"][0]["platforms"] == ["linux/arm64"]
    [overwrite] = coverage["overwrites"]
    assert (overwrite["earlier_build"], overwrite["later_build"]) == (1, 2)
    assert overwrite["lost_platforms"] == ["linux/amd64"]
    assert f"Warning: build #2 (linux/arm64) exported its cache to {cache} after build #1" in (
        printed
    )
    assert f"--cache-to type=registry,ref={cache}-amd64,mode=max" in overwrite["fix"]
    # What the registry holds now: the arm64 build's cache, the amd64 one gone.
    held = layers(cache)
    assert arm64_base <= held and not amd64_base & held
