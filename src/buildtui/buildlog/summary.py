"""The summary of a finished build: what was cached, how long it took, what was pushed.

How steps are counted
---------------------
buildx's build history counts every distinct step (vertex) of a build as one step
and a step as cached when BuildKit ever reported it cached ("Build Steps: c/t").
Here the same rule is applied to the Dockerfile's own steps only:

* a step is one `#N` whose name is `[<platform> <stage> <i>/<total>] <INSTRUCTION>`,
  counted once however often its lines are interrupted and resumed (`#N ...`);
  the same instruction built for two platforms is two steps;
* internal steps are left out: `[internal] ...` and `[<platform> internal] ...`
  (build definition, metadata, .dockerignore, build context), `[auth] ...`,
  `importing cache manifest`, `exporting ...` and `pushing ...`, as BuildKit's own
  cache metrics leave them out;
* FROM steps are left out too: BuildKit does not count them as cache misses and
  after `docker buildx prune -af` they are resolved again (DONE), never CACHED,
  even when every other step comes from the cache;
* cached = counted steps that printed `#N CACHED`; total = all counted steps,
  whatever their end (done, error, canceled). BuildKit cancels a step it no longer
  needs when a later step comes from its local cache (`#N CANCELED` in a build that
  succeeds): buildx counts it in the total, not as cached, and so does this summary.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from buildtui.buildlog.model import BuildModel, PhaseKind, StepState
from buildtui.i18n import _

CacheImport = Literal["found", "not-found", "none"]
Outcome = Literal["ok", "failed", "none"]


@dataclass(frozen=True, slots=True)
class StepSummary:
    platform: str | None
    stage: str | None
    index: int
    instruction: str
    status: str
    """cached, done, error or canceled."""
    seconds: float | None
    counted: bool
    """False for FROM steps, which cached/total leave out."""
    started: float | None = None
    """Seconds since the build started when the step started (its first line); None for
    builds kept before this was recorded."""

    @property
    def key(self) -> tuple[str | None, str | None, int, str]:
        """What identifies the same step in two builds of the same Dockerfile."""
        return (self.platform, self.stage, self.index, self.instruction)


@dataclass(frozen=True, slots=True)
class CacheMiss:
    """The first counted step of a platform and stage that ran instead of coming from the
    cache ("cache broken here"), and why, as far as the recorded evidence proves it."""

    platform: str | None
    stage: str | None
    index: int
    instruction: str
    reason: str
    """files, copy-from, instruction, build-arg, base-image, earlier-stage, no-cache,
    other-builder, no-earlier-build or unknown."""
    detail: str
    """One line a person reads: what changed, or what was checked."""
    compared_with: int | None = None
    """The earlier build (history id) the evidence was compared with."""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CacheMiss:
        return cls(
            platform=data.get("platform"),
            stage=data.get("stage"),
            index=int(data.get("index", 0)),
            instruction=str(data.get("instruction", "")),
            reason=str(data.get("reason", "unknown")),
            detail=str(data.get("detail", "")),
            compared_with=data.get("compared_with"),
        )


def miss_line(miss: CacheMiss) -> str:
    """`linux/amd64 · build1: cache broken at step 2 COPY src/ /app/: changed since ...`."""
    where = " · ".join(p for p in (miss.platform, miss.stage) if p) or _("build")
    return _("{where}: cache broken at step {index} {instruction}: {detail}").format(
        where=where, index=miss.index, instruction=miss.instruction, detail=miss.detail
    )


@dataclass(frozen=True, slots=True)
class StageEdge:
    """`source` (a stage, or an image when `image`) feeds stage `target`: `from` (FROM),
    `copy` (COPY --from) or `mount` (RUN --mount=from=), at `target`'s step `step`."""

    source: str
    target: str | None
    kind: str
    step: int | None = None
    image: bool = False


@dataclass(frozen=True, slots=True)
class PlatformCount:
    platform: str | None
    cached: int
    total: int


