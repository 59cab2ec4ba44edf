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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from buildtui.builds.history import BuildEntry, BuildHistory
from buildtui.buildx.models import BuilderList
from buildtui.engine.client import docker_command
from buildtui.engine.status import EngineStatus
from buildtui.i18n import LANGUAGES, translator
from buildtui.lab.build_command import flag_values, registry_caches
from buildtui.lab.builds import build_evidence, exported_cache_digests, lab_builds
from buildtui.lab.files import context_holding
from buildtui.lab.guide import (
    BUILDKIT_IMAGE,
    ExportCheck,
    Observations,
    cache_size_record,
    evaluate_live,
    exports_of,
)
from buildtui.lab.proofs import proofs_to_keep
from buildtui.lab_records import RecordBook
from buildtui.registry.errors import RegistryError, Unreachable
from buildtui.registry.reference import parse_reference, same_registry
from buildtui.registry.scan import RegistryScan
from buildtui.settings import Settings

DOCKER_TIMEOUT = 20.0
Served = tuple[str, str, bool]
"""(repository, digest, is a blob)."""


@dataclass
class Sources:
    """Where each observation comes from; tests pass fakes."""

    settings: Settings
    probe: Callable[[], EngineStatus | None]
    builders: Callable[[], BuilderList | None]
    history: BuildHistory
    scan: Callable[[Sequence[str]], RegistryScan]
    """The tags of these repositories of the lab registry, read (`lab_repositories`)."""
    records: RecordBook
    image_exists: Callable[[str], bool | None]
    path_exists: Callable[[str], bool] = lambda path: bool(path) and Path(path).exists()
    served: Callable[[Sequence[Served]], dict[Served, bool | None]] = lambda wanted: dict.fromkeys(
        wanted
    )
    """For each (repository, digest, is a blob): whether the registry serves it now (None:
    it could not be asked). The report re-checks the digests it cites with it."""
    clock: Callable[[], float] = time.time


