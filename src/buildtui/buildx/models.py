"""Builders, nodes, disk usage and the options of create/remove/prune, as buildx shows them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

NODE_STATUSES = ("inactive", "starting", "running", "stopping", "stopped")
Driver = Literal["docker-container", "kubernetes", "remote"]
DRIVERS: tuple[Driver, ...] = ("docker-container", "kubernetes", "remote")
CreateMode = Literal["new", "append", "leave"]


@dataclass(frozen=True)
class Platform:
    """A node's platform; `set_by_hand` when given with `--platform` (buildx marks it `*`)."""

    name: str
    set_by_hand: bool = False

    def __str__(self) -> str:
        return f"{self.name}*" if self.set_by_hand else self.name


@dataclass(frozen=True)
class Node:
    """One BuildKit daemon of a builder."""

    name: str
    endpoint: str
    status: str
    """inactive, starting, running, stopping, stopped; `error` when the node could not load."""
    buildkit: str = ""
    platforms: tuple[Platform, ...] = ()
    flags: tuple[str, ...] = ()
    driver_options: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    """Files given to the node (e.g. `buildkitd.toml` from --buildkitd-config), decoded."""
    labels: dict[str, str] = field(default_factory=dict)
    error: str | None = None

    @property
    def platform_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.platforms)

    @property
    def container(self) -> str:
        """The container a docker-container node runs in."""
        return f"buildx_buildkit_{self.name}"

    @property
    def state_volume(self) -> str:
        """The volume that holds a docker-container node's BuildKit state (its cache)."""
        return f"buildx_buildkit_{self.name}_state"


@dataclass(frozen=True)
class Builder:
    """A buildx builder (instance) and its nodes."""

    name: str
    driver: str
    nodes: tuple[Node, ...] = ()
    current: bool = False
    """The builder buildx uses when none is named (BUILDX_BUILDER, `buildx use`, context)."""
    last_activity: datetime | None = None
    dynamic: bool = False
    error: str | None = None

    @property
    def is_context_builder(self) -> bool:
        """The docker-driver builder of a Docker context: only `docker context rm` removes it."""
        return self.driver == "docker"

    @property
    def status(self) -> str:
        """One word for the whole builder: its error, or its nodes' status."""
        if self.error:
            return "error"
        statuses = {node.status for node in self.nodes}
        if not statuses:
            return "inactive"
        if len(statuses) == 1:
            return statuses.pop()
        if "error" in statuses:
            return "error"
        return "running" if "running" in statuses else sorted(statuses)[0]

    def node(self, name: str) -> Node | None:
        return next((node for node in self.nodes if node.name == name), None)


CurrentSource = Literal["BUILDX_BUILDER", "buildx"]


@dataclass(frozen=True)
class BuilderList:
    """Every builder, and which one buildx uses when none is named."""

    builders: tuple[Builder, ...]
    current: str | None
    current_source: CurrentSource = "buildx"
    """`BUILDX_BUILDER` when that variable chose it, else `buildx` (`buildx use` or context)."""
    warning: str | None = None

    def get(self, name: str) -> Builder | None:
        return next((b for b in self.builders if b.name == name), None)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(b.name for b in self.builders)


@dataclass(frozen=True)
class CreateOptions:
    """Everything `docker buildx create` takes; `render_create_command` spells it out."""

    name: str = ""
    """Empty: buildx picks a random name (only for a new builder)."""
    driver: str = "docker-container"
    endpoint: str = ""
    """A Docker context or host for docker-container, the BuildKit address for remote."""
    driver_options: tuple[str, ...] = ()
    """`key=value` pairs, one --driver-opt each."""
    buildkitd_flags: str = ""
    buildkitd_config: str = ""
    """Path of a buildkitd.toml."""
    platforms: tuple[str, ...] = ()
    use: bool = False
    bootstrap: bool = False
    mode: CreateMode = "new"
    node: str = ""


@dataclass(frozen=True)
class CreateRequest:
    """What the create form (or `buildtui builders create`) asks for, before presets apply."""

    options: CreateOptions = field(default_factory=CreateOptions)
    host_network: bool = False
    """Preset "push to a registry on this host": --driver-opt network=host."""
    plain_http_hosts: tuple[str, ...] = ()
    """Preset "plain-HTTP registry": these HOST:PORTs get `http = true` in a buildkitd.toml."""


@dataclass(frozen=True)
class InspectSection:
    """An indented block of `buildx inspect`: Labels, GC Policy rule#N, File#..., Features."""

    title: str
    entries: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class InspectNode:
    fields: tuple[tuple[str, str], ...]
    sections: tuple[InspectSection, ...] = ()

    def get(self, key: str) -> str | None:
        return next((value for k, value in self.fields if k == key), None)

    @property
    def name(self) -> str:
        return self.get("Name") or ""


@dataclass(frozen=True)
class Inspection:
    """Everything `docker buildx inspect NAME` shows, in its order."""

    fields: tuple[tuple[str, str], ...]
    nodes: tuple[InspectNode, ...] = ()

    def get(self, key: str) -> str | None:
        return next((value for k, value in self.fields if k == key), None)

    @property
    def name(self) -> str:
        return self.get("Name") or ""

    @property
    def driver(self) -> str:
        return self.get("Driver") or ""

    @property
    def error(self) -> str | None:
        return self.get("Error")


@dataclass(frozen=True)
class CacheRecord:
    """One build-cache record, as `buildx du` lists it."""

    id: str
    reclaimable: bool
    size: str
    """As buildx prints it (`24.58kB`)."""
    size_bytes: int
    last_accessed: str = ""
    mutable: bool = False
    shared: bool = False
    in_use: bool = False
    record_type: str = ""
    description: str = ""
    parents: tuple[str, ...] = ()
    created_at: str = ""
    usage_count: int | None = None


@dataclass(frozen=True)
class DiskUsage:
    """`buildx du`: its records and totals (Shared and Private only when something is shared)."""

    records: tuple[CacheRecord, ...]
    total: str = "0B"
    reclaimable: str = "0B"
    shared: str | None = None
    private: str | None = None

    @property
    def total_bytes(self) -> int:
        return sum(record.size_bytes for record in self.records)


@dataclass(frozen=True)
class PruneOptions:
    all: bool = False
    """Also internal and frontend records (and, as BuildKit does, shared ones)."""
    filters: tuple[str, ...] = ()
    """`key=value`, as `--filter` takes them (until=24h, id=..., type=regular ...)."""
    keep_storage: str = ""
    """Keep this much cache (`5GB`); empty: no limit."""


@dataclass(frozen=True)
class PrunePreview:
    """What a prune with these options is expected to remove, from `buildx du`."""

    builder: str
    options: PruneOptions
    records: tuple[CacheRecord, ...]
    estimate: bool = False
    """True when keep-storage or until make the choice BuildKit's (an upper bound here)."""

    @property
    def total_bytes(self) -> int:
        return sum(record.size_bytes for record in self.records)


@dataclass(frozen=True)
class PruneResult:
    builder: str
    records: tuple[CacheRecord, ...]
    total: str