@dataclass(frozen=True, slots=True)
class BuildSummary:
    steps: tuple[StepSummary, ...]
    cached: int
    total: int
    per_platform: tuple[PlatformCount, ...]
    cache_import: CacheImport
    cache_import_detail: str | None
    """The import's error message, when it failed (e.g. `... not found`)."""
    cache_export: Outcome
    push: Outcome
    pushed: tuple[tuple[str, str], ...]
    """(reference, digest) of every manifest pushed."""
    wall_seconds: float | None
    exit_code: int | None
    builder: str | None = None
    driver: str | None = None
    errors: tuple[str, ...] = field(default=())
    """Failed steps' and buildx's error messages."""
    first_misses: tuple[CacheMiss, ...] = field(default=())
    """Per platform and stage, the first step that ran instead of coming from the cache."""
    stage_edges: tuple[StageEdge, ...] = field(default=())
    """The Dockerfile's FROM and COPY --from edges into the stages built (stage_graph.py),
    kept so the stage graph of a kept build needs no Dockerfile."""

    def miss_of(self, platform: str | None, stage: str | None) -> CacheMiss | None:
        for miss in self.first_misses:
            if miss.platform == platform and miss.stage == stage:
                return miss
        return None

    @property
    def pushed_digest(self) -> str | None:
        return self.pushed[-1][1] if self.pushed else None

    @property
    def succeeded(self) -> bool:
        return self.exit_code == 0

    @property
    def not_needed(self) -> int:
        """Counted steps that BuildKit canceled in a build that succeeded: a later step
        came from the cache, so they did not have to run (which of them BuildKit cancels
        rather than reports CACHED varies from run to run)."""
        if not self.succeeded:
            return 0
        return sum(1 for step in self.steps if step.counted and step.status == "canceled")

    @property
    def from_cache(self) -> bool:
        """Nothing was built again: every counted step came from the cache or was not
        needed, and at least one came from the cache."""
        return self.succeeded and self.cached > 0 and self.cached + self.not_needed == self.total

    def to_json(self) -> dict[str, Any]:
        """The summary as `buildtui build --summary-json` writes it."""
        return {
            "steps": [
                {
                    "platform": s.platform,
                    "stage": s.stage,
                    "index": s.index,
                    "instruction": s.instruction,
                    "status": s.status,
                    "seconds": s.seconds,
                    "counted": s.counted,
                    "started": s.started,
                }
                for s in self.steps
            ],
            "cached": self.cached,
            "total": self.total,
            "per_platform": [asdict(p) for p in self.per_platform],
            "cache_import": self.cache_import,
            "cache_import_detail": self.cache_import_detail,
            "cache_export": self.cache_export,
            "push": self.push,
            "pushed": [{"ref": ref, "digest": digest} for ref, digest in self.pushed],
            "pushed_digest": self.pushed_digest,
            "wall_seconds": self.wall_seconds,
            "exit_code": self.exit_code,
            "builder": self.builder,
            "driver": self.driver,
            "errors": list(self.errors),
            "first_misses": [m.to_json() for m in self.first_misses],
            "stage_edges": [asdict(e) for e in self.stage_edges],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BuildSummary:
        """Read back what `to_json` wrote (the history keeps summaries that way)."""
        return cls(
            steps=tuple(
                StepSummary(
                    platform=s["platform"],
                    stage=s["stage"],
                    index=int(s.get("index", 0)),
                    instruction=s["instruction"],
                    status=s["status"],
                    seconds=s["seconds"],
                    counted=bool(s.get("counted", True)),
                    started=s.get("started"),
                )
                for s in data["steps"]
            ),
            cached=int(data["cached"]),
            total=int(data["total"]),
            per_platform=tuple(
                PlatformCount(p["platform"], int(p["cached"]), int(p["total"]))
                for p in data.get("per_platform", [])
            ),
            cache_import=data["cache_import"],
            cache_import_detail=data.get("cache_import_detail"),
            cache_export=data.get("cache_export", "none"),
            push=data.get("push", "none"),
            pushed=tuple((p["ref"], p["digest"]) for p in data.get("pushed", [])),
            wall_seconds=data.get("wall_seconds"),
            exit_code=data.get("exit_code"),
            builder=data.get("builder"),
            driver=data.get("driver"),
            errors=tuple(data.get("errors", [])),
            first_misses=tuple(CacheMiss.from_json(m) for m in data.get("first_misses", [])),
            stage_edges=tuple(
                StageEdge(
                    str(e.get("source", "")),
                    e.get("target"),
                    str(e.get("kind", "from")),
                    e.get("step"),
                    bool(e.get("image", False)),
                )
                for e in data.get("stage_edges", [])
                if isinstance(e, dict)
            ),
        )


def summarize(
    model: BuildModel,
    *,
    exit_code: int | None,
    wall_seconds: float | None,
    started_at: float | None = None,
) -> BuildSummary:
    """The summary of `model`'s build (call `model.finish()` first). `started_at`: when
    the build started, on the model's clock (each step's `started` is counted from it)."""
    steps = []
    for group in model.groups():
        for step in group.steps:
            status = step.state
            if step.was_cached:
                status = StepState.CACHED
            elif status is StepState.RUNNING:
                status = StepState.CANCELED
            steps.append(
                StepSummary(
                    platform=step.platform,
                    stage=step.stage,
                    index=step.index,
                    instruction=step.instruction,
                    status=status.value,
                    seconds=step.seconds,
                    counted=step.counted,
                    started=(
                        round(max(0.0, step.started_at - started_at), 3)
                        if started_at is not None
                        else None
                    ),
                )
            )
    counted = [s for s in steps if s.counted]
    per_platform = tuple(
        PlatformCount(
            platform,
            sum(1 for s in counted if s.platform == platform and s.status == "cached"),
            sum(1 for s in counted if s.platform == platform),
        )
        for platform in model.platforms
    )
    cache_import, detail = _cache_import(model)
    errors = [v.error for v in model.failed_steps if v.error] + model.buildx_errors
    return BuildSummary(
        steps=tuple(steps),
        cached=sum(1 for s in counted if s.status == "cached"),
        total=len(counted),
        per_platform=per_platform,
        cache_import=cache_import,
        cache_import_detail=detail,
        cache_export=_outcome(model, PhaseKind.CACHE_EXPORT),
        push=_push_outcome(model),
        pushed=tuple((p.ref, p.digest) for p in model.pushed),
        wall_seconds=wall_seconds,
        exit_code=exit_code,
        builder=model.builder,
        driver=model.driver,
        errors=tuple(errors),
    )


def _cache_import(model: BuildModel) -> tuple[CacheImport, str | None]:
    imports = model.phases_of(PhaseKind.CACHE_IMPORT)
    if not imports:
        return "none", None
    if any(p.state is StepState.DONE or p.state is StepState.CACHED for p in imports):
        return "found", None
    errors = [p.error for p in imports if p.error]
    return "not-found", (errors[0] if errors else None)


def _outcome(model: BuildModel, kind: PhaseKind) -> Outcome:
    phases = model.phases_of(kind)
    if not phases:
        return "none"
    if all(p.state is StepState.DONE for p in phases):
        return "ok"
    return "failed"


def _push_outcome(model: BuildModel) -> Outcome:
    phases = [p for p in model.phases if p.pushing or p.kind is PhaseKind.PUSH]
    if not phases:
        return "none"
    if all(p.state is StepState.DONE for p in phases):
        return "ok"
    return "failed"
