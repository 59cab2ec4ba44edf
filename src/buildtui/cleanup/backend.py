"""What the Clean-up pane needs from the clean-up service (no httpx, no docker here).

`CleanupService` implements it over HTTP and the docker CLI; tests give the pane the
same service over an in-memory registry and container.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from buildtui.cleanup.execute import DeletionResult, ExecutionReport, ProgressCallback
from buildtui.cleanup.gc import GcPreview, GcResult, ResumeResult, StepCallback
from buildtui.cleanup.graph import RegistryGraph, TagRef
from buildtui.cleanup.plan import Plan, Selection
from buildtui.cleanup.retention import RetentionChoice, RetentionRules
from buildtui.cleanup.space import SpaceIndex
from buildtui.cleanup.verify import VerifyReport
from buildtui.registry.scan import ProgressCallback as ScanProgress
from buildtui.settings import Settings


class CollectorBackend(Protocol):
    """What the Clean-up pane needs of the service's garbage collection
    (`collector.Collector`)."""

    def preview_gc(
        self,
        remove_repositories: Sequence[str] = (),
        *,
        start_stopped: bool = False,
        delete_untagged: bool = False,
    ) -> GcPreview: ...

    async def collect_garbage(
        self,
        on_step: StepCallback | None = None,
        *,
        remove_repositories: Sequence[str] = (),
        start_stopped: bool = False,
        delete_untagged: bool = False,
    ) -> GcResult: ...

    async def resume_gc(self, on_step: StepCallback | None = None) -> ResumeResult: ...

    def interruption(self) -> str | None:
        """What an interrupted garbage collection left to do, or None."""
        ...


class CleanupBackend(Protocol):
    """What the Clean-up pane needs; the fake for pane tests implements the same."""

    settings: Settings

    @property
    def collector(self) -> CollectorBackend:
        """The garbage collection of this registry's container."""
        ...

    @property
    def registry(self) -> str: ...

    @property
    def container_name(self) -> str: ...

    async def load(self, on_progress: ScanProgress | None = None) -> RegistryGraph: ...

    def plan(
        self, graph: RegistryGraph, selections: Sequence[Selection], *, allow_tag_loss: bool = False
    ) -> Plan: ...

    async def execute(
        self, plan: Plan, on_progress: ProgressCallback | None = None
    ) -> ExecutionReport: ...

    async def verify(self, graph: RegistryGraph, tags: Sequence[TagRef]) -> VerifyReport: ...

    async def delete_and_verify(
        self,
        plan: Plan,
        graph: RegistryGraph | None,
        on_progress: ProgressCallback | None = None,
        *,
        holder: str = "",
        on_deleted: Callable[[ExecutionReport], None] | None = None,
    ) -> DeletionResult:
        """Delete, then verify the tags left, under the registry container's lock."""
        ...

    async def wait_until_up(self, timeout: float = 20.0) -> None: ...

    def space_index(self, graph: RegistryGraph) -> SpaceIndex:
        """What deleting any selection of the graph frees, and the ranking (pure)."""
        ...

    async def retention(
        self, graph: RegistryGraph, repository: str, rules: RetentionRules
    ) -> RetentionChoice:
        """What the rules delete (RuleError when they cannot apply)."""
        ...

    def exclusive(self, what: str, command: str = "") -> AbstractAsyncContextManager[None]:
        """The registry container's lock: no collection stops the registry meanwhile."""
        ...

    async def aclose(self) -> None: ...
