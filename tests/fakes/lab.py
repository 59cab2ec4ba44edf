"""The Lab guide over fakes: recorded builds from captured logs, the fake lab registry."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Sequence
from pathlib import Path

from buildtui.buildlog.model import BuildModel
from buildtui.buildlog.summary import summarize
from buildtui.builds.history import BuildHistory
from buildtui.engine.status import EngineStatus
from buildtui.lab.observe import Sources
from buildtui.lab.service import LabService
from buildtui.lab_records import RecordBook
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


CAPTURED_INDEXES = (
    "sha256:4f5eb244f0319d53da4674388abb5bb5b14385c6acfc364981542a28a8bdbcdc",
    "sha256:69b19d647644395438ac0074756ca3f6f220abfe683b1343469c87310af73d1b",
)
"""The index digests the captured lab builds pushed."""
CAPTURED_CACHES = (
    "sha256:9bac61a60fc4883bb57b8d96f29170504c900d8d1724c864ca4ef3bc60921fbd",
    "sha256:461a17d0b075476e30de6fb86f391b398dc1823d5e8666ea1cfaf451e9a22e61",
)
"""The cache manifest digests the captured lab builds wrote."""


@functools.cache
def fake_lab_digests() -> tuple[str, str]:
    """(lab:cachetest, cachedata1:latest) digests in `lab_fake_registry()`."""
    from tests.fakes.cleanup import lab_fake_registry

    registry = lab_fake_registry()
    return registry.tags["lab"]["cachetest"], registry.tags["cachedata1"]["latest"]


def as_pushed_to_fake(lines: Sequence[str]) -> list[str]:
    """A captured lab build's log as if it had pushed to `lab_fake_registry()`: the index
    and the cache manifest it wrote are the fake's (so the guide can trace them)."""
    index, cache = fake_lab_digests()
    out = []
    for line in lines:
        for captured in CAPTURED_INDEXES:
            line = line.replace(captured, index)
        for captured in CAPTURED_CACHES:
            line = line.replace(captured, cache)
        out.append(line.replace("localhost:32769", "localhost:5000"))
    return out


def record_build(
    history: BuildHistory,
    log: str,
    started: float,
    argv: Sequence[str] = LAB_ARGV,
    *,
    lines: Sequence[str] | None = None,
) -> int:
    """Keep a build of a captured log, as the Build pane would, as if it had pushed to
    `lab_fake_registry()` (or of `lines`, as they are)."""
    lines = as_pushed_to_fake(captured_log(log)) if lines is None else list(lines)
    model = BuildModel()
    model.feed(lines)
    model.finish()
    summary = summarize(model, exit_code=0, wall_seconds=3.0)
    return history.add(
        started=started, argv=argv, command=" ".join(argv), summary=summary, log_lines=lines
    )


def scan_of(
    registry: FakeRegistry, settings: Settings, repositories: Sequence[str] | None = None
) -> RegistryScan:
    async def main() -> RegistryScan:
        service = fake_service(registry, settings)
        try:
            return await service.scan(repositories=repositories)
        finally:
            await service.aclose()

    return asyncio.run(main())


LOOKED_AT = 3_600.0
"""When the fake guide looks (after the captured builds the tests record, at 100-200 s):
a fixed time, so that what it proves is dated the same in every run."""


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
        scan=lambda repositories: scan_of(registry, settings, repositories),
        records=RecordBook(data_dir / "lab-records.json"),
        image_exists=lambda ref: ref in images,
        path_exists=lambda path: False,
        clock=lambda: LOOKED_AT,
    )
    return LabService(settings, history, sources=lambda: sources)
