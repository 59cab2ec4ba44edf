"""The forecast, made from kept builds by hand with a fake engine: each reason a step
misses before it runs, the stages that follow it, what cannot be told, whether it was
right, and the registry caches a build imports or overwrites."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from buildtui.buildlog.summary import CacheMiss
from buildtui.builds.forecast import BuilderFacts, Forecast, judge
from buildtui.i18n import speaking
from tests.fakes.forecast import ENGINE, FakeFacts, Project, planned_summary

DOCKERFILE = """\
FROM localhost:5000/busybox:latest AS build1
ARG GREETING=hello
WORKDIR /app
COPY src/ /app/src/
RUN echo $GREETING && ls /app/src
RUN echo later

FROM build1 AS final
COPY --from=build1 /app/src/index.js /index.js
RUN cat /index.js
"""
DIGEST = "sha256:" + "1" * 64
MOVED = "sha256:" + "2" * 64
BASE = "localhost:5000/busybox:latest"


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return Project(
        tmp_path,
        DOCKERFILE,
        {"src/index.js": "one\n", "src/other.js": "// other\n", ".dockerignore": "*.md\n"},
    )


def kept(project: Project, *extra: str) -> int:
    return project.keep(planned_summary(DOCKERFILE, digests={BASE: DIGEST}), *extra)


def facts() -> FakeFacts:
    return FakeFacts(digests={BASE: DIGEST})


def misses(forecast: Forecast) -> dict[str | None, CacheMiss]:
    return {m.stage: m for m in forecast.first_misses}


def test_nothing_changed_every_step_comes_from_the_cache(project: Project) -> None:
    kept(project)
    forecast = project.forecaster(facts()).forecast(project.argv())
    assert forecast.first_misses == ()
    assert [s.sentence() for s in forecast.stages] == [
        "build1: all 4 steps will come from the cache",
        "final: all 2 steps will come from the cache",
    ]
    assert forecast.compared_with == 1
    assert forecast.headline() == "Forecast: all 6 steps will come from the cache."


def test_a_changed_file_misses_at_its_copy_and_the_stages_after_it(project: Project) -> None:
    kept(project)
    (project.context / "src" / "index.js").write_text("two\n")
    (project.context / "README.md").write_text("ignored by .dockerignore\n")
    forecast = project.forecaster(facts()).forecast(project.argv())
    found = misses(forecast)
    assert (found["build1"].index, found["build1"].reason) == (3, "files")
    assert found["build1"].detail == "changed since build #1: src/index.js"
    assert found["final"].reason == "earlier-stage"
    assert (
        found["final"].detail
        == "stage build1 (its base) missed first at step 3 COPY src/ /app/src/"
    )
    assert forecast.stages[0].sentence() == (
        "steps 3\u20135 of build1 will miss: changed since build #1: src/index.js"
    )
    assert forecast.headline().startswith("Forecast: steps 3\u20135 of build1 will miss")


def test_an_ignored_file_changes_nothing(project: Project) -> None:
    kept(project)
    (project.context / "NOTES.md").write_text("left out\n")
    assert project.forecaster(facts()).forecast(project.argv()).first_misses == ()


def test_a_changed_run_line_names_the_line(project: Project) -> None:
    kept(project)
    (project.context / "Dockerfile").write_text(DOCKERFILE.replace("echo later", "echo sooner"))
    found = misses(project.forecaster(facts()).forecast(project.argv()))
    assert (found["build1"].index, found["build1"].reason) == (5, "instruction")
    assert found["build1"].detail == (
        "Dockerfile line 6 changed: RUN echo sooner (was: RUN echo later)"
    )


def test_a_changed_build_argument_misses_at_the_first_run_after_its_arg(project: Project) -> None:
    kept(project, "--build-arg", "GREETING=first")
    forecast = project.forecaster(facts()).forecast(
        project.argv("--build-arg", "GREETING=second-value")
    )
    build1 = misses(forecast)["build1"]
    assert (build1.index, build1.reason) == (4, "build-arg")
    assert build1.detail == "build argument GREETING changed since build #1"
    # The step's name as BuildKit prints it: the value expanded, then masked.
    assert build1.instruction == "RUN echo «GREETING» && ls /app/src"
    assert "second-value" not in str(forecast.to_json())


def test_an_argument_no_run_uses_changes_nothing(project: Project) -> None:
    kept(project, "--build-arg", "UNDECLARED=1")
    forecast = project.forecaster(facts()).forecast(project.argv("--build-arg", "UNDECLARED=2"))
    assert forecast.first_misses == ()


def test_a_moved_base_image_misses_at_the_stage_first_step(project: Project) -> None:
    kept(project)
    forecast = project.forecaster(FakeFacts(digests={BASE: MOVED})).forecast(project.argv())
    build1 = misses(forecast)["build1"]
    assert (build1.index, build1.reason) == (2, "base-image")
    assert build1.detail == (
        f"the base image {BASE} resolved to another digest: {MOVED[:17]}… (was {DIGEST[:17]}…)"
    )
    assert [b.digest for b in forecast.bases] == [MOVED]


def test_an_unresolved_base_is_said_not_guessed(project: Project) -> None:
    kept(project)
    forecast = project.forecaster(FakeFacts()).forecast(project.argv())
    assert forecast.first_misses == ()
    assert f"base image {BASE}: unknown: base not resolved (no answer)" in forecast.notes


def test_no_cache_and_no_cache_filter(project: Project) -> None:
    kept(project)
    every = project.forecaster(facts()).forecast(project.argv("--no-cache"))
    assert {m.stage: (m.index, m.reason) for m in every.first_misses} == {
        "build1": (2, "no-cache"),
        "final": (1, "no-cache"),
    }
    one = project.forecaster(facts()).forecast(project.argv("--no-cache-filter", "final"))
    assert [(m.stage, m.detail) for m in one.first_misses] == [
        ("final", "--no-cache-filter final: this stage may not use the cache")
    ]


def test_another_builder_with_its_own_cache_misses_at_the_first_step(project: Project) -> None:
    kept(project)
    builders = {
        "default": BuilderFacts("default", "docker", ENGINE),
        "lab7": BuilderFacts("lab7", "docker-container", "container buildx_buildkit_lab70"),
    }
    forecast = project.forecaster(FakeFacts(builders, digests={BASE: DIGEST})).forecast(
        project.argv("--builder", "lab7")
    )
    build1 = misses(forecast)["build1"]
    assert (build1.index, build1.reason) == (2, "other-builder")
    assert build1.detail == (
        "built on builder lab7; build #1 ran on default, whose local cache this builder "
        "does not share"
    )
    assert forecast.builder == "lab7"


def test_another_builder_of_the_same_engine_shares_its_cache(project: Project) -> None:
    kept(project)
    builders = {
        "default": BuilderFacts("default", "docker", ENGINE),
        "other": BuilderFacts("other", "docker", ENGINE),
    }
    forecast = project.forecaster(FakeFacts(builders, "other", {BASE: DIGEST})).forecast(
        project.argv()
    )
    assert forecast.first_misses == ()
    assert (
        f"builder other shares its cache with default (build #1's): both keep it in {ENGINE}"
        in (forecast.notes)
    )


def test_a_registry_cache_that_holds_the_steps_reaches_another_builder(project: Project) -> None:
    cache = ("--cache-to", "type=registry,ref=localhost:5000/c,mode=max")
    project.keep(planned_summary(DOCKERFILE, digests={BASE: DIGEST}, cache_export="ok"), *cache)
    builders = {
        "default": BuilderFacts("default", "docker", ENGINE),
        "lab7": BuilderFacts("lab7", "docker-container", "container buildx_buildkit_lab70"),
    }
    forecast = project.forecaster(FakeFacts(builders, "lab7", {BASE: DIGEST})).forecast(
        project.argv("--cache-from", "type=registry,ref=localhost:5000/c")
    )
    assert forecast.first_misses == ()
    assert any("can come from the imported cache localhost:5000/c" in n for n in forecast.notes)


def test_with_no_kept_build_the_forecast_says_it_cannot_tell(project: Project) -> None:
    forecast = project.forecaster(facts()).forecast(project.argv())
    assert forecast.first_misses == () and forecast.compared_with is None
    assert forecast.stages[0].unknown is not None
    assert forecast.stages[0].sentence().startswith("build1: cannot be told: no kept build")
    assert forecast.notes[0].startswith("no earlier build of this Dockerfile and context")
    right, differences = judge(forecast, planned_summary(DOCKERFILE))
    assert right is None and differences == []
    nothing = Forecast((), (), None, ("the Dockerfile cannot be read: nothing to forecast",))
    assert judge(nothing, planned_summary(DOCKERFILE)) == (None, [])


def test_judge_says_right_and_where_it_was_wrong(project: Project) -> None:
    kept(project)
    (project.context / "src" / "index.js").write_text("two\n")
    forecast = project.forecaster(facts()).forecast(project.argv())
    statuses: dict[tuple[str | None, int], str] = {("build1", 2): "cached"}
    actual = planned_summary(DOCKERFILE, statuses=statuses)
    actual = replace(actual, first_misses=forecast.first_misses)
    assert judge(forecast, actual) == (True, [])
    early = planned_summary(DOCKERFILE)  # step 2 ran too: the forecast said 3
    right, differences = judge(forecast, early)
    assert right is False
    assert differences[0] == "build1: said step 3; step 2 ran first"
    cached = planned_summary(DOCKERFILE, status="cached")
    assert judge(forecast, cached)[1][0] == (
        "build1: said step 3 would miss; all came from the cache"
    )


def test_the_forecast_reads_back_from_json(project: Project) -> None:
    kept(project)
    (project.context / "src" / "index.js").write_text("two\n")
    forecast = project.forecaster(facts()).forecast(project.argv())
    assert Forecast.from_json(forecast.to_json()) == forecast


def test_a_multi_platform_build_is_forecast_per_platform(project: Project) -> None:
    platforms = ("linux/amd64", "linux/arm64")
    project.keep(
        planned_summary(DOCKERFILE, digests={BASE: DIGEST}, platforms=platforms),
        "--platform", "linux/amd64,linux/arm64",
    )  # fmt: skip
    (project.context / "src" / "index.js").write_text("two\n")
    forecast = project.forecaster(facts()).forecast(
        project.argv("--platform", "linux/amd64,linux/arm64")
    )
    assert [(m.platform, m.stage, m.index) for m in forecast.first_misses] == [
        ("linux/amd64", "build1", 3),
        ("linux/amd64", "final", 1),
        ("linux/arm64", "build1", 3),
        ("linux/arm64", "final", 1),
    ]


def test_a_target_forecasts_only_the_stages_it_needs(project: Project) -> None:
    kept(project, "--target", "build1")
    forecast = project.forecaster(facts()).forecast(project.argv("--target", "build1"))
    assert [s.stage for s in forecast.stages] == ["build1"]
    nothing = project.forecaster(facts()).forecast(project.argv("--target", "nope"))
    assert nothing.stages == () and nothing.notes == (
        "--target nope names no stage: nothing to forecast",
    )


def test_an_export_that_replaces_another_platform_s_cache_is_warned(project: Project) -> None:
    cache = "type=registry,ref=localhost:5000/c,mode=max"
    project.keep(
        planned_summary(DOCKERFILE, digests={BASE: DIGEST}, cache_export="ok"),
        "--platform", "linux/amd64", "--cache-to", cache,
    )  # fmt: skip
    forecast = project.forecaster(facts()).forecast(
        project.argv("--platform", "linux/arm64", "--cache-to", cache)
    )
    [warning] = forecast.warnings
    assert warning.startswith(
        "this build's export to localhost:5000/c will replace the cache of linux/amd64 that "
        "build #1 left there"
    )
    assert "--cache-to type=registry,ref=localhost:5000/c-amd64,mode=max" in warning
    assert "--platform linux/amd64,linux/arm64" in warning


def test_each_base_image_is_resolved_once(project: Project) -> None:
    kept(project)
    fake = facts()
    project.forecaster(fake).forecast(project.argv())
    assert fake.asked == [BASE]


COPIES = """\
FROM localhost:5000/busybox:latest AS build1
COPY src/ /src/
RUN cat /src/index.js > /a.txt

