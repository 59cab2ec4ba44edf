"""A garbage collection's types: what it is asked (`CollectionRequest`), its dry run
(`GcPreview`), its result and a resumed one's (`GcResult`, `ResumeResult`), the
repositories it removes, where a restart moved the registry (`address_after`), and the
registry container it runs in as a protocol, `ContainerControl`: `container.py`'s
`RegistryContainer` drives the real one with the docker CLI, the tests give a fake.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit, urlunsplit

from buildtui.cleanup.accounting import GcAccount
from buildtui.cleanup.distribution import RegistryVersion
from buildtui.cleanup.docker_output import ContainerInfo, GcOutput
from buildtui.i18n import N_, _
from buildtui.settings import Settings, cli_prefix

if TYPE_CHECKING:
    from buildtui.cleanup.verify import VerifyReport

MINUS_M_REFUSAL = N_(
    "garbage collection with -m/--delete-untagged is refused: on distribution 2.8 "
    "(registry:2) it deletes the platform manifests of tagged multi-arch indexes, "
    "so those images can no longer be pulled (distribution#3178, fixed only in "
    "v3). Delete untagged manifests with `{cli} rm --untagged REPO` (it keeps "
    "everything a tag needs), then run `{cli} gc`"
)
"""Said when -m is asked of a registry that is not distribution 3 (the reason follows)."""


def minus_m_refusal(settings: Settings) -> str:
    """`MINUS_M_REFUSAL` in the user's language, its commands with the user's flags."""
    return _(MINUS_M_REFUSAL).format(cli=cli_prefix(settings))


StepCallback = Callable[[str], None]
PhaseCallback = Callable[[str], None]
"""Told each phase of a collection: stopping, stopped, collecting, collected, starting,
started (the journal records them: what a resume must finish)."""


@dataclass(frozen=True)
class RepositoryRemoval:
    """A `--remove-empty-repo` repository: removed from storage, or why not."""

    name: str
    removed: bool
    reason: str = ""
    """Why it is (or would be) kept; empty when it is removable."""

    @property
    def line(self) -> str:
        if self.removed:
            return _("repository {name} removed from storage (it held no tag, no manifest)").format(
                name=self.name
            )
        if not self.reason:
            return _("repository {name} holds no tag and no manifest: it will be removed").format(
                name=self.name
            )
        return _("repository {name} kept: {reason}").format(name=self.name, reason=self.reason)


@dataclass(frozen=True)
class GcPreview:
    """A dry run, with the exact commands the real run will use."""

    info: ContainerInfo
    output: GcOutput
    kb: int | None
    commands: tuple[str, ...]
    warnings: tuple[str, ...] = ()
    repositories: tuple[RepositoryRemoval, ...] = ()
    """`--remove-empty-repo` repositories, checked in storage now (nothing removed)."""


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
    repositories: tuple[RepositoryRemoval, ...] = ()
    left_stopped: bool = False
    """The container was stopped before and is left stopped (no verification over HTTP)."""
    registry_url: str | None = None
    """The registry's address after the restart, when it differs from the configured one."""
    verification: VerifyReport | None = None
    """Every tag checked after the restart (None when the registry was left stopped)."""
    account: GcAccount | None = None
    """Predicted against measured (`accounting.account_for`), once the service adds it."""
    started: float | None = None
    """When the collection began (Unix time), for the lab's timeline."""

    @property
    def freed_kb(self) -> int | None:
        if self.kb_before is None or self.kb_after is None:
            return None
        return self.kb_before - self.kb_after


@dataclass(frozen=True)
class CollectionRequest:
    """What a garbage collection is asked to do (`collection.run_collection`)."""

    remove_repositories: tuple[str, ...] = ()
    start_stopped: bool = False
    delete_untagged: bool = False
    """-m: only where the container's registry is distribution 3 (it refuses otherwise)."""


@dataclass(frozen=True)
class ResumeResult:
    """What `buildtui gc --resume` did."""

    container: str
    started: bool
    registry_url: str | None
    verification: VerifyReport | None
    note: str = ""


class ContainerControl(Protocol):
    """The registry container (RegistryContainer; a fake in tests)."""

    name: str

    @property
    def docker(self) -> list[str]:
        """`docker` with the flags that reach the engine (for the commands proposed)."""
        ...

    def engine_id(self) -> str:
        """The engine's own ID (`docker info`), whatever address reaches it."""
        ...

    def inspect(self) -> ContainerInfo: ...

    def find(self, container_id: str) -> ContainerInfo | None:
        """The container with that ID, by its name now; None if it is gone."""
        ...

    def revisions(self, info: ContainerInfo | None = None) -> dict[str, set[str]]: ...

    def preview(self, *, delete_untagged: bool = False) -> GcPreview: ...

    def tag_times(self, info: ContainerInfo, repository: str) -> dict[str, float]: ...

    def registry_version(self, info: ContainerInfo | None = None) -> RegistryVersion: ...

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
    ) -> GcResult: ...

    def remove_empty_repository(
        self, info: ContainerInfo, name: str, *, check: bool = False
    ) -> RepositoryRemoval: ...

    def commands(
        self,
        info: ContainerInfo,
        *,
        dry_run: bool,
        start_stopped: bool = False,
        delete_untagged: bool = False,
    ) -> tuple[str, ...]: ...

    def publishing(self, port: int) -> list[str]: ...

    def named(self, name: str) -> ContainerControl:
        """The same kind of control for another container."""
        ...

    def running_collectors(self, name: str | None = None) -> list[str]: ...

    def wait_for(self, container_id: str, timeout: float = 600) -> None: ...

    def commands_in_flight(self, name: str) -> list[int]:
        """Docker commands a killed collection left acting on `name` (their PIDs)."""
        ...

    def wait_for_commands(self, name: str, timeout: float = 600) -> None: ...

    def start(self, info: ContainerInfo) -> None: ...


def address_after(url: str, before: ContainerInfo, after: ContainerInfo) -> str | None:
    """The registry's new URL when the restart moved the host port the URL names, else None."""
    parts = urlsplit(url)
    port = parts.port
    if port is None or port in after.host_ports:
        return None
    container_ports = [cport for cport, host in before.port_map if host == port]
    moved = [
        host
        for cport, host in after.port_map
        if cport in container_ports and host not in before.host_ports
    ]
    if not moved:
        return None
    host = parts.hostname or "localhost"
    host = f"[{host}]" if ":" in host else host
    return urlunsplit((parts.scheme, f"{host}:{moved[0]}", parts.path, "", ""))