def real_sources(settings: Settings, history: BuildHistory | None = None) -> Sources:
    from buildtui.buildx.builders import BuildersService
    from buildtui.buildx.errors import BuildxError
    from buildtui.doctor import probe_engine
    from buildtui.engine.registry_side import DockerSide
    from buildtui.registry.client import RegistryClient
    from buildtui.registry.service import RegistryService

    def builders() -> BuilderList | None:
        try:
            return BuildersService(settings).list()
        except BuildxError:
            return None

    def scan(repositories: Sequence[str]) -> RegistryScan:
        async def main() -> RegistryScan:
            service = RegistryService(settings, engine=DockerSide(settings))
            try:
                return await service.scan(repositories=repositories)
            finally:
                await service.aclose()

        return asyncio.run(main())

    async def ask(one: Served, client: RegistryClient) -> bool:
        repository, digest, blob = one
        return await client.has(repository, digest, blob=blob)

    def served(wanted: Sequence[Served]) -> dict[Served, bool | None]:
        async def main() -> dict[Served, bool | None]:
            service = RegistryService(settings, engine=DockerSide(settings))
            answers: dict[Served, bool | None] = {}
            try:
                for one in wanted:
                    try:
                        answers[one] = await service.call(partial(ask, one))
                    except Unreachable:  # down: the rest cannot be asked either
                        return {**dict.fromkeys(wanted), **answers}
                    except RegistryError:
                        answers[one] = None
            finally:
                await service.aclose()
            return answers

        return asyncio.run(main())

    return Sources(
        settings=settings,
        probe=lambda: probe_engine(settings),
        builders=builders,
        history=history or BuildHistory(),
        scan=scan,
        records=RecordBook(),
        image_exists=lambda ref: docker_image_exists(settings, ref),
        served=served,
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
    # Each image or path once, however many builds wrote it (a history of 200 builds that
    # each --load the same tag asked docker 200 times, at each look), the images side by
    # side.
    wanted = {
        target
        for build in builds
        if build.summary.succeeded
        for _, target, image in exports_of(build.argv)
        if image and target
    }
    with ThreadPoolExecutor(max_workers=8) as pool:
        images = dict(zip(wanted, pool.map(sources.image_exists, wanted), strict=True))
    paths: dict[str, bool] = {}
    for build in builds:
        if not build.summary.succeeded:
            continue
        for exporter, target, image in exports_of(build.argv):
            context = None
            if image:
                found = bool(target) and bool(images.get(target))
            else:
                if target not in paths:
                    paths[target] = target not in ("", "-") and sources.path_exists(target)
                found = paths[target]
                evidence = build_evidence(sources.history, build.id) if found else None
                if evidence is not None and evidence.context:
                    context = context_holding(Path(target), (evidence.context,))
            checks.append(ExportCheck(build.id, exporter, target, found, context))
    return tuple(checks)


def lab_repositories(builds: Sequence[BuildEntry], host: str) -> list[str]:
    """The lab registry's repositories the recorded builds name (their tags, what they
    pushed, the caches they exported or imported): what the guide reads of the registry,
    instead of all of it (a class's registry holds thousands of tags, none of them this
    student's evidence)."""
    found: dict[str, None] = {}
    for build in builds:
        refs = [
            *flag_values(build.argv, "-t", "--tag"),
            *(ref for ref, _ in build.summary.pushed),
            *(cache["ref"] for cache in registry_caches(build.argv, "--cache-to", host)),
            *(cache["ref"] for cache in registry_caches(build.argv, "--cache-from", host)),
        ]
        for ref in refs:
            try:
                parsed = parse_reference(ref)
            except RegistryError:
                continue
            if same_registry(parsed.registry, host):
                found[parsed.repository] = None
    return list(found)


def observe(sources: Sources) -> Observations:
    from buildtui.settings import cli_prefix

    settings = sources.settings
    now = sources.clock()
    # The engine, the builders, the registry and the history answer side by side: one
    # look waits for the slowest of them, not for their sum.
    with ThreadPoolExecutor(max_workers=4) as pool:
        engine = pool.submit(sources.probe)
        builders = pool.submit(sources.builders)
        buildkit_image = pool.submit(sources.image_exists, BUILDKIT_IMAGE)
        builds = lab_builds(sources.history)
        scan = pool.submit(sources.scan, lab_repositories(builds, settings.registry_host))
        exports = export_checks(builds, sources)
        cache_digests = exported_cache_digests(sources.history, builds, settings.registry_host)
        scanned: RegistryScan | None = None
        scan_error: str | None = None
        try:
            scanned = scan.result()
        except RegistryError as error:
            scan_error = str(error)
        observations = Observations(
            registry_host=settings.registry_host,
            registry_container=settings.registry_container,
            cli=cli_prefix(settings),
            engine=engine.result(),
            builders=builders.result(),
            buildkit_image=buildkit_image.result(),
            builds=builds,
            scan=scanned,
            scan_error=scan_error,
            records=sources.records.read(),
            exports=exports,
            cache_digests=cache_digests,
            at=now,
        )
    # Keep what the registry shows now: the lab's bonus step deletes the cache image.
    seen = cache_size_record(observations, now)
    if seen is not None:
        with contextlib.suppress(OSError):
            sources.records.add_cache_size(seen)
            observations = replace(observations, records=sources.records.read())
    return keep_proofs(observations, sources.records)


def keep_proofs(observations: Observations, book: RecordBook) -> Observations:
    """Record the proof of each item seen done for the first time (in each language)."""
    english = evaluate_live(observations, translator("en"))
    if not proofs_to_keep({"en": english}, observations, observations.at):
        return observations
    guides = {language: evaluate_live(observations, translator(language)) for language in LANGUAGES}
    proofs = proofs_to_keep(guides, observations, observations.at)
    try:
        records = book.add_proofs(proofs)
    except OSError:
        return replace(
            observations,
            records=replace(observations.records, proofs=(*observations.records.proofs, *proofs)),
        )
    return replace(observations, records=records)
