"""Gather what the lab guide decides from: the engine, builders, history, registry, records.

Every read is allowed to fail on its own (an engine that does not answer, a registry
that is down): the guide then says what it could not see instead of ticking the item.
Blocking: run it in a thread worker (the app) or directly (the command line).
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from buildtui.build.errors import HistoryError
from buildtui.build.history import BuildEntry, BuildHistory
from buildtui.buildx.models import BuilderList
from buildtui.engine.client import docker_command
from buildtui.engine.status import EngineStatus
from buildtui.lab.guide import (
    BUILDKIT_IMAGE,
    ExportCheck,
    Observations,
    cache_size_record,
    exports_of,
    two_platform_image,
)
from buildtui.lab.records import RecordBook
from buildtui.registry.errors import RegistryError
from buildtui.registry.scan import RegistryScan
from buildtui.settings import Settings

DOCKER_TIMEOUT = 20.0


@dataclass
class Sources:
    """Where each observation comes from; tests pass fakes."""

    settings: Settings
    probe: Callable[[], EngineStatus | None]
    builders: Callable[[], BuilderList | None]
    history: BuildHistory
    scan: Callable[[], RegistryScan]
    records: RecordBook
    image_exists: Callable[[str], bool | None]
    path_exists: Callable[[str], bool] = lambda path: bool(path) and Path(path).exists()


def real_sources(settings: Settings, history: BuildHistory | None = None) -> Sources:
    from buildtui.buildx.builders import BuildersService
    from buildtui.buildx.errors import BuildxError
    from buildtui.engine.probe import probe_engine
    from buildtui.registry.service import RegistryService

    def builders() -> BuilderList | None:
        try:
            return BuildersService(settings).list()
        except BuildxError:
            return None

    def scan() -> RegistryScan:
        async def main() -> RegistryScan:
            service = RegistryService(settings)
            try:
                return await service.scan()
            finally:
                await service.aclose()

        return asyncio.run(main())

    return Sources(
        settings=settings,
        probe=lambda: probe_engine(settings),
        builders=builders,
        history=history or BuildHistory(),
        scan=scan,
        records=RecordBook(),
        image_exists=lambda ref: docker_image_exists(settings, ref),
    )


def docker_image_exists(settings: Settings, ref: str) -> bool | None:
    """Whether the engine has image `ref` (None when the engine cannot be asked)."""
    try:
        result = subprocess.run(
            [*docker_command(settings), "image", "inspect", "--format", "{{.Id}}", ref],
            capture_output=True,
            text=True,
            timeout=DOCKER_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.returncode == 0


def export_checks(builds: Sequence[BuildEntry], sources: Sources) -> tuple[ExportCheck, ...]:
    """For each successful build with another exporter: is its result where it should be?

    A file or folder is looked for relative to the current folder (where `buildtui`
    runs, as buildx resolves `dest=`); a loaded image in the engine's image store.
    """
    checks = []
    for build in builds:
        if not build.summary.succeeded:
            continue
        for exporter, target, image in exports_of(build.argv):
            if image:
                found = bool(target) and bool(sources.image_exists(target))
            else:
                found = target not in ("", "-") and sources.path_exists(target)
            checks.append(ExportCheck(build.id, exporter, target, found))
    return tuple(checks)


def observe(sources: Sources) -> Observations:
    from buildtui.cleanup.service import cli_prefix

    settings = sources.settings
    engine = sources.probe()
    builders = sources.builders()
    try:
        builds = tuple(reversed(sources.history.list()))
    except HistoryError:
        builds = ()
    scan: RegistryScan | None = None
    scan_error: str | None = None
    try:
        scan = sources.scan()
    except RegistryError as error:
        scan_error = str(error)
    observations = Observations(
        registry_host=settings.registry_host,
        registry_container=settings.registry_container,
        cli=cli_prefix(settings),
        engine=engine,
        builders=builders,
        buildkit_image=sources.image_exists(BUILDKIT_IMAGE),
        builds=builds,
        scan=scan,
        scan_error=scan_error,
        records=sources.records.read(),
        exports=export_checks(builds, sources),
    )
    # Keep what the registry shows now: the lab's bonus step deletes the cache image.
    seen = cache_size_record(observations, two_platform_image(observations), time.time())
    if seen is not None:
        with contextlib.suppress(OSError):
            sources.records.add_cache_size(seen)
            observations = replace(observations, records=sources.records.read())
    return observations
