"""How long a forecast takes for the lab's build (`buildtui build --forecast`, and the
Build form's preview after each change): goal <= 1 s.

Run: `.venv/bin/python bench/forecast.py [--registry HOST:PORT] [--files N] [--repeat R]`.

A lab context (Dockerfile_multi, the lab's two stages with a COPY of src/, and N small
files under src/) and a history of two kept builds of it (each with its evidence, as
`buildtui build` keeps them) are made in a temporary folder; one file is changed, and
the lab's command (both platforms, the registry cache of --registry) is forecast.

Measured, each the median of R runs:
1. the whole forecast on the real engine: the context hashed under .dockerignore, the
   builder asked (`docker buildx ls`: cold, asked each time as `buildtui build
   --forecast` does; reused for 10 s as the form's preview reuses it), the FROM image's
   digest asked of the registry, the kept builds read and compared;
2. the same with the engine's answers given (the comparison and the history alone);
3. each part alone: hashing the context, `docker buildx ls`, the registry's HEAD.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from buildtui.buildlog.summary import BuildSummary, StepSummary
from buildtui.builds.engine_facts import EngineFacts
from buildtui.builds.evidence import collect, hash_context
from buildtui.builds.forecast import BaseImage, BuilderFacts
from buildtui.builds.forecaster import Forecaster
from buildtui.builds.history import BuildHistory
from buildtui.builds.misses import with_misses
from buildtui.settings import Settings

DOCKERFILE = """\
FROM {base} AS build1
WORKDIR /app
COPY src/ /app/src/
RUN echo hello from build1 > /a.txt
RUN uname -m > /arch.txt && echo arch $(cat /arch.txt)

FROM {base} AS build2
COPY --from=build1 /a.txt /a.txt
RUN cat /a.txt /arch.txt 2>/dev/null; echo two
RUN for i in 1 2 3; do echo line $i; done
"""
PLATFORMS = ("linux/amd64", "linux/arm64")


def timed(call: Callable[[], object], repeat: int) -> tuple[float, float]:
    """(the first run, the median of the others)."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        runs.append(time.perf_counter() - start)
    return runs[0], statistics.median(runs[1:] or runs)


def kept_summary(base: str, digest: str | None) -> BuildSummary:
    steps = []
    for platform in PLATFORMS:
        for stage, texts in (
            ("build1", ("WORKDIR /app", "COPY src/ /app/src/", "RUN echo hello from build1 > "
                        "/a.txt", "RUN uname -m > /arch.txt && echo arch done")),
            ("build2", ("COPY --from=build1 /a.txt /a.txt", "RUN cat /a.txt /arch.txt "
                        "2>/dev/null; echo two", "RUN for i in 1 2 3; do echo line $i; done")),
        ):  # fmt: skip
            name = f"FROM {base}@{digest}" if digest else f"FROM {base}"
            steps.append(StepSummary(platform, stage, 1, name, "done", 0.1, False, 0.0))
            for index, text in enumerate(texts, start=2):
                steps.append(StepSummary(platform, stage, index, text, "done", 0.3, True, 0.1))
    return BuildSummary(
        tuple(steps), 0, 14, (), "none", None, "ok", "ok", (), 3.0, 0, "default", "docker"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--registry", default="localhost:5000")
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    base = f"{args.registry}/busybox:latest"
    settings = Settings()
    facts = EngineFacts(settings)
    resolved = facts.base_image(base, PLATFORMS, "docker")
    print(f"base image {base}: {resolved.digest or resolved.source}")
    with tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        context = folder / "lab"
        (context / "src").mkdir(parents=True)
        (context / "Dockerfile_multi").write_text(DOCKERFILE.format(base=base))
        (context / ".dockerignore").write_text("*.md\n.git\n")
        for i in range(args.files):
            (context / "src" / f"module{i:04}.js").write_text(f"export const n = {i};\n" * 20)
        history = BuildHistory(folder / "builds.sqlite3")
        argv = [
            "docker", "buildx", "build", "--progress=plain",
            "-f", str(context / "Dockerfile_multi"),
            "-t", f"{args.registry}/lab:cachetest", "--platform", ",".join(PLATFORMS), "--push",
            "--cache-to", f"type=registry,ref={args.registry}/cachedata1,mode=max",
            "--cache-from", f"type=registry,ref={args.registry}/cachedata1", str(context),
        ]  # fmt: skip

        def evidence_now() -> object:
            return collect(argv, cwd=folder, data_dir=folder)

        for _ in range(2):
            evidence = collect(argv, cwd=folder, data_dir=folder)
            summary = with_misses(kept_summary(base, resolved.digest), evidence, [])
            history.add(
                started=time.time(), argv=argv, command="", summary=summary, log_lines=[],
                evidence=evidence,
            )  # fmt: skip
        (context / "src" / "module0000.js").write_text("export const n = -1;\n")

        def collector(a: object) -> object:
            return collect(list(a), cwd=folder, data_dir=folder)  # type: ignore[call-overload]

        real = Forecaster(history, facts, collect=collector, environ={})  # type: ignore[arg-type]
        forecast = real.forecast(argv)
        print(f"forecast: {forecast.headline()}")

        class Given:
            def builder(self, name: str | None) -> BuilderFacts | None:
                return BuilderFacts("default", "docker", "the engine")

            def base_image(self, reference: str, platforms: object, driver: object) -> BaseImage:
                return resolved

        given = Forecaster(history, Given(), collect=collector, environ={})  # type: ignore[arg-type]

        def cold() -> object:
            fresh = Forecaster(history, EngineFacts(settings), collect=collector, environ={})  # type: ignore[arg-type]
            return fresh.forecast(argv)

        rows = [
            ("whole forecast, cold", cold),
            ("whole forecast, builders reused", lambda: real.forecast(argv)),
            ("engine's answers given", lambda: given.forecast(argv)),
            ("hash the context", lambda: hash_context(context)),
            ("collect the evidence", evidence_now),
            ("docker buildx ls", lambda: EngineFacts(settings).builder(None)),
            ("registry HEAD of the base", lambda: facts.base_image(base, PLATFORMS, "other")),
        ]
        print(f"lab context: {args.files} files under src/, 2 kept builds, --repeat {args.repeat}")
        for label, call in rows:
            first, median = timed(call, args.repeat)
            print(f"  {label:<32} first {first * 1000:7.1f} ms   median {median * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
