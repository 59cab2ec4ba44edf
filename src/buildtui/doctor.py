"""Probe the lab engine and registry: one call gathers what the status bar and doctor show.

It never raises for a missing piece: each piece is reported as a `Check` with its fix.
It reads the engine, buildx, the registry and the clean-up's recovery, so it sits above
them all (below the lab, whose guide runs it); `engine/status.py` holds the snapshot types.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx

from buildtui import logs
from buildtui.buildx.errors import BUILDKIT_IMAGE, bootstrap_error
from buildtui.buildx.parsing import ParseError, parse_inspect, parse_platforms
from buildtui.cleanup.recovery import collection_checks
from buildtui.engine.client import docker_command
from buildtui.engine.local import local_checks
from buildtui.engine.registry_container import (
    ContainerState,
    deletion_disabled_advice,
    exposure_warning,
    inspect_registry_container,
    registry_down_advice,
    storage_copy_dir,
    url_port,
)
from buildtui.engine.status import Check, EngineStatus
from buildtui.i18n import N_, _
from buildtui.registry.deletion_probe import Deletion, probe_deletion
from buildtui.registry.errors import RegistryError
from buildtui.registry.network import network_for
from buildtui.registry.one_shot import one_shot
from buildtui.registry.reference import is_loopback
from buildtui.settings import Settings, data_dir

CONTAINERD_STORE = "io.containerd.snapshotter.v1"
BINFMT_DIR = Path("/proc/sys/fs/binfmt_misc")
START_TIMEOUT = 60.0
"""Seconds `buildtui doctor` gives a stopped builder in use to start."""
QEMU_ARCH = {"aarch64": "linux/arm64", "arm": "linux/arm/v7", "riscv64": "linux/riscv64",
             "ppc64le": "linux/ppc64le", "s390x": "linux/s390x", "i386": "linux/386",
             "mips64el": "linux/mips64le", "loongarch64": "linux/loong64"}  # fmt: skip


@dataclass(frozen=True)
class BuilderFacts:
    """What decides whether the builder in use can build, and for which platforms."""

    name: str | None
    driver: str | None
    platforms: tuple[str, ...]
    running: bool
    """A node of it runs (the docker driver's always does)."""
    image_here: bool | None = None
    """docker-container: whether its BuildKit image is on this machine (None: not asked)."""
    start_error: str | None = None
    """The error of starting it, when `buildtui doctor` tried."""
    started: bool = False


DOCKER_TIMEOUT = 20.0
"""Seconds a docker command of the probe may take (an engine that hangs is said so)."""


def _docker(docker: list[str], *args: str, timeout: float = DOCKER_TIMEOUT) -> tuple[str, str]:
    """(output, error) of `docker ARGS`: the docker CLI itself, as python-on-whales would
    run it, without loading it (its models take ~0.5 s to import, each time the doctor or
    the status bar asks)."""
    argv = [*docker, *args]
    logs.command(argv)
    try:
        result = subprocess.run(
            argv, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
        )
    except FileNotFoundError:
        return "", _("the docker CLI is not installed")
    except (OSError, subprocess.TimeoutExpired) as error:
        return "", str(error) or _("timed out")
    if result.returncode != 0:
        stderr = result.stderr.strip()
        if stderr:
            return "", stderr.splitlines()[-1]
        return "", _("docker exited with {return_code}").format(return_code=result.returncode)
    return result.stdout, ""


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _engine(docker: list[str]) -> tuple[str | None, str | None, str | None, str | None]:
    """(server version, context, image store driver type, error), from one `docker info`."""
    out, error = _docker(docker, "info", "--format", "{{json .}}")
    info = _json(out)
    if error or not isinstance(info, dict):
        return None, None, None, error or _("docker info printed no JSON")
    server = info.get("ServerVersion") or None
    client = info.get("ClientInfo")
    context = client.get("Context") if isinstance(client, dict) else None
    if server is None:
        return None, context, None, _("the Docker engine did not answer")
    store = "classic"
    for pair in info.get("DriverStatus") or []:
        if isinstance(pair, list) and pair == ["driver-type", CONTAINERD_STORE]:
            store = "containerd"
    return str(server), context, store, None


_buildx_versions: dict[tuple[str, ...], str] = {}
"""buildx's version for each docker command line, once known (the plugin does not change
while the app runs; the status bar asks every few seconds)."""


def _buildx(docker: list[str]) -> tuple[str | None, str | None]:
    known = _buildx_versions.get(tuple(docker))
    if known is not None:
        return known, None
    text, error = _docker(docker, "buildx", "version")
    if error:
        return None, error
    match = re.search(r"v?(\d+\.\d+\.\d+\S*)", text)
    version = match.group(1) if match else text.strip()
    _buildx_versions[tuple(docker)] = version
    return version, None


def _builder(docker: list[str]) -> tuple[BuilderFacts, str | None]:
    """The builder in use as buildx resolves it (BUILDX_BUILDER, context, `buildx use`)."""
    text, error = _docker(docker, "buildx", "inspect")
    try:
        builder = parse_inspect(text) if not error else None
    except ParseError as unreadable:
        builder, error = None, str(unreadable)
    if builder is None:
        return BuilderFacts(None, None, (), False), error
    platforms: list[str] = []
    running = False
    for node in builder.nodes:
        for platform in parse_platforms(node.get("Platforms") or ""):
            if platform.name not in platforms:
                platforms.append(platform.name)
        running = running or node.get("Status") == "running"
    image_here = None
    if builder.driver == "docker-container" and not running:
        _out, missing = _docker(docker, "image", "inspect", "--format", "{{.Id}}", BUILDKIT_IMAGE)
        image_here = True if not missing else False if "No such image" in missing else None
    return BuilderFacts(builder.name, builder.driver, tuple(platforms), running, image_here), None


def _start(settings: Settings, facts: BuilderFacts, timeout: float) -> BuilderFacts:
    """Start the builder in use (`buildx inspect --bootstrap`): the proof that it can build."""
    # Hand-built argv: the doctor shows the command and needs its own timeout and stderr.
    argv = [*docker_command(settings), "buildx", "inspect", "--bootstrap", facts.name or ""]
    logs.command(argv)
    try:
        result = subprocess.run(
            argv, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return replace(facts, start_error=str(error) or "timed out")
    if result.returncode != 0:
        explained = bootstrap_error(facts.name or "?", result.stderr)
        return replace(facts, start_error=explained.what)
    return replace(facts, running=True, started=True)


def _registry(url: str, timeout: float, settings: Settings) -> tuple[bool, bool | None, str | None]:
    """(answers, deletion enabled, error) for the registry's /v2/ API, through the same
    proxies and TLS trust as the registry client."""
    try:
        transport = network_for(settings).transport()
        deadline = time.monotonic() + 2 * timeout  # both requests, however they trickle
        with httpx.Client(base_url=url, timeout=timeout, transport=transport) as http:
            ping = one_shot(http, "GET", "/v2/", deadline=deadline)
            if ping.status not in (200, 401):
                return (
                    False,
                    None,
                    _("GET /v2/ answered {status_code}").format(status_code=ping.status),
                )
            if ping.status == 401:
                return True, None, None
            probe = probe_deletion(http, deadline=deadline)
    except httpx.HTTPError as error:
        return False, None, str(error) or type(error).__name__
    except RegistryError as error:  # a proxy it cannot use, a certs.d file it cannot read
        return False, None, str(error)
    return True, probe.deletion is not Deletion.DISABLED, None


def emulated_platforms(binfmt_dir: Path = BINFMT_DIR) -> tuple[str, ...]:
    """qemu handlers registered with binfmt_misc, as `qemu-aarch64` -> `aarch64`."""
    try:
        names = sorted(p.name for p in binfmt_dir.iterdir() if p.name.startswith("qemu-"))
    except OSError:
        return ()
    return tuple(name.removeprefix("qemu-") for name in names)


def probe_engine(
    settings: Settings, *, timeout: float = 3.0, start_builder: bool = False
) -> EngineStatus:
    """Everything about the engine and registry, gathered in parallel.

    With `start_builder` (`buildtui doctor`), a docker-container builder in use that is not
    running and has no BuildKit image here is started, to prove it can build (or show why
    it cannot); the status bar's probe never starts anything.
    """
    docker = docker_command(settings)
    with ThreadPoolExecutor(max_workers=5) as pool:
        engine = pool.submit(_engine, docker)
        buildx = pool.submit(_buildx, docker)
        builder = pool.submit(_builder, docker)
        registry = pool.submit(_registry, settings.registry_url, timeout, settings)
        container = pool.submit(inspect_registry_container, settings.registry_container, docker)
        server, context, store, engine_error = engine.result()
        buildx_version, buildx_error = buildx.result()
        facts, builder_error = builder.result()
        if server is None:
            facts = BuilderFacts(None, None, (), False)
        registry_up, delete_enabled, registry_error = registry.result()
        container_state = container.result()
    if start_builder and facts.name and facts.image_here is False:
        facts = _start(settings, facts, START_TIMEOUT)
    checks = (
        *_checks(
            settings,
            server=server,
            engine_error=engine_error,
            store=store,
            buildx_version=buildx_version,
            buildx_error=buildx_error,
            facts=facts,
            builder_error=builder_error,
            registry_up=registry_up,
            delete_enabled=delete_enabled,
            registry_error=registry_error,
            container=container_state,
            docker=docker,
        ),
        *local_checks(settings),
    )
    # A garbage collection that runs, or was interrupted (its registry may be stopped).
    checks = (*checks, *collection_checks(settings))
    return EngineStatus(
        server_version=server,
        context=context,
        image_store=store,
        buildx_version=buildx_version,
        builder=facts.name,
        builder_driver=facts.driver,
        platforms=facts.platforms,
        registry_url=settings.registry_url,
        registry_up=registry_up,
        registry_delete_enabled=delete_enabled,
        checks=checks,
    )


def _checks(
    settings: Settings,
    *,
    server: str | None,
    engine_error: str | None,
    store: str | None,
    buildx_version: str | None,
    buildx_error: str | None,
    facts: BuilderFacts,
    builder_error: str | None,
    registry_up: bool,
    delete_enabled: bool | None,
    registry_error: str | None,
    container: ContainerState,
    docker: list[str],
) -> tuple[Check, ...]:
    checks: list[Check] = []
    if server is None:
        checks.append(
            Check(
                "engine",
                "error",
                _("Docker engine not reachable: {engine_error}").format(engine_error=engine_error),
                _(
                    "start the Docker daemon (on this lab machine: `buildtui lab "
                    "engine`), or pick the right one with --context/--host"
                ),
            )
        )
    else:
        checks.append(Check("engine", "ok", _("Docker Engine {server}").format(server=server)))
        if store == "containerd":
            checks.append(
                Check(
                    N_("image store"),
                    "ok",
                    _(
                        "containerd image store: the docker driver can build "
                        "multi-platform images, push them and export registry cache"
                    ),
                )
            )
        else:
            checks.append(
                Check(
                    N_("image store"),
                    "warn",
                    _(
                        "classic image store: the docker driver cannot build "
                        "multi-platform images nor export cache"
                    ),
                    _(
                        'enable it in /etc/docker/daemon.json: {"features": '
                        '{"containerd-snapshotter": true}} and restart dockerd, or use '
                        "a docker-container builder"
                    ),
                )
            )
    if buildx_version is None:
        checks.append(
            Check(
                "buildx",
                "error",
                _("buildx plugin missing: {buildx_error}").format(buildx_error=buildx_error),
                _("install the docker-buildx plugin into /usr/local/lib/docker/cli-plugins/"),
            )
        )
    else:
        checks.append(Check("buildx", "ok", f"buildx {buildx_version}"))
    if server is not None and buildx_version is not None:
        if facts.name is not None:
            checks.append(builder_check(facts))
        else:
            checks.append(
                Check(
                    "builder",
                    "error",
                    _("no usable builder: {builder_error}").format(builder_error=builder_error),
                    _("`docker buildx use default`, or create one in the Builders pane"),
                )
            )
    if server is not None and facts.name is not None:
        checks.extend(platform_checks(facts, emulated_platforms()))
    if registry_up:
        checks.append(
            Check(
                "registry",
                "ok",
                _("registry answers at {registry_url}").format(registry_url=settings.registry_url),
            )
        )
        if delete_enabled is False:
            checks.append(
                Check(
                    "deletion",
                    "warn",
                    _("registry deletion is disabled (DELETE answers 405 UNSUPPORTED)"),
                    str(
                        deletion_disabled_advice(
                            container,
                            settings.registry_url,
                            storage_copy_dir(data_dir(), settings.registry_container),
                            docker,
                        )
                    ),
                )
            )
        elif delete_enabled:
            checks.append(Check("deletion", "ok", _("registry deletion is enabled")))
        exposure = _exposure_check(settings, container)
        if exposure is not None:
            checks.append(exposure)
    else:
        checks.append(
            Check(
                "registry",
                "error",
                _("no registry at {registry_url}: {registry_error}").format(
                    registry_url=settings.registry_url, registry_error=registry_error
                ),
                str(registry_down_advice(container, settings.registry_url, docker)),
            )
        )
    return tuple(checks)


def builder_check(facts: BuilderFacts) -> Check:
    """Whether the builder in use can run a build, from what was found (pure)."""
    name, driver = facts.name, facts.driver
    use_default = _(
        "`docker buildx use default` (the docker driver needs no image), or bring "
        "the image here (`docker save {BUILDKIT_IMAGE}` on a machine with access, "
        "then `docker load`)"
    ).format(BUILDKIT_IMAGE=BUILDKIT_IMAGE)
    if facts.start_error is not None:
        return Check(
            "builder",
            "error",
            _(
                "builder in use: {name} ({driver} driver) cannot start, so every build "
                "fails: {start_error}"
            ).format(name=name, driver=driver, start_error=facts.start_error),
            use_default,
        )
    if facts.started:
        return Check(
            "builder",
            "ok",
            _("builder in use: {name} ({driver} driver), started now").format(
                name=name, driver=driver
            ),
        )
    if facts.running:
        return Check(
            "builder",
            "ok",
            _("builder in use: {name} ({driver} driver), running").format(name=name, driver=driver),
        )
    if facts.image_here is False:
        return Check(
            "builder",
            "warn",
            _(
                "builder in use: {name} ({driver} driver) is not running and its "
                "BuildKit image {BUILDKIT_IMAGE} is not on this machine: its first "
                "build must pull it"
            ).format(name=name, driver=driver, BUILDKIT_IMAGE=BUILDKIT_IMAGE),
            _("`buildtui doctor` tries to start it; if that fails, {use_default}").format(
                use_default=use_default
            ),
        )
    return Check(
        "builder",
        "ok",
        _("builder in use: {name} ({driver} driver), starts on its first build").format(
            name=name, driver=driver
        ),
    )


def platform_checks(facts: BuilderFacts, emulators: tuple[str, ...]) -> tuple[Check, Check]:
    """The platforms and emulation lines, from the same facts so they never contradict."""
    emulated = [QEMU_ARCH.get(arch, f"linux/{arch}") for arch in emulators]
    foreign = [p for p in facts.platforms if not p.startswith("linux/amd64")]
    qemu_fix = _(
        "install qemu-user-static and binfmt-support (Debian), or `docker run "
        "--privileged --rm tonistiigi/binfmt --install all`"
    )
    if emulators:
        emulation = Check(
            "emulation",
            "ok",
            _("qemu binfmt handlers: ") + ", ".join(emulators) + f" ({', '.join(emulated)})",
        )
    else:
        emulation = Check(
            "emulation",
            "warn",
            _(
                "no qemu binfmt handlers: RUN steps for other platforms fail with "
                "`exec format error`"
            ),
            qemu_fix,
        )
    if not facts.platforms:
        platforms = Check(
            "platforms",
            "ok" if emulators else "warn",
            _("platforms of {name}: known once it runs").format(name=facts.name)
            + (
                _("; the emulators here give it {emulated}").format(emulated=", ".join(emulated))
                if emulators
                else ""
            ),
            "" if emulators else qemu_fix,
        )
    elif foreign:
        platforms = Check(
            "platforms",
            "ok",
            _("platforms: {platforms}").format(platforms=", ".join(facts.platforms)),
        )
    elif emulators:
        platforms = Check(
            "platforms",
            "warn",
            _(
                "{name} lists only {platforms} although qemu handlers for {emulators} "
                "are registered: it started before they were"
            ).format(
                name=facts.name,
                platforms=", ".join(facts.platforms),
                emulators=", ".join(emulators),
            ),
            _(
                "restart it: `docker buildx stop {name}`, then build again (the docker "
                "driver: restart dockerd)"
            ).format(name=facts.name),
        )
    else:
        platforms = Check(
            "platforms",
            "warn",
            _("no emulated platforms: linux/arm64 RUN steps fail with `exec format error`"),
            qemu_fix,
        )
    return platforms, emulation


def _exposure_check(settings: Settings, container: ContainerState) -> Check | None:
    """A warning when the lab registry's port is published on all addresses."""
    host, port = url_port(settings.registry_url)
    run = container.run
    if run is None or not run.looks_like_registry or not is_loopback(host):
        return None
    if not run.exposed(port):
        return None
    from buildtui.settings import cli_prefix

    return Check(
        "exposure",
        "warn",
        exposure_warning(run.name, port),
        _(
            "recreate it published on 127.0.0.1 only, keeping its images: `{prefix} "
            "lab up --recreate`"
        ).format(prefix=cli_prefix(settings)),
    )
