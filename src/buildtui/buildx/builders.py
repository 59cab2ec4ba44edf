"""`BuildersService`: list, create, use, bootstrap, stop, remove, inspect, du and prune.

Blocking (subprocess and python-on-whales): call it from a thread, never the UI loop.
Every failure is a `BuildxError` whose message says what happened and what to do.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import subprocess
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

from buildtui import l10n, logs
from buildtui.buildx import commands
from buildtui.buildx.commands import CreatePlan
from buildtui.buildx.errors import (
    BootstrapCancelled,
    BuildxCommandFailed,
    BuildxError,
    EngineUnavailable,
    PreviousBuilderKept,
    daemon_down,
    error_from_stderr,
)
from buildtui.buildx.models import (
    Builder,
    BuilderList,
    CacheRecord,
    CreateRequest,
    DiskUsage,
    Inspection,
    PruneOptions,
    PrunePreview,
    PruneResult,
)
from buildtui.buildx.parsing import (
    LS_FORMAT,
    ParseError,
    parse_du,
    parse_go_duration,
    parse_human_duration,
    parse_inspect,
    parse_ls_table,
    parse_ls_template,
)
from buildtui.engine.client import docker_command, make_docker_client
from buildtui.i18n import N_, _
from buildtui.private_files import write_private
from buildtui.settings import Settings, data_dir

if TYPE_CHECKING:
    from python_on_whales import DockerClient

T = TypeVar("T")
DEFAULT_TIMEOUT = 120.0
CANCEL_GRACE = 3.0


class BootstrapProgress(Protocol):
    """A running bootstrap: its progress lines, a way to stop it, and its outcome."""

    @property
    def command(self) -> str: ...

    def lines(self) -> Iterator[str]: ...

    def cancel(self) -> None: ...

    def wait(self) -> Inspection: ...


class BuildersBackend(Protocol):
    """What the Builders pane and `buildtui builders` need; fakes implement it too."""

    settings: Settings

    @property
    def command_prefix(self) -> list[str]: ...

    def list(self) -> BuilderList: ...

    def plan_create(self, request: CreateRequest) -> CreatePlan: ...

    def create(self, plan: CreatePlan) -> str: ...

    def use(self, name: str) -> None: ...

    def start_bootstrap(self, name: str) -> BootstrapProgress: ...

    def stop(self, name: str) -> None: ...

    def remove(self, name: str, *, keep_state: bool = False, keep_daemon: bool = False) -> None: ...

    def inspect(self, name: str) -> Inspection: ...

    def disk_usage(self, name: str | None = None) -> DiskUsage: ...

    def prune_preview(self, name: str | None, options: PruneOptions) -> PrunePreview: ...

    def prune(self, name: str | None, options: PruneOptions) -> PruneResult: ...


class BootstrapRun:
    """`docker buildx inspect --bootstrap NAME` in its own process group, so it can be killed."""

    def __init__(
        self, argv: Sequence[str], name: str, inspect: Callable[[str], Inspection]
    ) -> None:
        self.name = name
        self.command = commands.render_command([], argv)
        self._inspect = inspect
        self._cancelled = threading.Event()
        self._stderr: list[str] = []
        env = dict(os.environ, BUILDKIT_PROGRESS="plain")
        logs.command(argv)
        try:
            self._process = subprocess.Popen(
                list(argv),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
                bufsize=1,
                env=env,
                start_new_session=True,
            )
        except FileNotFoundError:
            raise EngineUnavailable("the docker CLI is not installed") from None

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    @property
    def pid(self) -> int:
        return self._process.pid

    def lines(self) -> Iterator[str]:
        """Progress lines as buildx prints them (plain mode), until it exits."""
        stream = self._process.stderr
        if stream is None:
            return
        for line in stream:
            line = line.rstrip("\n")
            self._stderr.append(line)
            yield line

    def _signal(self, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._process.pid, sig)

    def cancel(self) -> None:
        """Stop the bootstrap: SIGTERM to docker and its buildx plugin (SIGKILL if they linger)."""
        self._cancelled.set()
        if self._process.poll() is None:
            self._signal(signal.SIGTERM)

    def wait(self) -> Inspection:
        """The builder as inspected after a successful bootstrap; else the explained error."""
        for _line in self.lines():
            pass
        try:
            returncode = self._process.wait(timeout=CANCEL_GRACE if self.cancelled else None)
        except subprocess.TimeoutExpired:
            self._signal(signal.SIGKILL)
            returncode = self._process.wait()
        if self.cancelled:
            raise BootstrapCancelled(self.name)
        if returncode != 0:
            raise error_from_stderr(
                "\n".join(self._stderr), action=N_("bootstrap"), builder=self.name
            )
        return self._inspect(self.name)


class BuildersService:
    """buildx builders on the engine the settings name (context or host)."""

    def __init__(self, settings: Settings, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.settings = settings
        self.timeout = timeout

    @functools.cached_property
    def _docker(self) -> DockerClient:
        """Made on first use: python-on-whales (with pydantic) is loaded only then."""
        return make_docker_client(self.settings)

    @property
    def command_prefix(self) -> list[str]:
        # Hand-built argv for create/rm/prune/du/bootstrap: the pane and the twin show the
        # exact `docker buildx` command, and bootstrap streams its progress.
        return docker_command(self.settings)

    def _run(
        self,
        args: Sequence[str],
        *,
        action: str,
        builder: str | None = None,
        timeout: float | None = None,
    ) -> str:
        argv = [*self.command_prefix, *args]
        started = logs.command(argv)
        try:
            result = subprocess.run(
                argv,
                capture_output=True,
                text=True,
                timeout=timeout or self.timeout,
                check=False,
                stdin=subprocess.DEVNULL,
                env=dict(os.environ, BUILDKIT_PROGRESS="plain"),
            )
        except FileNotFoundError:
            raise EngineUnavailable(_("the docker CLI is not installed")) from None
        except subprocess.TimeoutExpired:
            waited = timeout or self.timeout
            raise BuildxCommandFailed(
                action,
                _("`{command}` gave no answer in {seconds}").format(
                    command=f"docker {' '.join(args[:2])}", seconds=l10n.seconds(waited, 0)
                ),
            ) from None
        logs.finished(argv, result.returncode, started)
        if result.returncode != 0:
            raise error_from_stderr(result.stderr, action=action, builder=builder)
        return result.stdout

    def _whales(self, call: Callable[[], object], *, action: str, builder: str) -> None:
        from python_on_whales.client_config import ClientNotFoundError
        from python_on_whales.exceptions import DockerException

        try:
            call()
        except ClientNotFoundError:
            raise EngineUnavailable(_("the docker CLI is not installed")) from None
        except DockerException as error:
            raise error_from_stderr(error.stderr or "", action=action, builder=builder) from None

    # -- list -------------------------------------------------------------------------

    def list(self) -> BuilderList:
        """Every builder with its nodes, and the one buildx uses when none is named."""
        try:
            text = self._run(["buildx", "ls", "--format", LS_FORMAT], action=N_("List builders"))
            builders = _parsed(parse_ls_template, text, N_("List builders"))
        except BuildxCommandFailed as error:
            if "unknown flag: --format" not in error.detail:
                raise
            text = self._run(["buildx", "ls"], action=N_("List builders"))
            builders = _parsed(parse_ls_table, text, N_("List builders"))
        return current_builder(builders, os.environ.get("BUILDX_BUILDER", ""))

    # -- create, use ------------------------------------------------------------------

    def plan_create(self, request: CreateRequest) -> CreatePlan:
        return commands.plan_create(request, data_dir=data_dir())

    def create(self, plan: CreatePlan) -> str:
        """Write the preset's buildkitd.toml if any, run `buildx create`; the builder's name.

        `create --use` switches to the new builder before it starts; when it cannot start
        (`--bootstrap` failed), the builder that was in use before is made current again
        and the error says so (`PreviousBuilderKept`).
        """
        if plan.config_path is not None and plan.config_text is not None:
            write_config(plan.config_path, plan.config_text)
        previous = None
        if plan.options.use and plan.options.mode == "new":
            previous = self._current_or_none()
        try:
            out = self._run(
                plan.args, action=N_("Create builder"), builder=plan.options.name or None
            )
        except BuildxError as error:
            if previous is not None:
                now = self._current_or_none()
                if now is not None and now != previous:
                    self.use(previous)
                    raise PreviousBuilderKept(error, now, previous) from error
            raise
        lines = [line.strip() for line in out.splitlines() if line.strip()]
        return lines[-1] if lines else plan.options.name

    def _current_or_none(self) -> str | None:
        """The builder buildx uses now, as `buildx use` set it (None: unknown or chosen by
        BUILDX_BUILDER, which `buildx use` does not change)."""
        try:
            listing = self.list()
        except BuildxError:
            return None
        return listing.current if listing.current_source == "buildx" else None

    def use(self, name: str) -> None:
        """Make it the current builder (`docker buildx use NAME`)."""
        self._whales(lambda: self._docker.buildx.use(name), action=N_("Use builder"), builder=name)

    # -- bootstrap, stop, remove --------------------------------------------------------

    def start_bootstrap(self, name: str) -> BootstrapRun:
        return BootstrapRun(
            [*self.command_prefix, *commands.bootstrap_args(name)], name, self.inspect
        )

    def bootstrap(self, name: str, on_line: Callable[[str], None] | None = None) -> Inspection:
        run = self.start_bootstrap(name)
        for line in run.lines():
            if on_line is not None:
                on_line(line)
        return run.wait()

    def stop(self, name: str) -> None:
        self._whales(
            lambda: self._docker.buildx.stop(name), action=N_("Stop builder"), builder=name
        )

    def remove(self, name: str, *, keep_state: bool = False, keep_daemon: bool = False) -> None:
        self._run(
            commands.remove_args(name, keep_state=keep_state, keep_daemon=keep_daemon),
            action=N_("Remove builder"),
            builder=name,
        )

    # -- inspect, du, prune -------------------------------------------------------------

    def inspect(self, name: str) -> Inspection:
        text = self._run(commands.inspect_args(name), action=N_("Inspect builder"), builder=name)
        return _parsed(parse_inspect, text, N_("Inspect builder"))

    def disk_usage(self, name: str | None = None, filters: Sequence[str] = ()) -> DiskUsage:
        text = self._run(
            commands.du_args(name, filters=filters), action=N_("Disk usage"), builder=name
        )
        return _parsed(parse_du, text, N_("Disk usage"))

    def prune_preview(self, name: str | None, options: PruneOptions) -> PrunePreview:
        """What `prune` with these options would remove, as far as `buildx du` tells."""
        commands.validate_prune(options)
        server_filters = [f for f in options.filters if f.partition("=")[0] not in _TIME_FILTERS]
        usage = self.disk_usage(name, server_filters)
        return select_prunable(name or "", usage, options)

    def prune(self, name: str | None, options: PruneOptions) -> PruneResult:
        commands.validate_prune(options)
        text = self._run(commands.prune_args(name, options), action=N_("Prune"), builder=name)
        usage = _parsed(parse_du, text, N_("Prune"))
        result = PruneResult(name or "", usage.records, usage.total)
        from buildtui.lab_records import RecordBook  # the lab guide sees the prune

        with contextlib.suppress(OSError):
            RecordBook().add_prune(
                name or "", sum(r.size_bytes for r in result.records), len(result.records)
            )
        return result


def _parsed(parse: Callable[[str], T], text: str, action: str) -> T:
    """Parse buildx output; output that does not parse is a BuildxError, not a crash."""
    try:
        return parse(text)
    except ParseError as error:
        raise BuildxCommandFailed(
            action, _("buildx printed something unexpected ({error})").format(error=error)
        ) from None


_TIME_FILTERS = ("until", "unused-for")
_NOT_PRUNED_WITHOUT_ALL = ("internal", "frontend")


def write_config(path: Path, text: str) -> None:
    write_private(path, text)


def current_builder(builders: Sequence[Builder], env_builder: str) -> BuilderList:
    """Which builder buildx uses when none is named, as buildx decides it.

    `BUILDX_BUILDER` wins (it is the default of buildx's global --builder flag); else the
    builder `buildx ls` marks with `*` (`buildx use`, per Docker context, else the
    context's own builder). An engine that does not answer is one error, not a list.
    """
    down = [reason for b in builders if b.error and (reason := daemon_down(b.error))]
    if down and not any(node.status == "running" for b in builders for node in b.nodes):
        raise EngineUnavailable(down[0])
    names = {b.name for b in builders}
    env_builder = env_builder.strip().lower()
    if env_builder:
        marked = tuple(replace(b, current=b.name == env_builder) for b in builders)
        warning = None
        if env_builder not in names:
            warning = (
                f'BUILDX_BUILDER={env_builder} names no builder: builds fail with "no builder '
                f'found". Unset BUILDX_BUILDER or create the builder "{env_builder}"'
            )
        return BuilderList(
            marked, env_builder if env_builder in names else None, "BUILDX_BUILDER", warning
        )
    current = next((b.name for b in builders if b.current), None)
    return BuilderList(tuple(builders), current, "buildx")


def select_prunable(name: str, usage: DiskUsage, options: PruneOptions) -> PrunePreview:
    """The records BuildKit's prune is expected to remove (in-use ones never go).

    Without --all, internal, frontend and shared records stay. `until`/`unused-for` and
    `--keep-storage` are judged from du's rounded ages and sizes: an estimate.
    """
    records = [r for r in usage.records if r.reclaimable and not r.in_use]
    if not options.all:
        records = [
            r for r in records if r.record_type not in _NOT_PRUNED_WITHOUT_ALL and not r.shared
        ]
    estimate = False
    for item in options.filters:
        key, _unused, value = item.partition("=")
        if key in _TIME_FILTERS:
            limit = parse_go_duration(value)
            records = [r for r in records if (_age(r) or 0.0) >= limit]
            estimate = True
    if options.keep_storage:
        keep = _bytes_limit(options.keep_storage)
        total = usage.total_bytes
        chosen: list[CacheRecord] = []
        for record in sorted(records, key=lambda r: _age(r) or 0.0, reverse=True):
            if total <= keep:
                break
            chosen.append(record)
            total -= record.size_bytes
        records = chosen
        estimate = True
    return PrunePreview(name, options, tuple(records), estimate)


def _age(record: CacheRecord) -> float | None:
    return parse_human_duration(record.last_accessed) if record.last_accessed else None


def _bytes_limit(text: str) -> int:
    """docker's --keep-storage: RAMInBytes (binary units: 1GB = 1024**3)."""
    text = text.strip().lower().removesuffix("b").removesuffix("i")
    scale = {"k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4, "p": 1024**5}
    if text and text[-1] in scale:
        return int(float(text[:-1]) * scale[text[-1]])
    return int(float(text or 0))
