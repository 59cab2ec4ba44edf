"""The Lab guide over fakes: recorded builds from captured logs, the fake lab registry."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from buildtui.build.history import BuildHistory
from buildtui.buildlog.model import BuildModel
from buildtui.buildlog.summary import summarize
from buildtui.engine.status import EngineStatus
from buildtui.lab.observe import Sources
from buildtui.lab.records import RecordBook
from buildtui.lab.service import LabService
from buildtui.registry.scan import RegistryScan
from buildtui.settings import Settings
from tests.fakes.build import captured_log
from tests.fakes.builders import FakeBuildersService
from tests.fakes.registry import FakeRegistry, fake_service
from tests.fakes.status import healthy_status

LAB_ARGV = (
    "docker", "buildx", "build", "--progress=plain", "-f", "Dockerfile_multi",
    "-t", "localhost:5000/lab:cachetest", "--platform", "linux/amd64,linux/arm64", "--push",
    "--cache-to", "type=registry,ref=localhost:5000/cachedata1,mode=max",
    "--cache-from", "type=registry,ref=localhost:5000/cachedata1",
    "--build-arg", "TOKEN=secret-value", ".",
)  # fmt: skip


def record_build(
    history: BuildHistory, log: str, started: float, argv: Sequence[str] = LAB_ARGV
) -> int:
    """Keep a build of a captured log, as the Build pane would."""
    lines = captured_log(log)
    model = BuildModel()
    model.feed(lines)
    model.finish()
    summary = summarize(model, exit_code=0, wall_seconds=3.0)
    return history.add(
        started=started, argv=argv, command=" ".join(argv), summary=summary, log_lines=lines
    )


def scan_of(registry: FakeRegistry, settings: Settings) -> RegistryScan:
    async def main() -> RegistryScan:
        service = fake_service(registry, settings)
        try:
            return await service.scan()
        finally:
            await service.aclose()

    return asyncio.run(main())


def fake_lab_service(
    data_dir: Path,
    registry: FakeRegistry,
    *,
    settings: Settings | None = None,
    history: BuildHistory | None = None,
    status: EngineStatus | None = None,
    images: Sequence[str] = (),
    builders: FakeBuildersService | None = None,
) -> LabService:
    """The guide over fakes; `builders`: the ones the Builders pane shows (default: its own)."""
    settings = settings or Settings(registry_url=f"http://{registry.host}")
    history = history or BuildHistory(data_dir / "history.sqlite3")
    builders = builders or FakeBuildersService(settings=settings, data_dir=data_dir)
    sources = Sources(
        settings=settings,
        probe=lambda: status or healthy_status(settings.registry_url),
        builders=builders.list,
        history=history,
        scan=lambda: scan_of(registry, settings),
        records=RecordBook(data_dir / "lab-records.json"),
        image_exists=lambda ref: ref in images,
        path_exists=lambda path: False,
    )
    return LabService(settings, history, sources=lambda: sources)
