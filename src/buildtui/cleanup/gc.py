"""Garbage collection in the registry:2 container, through the docker CLI (blocking calls).

Why this way. `registry garbage-collect` must not run while the registry accepts
pushes (it would delete blobs a push is about to reference), so the registry must be
read-only or stopped. Switching a container to read-only means recreating it with
another environment, which risks its anonymous volume, its ID and any option we fail
to copy. Instead the container is stopped, the collector runs in a one-off container
of the same image with `--volumes-from` it (the same volumes and bind mounts, so the
same storage and config file) and its storage settings, and the original container
is started again: nothing about it changes, and the restart clears the in-memory
blob descriptor cache (distribution#1803). The registry is down for those seconds.

Never `-m`/`--delete-untagged`: on distribution 2.8 it deletes the platform manifests
of tagged multi-arch indexes (distribution#3178, fixed only in v3.0.0); the planner's
"untagged manifests" selection deletes those safely over HTTP instead.
"""

from __future__ import annotations

import json
import posixpath
import re
import shlex
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from buildtui.cleanup.errors import (
    ContainerNotFound,
    EngineUnavailable,
    GcFailed,
    GcRefused,
    NotARegistryContainer,
    RestartFailed,
)
from buildtui.engine.client import docker_command
from buildtui.settings import Settings

DEFAULT_CONFIG = "/etc/docker/registry/config.yml"
DEFAULT_ROOT = "/var/lib/registry"
MINUS_M_REFUSAL = (
    "garbage collection with -m/--delete-untagged is refused: on distribution 2.8 (registry:2) "
    "it deletes the platform manifests of tagged multi-arch indexes, so those images can no "
    "longer be pulled (distribution#3178, fixed only in v3). Delete untagged manifests with "
    "`buildtui rm --untagged REPO` (it keeps everything a tag needs), then run `buildtui gc`"
)
_COUNTS_RE = re.compile(
    r"(\d+) blobs marked, (\d+) blobs and (\d+) manifests eligible for deletion"
)
_BLOB_RE = re.compile(r"^blob eligible for deletion: (\S+)", re.M)
_MANIFEST_RE = re.compile(r"manifest eligible for deletion: (\S+)", re.M)

Runner = Callable[[Sequence[str], float], "subprocess.CompletedProcess[str]"]
StepCallback = Callable[[str], None]


def run_docker(argv: Sequence[str], timeout: float) -> subprocess.CompletedProcess[str]:
    """Run a docker command; the CLI missing or hanging becomes EngineUnavailable."""
    try:
        return subprocess.run(
            list(argv), capture_output=True, text=True, timeout=timeout, check=False
        )
    except FileNotFoundError as error:
        raise EngineUnavailable(
            "the docker CLI is not installed (or not on PATH); install Docker and try again"
        ) from error
    except subprocess.TimeoutExpired as error:
        raise EngineUnavailable(
            f"`{shlex.join(argv)}` did not finish in {timeout:.0f} s; is the Docker engine "
            "responding? (`docker info`)"
        ) from error


@dataclass(frozen=True)
class ContainerInfo:
    """What `docker inspect` says about the registry container, as GC needs it."""

    name: str
    id: str
    image: str
    """The image ID the container runs (the one-off collector uses the same)."""
    image_name: str
    running: bool
    auto_remove: bool
    binary: str
    config_path: str
    storage_root: str
    mounts: tuple[str, ...]
    storage_env: tuple[tuple[str, str], ...]
    ports: tuple[str, ...]
    host_ports: tuple[int, ...]
    delete_enabled: bool

    @property
    def storage_mounted(self) -> bool:
        return any(
            self.storage_root == m or self.storage_root.startswith(m.rstrip("/") + "/")
            for m in self.mounts
        )


def _env(items: Sequence[str]) -> dict[str, str]:
    return dict(item.split("=", 1) for item in items if "=" in item)


