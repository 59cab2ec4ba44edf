"""Cache foresight: before a build runs, which step of each platform and stage will miss
the cache first, and why.

The same comparison misses.py makes after a build (`input_change`, `why_it_ran`), made
before it: each step BuildKit will make of the Dockerfile (dockerfile.py) is compared
with the same step of the last earlier build of the same Dockerfile and context in
which it was cached or ran, on the evidence recorded then and collected now (the
Dockerfile, context hashes under `.dockerignore`, build-argument hashes, cache flags),
plus what only the engine knows before a build: each base image's digest (resolved by
`ForecastFacts`; "unknown: base not resolved" when it cannot be) and which builder
runs the build, and whether it shares the earlier builder's cache (the docker-driver
builders of one engine share the engine's). A step misses when its input changed; every
later step of its stage, and the stages that take from it, miss after it.

What cannot be seen before a build is said, not guessed: a cache pruned since the
earlier build makes every step run; the forecast assumes it is still there.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from buildtui.buildlog.summary import BuildSummary, CacheMiss, StepSummary
from buildtui.builds.cache_coverage import (
    CacheFlags,
    KeptBuild,
    cache_flags,
    coverage,
    overwrite_fix,
    will_overwrite,
)
from buildtui.builds.deadline import Deadline
from buildtui.builds.dockerfile import (
    Dockerfile,
    PlannedStep,
    Stage,
    expand_command,
    image_name,
    parse,
    step_environment,
)
from buildtui.builds.evidence import BuildEvidence
from buildtui.builds.misses import (
    EarlierBuild,
    Key,
    StepPair,
    args_detail,
    changed_args,
    declared_args,
    dependency_order,
    flag_miss,
    input_change,
    reference_of,
    stage_bases,
    why_it_ran,
)
from buildtui.i18n import _, ngettext

MAX_SECONDS = 2.0
UNRESOLVED = "unknown: base not resolved"
"""A base image's digest when it cannot be resolved (data, kept in English)."""
EN_DASH = "\u2013"


@dataclass(frozen=True, slots=True)
class BaseImage:
    """A FROM image and the digest BuildKit would resolve it to now."""

    image: str
    """As BuildKit's step names spell it (`docker.io/library/busybox:latest`)."""
    digest: str | None
    source: str
    """Where the digest came from ("the engine's image store", "the registry"), or why
    there is none."""

    def to_json(self) -> dict[str, Any]:
        return {"image": self.image, "digest": self.digest, "source": self.source}


@dataclass(frozen=True, slots=True)
class BuilderFacts:
    name: str
    driver: str | None = None
    cache: str | None = None
    """What keeps its cache: the engine (docker driver: its endpoint) or its BuildKit
    container; two builders with the same value share one cache. None: not known."""


Forecasting = Callable[[Sequence[str], "BuildEvidence | None"], "Forecast"]
"""Blocking call: the forecast of a command (a whole `docker buildx build` line), from
its evidence when already collected (forecaster.py's `Forecaster`)."""


class ForecastFacts(Protocol):
    """What the forecast asks the engine (blocking calls, bounded in time)."""

    def builder(self, name: str | None) -> BuilderFacts | None:
        """The builder named, or the one buildx uses when `name` is None; None: unknown."""
        ...

    def base_image(self, reference: str, platforms: Sequence[str], driver: str | None) -> BaseImage:
        """The digest `FROM reference` resolves to now, on a builder of `driver`."""
        ...


