"""A build's stages per platform as a graph: FROM and `COPY --from` edges, each stage
marked by what its steps did (from the cache, ran, failed, missed the cache first and
why) and how long they took.

The edges come from the Dockerfile the build started from (dockerfile.py), when it was
recorded; without it only what the step names say is known (an image's FROM step,
`COPY --from=` in a step's text). Marks are words and signs, so the graph reads
without colour (NO_COLOR, a projector).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from buildtui.buildlog.summary import BuildSummary, CacheMiss, StageEdge, StepSummary
from buildtui.builds.dockerfile import image_name, parse
from buildtui.builds.misses import copy_from
from buildtui.i18n import N_, _

SINGLE = "(single stage)"
"""The name of the one stage of a Dockerfile with a single unnamed stage."""
MARKS = {
    "cached": "✓",
    "ran": "●",
    "missed": "◀",
    "failed": "✗",
    "canceled": "○",
    "running": "▶",
}
"""Each state's sign; the state's word is always shown beside it."""
LEGEND = (
    ("cached", N_("all from the cache")),
    ("ran", N_("ran")),
    ("missed", N_("missed the cache first here")),
    ("failed", N_("failed")),
    ("canceled", N_("canceled or not needed")),
)
"""Each state's words in the legend (English: translate with `_`)."""
STATE_WORDS = {
    "cached": N_("cached"),
    "ran": N_("ran"),
    "failed": N_("failed"),
    "canceled": N_("canceled"),
    "running": N_("running"),
}


@dataclass(frozen=True, slots=True)
class StageNode:
    platform: str | None
    stage: str | None
    state: str
    """cached, ran, missed, failed, canceled or running."""
    seconds: float
    """The seconds its steps ran (a cached step takes none)."""
    steps: int
    """Its counted steps (FROM left out)."""
    cached: int
    miss: CacheMiss | None
    base_image: str | None
    """The image it is FROM, when it is FROM an image."""

    @property
    def name(self) -> str:
        return self.stage or SINGLE

    @property
    def mark(self) -> str:
        return MARKS[self.state]

    def state_words(self) -> str:
        """`◀ missed the cache at step 2`, `✓ cached`, `● ran` ..."""
        if self.state == "missed" and self.miss is not None:
            words = _("missed the cache at step {index}").format(index=self.miss.index)
        else:
            words = _(STATE_WORDS[self.state]) if self.state in STATE_WORDS else self.state
        return f"{self.mark} {words}"

    def to_json(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "stage": self.stage,
            "state": self.state,
            "mark": self.mark,
            "seconds": round(self.seconds, 3),
            "steps": self.steps,
            "cached": self.cached,
            "base_image": self.base_image,
            "miss": self.miss.to_json() if self.miss is not None else None,
        }


@dataclass(frozen=True, slots=True)
class GraphEdge:
    platform: str | None
    source: str
    """A stage's name, or an image when `image` is true."""
    target: str | None
    kind: str
    """from, copy (COPY --from) or mount (RUN --mount=from=)."""
    step: int | None = None
    image: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "from": self.source,
            "to": self.target,
            "kind": self.kind,
            "step": self.step,
            "image": self.image,
        }


@dataclass(frozen=True, slots=True)
class StageGraph:
    nodes: tuple[StageNode, ...]
    edges: tuple[GraphEdge, ...]
    complete: bool
    """False when the Dockerfile was not recorded: a stage FROM another stage is not known."""

    @property
    def platforms(self) -> list[str | None]:
        return list(dict.fromkeys(n.platform for n in self.nodes))

    def nodes_of(self, platform: str | None) -> list[StageNode]:
        return [n for n in self.nodes if n.platform == platform]

    def edges_of(self, platform: str | None) -> list[GraphEdge]:
        return [e for e in self.edges if e.platform == platform]

    def to_json(self) -> dict[str, Any]:
        return {
            "nodes": [n.to_json() for n in self.nodes],
            "edges": [e.to_json() for e in self.edges],
            "complete": self.complete,
        }


def _state(steps: list[StepSummary], miss: CacheMiss | None) -> str:
    counted = [s for s in steps if s.counted]
    statuses = {s.status for s in counted}
    if "error" in statuses:
        return "failed"
    if "running" in statuses:
        return "running"
    if miss is not None:
        return "missed"
    if "done" in statuses:
        return "ran"
    if counted and statuses <= {"cached"}:
        return "cached"
    if not counted and {s.status for s in steps} <= {"cached", "done"}:
        return "cached"
    return "canceled"


