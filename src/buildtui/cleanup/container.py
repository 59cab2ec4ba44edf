"""The registry:2 container, driven with the docker CLI (blocking calls): its storage read,
its garbage collected (`gc.ContainerControl`, implemented by `RegistryContainer`).

Why this way. `registry garbage-collect` must not run while the registry accepts
pushes (it would delete blobs a push is about to reference), so the registry must be
read-only or stopped. Switching a container to read-only means recreating it with
another environment, which risks its anonymous volume, its ID and any option we fail
to copy. Instead the container is stopped, the collector runs in a one-off container
of the same image with `--volumes-from` it (the same volumes and bind mounts, so the
same storage and config file) and its storage settings, and the original container
is started again: nothing about it changes, and the restart clears the in-memory
blob descriptor cache (distribution#1803). The registry is down for those seconds.

`-m`/`--delete-untagged` only where the container's `registry --version` says
distribution 3 or later: on 2.8 it deletes the platform manifests of tagged multi-arch
indexes (distribution#3178, fixed only in v3.0.0); the planner's "untagged manifests"
selection deletes those safely over HTTP instead.
"""

from __future__ import annotations

import json
import posixpath
import shlex
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from buildtui import logs
from buildtui.cleanup.distribution import RegistryVersion, from_binary, minus_m_allowed
from buildtui.cleanup.docker_output import ContainerInfo, parse_gc_output, parse_inspect
from buildtui.cleanup.errors import (
    ContainerNotFound,
    EngineUnavailable,
    GcFailed,
    GcRefused,
    NotARegistryContainer,
    RestartFailed,
)
from buildtui.cleanup.gc import (
    GcPreview,
    GcResult,
    PhaseCallback,
    RepositoryRemoval,
    StepCallback,
    minus_m_refusal,
)
from buildtui.i18n import _, ngettext
from buildtui.l10n import number
from buildtui.registry.reference import repository_problem
from buildtui.settings import Settings, cli_prefix

COLLECTOR_LABEL = "dev.buildtui.collector-for"
"""Label of the one-off collector containers: its value is the registry container's name."""
# Removes a repository's own directories from storage, only when it holds no tag and no
# manifest revision at that moment; nested repositories (REPO/other) are kept. A busy
# repository prints `busy TAGS REVISIONS NAME...` (counts, then the first five tags).
REMOVE_EMPTY_REPO = (
    'd="$1/docker/registry/v2/repositories/$2"; '
    '[ -d "$d/_manifests" ] || { echo absent; exit 3; }; '
    'ntags=$(ls "$d/_manifests/tags" 2>/dev/null | wc -l); '
    'tags=$(ls "$d/_manifests/tags" 2>/dev/null | head -5 | tr -s "\\n" " "); '
    'revs=$(find "$d/_manifests/revisions" -name link 2>/dev/null | wc -l); '
    'if [ "$ntags" -gt 0 ] || [ "$revs" -gt 0 ]; then echo "busy $ntags $revs $tags"; '
    "exit 4; fi; "
    '[ "$3" = check ] && exit 0; '
    'rm -rf "$d/_manifests" "$d/_layers" "$d/_uploads" && { rmdir "$d" 2>/dev/null; true; }'
)

_ENGINE_IDS: dict[tuple[str, ...], str] = {}
"""`docker info` IDs by docker command prefix (one engine does not change its ID)."""

Runner = Callable[[Sequence[str], float], "subprocess.CompletedProcess[str]"]


def _busy_reason(line: str, name: str, cli: str = "buildtui") -> str:
    """Why REMOVE_EMPTY_REPO kept `name`, from its `busy TAGS REVISIONS NAME...` line; the
    commands it proposes start with `cli` (`settings.cli_prefix`: the user's flags)."""
    words = line.split()
    if len(words) < 3 or words[0] != "busy" or not (words[1].isdigit() and words[2].isdigit()):
        return _("the removal failed: {last}").format(last=line)
    tags, revisions = int(words[1]), int(words[2])
    if tags:
        names = ", ".join(words[3:]) + (", …" if tags > len(words[3:]) else "")
        return ngettext(
            "it still holds {count} tag: {tags} (delete it first with `{cli} rm`, then "
            "`{cli} rm --untagged {name}`)",
            "it still holds {count} tags: {tags} (delete them first with `{cli} rm`, then "
            "`{cli} rm --untagged {name}`)",
            tags,
        ).format(count=tags, tags=names, name=name, cli=cli)
    return ngettext(
        "it still holds {count} untagged manifest revision (delete it first: "
        "`{cli} rm --untagged {name}`)",
        "it still holds {count} untagged manifest revisions (delete them first: "
        "`{cli} rm --untagged {name}`)",
        revisions,
    ).format(count=revisions, name=name, cli=cli)


