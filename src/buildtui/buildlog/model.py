"""What a build did, step by step, built up from parsed plain-progress lines.

`BuildModel.apply` takes each `LogLine` from the parser. Dockerfile steps
(`[<platform> <stage> <i>/<total>] <INSTRUCTION>`) become `Step`s, grouped by
platform and stage in Dockerfile order; every other step (load metadata, build
context, importing cache manifest, exporting to image, pushing, exporting cache)
becomes a `Phase`. Both have a state: running, cached, done, error or canceled.
"""

from __future__ import annotations

import re
import time
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from buildtui.buildlog.parser import (
    LineKind,
    LogLine,
    LogParser,
    internal_platform,
    parse_builder,
    parse_step_name,
)

LOG_TAIL = 20
"""How many of a step's last log lines the model keeps (the raw log keeps them all)."""
OTHER_TAIL = 200
"""How many lines without a step number (buildx's own messages) the model keeps."""

_PUSHED = re.compile(r"pushing manifest for (?P<ref>\S+)@(?P<digest>sha256:[0-9a-f]{64})")
_SECONDS_SUFFIX = re.compile(r" \d+(?:\.\d+)?s(?: done)?$| done$")


class StepState(StrEnum):
    RUNNING = "running"
    CACHED = "cached"
    DONE = "done"
    ERROR = "error"
    CANCELED = "canceled"


class PhaseKind(StrEnum):
    """The internal steps a build goes through, as the step view names them."""

    LOAD_DEFINITION = "load build definition"
    LOAD_METADATA = "load metadata"
    LOAD_DOCKERIGNORE = "load .dockerignore"
    BUILD_CONTEXT = "load build context"
    CACHE_IMPORT = "importing cache manifest"
    EXPORT = "exporting to image"
    PUSH = "pushing"
    CACHE_EXPORT = "exporting cache"
    OTHER = "other"


def phase_kind(name: str) -> PhaseKind:
    """Which phase an internal step's name stands for."""
    if name.startswith("importing cache manifest"):
        return PhaseKind.CACHE_IMPORT
    if name.startswith("exporting cache"):
        return PhaseKind.CACHE_EXPORT
    if name.startswith("exporting to"):
        return PhaseKind.EXPORT
    if name.startswith("pushing "):
        return PhaseKind.PUSH
    if name.startswith("resolve image config"):
        return PhaseKind.LOAD_METADATA
    if name.startswith("["):
        rest = name[name.find("]") + 2 :]
        if rest.startswith("load build definition"):
            return PhaseKind.LOAD_DEFINITION
        if rest.startswith("load metadata"):
            return PhaseKind.LOAD_METADATA
        if rest.startswith("load .dockerignore"):
            return PhaseKind.LOAD_DOCKERIGNORE
        if rest.startswith("load build context"):
            return PhaseKind.BUILD_CONTEXT
    return PhaseKind.OTHER


@dataclass(slots=True)
class Vertex:
    """One step of BuildKit's progress (`#N`), Dockerfile step or internal."""

    vertex: int
    name: str
    platform: str | None
    started_at: float
    """Clock time (the model's clock) when its header was first seen."""
    state: StepState = StepState.RUNNING
    finished_at: float | None = None
    seconds: float | None = None
    """Duration BuildKit reported with DONE (or ERROR/CANCELED: time seen running)."""
    error: str | None = None
    was_cached: bool = False
    log_lines: int = 0
    log_tail: deque[str] = field(default_factory=lambda: deque(maxlen=LOG_TAIL))
    warnings: list[str] = field(default_factory=list)

    def elapsed(self, now: float) -> float:
        """Seconds it ran: BuildKit's figure once done, else measured until `now`."""
        if self.seconds is not None:
            return self.seconds
        end = self.finished_at if self.finished_at is not None else now
        return max(0.0, end - self.started_at)


@dataclass(slots=True)
class Step(Vertex):
    """A Dockerfile instruction: `[<platform> <stage> <i>/<total>] <INSTRUCTION>`."""

    stage: str | None = None
    index: int = 0
    total: int = 0
    instruction: str = ""
    failure_lines: list[str] = field(default_factory=list)
    """The log lines of its failure block, when it failed."""

    @property
    def is_from(self) -> bool:
        return self.instruction.startswith("FROM ")

    @property
    def counted(self) -> bool:
        """Whether it counts in cached/total (FROM steps do not; see summary.py)."""
        return not self.is_from