def dockerfile_edges(summary: BuildSummary, dockerfile_text: str | None) -> tuple[StageEdge, ...]:
    """The FROM, COPY --from and RUN --mount=from= edges into the stages `summary`'s build
    ran, from its Dockerfile (nothing without one)."""
    if dockerfile_text is None:
        return ()
    dockerfile = parse(dockerfile_text)
    built = list(dict.fromkeys(s.stage for s in summary.steps))
    out: list[StageEdge] = []
    for label in built:
        definition = dockerfile.stage(label)
        if definition is None:
            continue
        if definition.base.lower() == "scratch":
            out.append(StageEdge("scratch", label, "from", None, True))
        for edge in dockerfile.edges([definition]):
            source = image_name(edge.source) if edge.image and edge.kind == "from" else edge.source
            out.append(StageEdge(source, edge.target, edge.kind, edge.step, edge.image))
    return tuple(out)


def with_stage_edges(summary: BuildSummary, dockerfile_text: str | None) -> BuildSummary:
    """`summary` with its Dockerfile's stage edges kept in it."""
    return replace(summary, stage_edges=dockerfile_edges(summary, dockerfile_text))


def stage_graph(summary: BuildSummary, dockerfile_text: str | None = None) -> StageGraph:
    """The graph of `summary`'s build; its edges from the summary's kept edges, else from
    `dockerfile_text`, else from what the step names say."""
    groups: dict[tuple[str | None, str | None], list[StepSummary]] = {}
    for step in summary.steps:
        groups.setdefault((step.platform, step.stage), []).append(step)
    known = summary.stage_edges or dockerfile_edges(summary, dockerfile_text)
    nodes = []
    edges: list[GraphEdge] = []
    for (platform, stage), steps in groups.items():
        miss = summary.miss_of(platform, stage)
        counted = [s for s in steps if s.counted]
        from_step = next((s for s in steps if not s.counted), None)
        into = [e for e in known if e.target == stage]
        base = next((e for e in into if e.kind == "from"), None)
        base_image = None
        if base is not None and base.image:
            base_image = base.source
        elif from_step is not None:
            base_image = from_step.instruction.split(" ", 1)[-1].split("@", 1)[0]
        nodes.append(
            StageNode(
                platform,
                stage,
                _state(steps, miss),
                sum(s.seconds or 0.0 for s in counted if s.status != "cached"),
                len(counted),
                sum(1 for s in counted if s.status == "cached"),
                miss,
                base_image,
            )
        )
        if known:
            edges += [GraphEdge(platform, e.source, stage, e.kind, e.step, e.image) for e in into]
            continue
        if base_image is not None:
            edges.append(GraphEdge(platform, base_image, stage, "from", None, True))
        for step in counted:
            taken = copy_from(step.instruction)
            if taken is not None:
                # A stage is named as its steps name it: in lower case, as BuildKit.
                seen = any(k == (platform, taken.lower()) for k in groups)
                source = taken.lower() if seen else taken
                edges.append(GraphEdge(platform, source, stage, "copy", step.index, not seen))
    return StageGraph(tuple(nodes), tuple(edges), bool(known))


def roots_and_children(
    graph: StageGraph, platform: str | None
) -> tuple[list[str], dict[str, list[StageNode]]]:
    """For drawing a platform's graph as a forest along FROM edges: the roots (images,
    `scratch`, or stages whose base is not known) and each source's child stages."""
    nodes = {n.name: n for n in graph.nodes_of(platform)}
    children: dict[str, list[StageNode]] = {}
    parented: set[str] = set()
    for edge in graph.edges_of(platform):
        if edge.kind != "from" or edge.target is None:
            continue
        node = nodes.get(edge.target or SINGLE)
        if node is None or node.name in parented:
            continue
        children.setdefault(edge.source, []).append(node)
        parented.add(node.name)
    roots = [edge.source for edge in graph.edges_of(platform) if edge.kind == "from" and edge.image]
    roots = list(dict.fromkeys(roots))
    for node in nodes.values():
        if node.name not in parented:
            children.setdefault("", []).append(node)
    if "" in children:
        roots.append("")
    return roots, children
