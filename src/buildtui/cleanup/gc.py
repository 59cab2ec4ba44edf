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
import shlex
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from buildtui.cleanup.accounting import GcAccount
from buildtui.cleanup.docker_output import ContainerInfo, GcOutput, parse_gc_output, parse_inspect
from buildtui.cleanup.errors import (
    ContainerNotFound,
    EngineUnavailable,
    GcFailed,
    GcRefused,
    NotARegistryContainer,
    RestartFailed,
)
from buildtui.settings import Settings

MINUS_M_REFUSAL = (
    "garbage collection with -m/--delete-untagged is refused: on distribution 2.8 (registry:2) "
    "it deletes the platform manifests of tagged multi-arch indexes, so those images can no "
    "longer be pulled (distribution#3178, fixed only in v3). Delete untagged manifests with "
    "`buildtui rm --untagged REPO` (it keeps everything a tag needs), then run `buildtui gc`"
)

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
    account: GcAccount | None = None
    """Predicted against measured (`accounting.account_for`), once the service adds it."""

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

    # -- plumbing --------------------------------------------------------------------

    @property
    def docker(self) -> list[str]:
        """`docker` with the settings' --context/--host (python-on-whales loads on first use)."""
        from buildtui.engine.client import docker_command

        return docker_command(self.settings)

    def _docker_run(
        self, args: Sequence[str], timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        result = self._run([*self.docker, *args], timeout)
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
        return shlex.join([*self.docker, *args])

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
