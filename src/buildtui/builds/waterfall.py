"""Where a build's time went: each platform's steps as bars on one time axis, and how
much longer the emulated platform's steps took.

A step's bar starts when its first line appeared (`StepSummary.started`, seconds since
the build started) and lasts the seconds BuildKit reported for it; a cached step is a
point. The steps that ran on two platforms (the same stage and step) compare the
platforms: on an amd64 machine, arm64 RUN steps run under QEMU and take several times
as long, which the ratio says.
"""

from __future__ import annotations

import platform as host
from dataclasses import dataclass
from typing import Any

from buildtui.buildlog.summary import BuildSummary
from buildtui.i18n import ngettext
from buildtui.l10n import number

ARCHES = {"x86_64": "linux/amd64", "amd64": "linux/amd64", "aarch64": "linux/arm64",
          "arm64": "linux/arm64"}  # fmt: skip


TIMES = "\u00d7"


def native_platform() -> str | None:
    """The platform this machine runs natively (`linux/amd64`), if known."""
    return ARCHES.get(host.machine().lower())


@dataclass(frozen=True, slots=True)
class Bar:
    platform: str | None
    stage: str | None
    index: int
    instruction: str
    start: float
    seconds: float
    status: str

    @property
    def end(self) -> float:
        return self.start + self.seconds

    def to_json(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "stage": self.stage,
            "index": self.index,
            "instruction": self.instruction,
            "start": round(self.start, 3),
            "seconds": round(self.seconds, 3),
            "status": self.status,
        }


@dataclass(frozen=True, slots=True)
class Emulation:
    """`slow` against `fast` over the steps that ran on both."""

    fast: str
    slow: str
    fast_seconds: float
    slow_seconds: float
    steps: int
    native: str | None

    @property
    def ratio(self) -> float:
        return self.slow_seconds / self.fast_seconds if self.fast_seconds > 0 else 0.0

    def sentence(self) -> str:
        figures = {
            "slow": self.slow,
            "fast": self.fast,
            "ratio": number(self.ratio, 1),
            "slow_s": number(self.slow_seconds, 1),
            "fast_s": number(self.fast_seconds, 1),
            "steps": self.steps,
        }
        if self.native == self.fast and self.slow != self.native:
            return ngettext(
                "{slow} steps took {ratio}\u00d7 as long as {fast}'s: {slow_s} s against "
                "{fast_s} s over the {steps} step that ran on both ({slow} runs under QEMU "
                "emulation on this {native} machine)",
                "{slow} steps took {ratio}\u00d7 as long as {fast}'s: {slow_s} s against "
                "{fast_s} s over the {steps} steps that ran on both ({slow} runs under QEMU "
                "emulation on this {native} machine)",
                self.steps,
            ).format(native=self.native, **figures)
        return ngettext(
            "{slow} steps took {ratio}\u00d7 as long as {fast}'s: {slow_s} s against "
            "{fast_s} s over the {steps} step that ran on both",
            "{slow} steps took {ratio}\u00d7 as long as {fast}'s: {slow_s} s against "
            "{fast_s} s over the {steps} steps that ran on both",
            self.steps,
        ).format(**figures)

    def to_json(self) -> dict[str, Any]:
        return {
            "fast": self.fast,
            "slow": self.slow,
            "fast_seconds": round(self.fast_seconds, 3),
            "slow_seconds": round(self.slow_seconds, 3),
            "steps": self.steps,
            "ratio": round(self.ratio, 2),
            "native": self.native,
            "sentence": self.sentence(),
        }


@dataclass(frozen=True, slots=True)
class Waterfall:
    bars: tuple[Bar, ...]
    """By platform, then in the order the steps started."""
    span: float
    """Seconds from the build's start to the last bar's end."""
    timed: bool
    """False for a build kept before step start times were recorded."""
    emulation: Emulation | None

    @property
    def platforms(self) -> list[str | None]:
        return list(dict.fromkeys(b.platform for b in self.bars))

    def to_json(self) -> dict[str, Any]:
        return {
            "bars": [b.to_json() for b in self.bars],
            "span": round(self.span, 3),
            "timed": self.timed,
            "emulation": self.emulation.to_json() if self.emulation is not None else None,
        }


def waterfall(summary: BuildSummary, native: str | None = None) -> Waterfall:
    """The bars of `summary`'s Dockerfile steps (FROM steps left out)."""
    steps = [s for s in summary.steps if s.counted]
    timed = bool(steps) and all(s.started is not None for s in steps)
    bars = []
    for step in steps:
        seconds = 0.0 if step.status == "cached" else max(0.0, step.seconds or 0.0)
        start = step.started if step.started is not None else 0.0
        bars.append(
            Bar(
                step.platform, step.stage, step.index, step.instruction, start, seconds, step.status
            )
        )
    order = {p: i for i, p in enumerate(dict.fromkeys(b.platform for b in bars))}
    bars.sort(key=lambda b: (order[b.platform], b.start, b.stage or "", b.index))
    span = max((b.end for b in bars), default=0.0)
    return Waterfall(tuple(bars), span, timed, emulation(summary, native))


def emulation(summary: BuildSummary, native: str | None = None) -> Emulation | None:
    """The slowest platform against the fastest, over the steps both ran (None: fewer
    than two platforms, or no step ran on two)."""
    ran: dict[str | None, dict[tuple[str | None, int], float]] = {}
    for step in summary.steps:
        if step.counted and step.status == "done" and step.platform and step.seconds:
            ran.setdefault(step.platform, {})[(step.stage, step.index)] = step.seconds
    if len(ran) < 2:
        return None
    platforms = list(ran)
    best: Emulation | None = None
    for fast in platforms:
        for slow in platforms:
            if fast == slow:
                continue
            shared = set(ran[fast]) & set(ran[slow])
            if not shared:
                continue
            fast_s = sum(ran[fast][k] for k in shared)
            slow_s = sum(ran[slow][k] for k in shared)
            if slow_s < fast_s or fast_s <= 0:
                continue
            candidate = Emulation(str(fast), str(slow), fast_s, slow_s, len(shared), native)
            if best is None or candidate.ratio > best.ratio:
                best = candidate
    return best
