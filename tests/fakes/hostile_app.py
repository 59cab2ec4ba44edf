"""The whole app on fakes whose every text from outside is hostile (`hostile_content`):
the registry, the builders buildx lists, a build's log (live, and one kept in the
history as a file on disk could hold it), and the engine's status and doctor checks."""

from __future__ import annotations

from pathlib import Path

from buildtui.app.services import BuildServices, Services
from buildtui.buildlog.model import BuildModel
from buildtui.buildlog.summary import summarize
from buildtui.builds.history import BuildHistory
from buildtui.buildx.models import Builder, CacheRecord, DiskUsage, Node, Platform
from buildtui.engine.status import Check, EngineStatus
from buildtui.settings import Settings
from tests.fakes.build import ReplayBuildService
from tests.fakes.builders import WHEN, FakeBuildersService
from tests.fakes.cleanup import fake_cleanup_service
from tests.fakes.hostile_content import (
    EVIL,
    HostileContentRegistry,
    evil,
    hostile_content_registry,
    screenshot_markup,
)
from tests.fakes.lab import fake_lab_service
from tests.fakes.registry import fake_service
from tests.fakes.status import FakeStatusService


def hostile_log(folder: Path) -> list[str]:
    """A build's plain progress as buildx would print it, its step, output and errors
    hostile (the lines raw: the parser meets them as they come)."""
    return [
        f'#0 building with "{evil("builder")}" instance using docker driver',
        "#1 [internal] load build definition from Dockerfile",
        "#1 DONE 0.0s",
        "#2 [linux/amd64 1/2] FROM docker.io/library/busybox:latest",
        "#2 CACHED",
        f"#3 [linux/amd64 2/2] RUN echo {EVIL}",
        f"#3 0.101 {evil('output')}",
        f"#3 0.102 {screenshot_markup(folder)}",
        f'#3 ERROR: process "/bin/sh -c echo {EVIL}" did not complete successfully',
        "------",
        f" > [linux/amd64 2/2] RUN echo {EVIL}:",
        f"0.101 {evil('output')}",
        "------",
        f"ERROR: failed to solve: {evil('solve')}",
    ]


def hostile_builders() -> list[Builder]:
    node = Node(
        evil("node"),
        evil("endpoint"),
        "running",
        evil("buildkit"),
        (Platform("linux/amd64"), Platform(evil("platform"))),
        flags=(evil("flag"),),
        driver_options={evil("option"): evil("value")},
        files={evil("file"): evil("content")},
        labels={evil("label"): evil("value")},
    )
    broken = Node("broken0", "tcp://10.0.0.9:1234", "error", error=evil("nodeerror"))
    return [
        Builder("default", "docker", (node,), current=True, last_activity=WHEN),
        Builder(evil("builder"), "remote", (broken,), last_activity=WHEN, error=evil("error")),
    ]


def hostile_usage() -> DiskUsage:
    """`buildx du` whose records describe hostile Dockerfile steps (from a build context)."""
    record = CacheRecord(
        "evil0000000000000000000aa",
        True,
        "1kB",
        1000,
        evil("accessed"),
        record_type="regular",
        description=f"mount / from exec /bin/sh -c echo {evil('step')}",
    )
    return DiskUsage((record,), total="1kB", reclaimable="1kB", shared="0B", private="1kB")


def hostile_status(registry_url: str) -> EngineStatus:
    return EngineStatus(
        server_version=evil("version"),
        context=evil("context"),
        image_store="containerd",
        buildx_version=evil("buildx"),
        builder=evil("builder"),
        builder_driver="docker",
        platforms=("linux/amd64", evil("platform")),
        registry_url=registry_url,
        registry_up=True,
        registry_delete_enabled=True,
        checks=(
            Check("engine", "error", evil("engine"), evil("fix")),
            Check("registry", "warn", evil("registry"), evil("hint")),
        ),
    )


def keep_hostile_build(history: BuildHistory, folder: Path) -> int:
    """A build kept in the history with its raw hostile lines, as a history file edited
    behind the app's back would hold them."""
    lines = hostile_log(folder)
    model = BuildModel()
    model.feed(lines)
    model.finish()
    argv = ["docker", "buildx", "build", "-t", f"localhost:5000/evil:{EVIL}", "."]
    return history.add(
        started=1_700_000_000.0,
        argv=argv,
        command=" ".join(argv),
        summary=summarize(model, exit_code=1, wall_seconds=1.0),
        log_lines=lines,
    )


def hostile_services(
    data_dir: Path, folder: Path
) -> tuple[Settings, Services, HostileContentRegistry]:
    """Settings and services for the whole app, every one hostile; the registry."""
    registry = hostile_content_registry(folder)
    settings = Settings(registry_url=f"http://{registry.host}")
    browser = fake_service(registry, settings)
    history = BuildHistory(data_dir / "history.sqlite3")
    keep_hostile_build(history, folder)
    builders = FakeBuildersService(hostile_builders(), settings=settings, data_dir=data_dir)
    builders.usage = hostile_usage()
    services = Services(
        settings=settings,
        status=FakeStatusService(hostile_status(settings.registry_url)),
        builders=builders,
        build=BuildServices(
            runner=ReplayBuildService(hostile_log(folder), exit_code=1),
            history=history,
            platforms=lambda: ["linux/amd64", evil("platform")],
        ),
        registry=browser,
        cleanup=fake_cleanup_service(registry, registry_service=browser),
        lab=fake_lab_service(data_dir, registry, settings=settings, history=history),
    )
    return settings, services, registry
