"""Gathers what a forecast needs for one command and makes it (forecast.py decides).

The evidence (collected as for a build: the Dockerfile, the context's hashes, the
build arguments' hashes), the earlier builds of the same Dockerfile and context from
the history, the builder that will run the build and the digest each FROM image
resolves to (asked at the same time, one thread each), and the kept builds' registry
caches. Blocking: run it in a worker thread; nothing is recorded.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

from buildtui.builds.arg_values import build_arg_values, mask_for
from buildtui.builds.cache_coverage import KeptBuild, cache_flags
from buildtui.builds.dockerfile import parse
from buildtui.builds.evidence import BuildEvidence, EvidenceCollector, collect_evidence
from buildtui.builds.forecast import BaseImage, BuilderFacts, Forecast, ForecastFacts, forecast
from buildtui.builds.history import BuildHistory

KEPT_FOR_CACHES = 200
"""Kept builds read for the registry caches a build imports or exports."""


class Forecaster:
    def __init__(
        self,
        history: BuildHistory,
        facts: ForecastFacts,
        *,
        collect: EvidenceCollector = collect_evidence,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.history = history
        self.facts = facts
        self.collect = collect
        self.environ = environ

    def __call__(self, argv: Sequence[str], evidence: BuildEvidence | None = None) -> Forecast:
        return self.forecast(argv, evidence)

    def forecast(self, argv: Sequence[str], evidence: BuildEvidence | None = None) -> Forecast:
        """The forecast of the build `argv` (a whole `docker buildx build` command)."""
        environ = dict(os.environ) if self.environ is None else self.environ
        values = build_arg_values(argv, environ)
        with ThreadPoolExecutor(max_workers=4, thread_name_prefix="buildtui-forecast") as pool:
            # The builder is asked while the context is hashed.
            builder_future = pool.submit(self.facts.builder, _named_builder(argv))
            if evidence is None:
                evidence = pool.submit(self.collect, argv).result()
            builder = builder_future.result()
            bases = self._bases(pool, evidence, values, builder)
            earlier = self.history.earlier(evidence)
            flags = cache_flags(argv)
            kept: list[KeptBuild] = []
            if flags.cache_to or flags.cache_from:
                kept = [
                    KeptBuild(e.id, e.argv, e.summary) for e in self.history.list(KEPT_FOR_CACHES)
                ]
        mask = mask_for(argv, environ, evidence.dockerfile_text)
        return forecast(
            evidence,
            earlier,
            build_args=values,
            bases=bases,
            builder=builder,
            builder_of=self.facts.builder,
            kept=kept,
            argv=argv,
            mask=mask,
        )

    def _bases(
        self,
        pool: ThreadPoolExecutor,
        evidence: BuildEvidence,
        values: Mapping[str, str],
        builder: BuilderFacts | None,
    ) -> dict[str, BaseImage]:
        if evidence.dockerfile_text is None:
            return {}
        needed = parse(evidence.dockerfile_text, values).needed(evidence.target)
        images = list(dict.fromkeys(s.base for s in needed if s.from_image))
        driver = builder.driver if builder is not None else None
        futures = {
            image: pool.submit(self.facts.base_image, image, evidence.platforms, driver)
            for image in images
        }
        return {image: future.result() for image, future in futures.items()}


def _named_builder(argv: Sequence[str]) -> str | None:
    """`--builder NAME` of a command (the last one), else BUILDX_BUILDER's or the current
    builder (None)."""
    named = None
    args = list(argv)
    for index, arg in enumerate(args):
        if arg == "--builder" and index + 1 < len(args):
            named = args[index + 1]
        elif arg.startswith("--builder="):
            named = arg.partition("=")[2]
    return named
