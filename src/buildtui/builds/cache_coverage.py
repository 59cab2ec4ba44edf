"""Which platforms and stages a registry cache holds, and the builds that overwrote one.

A registry cache (`--cache-to type=registry,ref=R`) is one manifest under one tag: each
export replaces what was there. So R holds what the last build that exported to it
built: its platforms, and its stages (`mode=max`: every stage it built; `mode=min`, the
default: the stage it exported, the last one). Two single-platform builds that export
to one ref therefore overwrite each other (a known buildx trap): after
`--platform linux/amd64` then `--platform linux/arm64`, R holds the arm64 steps only and
the next amd64 build that imports it finds nothing it can use. The fix: one ref per
platform, or both platforms in one build.

Decided from the kept builds (their commands and summaries), newest first; nothing is
guessed about builds this history does not hold.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from buildtui.buildlog.summary import BuildSummary
from buildtui.builds.command import parse_command
from buildtui.i18n import _

DEFAULT_PLATFORM = "default platform"


@dataclass(frozen=True, slots=True)
class KeptBuild:
    """What coverage needs of a kept build: its id, command and summary."""

    id: int
    argv: tuple[str, ...]
    summary: BuildSummary


@dataclass(frozen=True, slots=True)
class CacheFlags:
    cache_to: tuple[tuple[str, str], ...]
    """(ref, mode) of each registry --cache-to."""
    cache_from: tuple[str, ...]
    """Refs of each registry --cache-from."""
    platforms: tuple[str, ...]
    """As --platform asks; (DEFAULT_PLATFORM,) without it."""


@dataclass(frozen=True, slots=True)
class Coverage:
    """What registry cache `ref` holds: the last build that exported to it."""

    ref: str
    build_id: int
    platforms: tuple[str, ...]
    stages: tuple[str, ...]
    mode: str

    def sentence(self) -> str:
        values = {
            "ref": self.ref,
            "platforms": " + ".join(self.platforms),
            "mode": self.mode,
            "id": self.build_id,
        }
        if not self.stages:
            return _(
                "{ref} covers {platforms} (no stage; mode={mode}), exported by build #{id}"
            ).format(**values)
        return _(
            "{ref} covers {platforms} (stages {stages}; mode={mode}), exported by build #{id}"
        ).format(stages=", ".join(self.stages), **values)

    def to_json(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "build": self.build_id,
            "platforms": list(self.platforms),
            "stages": list(self.stages),
            "mode": self.mode,
        }


@dataclass(frozen=True, slots=True)
class Overwrite:
    """Build `later_id` exported to `ref` after `earlier_id` did, without the platforms
    `lost`: that cache is gone."""

    ref: str
    earlier_id: int
    later_id: int
    lost: tuple[str, ...]
    kept: tuple[str, ...]

    def warning(self) -> str:
        return _(
            "build #{later} ({kept}) exported its cache to {ref} after build #{earlier} did: "
            "{ref} now holds {kept} only, and the {lost} cache is gone (each export replaces "
            "the whole cache image)"
        ).format(
            later=self.later_id,
            kept=" + ".join(self.kept),
            ref=self.ref,
            earlier=self.earlier_id,
            lost=" + ".join(self.lost),
        )

    def fix(self) -> str:
        return overwrite_fix(self.ref, (*self.lost, *self.kept))

    def to_json(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "earlier_build": self.earlier_id,
            "later_build": self.later_id,
            "lost_platforms": list(self.lost),
            "kept_platforms": list(self.kept),
            "warning": self.warning(),
            "fix": self.fix(),
        }


def overwrite_fix(ref: str, platforms: Sequence[str]) -> str:
    """One ref per platform (the exact flags), or one build of every platform."""
    named = [p for p in platforms if p != DEFAULT_PLATFORM]
    per_platform = "; ".join(
        _(
            "for {platform}: --cache-to type=registry,ref={ref}-{suffix},mode=max "
            "--cache-from type=registry,ref={ref}-{suffix}"
        ).format(platform=p, ref=ref, suffix=_suffix(p))
        for p in dict.fromkeys(named)
    )
    together = ",".join(dict.fromkeys(named))
    if not per_platform:
        return _(
            "give each build its own cache ref, or build them in one build (--platform "
            "{platforms}) that exports to {ref}"
        ).format(platforms=together, ref=ref)
    return _(
        "give each platform its own cache ref ({flags}), or build them in one build "
        "(--platform {platforms}) that exports to {ref}"
    ).format(flags=per_platform, platforms=together, ref=ref)


def _suffix(platform: str) -> str:
    return platform.removeprefix("linux/").replace("/", "-")


def cache_flags(argv: Sequence[str]) -> CacheFlags:
    """The registry cache refs and platforms of a kept `docker buildx build` command."""
    command = parse_command(argv)
    to = [(ref, spec.mode or "min") for spec in command.cache_to if (ref := spec.registry_ref)]
    source = [ref for spec in command.cache_from if (ref := spec.registry_ref)]
    return CacheFlags(tuple(to), tuple(source), tuple(command.platforms) or (DEFAULT_PLATFORM,))


def _stages(summary: BuildSummary, mode: str) -> tuple[str, ...]:
    """The stages a build's export holds: every stage it built (max), or its last (min)."""
    stages = list(dict.fromkeys(s.stage or "(single stage)" for s in summary.steps))
    if mode != "max" and stages:
        return (stages[-1],)
    return tuple(stages)