@dataclass(frozen=True, slots=True)
class StageForecast:
    platform: str | None
    stage: str | None
    counted: int
    """Its steps that count (FROM left out)."""
    last_index: int
    miss: CacheMiss | None
    unknown: str | None = None
    """Why it cannot be told (no kept build ran its steps); then `miss` is None."""
    maybe: bool = False
    """`miss` depends on what another stage's steps will make: BuildKit compares the
    files a `COPY --from` takes by content, so the step comes from the cache after all
    when they come out the same."""

    @property
    def where(self) -> str:
        return " · ".join(p for p in (self.platform, self.stage) if p) or _("the build")

    def sentence(self) -> str:
        """`steps 4-9 of build1 will miss: changed since build #2: src/index.js` (with an
        en dash between the steps)."""
        miss = self.miss
        if self.unknown is not None:
            return _("{where}: cannot be told: {why}").format(where=self.where, why=self.unknown)
        if miss is None:
            if not self.counted:
                return _("{where}: no step to run").format(where=self.where)
            return ngettext(
                "{where}: all {count} step will come from the cache",
                "{where}: all {count} steps will come from the cache",
                self.counted,
            ).format(where=self.where, count=self.counted)
        if miss.index == self.last_index:
            if self.maybe:
                return _(
                    "step {first} of {where} may miss: {detail}; unless the files it copies "
                    "come out the same"
                ).format(first=miss.index, where=self.where, detail=miss.detail)
            return _("step {first} of {where} will miss: {detail}").format(
                first=miss.index, where=self.where, detail=miss.detail
            )
        steps = {"first": miss.index, "dash": EN_DASH, "last": self.last_index}
        if self.maybe:
            return _(
                "steps {first}{dash}{last} of {where} may miss: {detail}; unless the files it "
                "copies come out the same"
            ).format(where=self.where, detail=miss.detail, **steps)
        return _("steps {first}{dash}{last} of {where} will miss: {detail}").format(
            where=self.where, detail=miss.detail, **steps
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "stage": self.stage,
            "counted": self.counted,
            "last_index": self.last_index,
            "miss": self.miss.to_json() if self.miss is not None else None,
            "unknown": self.unknown,
            "maybe": self.maybe,
            "sentence": self.sentence(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StageForecast:
        miss = data.get("miss")
        return cls(
            platform=data.get("platform"),
            stage=data.get("stage"),
            counted=int(data.get("counted", 0)),
            last_index=int(data.get("last_index", 0)),
            miss=CacheMiss.from_json(miss) if isinstance(miss, dict) else None,
            unknown=data.get("unknown"),
            maybe=bool(data.get("maybe", False)),
        )


@dataclass(frozen=True, slots=True)
class Forecast:
    first_misses: tuple[CacheMiss, ...]
    """The same shape as a summary's `first_misses`."""
    stages: tuple[StageForecast, ...]
    compared_with: int | None
    """The newest earlier build of the same Dockerfile and context (None: none kept)."""
    notes: tuple[str, ...] = ()
    bases: tuple[BaseImage, ...] = ()
    builder: str | None = None
    warnings: tuple[str, ...] = ()
    """What the build will do to a registry cache (an overwrite), with the fix."""

    def headline(self) -> str:
        """One line for the form: the first miss, or that all will come from the cache."""
        if not self.stages:
            return self.said()
        return _("Forecast: {sentence}").format(sentence=self.said())

    def said(self) -> str:
        """What the forecast says, in one sentence (the headline without its title)."""
        if not self.stages:
            return self.notes[0] if self.notes else _("Nothing to forecast.")
        missing = [s for s in self.stages if s.miss is not None]
        if not missing and any(s.unknown for s in self.stages):
            unknown = next(s for s in self.stages if s.unknown)
            return unknown.sentence()
        if not missing:
            counted = sum(s.counted for s in self.stages)
            return ngettext(
                "all {count} step will come from the cache.",
                "all {count} steps will come from the cache.",
                counted,
            ).format(count=counted)
        if len(missing) > 1:
            return ngettext(
                "{sentence} (and {count} more stage)",
                "{sentence} (and {count} more stages)",
                len(missing) - 1,
            ).format(sentence=missing[0].sentence(), count=len(missing) - 1)
        return missing[0].sentence()

    def lines(self) -> list[str]:
        out = [s.sentence() for s in self.stages]
        out += [
            _("base image {image}: {digest}").format(image=b.image, digest=b.digest or b.source)
            for b in self.bases
        ]
        out += [_("note: {note}").format(note=n) for n in self.notes]
        out += [_("warning: {warning}").format(warning=w) for w in self.warnings]
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "first_misses": [m.to_json() for m in self.first_misses],
            "stages": [s.to_json() for s in self.stages],
            "compared_with": self.compared_with,
            "notes": list(self.notes),
            "bases": [b.to_json() for b in self.bases],
            "builder": self.builder,
            "warnings": list(self.warnings),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Forecast:
        return cls(
            first_misses=tuple(CacheMiss.from_json(m) for m in data.get("first_misses", [])),
            stages=tuple(StageForecast.from_json(s) for s in data.get("stages", [])),
            compared_with=data.get("compared_with"),
            notes=tuple(str(n) for n in data.get("notes", [])),
            bases=tuple(
                BaseImage(str(b.get("image", "")), b.get("digest"), str(b.get("source", "")))
                for b in data.get("bases", [])
            ),
            builder=data.get("builder"),
            warnings=tuple(str(w) for w in data.get("warnings", [])),
        )


def platform_keys(evidence: BuildEvidence) -> list[str | None]:
    """How step names will name the platforms: only a multi-platform build says them."""
    platforms: list[str | None] = list(dict.fromkeys(evidence.platforms))
    return platforms if len(platforms) > 1 else [None]


def forecast(
    new: BuildEvidence,
    earlier: Sequence[EarlierBuild],
    *,
    build_args: Mapping[str, str] | None = None,
    bases: Mapping[str, BaseImage] | None = None,
    builder: BuilderFacts | None = None,
    builder_of: Callable[[str], BuilderFacts | None] | None = None,
    kept: Sequence[KeptBuild] = (),
    argv: Sequence[str] = (),
    mask: Callable[[str], str] | None = None,
    max_seconds: float = MAX_SECONDS,
) -> Forecast:
    """Which step of each platform and stage of the build `new` describes will miss first.

    `earlier`: builds kept before, newest first (the same project's are compared with);
    `bases`: what each FROM image (as written, ARGs substituted) resolves to now;
    `builder`: the builder that will run it, `builder_of` tells another builder's cache;
    `kept`: every kept build (newest first) and `argv`: this build's command, for the
    registry caches it imports and exports; `mask` hides build-argument values in the
    steps' names (which, as BuildKit names RUN steps, have their variables expanded).
    """
    if new.dockerfile_text is None:
        return Forecast((), (), None, (_("the Dockerfile cannot be read: nothing to forecast"),))
    dockerfile = parse(new.dockerfile_text, build_args)
    needed = dockerfile.needed(new.target)
    if not needed:
        note = (
            _("--target {target} names no stage: nothing to forecast").format(target=new.target)
            if new.target
            else _("the Dockerfile names no stage: nothing to forecast")
        )
        return Forecast((), (), None, (note,))
    same = [b for b in earlier if b.evidence is not None and b.evidence.project == new.project]
    bases = dict(bases or {})
    summary = _planned_summary(new, needed, bases, builder)
    groups: dict[Key, list[StepSummary]] = {}
    for step in summary.steps:
        groups.setdefault((step.platform, step.stage), []).append(step)
    stages = stage_bases(new.dockerfile_text)
    context = _Context(
        new, same, summary, stages, dockerfile, Deadline(max_seconds), builder, builder_of,
        kept, cache_flags(argv) if argv else None,
        step_names(dockerfile, needed, build_args or {}, mask),
    )  # fmt: skip
    found: dict[Key, CacheMiss] = {}
    unknown: dict[Key, str] = {}
    maybe: set[Key] = set()
    for key in dependency_order(groups, stages):
        miss = _stage_miss(key, groups[key], context, found)
        if miss is not None and miss.reason == "no-earlier-build":
            unknown[key] = miss.detail
        elif miss is not None:
            found[key] = miss
            if _uncertain(key, miss, stages, maybe):
                maybe.add(key)
    forecasts = []
    for key, steps in groups.items():
        counted = [s for s in steps if s.counted]
        last = max((s.index for s in counted), default=0)
        forecasts.append(
            StageForecast(
                key[0],
                key[1],
                len(counted),
                last,
                found.get(key),
                unknown.get(key),
                key in maybe,
            )
        )
    notes = list(context.notes)
    if not same:
        notes.insert(
            0,
            _(
                "no earlier build of this Dockerfile and context is kept: every step will run "
                "unless the builder's cache holds it from another build"
            ),
        )
    elif any(f.miss is None or f.miss.index > 1 for f in forecasts):
        ref_builder = same[0].summary.builder
        notes.append(
            (
                _(
                    "assumes {builder} still holds the cache of build #{id} (after a prune "
                    "every step runs, unless a --cache-from supplies it)"
                )
                if ref_builder
                else _(
                    "assumes its builder still holds the cache of build #{id} (after a prune "
                    "every step runs, unless a --cache-from supplies it)"
                )
            ).format(builder=ref_builder, id=same[0].id)
        )
    if found:
        notes.append(
            _(
                "BuildKit's cache is keyed by content: a step whose input changed still comes "
                "from the cache if a build not kept here ran it with the same input"
            )
        )
    for image in bases.values():
        if image.digest is None:
            notes.append(
                _("base image {image}: {digest}").format(image=image.image, digest=image.source)
            )
    return Forecast(
        first_misses=tuple(found[k] for k in groups if k in found),
        stages=tuple(forecasts),
        compared_with=same[0].id if same else None,
        notes=tuple(dict.fromkeys(notes)),
        bases=tuple(bases.values()),
        builder=builder.name if builder is not None else None,
        warnings=tuple(_overwrite_warnings(context)),
    )


def _uncertain(key: Key, miss: CacheMiss, stages: dict[str, str], maybe: set[Key]) -> bool:
    """Whether `miss` depends on files another stage will make: a `COPY --from` (BuildKit
    compares what it copies by content), or the stage FROM a stage whose miss does."""
    if miss.reason == "copy-from":
        return True
    parent = stages.get(key[1] or "")
    return miss.reason == "earlier-stage" and (key[0], parent) in maybe


@dataclass(slots=True)
class _Context:
    new: BuildEvidence
    same: Sequence[EarlierBuild]
    summary: BuildSummary
    stages: dict[str, str]
    dockerfile: Dockerfile
    deadline: Deadline
    builder: BuilderFacts | None
    builder_of: Callable[[str], BuilderFacts | None] | None
    kept: Sequence[KeptBuild]
    flags: CacheFlags | None
    names: dict[tuple[str | None, int], str]
    """(stage, index) -> the step's name as BuildKit will print it (masked)."""
    notes: list[str] = field(default_factory=list)
    parsed: dict[int, Dockerfile | None] = field(default_factory=dict)

    def old_dockerfile(self, build: EarlierBuild) -> Dockerfile | None:
        if build.id not in self.parsed:
            text = build.evidence.dockerfile_text if build.evidence is not None else None
            self.parsed[build.id] = parse(text) if text is not None else None
        return self.parsed[build.id]

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)


def _planned_summary(
    new: BuildEvidence,
    needed: Sequence[Stage],
    bases: Mapping[str, BaseImage],
    builder: BuilderFacts | None,
) -> BuildSummary:
    """The steps the build will have, as a summary whose FROM steps carry the digests
    resolved now (what misses.py reads base images from)."""
    steps = []
    for platform in platform_keys(new):
        for stage in needed:
            for planned in stage.steps:
                steps.append(
                    StepSummary(
                        platform,
                        stage.label,
                        planned.index,
                        _text(planned, bases),
                        "planned",
                        None,
                        planned.counted,
                    )
                )
    return BuildSummary(
        steps=tuple(steps),
        cached=0,
        total=sum(1 for s in steps if s.counted),
        per_platform=(),
        cache_import="none",
        cache_import_detail=None,
        cache_export="none",
        push="none",
        pushed=(),
        wall_seconds=None,
        exit_code=None,
        builder=builder.name if builder is not None else None,
        driver=builder.driver if builder is not None else None,
    )


def step_names(
    dockerfile: Dockerfile,
    needed: Sequence[Stage],
    build_args: Mapping[str, str],
    mask: Callable[[str], str] | None,
) -> dict[tuple[str | None, int], str]:
    """Each RUN step's name as BuildKit prints it: its variables expanded (ENV, and the
    stage's ARGs with their values), then masked; other steps keep their text."""
    names: dict[tuple[str | None, int], str] = {}
    for stage in needed:
        for planned in stage.steps:
            instruction = planned.instruction
            if instruction.keyword != "RUN":
                continue
            env = step_environment(dockerfile, stage.label, instruction.line, build_args)
            name = f"RUN {expand_command(instruction.arguments, env)}"
            names[(stage.label, planned.index)] = mask(name) if mask is not None else name
    return names


def _text(planned: PlannedStep, bases: Mapping[str, BaseImage]) -> str:
    if planned.counted:
        return planned.text
    base = bases.get(planned.instruction.arguments)
    name = base.image if base is not None else image_name(planned.instruction.arguments)
    digest = base.digest if base is not None else None
    return f"FROM {name}@{digest}" if digest else f"FROM {name}"


def _stage_miss(
    key: Key, steps: list[StepSummary], context: _Context, found: dict[Key, CacheMiss]
) -> CacheMiss | None:
    counted = sorted((s for s in steps if s.counted), key=lambda s: s.index)
    if not counted:
        return None
    platform, stage = key
    new = context.new

    def miss(step: StepSummary, reason: str, detail: str, ref: int | None) -> CacheMiss:
        name = context.names.get((stage, step.index), step.instruction)
        return CacheMiss(platform, stage, step.index, name, reason, detail, ref)

    flagged = flag_miss(stage, new)
    if flagged is not None:
        return miss(counted[0], *flagged, None)
    stage_def = context.dockerfile.stage(stage)
    for step in counted:
        reference = reference_of(key, step, context.same)
        if reference is None:
            detail = (
                _(
                    "no kept build of this Dockerfile and context ran step {index} on "
                    "{platform}; it runs unless the builder's cache holds it from another build"
                )
                if platform
                else _(
                    "no kept build of this Dockerfile and context ran step {index}; it runs "
                    "unless the builder's cache holds it from another build"
                )
            ).format(index=step.index, platform=platform)
            return miss(step, "no-earlier-build", detail, None)
        ref, recorded = reference
        assert ref.evidence is not None
        old = context.old_dockerfile(ref)
        before_instruction = old.line_of(stage, step.index) if old is not None else None
        # Both sides as the Dockerfiles write them: the kept step's name has build
        # arguments expanded (and masked), which this build's cannot have yet.
        before = (
            replace(recorded, instruction=before_instruction.text)
            if before_instruction is not None
            else recorded
        )
        pair = StepPair(key, step, before, ref, ref.evidence, new)
        checked: list[str] = []
        change = input_change(
            pair, context.summary, context.stages, found, context.deadline, checked
        )
        if change is not None:
            return miss(step, *change, ref.id)
        if stage_def is not None:
            argument = _argument_change(stage_def, step, ref.evidence, new, ref.id)
            if argument is not None:
                return miss(step, *argument, ref.id)
        if step is counted[0] and not _cache_reachable(key, ref, context):
            return miss(
                step,
                *why_it_ran(pair, context.summary, counted, context.deadline, checked),
                ref.id,
            )
    return None


def _argument_change(
    stage: Stage, step: StepSummary, old: BuildEvidence, new: BuildEvidence, ref: int
) -> tuple[str, str] | None:
    """(build-arg, detail) when a changed build argument goes into the step: a RUN after
    the stage declares it (BuildKit gives RUN steps the declared arguments), or any step
    whose text uses it."""
    changed = changed_args(old, new)
    if not changed:
        return None
    line = next((p.instruction.line for p in stage.steps if p.index == step.index), None)
    if line is None:
        return None
    declared = {name for name, at in stage.args if at < line}
    affected = [n for n in changed if n in declared]
    if not affected:
        return None
    used = [n for n in affected if re.search(rf"\$\{{?{re.escape(n)}\b", step.instruction)]
    if used:
        return "build-arg", args_detail(changed, ref)  # the step's own text changes
    if step.instruction.split(" ", 1)[0].upper() == "RUN":
        every = changed_args(old, new, declared=declared_args(new.dockerfile_text))
        return "build-arg", args_detail(every, ref)
    return None


def _cache_reachable(key: Key, ref: EarlierBuild, context: _Context) -> bool:
    """Whether the steps build `ref` left in a cache can reach this build: the same
    builder, another that shares its cache, or a --cache-from that holds them."""
    builder, was = context.builder, ref.summary.builder
    if builder is None:
        context.note(
            _("the builder in use is not known: assumed to be the one build #{id} ran on").format(
                id=ref.id
            )
        )
        return True
    if was is None or was == builder.name:
        return True
    other = context.builder_of(was) if context.builder_of is not None else None
    if other is not None and builder.cache is not None and other.cache == builder.cache:
        context.note(
            _(
                "builder {builder} shares its cache with {other} (build #{id}'s): both keep "
                "it in {cache}"
            ).format(builder=builder.name, other=was, id=ref.id, cache=builder.cache)
        )
        return True
    flags = context.flags
    platform, stage = key
    if flags is not None:
        for source in flags.cache_from:
            held = coverage(source, context.kept)
            if held is None:
                continue
            wanted = platform or (flags.platforms[0] if flags.platforms else None)
            if (wanted in held.platforms or (len(held.platforms) == 1 and platform is None)) and (
                (stage or "(single stage)") in held.stages
            ):
                where = " · ".join(p for p in (platform, stage) if p) or _("the build")
                context.note(
                    _(
                        "{where} can come from the imported cache {source} (exported by build "
                        "#{id}) on builder {builder}"
                    ).format(where=where, source=source, id=held.build_id, builder=builder.name)
                )
                return True
    return False


def _overwrite_warnings(context: _Context) -> list[str]:
    flags = context.flags
    if flags is None:
        return []
    out = []
    for held, lost in will_overwrite(flags, context.kept):
        out.append(
            _(
                "this build's export to {ref} will replace the cache of {platforms} that build "
                "#{id} left there (each export replaces the whole cache image). Fix: {fix}"
            ).format(
                ref=held.ref,
                platforms=" + ".join(lost),
                id=held.build_id,
                fix=overwrite_fix(held.ref, (*lost, *flags.platforms)),
            )
        )
    return out


def judge(forecast: Forecast, summary: BuildSummary) -> tuple[bool | None, list[str]]:
    """Whether the forecast was right about `summary`'s build: for each platform and
    stage the build reached, the step it said would miss first is the first that ran
    (none: every step came from the cache), for the reason the build's miss gives.
    (right, one line per platform and stage that differed); right is None when the
    forecast could tell nothing (no kept build to compare with)."""
    if not forecast.stages:
        return None, []  # it could tell nothing (no Dockerfile, no such target)
    actual: dict[Key, StepSummary] = {}
    reached: set[Key] = set()
    for step in sorted(summary.steps, key=lambda s: s.index):
        if not step.counted:
            continue
        key = (step.platform, step.stage)
        reached.add(key)
        if step.status in ("done", "error") and key not in actual:
            actual[key] = step
    said = {(s.platform, s.stage): s for s in forecast.stages}
    wrong = []
    for key in sorted(reached, key=lambda k: (k[0] or "", k[1] or "")):
        stage = said.get(key)
        where = " · ".join(p for p in key if p) or _("the build")
        ran = actual.get(key)
        predicted = stage.miss if stage is not None else None
        if stage is not None and stage.unknown is not None:
            continue  # said it could not tell
        if stage is None:
            wrong.append(_("{where}: not forecast").format(where=where))
        elif predicted is None and ran is not None:
            wrong.append(
                _("{where}: said all cached; step {index} ran").format(where=where, index=ran.index)
            )
        elif predicted is not None and ran is None:
            if not stage.maybe:  # "may miss", and it came from the cache: as it may
                wrong.append(
                    _("{where}: said step {index} would miss; all came from the cache").format(
                        where=where, index=predicted.index
                    )
                )
        elif predicted is not None and ran is not None:
            real = summary.miss_of(*key)
            if predicted.index != ran.index:
                wrong.append(
                    _("{where}: said step {said}; step {index} ran first").format(
                        where=where, said=predicted.index, index=ran.index
                    )
                )
            elif real is not None and real.reason != predicted.reason:
                wrong.append(
                    _("{where}: step {index} as said, but for {reason}, not {said}").format(
                        where=where, index=ran.index, reason=real.reason, said=predicted.reason
                    )
                )
    told = [s for s in forecast.stages if s.unknown is None and (s.platform, s.stage) in reached]
    if not wrong and not told:
        return None, []
    return not wrong, wrong
