"""The forecast against real builds: for each case (a changed file, a changed RUN line, a
changed build argument, a new base image digest, --no-cache, another builder) the
forecast made before the build (`buildtui build --forecast`'s code, asking the real
engine for the builder and the base image's digest) names the same first misses as the
build's own `--summary-json` afterwards, and the build keeps it as right.

Each case builds a context of its own (unique RUN text, so no other build's cache
answers) on the engine's default builder, with a history in its tmp dir.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from buildtui.builds.engine_facts import EngineFacts
from buildtui.builds.forecast import Forecast
from buildtui.builds.forecaster import Forecaster
from buildtui.builds.history import BuildHistory
from buildtui.builds.options import argv_for_arguments
from buildtui.builds.runner import BuildRunner
from buildtui.commands.build import run_build, run_forecast
from buildtui.settings import Settings
from tests.integration.lab import BASE_IMAGE_PARTS, docker, unique
from tests.integration.test_cache_misses import CachePruned, Lab, again_if_pruned


class ForecastLab(Lab):
    """`Lab`, whose builds are forecast first (and keep their forecast)."""

    settings = Settings()

    def argv(self, *extra: str) -> list[str]:
        args = [*extra, "-t", self.image, "-f", str(self.dockerfile), str(self.context)]
        return argv_for_arguments(args, self.settings)

    def forecaster(self) -> Forecaster:
        return Forecaster(self.history, EngineFacts(self.settings))

    def forecast(self, *extra: str) -> Forecast:
        return self.forecaster().forecast(self.argv(*extra))

    def build(self, *extra: str, pruned: bool = False) -> tuple[int, dict[str, Any], str]:
        self.builds += 1
        out = io.StringIO()
        summary = self.tmp_path / f"{self.token}-summary{self.builds}.json"
        code = run_build(
            self.argv(*extra),
            BuildRunner(),
            out,
            summary_json=summary,
            history=self.history,
            forecasting=self.forecaster(),
        )
        document = json.loads(summary.read_text())
        if any("(pruned)" in m["detail"] for m in document["first_misses"]) and not pruned:
            raise CachePruned(f"{self.token}: the build cache was pruned during the test")
        return code, document, out.getvalue()


@pytest.fixture
def lab(engine: None, tmp_path: Path, image_names: list[str]) -> ForecastLab:
    return ForecastLab(tmp_path, image_names, BASE_IMAGE_PARTS["amd64"])


def check(lab: ForecastLab, forecast: Forecast, summary: dict[str, Any]) -> None:
    """The forecast's first misses are the build's, to the step's name (build-argument
    values masked alike) and the detail; the build kept it, as right."""
    said = [m.to_json() for m in forecast.first_misses]
    key = lambda m: (m["platform"] or "", m["stage"] or "", m["index"])  # noqa: E731
    assert sorted(said, key=key) == sorted(summary["first_misses"], key=key)
    kept = summary["forecast"]
    assert kept["right"] is True, kept["differences"]
    assert lab.history.list()[0].forecast is not None


@again_if_pruned
def test_a_changed_file_is_forecast(lab: ForecastLab) -> None:
    assert lab.build()[0] == 0
    (lab.context / "src" / "index.js").write_text(f"console.log('changed {lab.token}')\n")
    forecast = lab.forecast()
    stages = {s.stage: s for s in forecast.stages}
    assert stages["base"].sentence() == (
        "steps 2\u20133 of base will miss: changed since build #1: src/index.js"
    )
    code, summary, printed = lab.build()
    assert code == 0 and summary["cached"] < summary["total"]
    check(lab, forecast, summary)
    assert "Forecast right (made before the build)" in printed


@again_if_pruned
def test_a_file_dockerignore_leaves_out_is_forecast_cached(lab: ForecastLab) -> None:
    assert lab.build()[0] == 0
    (lab.context / "src" / "notes.txt").write_text("changed, but .dockerignore leaves it out\n")
    forecast = lab.forecast()
    assert forecast.first_misses == ()
    assert [s.miss for s in forecast.stages] == [None, None]
    code, summary, _ = lab.build()
    assert code == 0 and summary["cached"] == summary["total"]
    check(lab, forecast, summary)


@again_if_pruned
def test_a_changed_run_line_is_forecast(lab: ForecastLab) -> None:
    assert lab.build()[0] == 0
    lab.dockerfile.write_text(lab.dockerfile.read_text().replace("ls /app/src", "ls -l /app/src"))
    forecast = lab.forecast()
    code, summary, _ = lab.build()
    assert code == 0
    check(lab, forecast, summary)
    base = next(m for m in forecast.first_misses if m.stage == "base")
    assert (base.index, base.reason) == (3, "instruction")


@again_if_pruned
def test_a_changed_build_argument_is_forecast(lab: ForecastLab) -> None:
    assert lab.build("--build-arg", "GREETING=first")[0] == 0
    value = unique("second")
    forecast = lab.forecast("--build-arg", f"GREETING={value}")
    assert value not in json.dumps(forecast.to_json())
    code, summary, _ = lab.build("--build-arg", f"GREETING={value}")
    assert code == 0
    check(lab, forecast, summary)
    base = next(m for m in forecast.first_misses if m.stage == "base")
    assert (base.index, base.reason) == (3, "build-arg")
    assert base.detail == "build argument GREETING changed since build #1"


def test_a_new_base_image_digest_is_forecast(
    engine: None, tmp_path: Path, image_names: list[str]
) -> None:
    base = f"{unique('forecast-base')}:1"
    image_names.append(base)
    docker("tag", BASE_IMAGE_PARTS["amd64"], base)
    lab = ForecastLab(tmp_path, image_names, base)
    assert lab.build()[0] == 0
    untouched = lab.forecast()
    assert [b.digest for b in untouched.bases] == [
        docker("image", "inspect", "--format", "{{.Id}}", base).stdout.strip()
    ]
    assert untouched.first_misses == ()
    moved = tmp_path / "moved"
    moved.mkdir()
    (moved / "Dockerfile").write_text(
        f"FROM {BASE_IMAGE_PARTS['amd64']}\nRUN echo {lab.token} > /moved\n"
    )
    docker("buildx", "build", "--builder", "default", "-t", base, str(moved))
    forecast = lab.forecast()
    code, summary, _ = lab.build()
    assert code == 0
    check(lab, forecast, summary)
    miss = next(m for m in forecast.first_misses if m.stage == "base")
    assert miss.reason == "base-image" and miss.index == 2


@again_if_pruned
def test_no_cache_is_forecast(lab: ForecastLab) -> None:
    assert lab.build()[0] == 0
    forecast = lab.forecast("--no-cache")
    assert {m.reason for m in forecast.first_misses} == {"no-cache"}
    code, summary, _ = lab.build("--no-cache")
    assert code == 0 and summary["cached"] == 0
    check(lab, forecast, summary)


@again_if_pruned
def test_another_builder_on_the_same_engine_is_forecast_to_share_its_cache(
    lab: ForecastLab,
) -> None:
    """A Docker context on the same engine is another builder (docker driver) whose
    cache is the engine's: the forecast says so, and the build is all CACHED. (This
    engine cannot start a builder with a cache of its own: a docker-container builder
    needs moby/buildkit from Docker Hub.)"""
    assert lab.build()[0] == 0
    context = unique("forecast-ctx")
    docker("context", "create", context, "--docker", "host=unix:///var/run/docker.sock")
    try:
        lab.settings = Settings(docker_context=context)
        forecast = lab.forecast()
        assert forecast.builder == context
        assert forecast.first_misses == ()
        assert any(f"builder {context} shares its cache with default" in n for n in forecast.notes)
        code, summary, _ = lab.build()
        assert code == 0 and summary["builder"] == context
        assert summary["cached"] == summary["total"]
        check(lab, forecast, summary)
    finally:
        docker("context", "rm", "-f", context, check=False)


@again_if_pruned
def test_the_forecast_command_builds_nothing_and_keeps_nothing(lab: ForecastLab) -> None:
    assert lab.build()[0] == 0
    (lab.context / "src" / "index.js").write_text("changed\n")
    out = io.StringIO()
    assert run_forecast(lab.argv(), lab.forecaster(), out, as_json=True) == 0
    document = json.loads(out.getvalue())
    assert document["compared_with"] == 1
    assert document["first_misses"][0]["detail"] == "changed since build #1: src/index.js"
    assert len(lab.history.list()) == 1
    out = io.StringIO()
    assert run_forecast(lab.argv(), lab.forecaster(), out) == 0
    assert "steps 2\u20133 of base will miss: changed since build #1: src/index.js" in (
        out.getvalue()
    )


def test_a_copy_from_whose_files_come_out_the_same_is_said_may_miss(
    engine: None, tmp_path: Path, image_names: list[str]
) -> None:
    """build1's RUN runs again (its COPY took a changed file) but writes the same /names:
    build2's COPY --from compares it by content and comes from the cache. The forecast
    says build2 "may miss", and is right."""
    token = unique("copies")
    context = tmp_path / "context"
    (context / "src").mkdir(parents=True)
    (context / "src" / "index.js").write_text(f"one {token}\n")  # no other build's COPY
    (context / "Dockerfile").write_text(
        f"FROM {BASE_IMAGE_PARTS['amd64']} AS build1\nCOPY src/ /src/\n"
        f"RUN echo {token} && ls /src > /names\n\n"
        f"FROM {BASE_IMAGE_PARTS['amd64']} AS build2\nCOPY --from=build1 /names /names\n"
        "RUN cat /names\n"
    )
    image = f"{token}:1"
    image_names.append(image)
    history = BuildHistory(tmp_path / "builds.sqlite3")
    forecaster = Forecaster(history, EngineFacts(Settings()))
    argv = argv_for_arguments(["-t", image, str(context)], Settings())

    def build() -> dict[str, Any]:
        out = io.StringIO()
        path = tmp_path / "summary.json"
        code = run_build(
            argv, BuildRunner(), out, summary_json=path, history=history, forecasting=forecaster
        )
        assert code == 0, out.getvalue()
        return dict(json.loads(path.read_text()))

    build()
    (context / "src" / "index.js").write_text(f"two {token}\n")
    forecast = forecaster.forecast(argv)
    stages = {s.stage: s for s in forecast.stages}
    assert stages["build1"].miss is not None and stages["build1"].miss.reason == "files"
    assert stages["build2"].maybe and stages["build2"].sentence().startswith(
        "steps 2\u20133 of build2 may miss: COPY --from=build1"
    )
    summary = build()
    ran = {(s["stage"], s["index"]): s["status"] for s in summary["steps"]}
    assert ran[("build1", 3)] == "done" and ran[("build2", 2)] == "cached"
    assert summary["forecast"]["right"] is True, summary["forecast"]["differences"]
