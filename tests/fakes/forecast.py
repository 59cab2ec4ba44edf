"""What a forecast asks the engine, answered from dicts; and kept builds made by hand."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from buildtui.buildlog.model import BuildModel
from buildtui.buildlog.parser import LogParser
from buildtui.buildlog.summary import BuildSummary, Outcome, StepSummary, summarize
from buildtui.builds.dockerfile import image_name, parse
from buildtui.builds.evidence import BuildEvidence, collect
from buildtui.builds.forecast import UNRESOLVED, BaseImage, BuilderFacts
from buildtui.builds.forecaster import Forecaster
from buildtui.builds.history import BuildHistory
from buildtui.builds.misses import with_misses
from buildtui.builds.stage_graph import with_stage_edges
from tests.fakes.build import captured_log

ENGINE = "the engine at unix:///var/run/docker.sock"


class FakeFacts:
    """Builders by name (`current` when none is named) and FROM images' digests."""

    def __init__(
        self,
        builders: dict[str, BuilderFacts] | None = None,
        current: str = "default",
        digests: dict[str, str] | None = None,
    ) -> None:
        self.builders = builders or {"default": BuilderFacts("default", "docker", ENGINE)}
        self.current = current
        self.digests = digests or {}
        self.asked: list[str] = []

    def builder(self, name: str | None) -> BuilderFacts | None:
        return self.builders.get(name or self.current)

    def base_image(self, reference: str, platforms: Sequence[str], driver: str | None) -> BaseImage:
        self.asked.append(reference)
        digest = self.digests.get(reference)
        if digest is None:
            return BaseImage(image_name(reference), None, f"{UNRESOLVED} (no answer)")
        return BaseImage(image_name(reference), digest, "the registry")


def planned_summary(
    dockerfile: str,
    *,
    status: str = "done",
    platforms: Sequence[str | None] = (None,),
    builder: str = "default",
    digests: dict[str, str] | None = None,
    statuses: dict[tuple[str | None, int], str] | None = None,
    cache_export: Outcome = "none",
    seconds: float = 0.5,
) -> BuildSummary:
    """A kept build's summary as BuildKit would have it for `dockerfile`: every step with
    `status` (or `statuses[(stage, index)]`), FROM steps with their digest."""
    parsed = parse(dockerfile)
    steps = []
    for platform in platforms:
        clock = 0.0
        for stage in parsed.needed():
            for planned in stage.steps:
                text = planned.text
                if not planned.counted:
                    name = image_name(planned.instruction.arguments)
                    digest = (digests or {}).get(planned.instruction.arguments)
                    text = f"FROM {name}@{digest}" if digest else f"FROM {name}"
                state = (statuses or {}).get((stage.label, planned.index), status)
                took = 0.0 if state == "cached" else seconds
                steps.append(
                    StepSummary(
                        platform,
                        stage.label,
                        planned.index,
                        text,
                        state,
                        took,
                        planned.counted,
                        clock,
                    )
                )
                clock += took
    counted = [s for s in steps if s.counted]
    return BuildSummary(
        steps=tuple(steps),
        cached=sum(1 for s in counted if s.status == "cached"),
        total=len(counted),
        per_platform=(),
        cache_import="none",
        cache_import_detail=None,
        cache_export=cache_export,
        push="none",
        pushed=(),
        wall_seconds=3.0,
        exit_code=0,
        builder=builder,
        driver="docker",
    )


class Project:
    """A build context in a folder, a history beside it, and builds kept by hand."""

    def __init__(self, folder: Path, dockerfile: str, files: dict[str, str]) -> None:
        self.folder = folder
        self.context = folder / "context"
        self.context.mkdir(parents=True)
        (self.context / "Dockerfile").write_text(dockerfile)
        for name, text in files.items():
            path = self.context / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        self.history = BuildHistory(folder / "builds.sqlite3")

    def argv(self, *extra: str) -> list[str]:
        return ["docker", "buildx", "build", "--progress=plain", *extra, str(self.context)]

    def evidence(self, *extra: str) -> BuildEvidence:
        return collect(self.argv(*extra), cwd=self.folder, data_dir=self.folder)

    def keep(self, summary: BuildSummary | None = None, *extra: str) -> int:
        """Keep a build of the folder as it is now (every step ran, by default)."""
        evidence = self.evidence(*extra)
        assert evidence.dockerfile_text is not None
        summary = summary or planned_summary(evidence.dockerfile_text)
        return self.history.add(
            started=0.0,
            argv=self.argv(*extra),
            command="docker buildx build",
            summary=summary,
            log_lines=[],
            evidence=evidence,
        )

    def forecaster(self, facts: FakeFacts | None = None) -> Forecaster:
        return Forecaster(
            self.history,
            facts or FakeFacts(),
            collect=lambda argv: collect(list(argv), cwd=self.folder, data_dir=self.folder),
            environ={},
        )


def timed_summary(log: str, *, step: float = 0.05) -> BuildSummary:
    """The summary of a captured log whose i-th line arrived at i * `step` seconds (so its
    steps have start times, as a live build's have)."""
    model = BuildModel(stage_order=["build1", "build2"])
    parser = LogParser()
    lines = captured_log(log)
    for i, raw in enumerate(lines):
        model.apply(parser.feed(raw), now=i * step)
    model.finish(now=len(lines) * step)
    return summarize(model, exit_code=0, wall_seconds=len(lines) * step, started_at=0.0)


def keep_lab_builds(history: BuildHistory, folder: Path) -> None:
    """The lab's build kept twice with its Dockerfile (Dockerfile_multi) in `folder`: all
    from the cache, then none (a pruned cache), its first misses explained."""
    (folder / "Dockerfile_multi").write_text(MULTI_STAGE)
    argv = [
        "docker", "buildx", "build", "--progress=plain", "-f", "Dockerfile_multi",
        "--platform", "linux/amd64,linux/arm64", ".",
    ]  # fmt: skip
    evidence = collect(argv, cwd=folder, data_dir=folder)
    for log in ("lab-second-build.log", "lab-first-build.log"):
        summary = with_misses(timed_summary(log), evidence, history.earlier(evidence))
        summary = with_stage_edges(summary, evidence.dockerfile_text)
        history.add(
            started=0.0,
            argv=argv,
            command=" ".join(argv),
            summary=summary,
            log_lines=captured_log(log),
            evidence=evidence,
        )


MULTI_STAGE = """\
FROM localhost:32769/busybox:latest AS build1
RUN echo hello from build1 > /a.txt
RUN uname -m > /arch.txt && echo arch $(cat /arch.txt)

FROM localhost:32769/busybox:latest AS build2
COPY --from=build1 /a.txt /a.txt
RUN cat /a.txt /arch.txt 2>/dev/null; echo two
RUN for i in 1 2 3; do echo line $i; done
"""
"""The Dockerfile of the captured lab logs (tests/unit/buildlog/data/lab-*.log)."""