FROM localhost:5000/busybox:latest AS build2
COPY --from=build1 /a.txt /a.txt
RUN cat /a.txt
"""


def test_a_copy_from_a_stage_that_misses_may_miss(tmp_path: Path) -> None:
    """BuildKit compares what a COPY --from takes by content: when build1's RUN makes
    the same /a.txt again, build2's steps come from the cache (seen on the real engine)."""
    project = Project(tmp_path, COPIES, {"src/index.js": "one\n"})
    project.keep(planned_summary(COPIES, digests={BASE: DIGEST}))
    (project.context / "src" / "index.js").write_text("two\n")
    forecast = project.forecaster(facts()).forecast(project.argv())
    build1, build2 = forecast.stages
    assert not build1.maybe and build2.maybe
    assert build2.miss is not None and build2.miss.reason == "copy-from"
    assert build2.sentence() == (
        "steps 2\u20133 of build2 may miss: COPY --from=build1: stage build1 missed first at "
        "step 2 COPY src/ /src/ (files); unless the files it copies come out the same"
    )
    came_the_same = planned_summary(
        COPIES,
        statuses={("build2", 2): "cached", ("build2", 3): "cached"},
    )
    assert judge(forecast, came_the_same) == (True, [])
    changed = planned_summary(COPIES)
    assert judge(forecast, replace(changed, first_misses=forecast.first_misses)) == (True, [])
    assert Forecast.from_json(forecast.to_json()) == forecast


@pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_build_runs_and_is_kept_without_a_forecast_that_failed(
    capfd: pytest.CaptureFixture[str],
) -> None:
    from buildtui.builds.live import LiveBuild

    def broken(argv: object, evidence: object) -> Forecast:
        raise RuntimeError("a bug")

    live = LiveBuild(["docker", "buildx", "build", "."])
    live.start_forecast(broken)
    assert live.wait_forecast(5.0) is None
    assert "Traceback" not in capfd.readouterr().err


def test_the_forecast_speaks_polish_with_its_plurals(project: Project) -> None:
    """Made in Polish, the forecast's sentences are Polish and count steps as Polish does
    (4 kroki, 6 kroków); its verdict after the build too."""
    kept(project)
    with speaking("pl"):
        forecast = project.forecaster(facts()).forecast(project.argv())
        assert [s.sentence() for s in forecast.stages] == [
            "build1: wszystkie 4 kroki będą z cache",
            "final: wszystkie 2 kroki będą z cache",
        ]
        assert forecast.headline() == "Prognoza: wszystkich 6 kroków będzie z cache."
        (project.context / "src" / "index.js").write_text("two\n")
        changed = project.forecaster(facts()).forecast(project.argv())
        assert changed.stages[0].sentence() == (
            "build1: w krokach 3\u20135 cache chybi: zmienione od budowania nr 1: src/index.js"
        )
        assert changed.lines()[-1].startswith("uwaga: cache BuildKita jest indeksowany treścią")