def coverage(ref: str, builds: Sequence[KeptBuild]) -> Coverage | None:
    """What `ref` holds now: the newest build (of `builds`, newest first) whose export to
    it succeeded; None when no kept build exported there."""
    for build in builds:
        if build.summary.cache_export != "ok":
            continue
        flags = cache_flags(build.argv)
        for to, mode in flags.cache_to:
            if to == ref:
                return Coverage(ref, build.id, flags.platforms, _stages(build.summary, mode), mode)
    return None


def overwrites(builds: Sequence[KeptBuild], refs: Sequence[str] | None = None) -> list[Overwrite]:
    """Each export (to `refs`, or any ref) that replaced an earlier export's platforms;
    newest first. Only the export just before each is compared: that is what it replaced."""
    out: list[Overwrite] = []
    exports: dict[str, list[tuple[int, tuple[str, ...]]]] = {}
    for build in builds:
        if build.summary.cache_export != "ok":
            continue
        flags = cache_flags(build.argv)
        for to, _mode in flags.cache_to:
            if refs is None or to in refs:
                exports.setdefault(to, []).append((build.id, flags.platforms))
    for ref, done in exports.items():
        for (later, kept), (earlier, before) in itertools.pairwise(done):
            lost = tuple(p for p in before if p not in kept)
            if lost:
                out.append(Overwrite(ref, earlier, later, lost, kept))
    return sorted(out, key=lambda o: -o.later_id)


def will_overwrite(
    flags: CacheFlags, builds: Sequence[KeptBuild]
) -> list[tuple[Coverage, tuple[str, ...]]]:
    """(what a ref holds now, the platforms this build's export would take from it) for
    each ref a build about to run exports to."""
    out = []
    for ref, _mode in flags.cache_to:
        held = coverage(ref, builds)
        if held is None:
            continue
        lost = tuple(p for p in held.platforms if p not in flags.platforms)
        if lost:
            out.append((held, lost))
    return out


@dataclass(frozen=True, slots=True)
class CacheReport:
    """After a build: what each registry cache it exported to or imported from covers,
    and the overwrites its export made."""

    exported: tuple[Coverage, ...]
    imported: tuple[tuple[Coverage, tuple[str, ...]], ...]
    """What each ref imported covers, and this build's platforms it does not."""
    overwrites: tuple[Overwrite, ...]

    def lines(self) -> list[str]:
        out = [
            _("Registry cache: {sentence}.").format(sentence=c.sentence()) for c in self.exported
        ]
        for held, missing in self.imported:
            if missing:
                out.append(
                    _("Imported cache: {sentence}; it holds nothing for {platforms}.").format(
                        sentence=held.sentence(), platforms=" + ".join(missing)
                    )
                )
            else:
                out.append(_("Imported cache: {sentence}.").format(sentence=held.sentence()))
        for overwrite in self.overwrites:
            out.append(
                _("Warning: {warning}. Fix: {fix}.").format(
                    warning=overwrite.warning(), fix=overwrite.fix()
                )
            )
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "exported": [c.to_json() for c in self.exported],
            "imported": [
                {**held.to_json(), "missing_platforms": list(missing)}
                for held, missing in self.imported
            ],
            "overwrites": [o.to_json() for o in self.overwrites],
        }

    def __bool__(self) -> bool:
        return bool(self.exported or self.imported or self.overwrites)


def cache_report(build: KeptBuild, earlier: Sequence[KeptBuild]) -> CacheReport:
    """The registry caches of `build` (just finished, maybe not kept yet) against the
    builds kept before it (newest first)."""
    flags = cache_flags(build.argv)
    every = [build, *[b for b in earlier if b.id != build.id]]
    exported = []
    if build.summary.cache_export == "ok":
        for ref, mode in flags.cache_to:
            exported.append(
                Coverage(ref, build.id, flags.platforms, _stages(build.summary, mode), mode)
            )
    imported = []
    if build.summary.cache_import == "found":
        for ref in flags.cache_from:
            held = coverage(ref, [b for b in every if b.id != build.id])
            if held is not None:
                missing = tuple(p for p in flags.platforms if p not in held.platforms)
                imported.append((held, missing))
    refs = [ref for ref, _mode in flags.cache_to]
    mine = [o for o in overwrites(every, refs) if o.later_id == build.id]
    return CacheReport(tuple(exported), tuple(imported), tuple(mine))