def parse_inspect(data: Mapping[str, Any], name: str) -> ContainerInfo:
    """A ContainerInfo from one `docker inspect` object; NotARegistryContainer if it is not."""
    config = data.get("Config") or {}
    host = data.get("HostConfig") or {}
    path = str(data.get("Path") or "")
    args = [str(a) for a in data.get("Args") or []]
    image_name = str(config.get("Image") or "")
    env = _env(config.get("Env") or [])
    command = [path, *args]
    looks_like = posixpath.basename(path) == "registry" or (
        "registry" in image_name and any(a.endswith((".yml", ".yaml")) for a in args)
    )
    if not looks_like:
        raise NotARegistryContainer(
            f"container {name} runs `{shlex.join(command)}` from {image_name or 'an image'}, "
            "not a registry:2 registry; set registry_container (--registry-container) to the "
            "name of your registry's container (see `docker ps`)"
        )
    config_path = next((a for a in reversed(args) if a.endswith((".yml", ".yaml"))), None)
    ports: list[str] = []
    host_ports: list[int] = []
    for container_port, bindings in sorted(
        ((data.get("NetworkSettings") or {}).get("Ports") or {}).items()
    ):
        for binding in bindings or []:
            host_ip, host_port = binding.get("HostIp", ""), str(binding.get("HostPort", ""))
            ports.append(f"{host_ip or '0.0.0.0'}:{host_port}->{container_port}")
            if host_port.isdigit():
                host_ports.append(int(host_port))
    storage_env = tuple(sorted((k, v) for k, v in env.items() if k.startswith("REGISTRY_STORAGE")))
    return ContainerInfo(
        name=name,
        id=str(data.get("Id") or ""),
        image=str(data.get("Image") or image_name),
        image_name=image_name,
        running=bool((data.get("State") or {}).get("Running")),
        auto_remove=bool(host.get("AutoRemove")),
        binary=path if posixpath.basename(path) == "registry" else "registry",
        config_path=config_path or DEFAULT_CONFIG,
        storage_root=env.get("REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY", DEFAULT_ROOT),
        mounts=tuple(str(m.get("Destination", "")) for m in data.get("Mounts") or []),
        storage_env=storage_env,
        ports=tuple(ports),
        host_ports=tuple(host_ports),
        delete_enabled=env.get("REGISTRY_STORAGE_DELETE_ENABLED", "").lower() == "true",
    )


@dataclass(frozen=True)
class GcCounts:
    marked: int
    blobs: int
    manifests: int


@dataclass(frozen=True)
class GcOutput:
    """What `registry garbage-collect` printed, parsed."""

    counts: GcCounts | None
    blobs: tuple[str, ...] = ()
    manifests: tuple[str, ...] = ()
    text: str = ""

    @property
    def summary(self) -> str:
        if self.counts is None:
            return "no summary line in the collector's output"
        c = self.counts
        return (
            f"{c.marked} blobs marked, {c.blobs} blobs and {c.manifests} manifests "
            "eligible for deletion"
        )


def parse_gc_output(text: str) -> GcOutput:
    match = _COUNTS_RE.search(text)
    counts = GcCounts(*(int(g) for g in match.groups())) if match else None
    return GcOutput(
        counts,
        tuple(dict.fromkeys(_BLOB_RE.findall(text))),
        tuple(dict.fromkeys(_MANIFEST_RE.findall(text))),
        text,
    )


@dataclass(frozen=True)
class GcPreview:
    """A dry run, with the exact commands the real run will use."""

    info: ContainerInfo
    output: GcOutput
    kb: int | None
    commands: tuple[str, ...]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class GcResult:
    info: ContainerInfo
    dry_run: bool
    output: GcOutput
    kb_before: int | None
    kb_after: int | None
    commands: tuple[str, ...]
    ports_after: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def freed_kb(self) -> int | None:
        if self.kb_before is None or self.kb_after is None:
            return None
        return self.kb_before - self.kb_after


