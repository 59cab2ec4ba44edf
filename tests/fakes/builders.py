"""An in-memory BuildersBackend: the same interface and errors as BuildersService."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from buildtui.buildx.builders import current_builder, select_prunable
from buildtui.buildx.commands import CreatePlan, plan_create, validate_prune
from buildtui.buildx.errors import (
    BootstrapCancelled,
    BuilderExists,
    BuilderNotFound,
    BuildKitImagePullFailed,
    BuildxError,
    ContextBuilderRemoval,
    NodeNotFound,
    SecondDockerDriver,
)
from buildtui.buildx.models import (
    Builder,
    BuilderList,
    CacheRecord,
    CreateRequest,
    DiskUsage,
    Inspection,
    InspectNode,
    Node,
    Platform,
    PruneOptions,
    PrunePreview,
    PruneResult,
)
from buildtui.buildx.parsing import human_size
from buildtui.settings import Settings

WHEN = datetime(2026, 11, 27, 16, 54, tzinfo=UTC)
AMD_ARM = (Platform("linux/amd64"), Platform("linux/arm64"))


def sample_builders() -> list[Builder]:
    """Several builders of every kind, with fixed times (for snapshots)."""
    return [
        Builder(
            "default",
            "docker",
            (Node("default", "default", "running", "v0.0.0+unknown", AMD_ARM),),
            current=True,
            last_activity=WHEN,
        ),
        Builder(
            "lab7",
            "docker-container",
            (
                Node(
                    "lab70",
                    "unix:///var/run/docker.sock",
                    "inactive",
                    platforms=(Platform("linux/amd64", True), Platform("linux/arm64", True)),
                    flags=("--allow-insecure-entitlement=network.host",),
                    driver_options={"network": "host"},
                ),
            ),
            last_activity=WHEN,
        ),
        Builder(
            "cachebox",
            "docker-container",
            (
                Node(
                    "cachebox0",
                    "unix:///var/run/docker.sock",
                    "running",
                    "v0.13.2",
                    AMD_ARM,
                    files={"buildkitd.toml": '[registry."myhost:5000"]\n  http = true\n'},
                ),
                Node("cachebox-arm", "unix:///run/docker.sock", "stopped"),
            ),
            last_activity=WHEN,
        ),
        Builder(
            "farbox",
            "remote",
            (
                Node(
                    "farbox0",
                    "tcp://10.0.0.9:1234",
                    "error",
                    error="connection refused",
                ),
            ),
            last_activity=WHEN,
        ),
    ]


def sample_usage() -> DiskUsage:
    records = (
        CacheRecord(
            "l305tv0cx7geu9bxk3dkdiv07", True, "1.065MB", 1_065_000, "3 days ago",
            shared=True, record_type="regular", description="imported sha256:9eff6ef9",
        ),
        CacheRecord(
            "sm17l1x7e4ciju1prhsgotdpm", True, "24.58kB", 24_580, "2 days ago",
            mutable=True, record_type="regular",
            description="mount / from exec /bin/sh -c echo hi > /m",
        ),
        CacheRecord(
            "pv3l3bb73eg0toiair8cx5nol", True, "8.192kB", 8_192, "5 seconds ago",
            record_type="source.local", description="local source for context",
        ),
        CacheRecord(
            "busy0000000000000000000aa", False, "4.096kB", 4_096, "1 second ago",
            in_use=True, record_type="regular", description="in use by a build",
        ),
    )  # fmt: skip
    return DiskUsage(records, total="1.102MB", reclaimable="1.098MB", shared="1.065MB",
                     private="36.87kB")  # fmt: skip


class FakeBootstrap:
    """Bootstrap progress: some lines, then (unless cancelled) the outcome."""

    def __init__(
        self,
        name: str,
        lines: list[str],
        error: BuildxError | None,
        inspection: Inspection,
        hold: threading.Event | None,
    ) -> None:
        self.name = name
        self.command = f"docker buildx inspect --bootstrap {name}"
        self._lines = lines
        self._error = error
        self._inspection = inspection
        self._hold = hold
        self.cancelled = threading.Event()

    def lines(self) -> Iterator[str]:
        for line in self._lines:
            if self.cancelled.is_set():
                return
            yield line
        if self._hold is not None:
            # Like a BuildKit that never answers: wait for cancel (or release).
            while not self.cancelled.is_set() and not self._hold.wait(0.01):
                pass

    def cancel(self) -> None:
        self.cancelled.set()

    def wait(self) -> Inspection:
        for _ in self.lines():
            pass
        if self.cancelled.is_set():
            raise BootstrapCancelled(self.name)
        if self._error is not None:
            raise self._error
        return self._inspection


class FakeBuildersService:
    """Builders in memory; `gate` (if set) holds `list` until it is set; `fail` raises."""

    def __init__(
        self,
        builders: list[Builder] | None = None,
        *,
        settings: Settings | None = None,
        data_dir: Path | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self.builders = list(sample_builders() if builders is None else builders)
        self.data_dir = data_dir or Path("/tmp/buildtui-fake-data")
        self.usage = sample_usage()
        self.calls: list[tuple[str, ...]] = []
        self.gate: threading.Event | None = None
        self.fail: dict[str, BuildxError] = {}
        self.bootstrap_hold: threading.Event | None = None
        self.bootstraps: list[FakeBootstrap] = []
        self.list_calls = 0
        self.env_builder = ""

    @property
    def command_prefix(self) -> list[str]:
        return ["docker"]

    def _check(self, action: str) -> None:
        if action in self.fail:
            raise self.fail[action]

    def _get(self, name: str) -> Builder:
        for builder in self.builders:
            if builder.name == name:
                return builder
        raise BuilderNotFound(name)

    def _replace(self, builder: Builder) -> None:
        self.builders = [builder if b.name == builder.name else b for b in self.builders]

    def list(self) -> BuilderList:
        self.list_calls += 1
        if self.gate is not None:
            self.gate.wait(10)
        self._check("list")
        return current_builder(self.builders, self.env_builder)

    def plan_create(self, request: CreateRequest) -> CreatePlan:
        return plan_create(request, data_dir=self.data_dir)

    def create(self, plan: CreatePlan) -> str:
        self.calls.append(("create", *plan.args))
        self._check("create")
        options = plan.options
        if options.driver == "docker" and options.mode == "new":
            raise SecondDockerDriver()
        names = {b.name for b in self.builders}
        if options.mode == "leave":
            builder = self._get(options.name)
            if builder.node(options.node) is None:
                raise NodeNotFound(options.node, options.name)
            nodes = tuple(n for n in builder.nodes if n.name != options.node)
            self._replace(replace(builder, nodes=nodes))
            return options.name
        name = options.name or f"builder{len(self.builders)}"
        node = Node(
            options.node or f"{name}{0}",
            options.endpoint or "unix:///var/run/docker.sock",
            "inactive",
            platforms=tuple(Platform(p, True) for p in options.platforms),
            driver_options=dict(o.split("=", 1) for o in options.driver_options),
        )
        if options.mode == "append":
            builder = self._get(name)
            self._replace(replace(builder, nodes=(*builder.nodes, node)))
            return name
        if name in names:
            raise BuilderExists(name)
        self.builders.append(Builder(name, options.driver, (node,), last_activity=WHEN))
        if options.use:
            self.use(name)
        if options.bootstrap:
            raise BuildKitImagePullFailed(name, detail="lookup registry-1.docker.io: no such host")
        return name

    def use(self, name: str) -> None:
        self.calls.append(("use", name))
        self._check("use")
        self._get(name)
        self.builders = [replace(b, current=b.name == name) for b in self.builders]

    def start_bootstrap(self, name: str) -> FakeBootstrap:
        self.calls.append(("bootstrap", name))
        self._check("start_bootstrap")
        builder = self._get(name)
        lines = [
            "#1 [internal] booting buildkit",
            "#1 pulling image moby/buildkit:buildx-stable-1",
        ]
        error: BuildxError | None = None
        if builder.driver == "docker-container":
            lines.append("#1 ERROR: lookup registry-1.docker.io: no such host")
            error = BuildKitImagePullFailed(
                name, detail="lookup registry-1.docker.io: no such host"
            )
        run = FakeBootstrap(name, lines, error, self.inspect(name), self.bootstrap_hold)
        self.bootstraps.append(run)
        return run

    def stop(self, name: str) -> None:
        self.calls.append(("stop", name))
        self._check("stop")
        builder = self._get(name)
        nodes = tuple(replace(n, status="stopped") for n in builder.nodes)
        self._replace(replace(builder, nodes=nodes))

    def remove(self, name: str, *, keep_state: bool = False, keep_daemon: bool = False) -> None:
        self.calls.append(
            ("remove", name, f"keep_state={keep_state}", f"keep_daemon={keep_daemon}")
        )
        self._check("remove")
        builder = self._get(name)
        if builder.is_context_builder:
            raise ContextBuilderRemoval(name)
        self.builders = [b for b in self.builders if b.name != name]
        if builder.current:
            self.builders = [replace(b, current=b.name == "default") for b in self.builders]

    def inspect(self, name: str) -> Inspection:
        self._check("inspect")
        builder = self._get(name)
        nodes = tuple(
            InspectNode(
                (
                    ("Name", node.name),
                    ("Endpoint", node.endpoint),
                    ("Status", node.status),
                    ("Platforms", ", ".join(str(p) for p in node.platforms)),
                )
            )
            for node in builder.nodes
        )
        return Inspection((("Name", name), ("Driver", builder.driver)), nodes)

    def disk_usage(self, name: str | None = None) -> DiskUsage:
        self.calls.append(("du", name or ""))
        self._check("disk_usage")
        if name:
            self._get(name)
        return self.usage

    def prune_preview(self, name: str | None, options: PruneOptions) -> PrunePreview:
        validate_prune(options)
        self._check("prune_preview")
        return select_prunable(name or "", self.usage, options)

    def prune(self, name: str | None, options: PruneOptions) -> PruneResult:
        validate_prune(options)
        self.calls.append(("prune", name or "", *options.filters))
        self._check("prune")
        gone = select_prunable(name or "", self.usage, options).records
        self.usage = replace(
            self.usage, records=tuple(r for r in self.usage.records if r not in gone)
        )
        return PruneResult(name or "", gone, human_size(sum(r.size_bytes for r in gone)))
