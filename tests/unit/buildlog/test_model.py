"""The build model: steps grouped in Dockerfile order, phases, states, pushes."""

from __future__ import annotations

from collections.abc import Sequence

from buildtui.buildlog.model import BuildModel, PhaseKind, Step, StepState
from buildtui.builds.dockerfile import stage_names
from tests.fakes.build import captured_log

DOCKERFILE = """\
FROM localhost:5000/busybox:latest AS build1
RUN echo hello
from localhost:5000/busybox:latest as build2
COPY --from=build1 /a /a
FROM --platform=$BUILDPLATFORM busybox AS tools
FROM scratch
"""


def model_of(
    name: str, *, stage_order: Sequence[str] = (), platform_order: Sequence[str] = ()
) -> BuildModel:
    model = BuildModel(stage_order=stage_order, platform_order=platform_order)
    model.feed(captured_log(name))
    model.finish()
    return model


def test_stage_names_in_dockerfile_order() -> None:
    assert stage_names(DOCKERFILE) == ["build1", "build2", "tools"]


def test_stage_names_as_step_names_spell_them() -> None:
    """In lower case (BuildKit's step names do), a FROM continued on the next line read."""
    text = "FROM x AS Build\nRUN a\nFROM \\\n    y AS Out\n# escape=`\nFROM z AS last\n"
    assert stage_names(text) == ["build", "out", "last"]


def test_groups_by_platform_then_stage_in_dockerfile_order() -> None:
    model = model_of("lab-first-build.log", stage_order=["build1", "build2"])
    groups = [(g.platform, g.stage, [s.index for s in g.steps]) for g in model.groups()]
    # BuildKit merged amd64's two identical FROM steps into one named after build2.
    assert groups == [
        ("linux/amd64", "build1", [2, 3]),
        ("linux/amd64", "build2", [1, 2, 3, 4]),
        ("linux/arm64", "build1", [1, 2, 3]),
        ("linux/arm64", "build2", [2, 3, 4]),
    ]


def test_stage_order_without_the_dockerfile_follows_the_build() -> None:
    model = model_of("lab-first-build.log")
    assert model.stages == ["build1", "build2"]
    assert model.platforms == ["linux/amd64", "linux/arm64"]
    model = model_of("lab-first-build.log", platform_order=["linux/arm64", "linux/amd64"])
    assert model.platforms == ["linux/arm64", "linux/amd64"]


def test_states_and_timings_of_the_first_build() -> None:
    model = model_of("lab-first-build.log")
    states = {(s.platform, s.stage, s.index): s for s in model.steps}
    resumed = states[("linux/arm64", "build1", 2)]  # interrupted by #9, then resumed
    assert resumed.state is StepState.DONE and resumed.seconds == 0.3
    assert states[("linux/amd64", "build2", 1)].state is StepState.CACHED
    assert states[("linux/arm64", "build2", 4)].log_tail[-1] == "line 3"
    assert states[("linux/arm64", "build2", 4)].log_lines == 3
    assert model.builder == "default" and model.driver == "docker"


def test_phases_of_the_first_build() -> None:
    model = model_of("lab-first-build.log")
    kinds = [p.kind for p in model.phases]
    assert kinds == [
        PhaseKind.LOAD_DEFINITION,
        PhaseKind.LOAD_METADATA,
        PhaseKind.LOAD_METADATA,
        PhaseKind.LOAD_DOCKERIGNORE,
        PhaseKind.CACHE_IMPORT,
        PhaseKind.EXPORT,
        PhaseKind.CACHE_EXPORT,
        PhaseKind.PUSH,
    ]
    cache_import = model.phases_of(PhaseKind.CACHE_IMPORT)[0]
    assert cache_import.state is StepState.ERROR
    assert cache_import.error is not None and cache_import.error.endswith("not found")
    assert model.phases_of(PhaseKind.LOAD_METADATA)[1].platform == "linux/arm64"
    assert model.pushed[0].ref == "localhost:32769/lab:cachetest"
    assert model.pushed[0].digest == (
        "sha256:4f5eb244f0319d53da4674388abb5bb5b14385c6acfc364981542a28a8bdbcdc"
    )


def test_failed_step_keeps_its_failure_block() -> None:
    model = model_of("failing-run.log")
    (failed,) = model.failed_steps
    assert failed.state is StepState.ERROR
    assert isinstance(failed, Step)  # a Dockerfile instruction failed
    assert failed.failure_lines[-1] == "0.220 err"
    assert model.buildx_errors[0].startswith("failed to solve")


def test_running_steps_have_elapsed_time_and_become_canceled_at_the_end() -> None:
    model = BuildModel()
    model.feed(["#1 [1/2] FROM a", "#1 DONE 0.1s", "#2 [2/2] RUN sleep 9"])
    (running,) = model.running
    running.started_at = 100.0
    assert running.elapsed(103.5) == 3.5
    model.finish(now=104.0)
    assert running.state is StepState.CANCELED
    assert running.elapsed(200.0) == 4.0
    assert model.steps[0].elapsed(200.0) == 0.1


def test_version_grows_with_changes_only() -> None:
    model = BuildModel()
    model.feed(["#1 [1/1] RUN x"])
    before = model.version
    model.feed([""])
    assert model.version == before
    model.feed(["#1 0.1 out"])
    assert model.version > before