class RegistryContainer:
    """The registry:2 container named in the settings; every method blocks (thread worker)."""

    def __init__(
        self, settings: Settings, *, run: Runner = run_docker, stop_timeout: int = 10
    ) -> None:
        self.settings = settings
        self.name = settings.registry_container
        self._run = run
        self.stop_timeout = stop_timeout
        self._docker = docker_command(settings)

    # -- plumbing --------------------------------------------------------------------

    def _docker_run(
        self, args: Sequence[str], timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        result = self._run([*self._docker, *args], timeout)
        if result.returncode != 0 and _engine_down(result.stderr):
            raise EngineUnavailable(
                f"the Docker engine does not answer ({result.stderr.strip()}); start it "
                "(or check --context/--host) and try again"
            )
        return result

    def _in_storage(self, info: ContainerInfo, argv: Sequence[str]) -> list[str]:
        """docker args that run `argv` where the storage is: exec, or a one-off container."""
        if info.running:
            return ["exec", info.name, *argv]
        return self._one_off(info, argv[0], argv[1:])

    def _one_off(self, info: ContainerInfo, entrypoint: str, argv: Sequence[str]) -> list[str]:
        env = [arg for key, value in info.storage_env for arg in ("-e", f"{key}={value}")]
        return [
            "run", "--rm", "--volumes-from", info.name, "--entrypoint", entrypoint,
            *env, info.image, *argv,
        ]  # fmt: skip

    def _show(self, args: Sequence[str]) -> str:
        return shlex.join([*self._docker, *args])

    # -- reading ---------------------------------------------------------------------

    def inspect(self) -> ContainerInfo:
        result = self._docker_run(["container", "inspect", self.name], timeout=20)
        if result.returncode != 0:
            if "No such" in result.stderr or "no such" in result.stderr:
                raise ContainerNotFound(
                    f"there is no container named {self.name}; start the lab registry "
                    f"(`docker run -d -p 5000:5000 --name {self.name} "
                    "-e REGISTRY_STORAGE_DELETE_ENABLED=true registry:2`) or set "
                    "registry_container (--registry-container)"
                )
            raise EngineUnavailable(
                f"`docker container inspect {self.name}` failed: {result.stderr.strip()}"
            )
        try:
            data = json.loads(result.stdout)[0]
        except (ValueError, IndexError, TypeError) as error:
            raise EngineUnavailable(
                f"`docker container inspect {self.name}` printed something unexpected"
            ) from error
        return parse_inspect(data, self.name)

    def disk_usage_kb(self, info: ContainerInfo) -> int | None:
        """`du -sk` of the storage root, or None when it cannot be measured."""
        result = self._docker_run(self._in_storage(info, ["du", "-sk", info.storage_root]))
        first = result.stdout.split()
        return int(first[0]) if result.returncode == 0 and first and first[0].isdigit() else None

    def revisions(self, info: ContainerInfo | None = None) -> dict[str, set[str]]:
        """Every manifest revision in storage: repository -> digests (untagged ones included)."""
        info = info or self.inspect()
        base = f"{info.storage_root.rstrip('/')}/docker/registry/v2/repositories/"
        result = self._docker_run(
            self._in_storage(
                info, ["find", base, "-path", "*/_manifests/revisions/*", "-name", "link"]
            )
        )
        if result.returncode != 0 and "No such file" not in result.stderr:
            raise GcFailed(
                f"cannot list the storage of {info.name}: {result.stderr.strip()}", result.stderr
            )
        found: dict[str, set[str]] = {}
        for line in result.stdout.splitlines():
            if not line.startswith(base) or "/_manifests/revisions/" not in line:
                continue
            repository, _, rest = line[len(base) :].partition("/_manifests/revisions/")
            parts = rest.split("/")
            if len(parts) == 3 and parts[2] == "link":
                found.setdefault(repository, set()).add(f"{parts[0]}:{parts[1]}")
        return found

    def version(self, info: ContainerInfo) -> str:
        result = self._docker_run(self._in_storage(info, [info.binary, "--version"]))
        text = result.stdout.strip()
        if result.returncode != 0 or "registry" not in text:
            raise NotARegistryContainer(
                f"`{info.binary} --version` does not work in {info.name} "
                f"({(result.stderr or text).strip()[:200]}); it is not a registry:2 container"
            )
        return text

    # -- commands --------------------------------------------------------------------

    def gc_args(self, info: ContainerInfo, *, dry_run: bool) -> list[list[str]]:
        """Every docker command a collection runs, in order (without the docker prefix)."""
        gc = ["garbage-collect", *(["--dry-run"] if dry_run else []), info.config_path]
        du = ["du", "-sk", info.storage_root]
        if dry_run:
            return [self._in_storage(info, du), self._in_storage(info, [info.binary, *gc])]
        if not info.running:
            return [self._one_off(info, "du", du[1:]), self._one_off(info, info.binary, gc),
                    self._one_off(info, "du", du[1:])]  # fmt: skip
        return [
            ["exec", info.name, *du],
            ["stop", "-t", str(self.stop_timeout), info.name],
            self._one_off(info, info.binary, gc),
            ["start", info.name],
            ["exec", info.name, *du],
        ]

    def commands(self, info: ContainerInfo, *, dry_run: bool) -> tuple[str, ...]:
        return tuple(self._show(args) for args in self.gc_args(info, dry_run=dry_run))

    def check_safe(self, info: ContainerInfo) -> None:
        if info.auto_remove:
            raise GcRefused(
                f"{info.name} was started with --rm: stopping it for garbage collection would "
                "delete it (and its anonymous volume with every image). Run the collector "
                f"yourself while nobody pushes: docker exec {info.name} {info.binary} "
                f"garbage-collect {info.config_path}"
            )
        if not info.storage_mounted:
            raise GcRefused(
                f"{info.name} keeps {info.storage_root} in its own writable layer (no volume "
                "or bind mount there), so a one-off collector cannot reach it. Run it inside "
                f"while nobody pushes: docker exec {info.name} {info.binary} garbage-collect "
                f"{info.config_path}, then docker restart {info.name}"
            )

    # -- running ---------------------------------------------------------------------

    def preview(self) -> GcPreview:
        """Inspect, then a dry run (read-only, the registry keeps running)."""
        info = self.inspect()
        self.version(info)
        warnings = []
        try:
            self.check_safe(info)
        except GcRefused as error:
            warnings.append(str(error))
        gc = self.gc_args(info, dry_run=True)[1]
        kb = self.disk_usage_kb(info)
        result = self._docker_run(gc, timeout=600)
        if result.returncode != 0:
            raise GcFailed(
                f"the dry run failed in {info.name}: {_tail(result)}", result.stdout + result.stderr
            )
        return GcPreview(
            info,
            parse_gc_output(result.stdout + result.stderr),
            kb,
            self.commands(info, dry_run=False),
            tuple(warnings),
        )

    def collect(
        self,
        *,
        dry_run: bool = False,
        delete_untagged: bool = False,
        on_step: StepCallback | None = None,
    ) -> GcResult:
        """Collect garbage; the registry is stopped meanwhile and started again after."""
        if delete_untagged:
            raise GcRefused(MINUS_M_REFUSAL)
        info = self.inspect()
        self.version(info)
        if not dry_run:
            self.check_safe(info)
        steps = self.gc_args(info, dry_run=dry_run)
        commands = tuple(self._show(args) for args in steps)
        say = on_step or (lambda _text: None)
        say(f"measuring {info.storage_root}")
        kb_before = self.disk_usage_kb(info)
        gc_args = steps[1] if dry_run or not info.running else steps[2]
        if info.running and not dry_run:
            say(f"stopping {info.name}")
            stopped = self._docker_run(steps[1], timeout=self.stop_timeout + 30)
            if stopped.returncode != 0:
                raise GcFailed(f"could not stop {info.name}: {_tail(stopped)}; nothing was done")
        try:
            say("collecting garbage" + (" (dry run)" if dry_run else ""))
            result = self._docker_run(gc_args, timeout=600)
        finally:
            if info.running and not dry_run:
                say(f"starting {info.name} again")
                self._start(info)
        output = parse_gc_output(result.stdout + result.stderr)
        if result.returncode != 0:
            raise GcFailed(
                f"`registry garbage-collect` failed in {info.name} (exit {result.returncode}): "
                f"{_tail(result)}; "
                + ("the registry was started again" if info.running and not dry_run else "")
                + "; nothing else was changed",
                output.text,
            )
        after = self.inspect() if info.running and not dry_run else info
        kb_after = kb_before if dry_run else self.disk_usage_kb(after)
        warnings = []
        if after.ports != info.ports:
            warnings.append(
                f"{info.name} publishes {', '.join(after.ports)} now (was "
                f"{', '.join(info.ports)}): its host port was not fixed; use -p 5000:5000"
            )
        return GcResult(info, dry_run, output, kb_before, kb_after, commands, after.ports,
                        tuple(warnings))  # fmt: skip

    def _start(self, info: ContainerInfo) -> None:
        started = self._docker_run(["start", info.name], timeout=60)
        if started.returncode != 0:
            raise RestartFailed(
                f"{info.name} did not start again after garbage collection: {_tail(started)}. "
                f"Start it with `docker start {info.name}` (its data is untouched by this)"
            )


def _tail(result: subprocess.CompletedProcess[str], lines: int = 3) -> str:
    text = (result.stderr or result.stdout).strip().splitlines()
    return " / ".join(text[-lines:]) or f"exit status {result.returncode}"


def _engine_down(stderr: str) -> bool:
    return "Cannot connect to the Docker daemon" in stderr or "error during connect" in stderr