def run_docker(argv: Sequence[str], timeout: float) -> subprocess.CompletedProcess[str]:
    """Run a docker command; the CLI missing or hanging becomes EngineUnavailable.

    Each runs in a session of its own: a signal meant for the caller's process group
    (a closing terminal, Ctrl-C) never reaches a `docker stop`, `run` or `start` midway.
    """
    started = logs.command(argv)
    try:
        done = subprocess.run(
            list(argv),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        logs.finished(argv, done.returncode, started)
        return done
    except FileNotFoundError as error:
        raise EngineUnavailable(
            _("the docker CLI is not installed (or not on PATH); install Docker and try again")
        ) from error
    except subprocess.TimeoutExpired as error:
        raise EngineUnavailable(
            _(
                "`{argv}` did not finish in {timeout} s; is the Docker engine "
                "responding? (`docker info`)"
            ).format(argv=shlex.join(argv), timeout=number(timeout, 0))
        ) from error


class RegistryContainer:
    """The registry:2 container named in the settings; every method blocks (thread worker)."""

    def __init__(
        self, settings: Settings, *, run: Runner = run_docker, stop_timeout: int = 10
    ) -> None:
        self.settings = settings
        self.name = settings.registry_container
        self._run = run
        self.stop_timeout = stop_timeout

    def named(self, name: str) -> RegistryContainer:
        """The control of another container, on the same engine."""
        settings = self.settings.with_overrides({"registry_container": name})
        return RegistryContainer(settings, run=self._run, stop_timeout=self.stop_timeout)

    # -- plumbing --------------------------------------------------------------------

    @property
    def docker(self) -> list[str]:
        """`docker` with the settings' --context/--host (python-on-whales loads on first use)."""
        # Hand-built argv, not python-on-whales: the collection shows these exact commands
        # before it runs them (confirmation, --dry-run) and in its journal.
        from buildtui.engine.client import docker_command

        return docker_command(self.settings)

    def _docker_run(
        self, args: Sequence[str], timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        result = self._run([*self.docker, *args], timeout)
        if result.returncode != 0 and _engine_down(result.stderr):
            raise EngineUnavailable(
                _(
                    "the Docker engine does not answer ({strip}); start it (or check "
                    "--context/--host) and try again"
                ).format(strip=result.stderr.strip())
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
            "run", "--rm", "--label", f"{COLLECTOR_LABEL}={info.name}", "--volumes-from",
            info.name, "--entrypoint", entrypoint, *env, info.image, *argv,
        ]  # fmt: skip

    def _show(self, args: Sequence[str]) -> str:
        return shlex.join([*self.docker, *args])

    # -- reading ---------------------------------------------------------------------

    def engine_id(self) -> str:
        """The engine's own ID (`docker info`): the same engine whatever --host or
        --context spells it. Asked once per process and engine address."""
        cached = _ENGINE_IDS.get(tuple(self.docker))
        if cached is not None:
            return cached
        result = self._docker_run(["info", "--format", "{{json .ID}}"], timeout=20)
        try:
            found = json.loads(result.stdout) if result.returncode == 0 else None
        except ValueError:
            found = None
        if not isinstance(found, str) or not found.strip():
            raise EngineUnavailable(
                _(
                    "`docker info` did not give the engine's ID ({value}); is the "
                    "Docker engine responding? (`docker info`)"
                ).format(value=(result.stderr or result.stdout).strip()[:200] or "no output")
            )
        _ENGINE_IDS[tuple(self.docker)] = found.strip()
        return found.strip()

    def find(self, container_id: str) -> ContainerInfo | None:
        """The container with that ID, whatever its name is now; None if it is gone."""
        try:
            return self.named(container_id).inspect()
        except ContainerNotFound:
            return None

    def inspect(self) -> ContainerInfo:
        result = self._docker_run(["container", "inspect", self.name], timeout=20)
        if result.returncode != 0:
            if "No such" in result.stderr or "no such" in result.stderr:
                from buildtui.engine.registry_container import run_command

                run = run_command(self.name, self.settings.registry_url, self.docker)
                raise ContainerNotFound(
                    _(
                        "there is no container named {name}; start the lab registry "
                        "(`{run}`) or set registry_container (--registry-container)"
                    ).format(name=self.name, run=run)
                )
            raise EngineUnavailable(
                _("`docker container inspect {name}` failed: {strip}").format(
                    name=self.name, strip=result.stderr.strip()
                )
            )
        try:
            data = json.loads(result.stdout)[0]
        except (ValueError, IndexError, TypeError) as error:
            raise EngineUnavailable(
                _("`docker container inspect {name}` printed something unexpected").format(
                    name=self.name
                )
            ) from error
        # Its name now (self.name may be its ID, or a name that resolved to it).
        name = str(data.get("Name") or "").lstrip("/") if isinstance(data, dict) else ""
        return parse_inspect(data, name or self.name)

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
                _("cannot list the storage of {name}: {strip}").format(
                    name=info.name, strip=result.stderr.strip()
                ),
                result.stderr,
            )
        found: dict[str, set[str]] = {}
        for line in result.stdout.splitlines():
            if not line.startswith(base) or "/_manifests/revisions/" not in line:
                continue
            repository, _unused, rest = line[len(base) :].partition("/_manifests/revisions/")
            parts = rest.split("/")
            if len(parts) == 3 and parts[2] == "link":
                found.setdefault(repository, set()).add(f"{parts[0]}:{parts[1]}")
        return found

    def tag_times(self, info: ContainerInfo, repository: str) -> dict[str, float]:
        """When each tag of `repository` was last pushed: its link file's modification time
        in storage (tag -> Unix time). Empty when the repository has no tags there."""
        if repository_problem(repository) is not None:
            return {}
        base = (
            f"{info.storage_root.rstrip('/')}/docker/registry/v2/repositories/{repository}"
            "/_manifests/tags/"
        )
        result = self._docker_run(
            self._in_storage(
                info,
                [
                    "find",
                    base,
                    "-path",
                    "*/current/link",
                    "-exec",
                    "stat",
                    "-c",
                    "%Y %n",
                    "{}",
                    "+",
                ],
            )
        )
        found: dict[str, float] = {}
        for line in result.stdout.splitlines():
            stamp, _unused, path = line.partition(" ")
            if not stamp.isdigit() or not path.startswith(base):
                continue
            tag, _unused, rest = path[len(base) :].partition("/")
            if tag and rest == "current/link":
                found[tag] = float(stamp)
        return found

    def registry_version(self, info: ContainerInfo | None = None) -> RegistryVersion:
        """`registry --version` in the container: the collector that runs there."""
        info = info or self.inspect()
        return from_binary(self.version(info), info.name)

    def version(self, info: ContainerInfo) -> str:
        result = self._docker_run(self._in_storage(info, [info.binary, "--version"]))
        text = result.stdout.strip()
        if result.returncode != 0 or "registry" not in text:
            raise NotARegistryContainer(
                _(
                    "`{binary} --version` does not work in {name} ({value}); it is not "
                    "a registry:2 container"
                ).format(
                    binary=info.binary, name=info.name, value=(result.stderr or text).strip()[:200]
                )
            )
        return text

    # -- commands --------------------------------------------------------------------

    def gc_args(
        self,
        info: ContainerInfo,
        *,
        dry_run: bool,
        start_stopped: bool = False,
        delete_untagged: bool = False,
    ) -> list[list[str]]:
        """Every docker command a collection runs, in order (without the docker prefix)."""
        gc = [
            "garbage-collect",
            *(["--dry-run"] if dry_run else []),
            *(["--delete-untagged"] if delete_untagged else []),
            info.config_path,
        ]
        du = ["du", "-sk", info.storage_root]
        if dry_run:
            return [self._in_storage(info, du), self._in_storage(info, [info.binary, *gc])]
        if not info.running:
            steps = [self._one_off(info, "du", du[1:]), self._one_off(info, info.binary, gc),
                     self._one_off(info, "du", du[1:])]  # fmt: skip
            return [*steps, ["start", info.name]] if start_stopped else steps
        return [
            ["exec", info.name, *du],
            ["stop", "-t", str(self.stop_timeout), info.name],
            self._one_off(info, info.binary, gc),
            ["start", info.name],
            ["exec", info.name, *du],
        ]

    def commands(
        self,
        info: ContainerInfo,
        *,
        dry_run: bool,
        start_stopped: bool = False,
        delete_untagged: bool = False,
    ) -> tuple[str, ...]:
        return tuple(
            self._show(args)
            for args in self.gc_args(
                info, dry_run=dry_run, start_stopped=start_stopped, delete_untagged=delete_untagged
            )
        )

    def remove_repository_args(self, info: ContainerInfo, name: str, *, check: bool) -> list[str]:
        """The docker command that removes an empty repository (or only checks, `check`)."""
        script = ["-c", REMOVE_EMPTY_REPO, "sh", info.storage_root, name]
        mode = ["check" if check else "remove"]
        if info.running and check:
            return ["exec", info.name, "sh", *script, *mode]
        return self._one_off(info, "sh", [*script, *mode])

    def remove_empty_repository(
        self, info: ContainerInfo, name: str, *, check: bool = False
    ) -> RepositoryRemoval:
        """Remove `name`'s directories from storage if it holds no tag and no manifest now.

        Only while the registry is stopped (or with `check`, which changes nothing).
        """
        if repository_problem(name) is not None:
            return RepositoryRemoval(
                name,
                False,
                _("not a repository name (lower-case letters, digits, '.', '_', '-', '/')"),
            )
        if info.running and not check:
            return RepositoryRemoval(
                name, False, _("{name} is running; nothing was removed").format(name=info.name)
            )
        result = self._docker_run(self.remove_repository_args(info, name, check=check))
        text = (result.stdout.strip() or result.stderr.strip()).splitlines()
        last = (
            text[-1] if text else _("exit status {returncode}").format(returncode=result.returncode)
        )
        if result.returncode == 3:
            return RepositoryRemoval(name, False, _("there is no such repository in storage"))
        if result.returncode == 4:
            return RepositoryRemoval(
                name, False, _busy_reason(last, name, cli_prefix(self.settings))
            )
        if result.returncode != 0:
            return RepositoryRemoval(name, False, _("the removal failed: {last}").format(last=last))
        return RepositoryRemoval(name, not check)

    def publishing(self, port: int) -> list[str]:
        """Names of the running containers that publish host port `port`."""
        result = self._docker_run(
            ["ps", "--filter", f"publish={port}", "--format", "{{.Names}}"], timeout=20
        )
        return result.stdout.split() if result.returncode == 0 else []

    def running_collectors(self, name: str | None = None) -> list[str]:
        """IDs of one-off collectors still running for the container (after a crash)."""
        result = self._docker_run(
            ["ps", "-q", "--filter", f"label={COLLECTOR_LABEL}={name or self.name}"], timeout=20
        )
        return result.stdout.split() if result.returncode == 0 else []

    def wait_for(self, container_id: str, timeout: float = 600) -> None:
        self._docker_run(["wait", container_id], timeout=timeout)

    def commands_in_flight(self, name: str) -> list[int]:
        """PIDs of the docker commands on this machine still stopping, starting or
        collecting for container `name`: a collection's process killed midway leaves
        the one it had started running (in a session of its own), and it still acts."""
        label = f"{COLLECTOR_LABEL}={name}"
        found = []
        try:
            entries = list(Path("/proc").iterdir())
        except OSError:
            return []
        for entry in entries:
            if not entry.name.isdigit():
                continue
            try:
                argv = entry.joinpath("cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            words = [word.decode(errors="replace") for word in argv if word]
            if not words or posixpath.basename(words[0]) != "docker":
                continue
            if label in words or (words[-1] == name and {"stop", "start"} & set(words)):
                found.append(int(entry.name))
        return found

    def wait_for_commands(self, name: str, timeout: float = 600) -> None:
        """Wait until no docker command acts on `name` any more (`commands_in_flight`)."""
        deadline = time.monotonic() + timeout
        while self.commands_in_flight(name) and time.monotonic() < deadline:
            time.sleep(0.2)

    def check_safe(self, info: ContainerInfo) -> None:
        if info.auto_remove:
            raise GcRefused(
                _(
                    "{name} was started with --rm: stopping it for garbage collection "
                    "would delete it (and its anonymous volume with every image). Run "
                    "the collector yourself while nobody pushes: docker exec {name} "
                    "{binary} garbage-collect {config_path}"
                ).format(name=info.name, binary=info.binary, config_path=info.config_path)
            )
        if not info.storage_mounted:
            raise GcRefused(
                _(
                    "{name} keeps {storage_root} in its own writable layer (no volume "
                    "or bind mount there), so a one-off collector cannot reach it. Run "
                    "it inside while nobody pushes: docker exec {name} {binary} "
                    "garbage-collect {config_path}, then docker restart {name}"
                ).format(
                    name=info.name,
                    storage_root=info.storage_root,
                    binary=info.binary,
                    config_path=info.config_path,
                )
            )

    # -- running ---------------------------------------------------------------------

    def preview(self, *, delete_untagged: bool = False) -> GcPreview:
        """Inspect, then a dry run (read-only, the registry keeps running)."""
        info = self.inspect()
        version = from_binary(self.version(info), info.name)
        if delete_untagged:
            problem = minus_m_allowed(version)
            if problem is not None:
                raise GcRefused(f"{minus_m_refusal(self.settings)} ({problem})")
        warnings = []
        try:
            self.check_safe(info)
        except GcRefused as error:
            warnings.append(str(error))
        gc = self.gc_args(info, dry_run=True, delete_untagged=delete_untagged)[1]
        kb = self.disk_usage_kb(info)
        result = _nothing_stored(self._docker_run(gc, timeout=600))
        if result.returncode != 0:
            raise GcFailed(
                _("the dry run failed in {name}: {tail}").format(
                    name=info.name, tail=_tail(result)
                ),
                result.stdout + result.stderr,
            )
        return GcPreview(
            info,
            parse_gc_output(result.stdout + result.stderr),
            kb,
            self.commands(info, dry_run=False, delete_untagged=delete_untagged),
            tuple(warnings),
        )

    def collect(
        self,
        *,
        dry_run: bool = False,
        delete_untagged: bool = False,
        on_step: StepCallback | None = None,
        on_phase: PhaseCallback | None = None,
        remove_repositories: Sequence[str] = (),
        start_stopped: bool = False,
        info: ContainerInfo | None = None,
    ) -> GcResult:
        """Collect garbage; a running registry is stopped meanwhile and started again after.

        A stopped one is collected in one-off containers and left stopped, unless
        `start_stopped`. `remove_repositories` are removed while it is stopped, each only
        if it holds no tag and no manifest revision then.
        """
        info = info or self.inspect()
        version = from_binary(self.version(info), info.name)
        if delete_untagged:
            problem = minus_m_allowed(version)
            if problem is not None:
                raise GcRefused(f"{minus_m_refusal(self.settings)} ({problem})")
        if not dry_run:
            self.check_safe(info)
        steps = self.gc_args(
            info, dry_run=dry_run, start_stopped=start_stopped, delete_untagged=delete_untagged
        )
        commands = tuple(self._show(args) for args in steps)
        commands += tuple(
            self._show(self.remove_repository_args(info, name, check=dry_run))
            for name in remove_repositories
        )
        say = on_step or (lambda _text: None)
        phase = on_phase or (lambda _name: None)
        began = time.time()
        say(_("measuring {storage_root}").format(storage_root=info.storage_root))
        kb_before = self.disk_usage_kb(info)
        gc_args = steps[1] if dry_run or not info.running else steps[2]
        stops = info.running and not dry_run
        starts = stops or (start_stopped and not info.running and not dry_run)
        if stops:
            say(_("stopping {name}").format(name=info.name))
            phase("stopping")  # may raise (cancelled, journal not written): nothing stopped yet
        # From here the registry is started again in the `finally`, whatever happens
        # before it: what reports the progress (a journal on a full disk, a closed log)
        # cannot skip the start, and neither can a stop that fails or hangs.
        removals: list[RepositoryRemoval] = []
        try:
            if stops:
                stopped = self._docker_run(steps[1], timeout=self.stop_timeout + 30)
                if stopped.returncode != 0:
                    raise GcFailed(
                        _("could not stop {name}: {tail}; nothing was done").format(
                            name=info.name, tail=_tail(stopped)
                        )
                    )
                _quietly(phase, "stopped")
            stored = replace_running(info, running=info.running and dry_run)
            for name in remove_repositories:
                _quietly(
                    say,
                    (
                        _("checking repository {name}")
                        if dry_run
                        else _("removing repository {name}")
                    ).format(name=name),
                )
                removals.append(self.remove_empty_repository(stored, name, check=dry_run))
            _quietly(say, _("collecting garbage (dry run)") if dry_run else _("collecting garbage"))
            _quietly(phase, "collecting")
            result = _nothing_stored(self._docker_run(gc_args, timeout=600))
            _quietly(phase, "collected")
        finally:
            if starts:
                _quietly(say, _("starting {name} again").format(name=info.name))
                _quietly(phase, "starting")
                self._start(info)
                _quietly(phase, "started")
        output = parse_gc_output(result.stdout + result.stderr)
        if result.returncode != 0:
            raise GcFailed(
                _(
                    "`registry garbage-collect` failed in {name} (exit {returncode}): {tail}; "
                ).format(name=info.name, returncode=result.returncode, tail=_tail(result))
                + (_("the registry was started again; ") if stops else "")
                + _("nothing else was changed"),
                output.text,
            )
        started = stops or (start_stopped and not info.running and not dry_run)
        after = self.inspect() if started else info
        kb_after = kb_before if dry_run else self.disk_usage_kb(after)
        return GcResult(info, dry_run, output, kb_before, kb_after, commands, after.ports,
                        repositories=tuple(removals),
                        left_stopped=not info.running and not started,
                        started=began)  # fmt: skip

    def start(self, info: ContainerInfo) -> None:
        """`docker start` (a resume after an interrupted collection)."""
        self._start(info)

    def _start(self, info: ContainerInfo) -> None:
        started = self._docker_run(["start", info.name], timeout=60)
        if started.returncode != 0:
            raise RestartFailed(
                _(
                    "{name} did not start again after garbage collection: {tail}. "
                    "Start it with `docker start {name}` (its data is untouched by "
                    "this)"
                ).format(name=info.name, tail=_tail(started))
            )


def _quietly(report: Callable[[str], None], text: str) -> None:
    """Report a step or phase inside the protected region: a failure to report it is
    logged, never raised (the registry's start comes first)."""
    try:
        report(text)
    except Exception as error:  # a journal that cannot be written, a closed output
        logs.LOGGER.warning("garbage collection: reporting %r failed: %r", text, error)


def replace_running(info: ContainerInfo, *, running: bool) -> ContainerInfo:
    """`info` as if the container were running or not (where a command must run)."""
    return replace(info, running=running)


def _nothing_stored(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    """A registry that never stored a repository: its collector fails to find the
    repositories directory. There is nothing to collect, which is no failure."""
    text = result.stdout + result.stderr
    if result.returncode != 0 and "Path not found: /docker/registry/v2/repositories" in text:
        summary = "0 blobs marked, 0 blobs and 0 manifests eligible for deletion"
        return subprocess.CompletedProcess(result.args, 0, f"{summary}\n", result.stderr)
    return result


def _tail(result: subprocess.CompletedProcess[str], lines: int = 3) -> str:
    text = (result.stderr or result.stdout).strip().splitlines()
    return " / ".join(text[-lines:]) or _("exit status {returncode}").format(
        returncode=result.returncode
    )


def _engine_down(stderr: str) -> bool:
    return "Cannot connect to the Docker daemon" in stderr or "error during connect" in stderr