@dataclass(slots=True)
class Phase(Vertex):
    """An internal step: loading, importing cache, exporting, pushing."""

    kind: PhaseKind = PhaseKind.OTHER
    last_status: str = ""
    pushing: bool = False
    """Whether its status lines say it pushed something."""

    @property
    def no_cache_yet(self) -> bool:
        """A cache import that failed because there is no cache to import (a first build).

        BuildKit marks it ERROR, but the build goes on: nothing failed.
        """
        return (
            self.kind is PhaseKind.CACHE_IMPORT
            and self.state is StepState.ERROR
            and "not found" in (self.error or "")
        )


@dataclass(slots=True, frozen=True)
class StepGroup:
    platform: str | None
    stage: str | None
    steps: tuple[Step, ...]


@dataclass(slots=True, frozen=True)
class FailureBlock:
    """`------ / > <step>: / last log lines / ------` printed when a step failed."""

    step_name: str
    lines: tuple[str, ...]


@dataclass(slots=True, frozen=True)
class Pushed:
    ref: str
    digest: str


class BuildModel:
    """The state of one build, updated line by line; never touches a terminal.

    `stage_order` and `platform_order` (from the Dockerfile and the form, when
    known) put the groups in Dockerfile order; without them groups come in the
    order their first step appeared.
    """

    def __init__(
        self,
        *,
        stage_order: Sequence[str] = (),
        platform_order: Sequence[str] = (),
    ) -> None:
        self.stage_order = list(stage_order)
        self.platform_order = list(platform_order)
        self.vertices: dict[int, Vertex] = {}
        self.builder: str | None = None
        self.driver: str | None = None
        self.failures: list[FailureBlock] = []
        self.buildx_errors: list[str] = []
        self.other_lines: deque[str] = deque(maxlen=OTHER_TAIL)
        self.pushed: list[Pushed] = []
        self.version = 0
        """Grows with every change a view would show."""
        self._block_step: str | None = None
        self._block_lines: list[str] = []
        self._stage_seen: list[str | None] = []
        self._platform_seen: list[str | None] = []

    # -- feeding -------------------------------------------------------------

    def apply(self, line: LogLine, now: float | None = None) -> None:
        """Take one parsed line; `now` is the clock time (monotonic seconds)."""
        kind = line.kind
        if kind is _LOG:  # the commonest line first, with as little work as possible
            vertex = self.vertices.get(line.vertex)
            if vertex is not None:
                vertex.log_lines += 1
                vertex.log_tail.append(line.text)
                self.version += 1
            return
        if kind is LineKind.BLANK or kind is LineKind.INTERRUPTED:
            return
        now = time.monotonic() if now is None else now
        self.version += 1
        if kind is LineKind.HEADER:
            if line.vertex not in self.vertices:
                self._add_vertex(line.vertex, line.text, now)
            return
        if kind is LineKind.STATUS:
            vertex = self.vertices.get(line.vertex)
            if isinstance(vertex, Phase):
                self._phase_status(vertex, line.text)
            return
        if kind in _TERMINAL:
            vertex = self.vertices.get(line.vertex)
            if vertex is not None:
                self._finish(vertex, kind, line, now)
            return
        if kind is LineKind.WARN:
            vertex = self.vertices.get(line.vertex)
            if vertex is not None:
                vertex.warnings.append(line.text)
            return
        self._plain(line)

    def feed(self, raw_lines: Iterable[str], parser: LogParser | None = None) -> LogParser:
        """Parse and apply many raw lines (a finished log); returns the parser used."""
        parser = LogParser() if parser is None else parser
        now = time.monotonic()
        for raw in raw_lines:
            self.apply(parser.feed(raw), now)
        return parser

    def _add_vertex(self, number: int, name: str, now: float) -> None:
        parts = parse_step_name(name)
        if parts is None:
            self.vertices[number] = Phase(
                vertex=number,
                name=name,
                platform=internal_platform(name),
                started_at=now,
                kind=phase_kind(name),
            )
            return
        self.vertices[number] = Step(
            vertex=number,
            name=name,
            platform=parts.platform,
            started_at=now,
            stage=parts.stage,
            index=parts.index,
            total=parts.total,
            instruction=parts.instruction,
        )
        if parts.stage not in self._stage_seen:
            self._stage_seen.append(parts.stage)
        if parts.platform not in self._platform_seen:
            self._platform_seen.append(parts.platform)

    def _phase_status(self, phase: Phase, text: str) -> None:
        status = _SECONDS_SUFFIX.sub("", text)
        phase.last_status = status
        if status.startswith("pushing "):
            phase.pushing = True
            match = _PUSHED.match(status)
            if match is not None:
                pushed = Pushed(match["ref"], match["digest"])
                if pushed not in self.pushed:
                    self.pushed.append(pushed)

    def _finish(self, vertex: Vertex, kind: LineKind, line: LogLine, now: float) -> None:
        vertex.finished_at = now
        if kind is LineKind.CACHED:
            vertex.state = StepState.CACHED
            vertex.was_cached = True
            vertex.seconds = 0.0
        elif kind is LineKind.DONE:
            vertex.state = StepState.DONE
            vertex.seconds = line.seconds
        elif kind is LineKind.ERROR:
            vertex.state = StepState.ERROR
            vertex.error = line.text
        else:
            vertex.state = StepState.CANCELED

    def _plain(self, line: LogLine) -> None:
        kind = line.kind
        if kind is LineKind.BUILDER:
            parsed = parse_builder(line.text)
            if parsed is not None:
                self.builder, self.driver = parsed
        elif kind is LineKind.BLOCK_START:
            self._block_step, self._block_lines = None, []
        elif kind is LineKind.BLOCK_STEP:
            self._block_step = line.text
        elif kind is LineKind.BLOCK_LOG:
            self._block_lines.append(line.text)
        elif kind is LineKind.BLOCK_END:
            if self._block_step is not None:
                self._close_block(self._block_step, tuple(self._block_lines))
            self._block_step, self._block_lines = None, []
        elif kind is LineKind.BUILDX_ERROR:
            self.buildx_errors.append(line.text)
        else:
            self.other_lines.append(line.text)

    def _close_block(self, step_name: str, lines: tuple[str, ...]) -> None:
        self.failures.append(FailureBlock(step_name, lines))
        for vertex in self.vertices.values():
            if isinstance(vertex, Step) and vertex.name == step_name:
                vertex.failure_lines = list(lines)

    def finish(self, now: float | None = None) -> None:
        """The build process ended: steps still running were cut short (canceled)."""
        now = time.monotonic() if now is None else now
        for vertex in self.vertices.values():
            if vertex.state is StepState.RUNNING:
                vertex.state = StepState.CANCELED
                vertex.finished_at = now
        self.version += 1

    # -- reading -------------------------------------------------------------

    @property
    def steps(self) -> list[Step]:
        return [v for v in self.vertices.values() if isinstance(v, Step)]

    @property
    def phases(self) -> list[Phase]:
        return [v for v in self.vertices.values() if isinstance(v, Phase)]

    def phases_of(self, kind: PhaseKind) -> list[Phase]:
        return [v for v in self.vertices.values() if isinstance(v, Phase) and v.kind is kind]

    @property
    def platforms(self) -> list[str | None]:
        """Platforms in the asked order first, then in order of appearance."""
        seen = self._platform_seen
        return [p for p in self.platform_order if p in seen] + [
            p for p in seen if p not in self.platform_order
        ]

    @property
    def stages(self) -> list[str | None]:
        """Stages in Dockerfile order when known; else in the order BuildKit ran them.

        BuildKit merges identical FROM steps of several stages into one, named
        after any of them, so stage order is taken from each stage's first
        non-FROM step number (a stage's dependencies start first).
        """
        seen = self._stage_seen
        known = [s for s in self.stage_order if s in seen]
        first: dict[str | None, float] = {}
        for step in self.steps:
            rank = float(step.vertex) + (1e9 if step.is_from else 0.0)
            if rank < first.get(step.stage, float("inf")):
                first[step.stage] = rank
        rest = sorted((s for s in seen if s not in self.stage_order), key=lambda s: first[s])
        return known + rest

    def groups(self) -> list[StepGroup]:
        """Dockerfile steps by platform, then stage, each group sorted by step index."""
        buckets: dict[tuple[str | None, str | None], list[Step]] = {}
        for step in self.steps:
            buckets.setdefault((step.platform, step.stage), []).append(step)
        groups = []
        for platform in self.platforms:
            for stage in self.stages:
                steps = buckets.get((platform, stage))
                if steps:
                    steps.sort(key=lambda s: (s.index, s.vertex))
                    groups.append(StepGroup(platform, stage, tuple(steps)))
        return groups

    @property
    def running(self) -> list[Vertex]:
        return [v for v in self.vertices.values() if v.state is StepState.RUNNING]

    @property
    def failed_steps(self) -> list[Vertex]:
        return [v for v in self.vertices.values() if v.state is StepState.ERROR]


_LOG = LineKind.LOG
_TERMINAL = frozenset({LineKind.CACHED, LineKind.DONE, LineKind.ERROR, LineKind.CANCELED})
