"""The Clean-up pane's messages: its workers' results, posted back to the pane, and what
its garbage collection (`gc.py`, a child widget) posts up to it."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from buildtui.cleanup.errors import CleanupError
from buildtui.cleanup.execute import ExecutionReport
from buildtui.cleanup.gc import GcPreview, GcResult, ResumeResult
from buildtui.cleanup.graph import RegistryGraph
from buildtui.cleanup.retention import RetentionChoice
from buildtui.cleanup.space import SpaceIndex, SpaceReport
from buildtui.cleanup.verify import VerifyReport
from buildtui.i18n import N_

UNEXPECTED_FAILURE = N_(
    "Unexpected failure in the Clean-up pane: {error!r}. Press r to refresh; please report this."
)
"""What the pane (or its garbage collection) says when one of its workers fails with an
error nothing expected."""


@dataclass
class Loaded(Message, namespace="cleanup_pane"):
    graph: RegistryGraph
    space: SpaceIndex | None = None
    report: SpaceReport | None = None


@dataclass
class RulesChosen(Message, namespace="cleanup_pane"):
    """What the retention rules delete (the pane selects it and shows the plan)."""

    choice: RetentionChoice


@dataclass
class Failed(Message, namespace="cleanup_pane"):
    what: str
    error: CleanupError


@dataclass
class Progress(Message, namespace="cleanup_pane"):
    done: int
    total: int
    what: str


@dataclass
class Executed(Message, namespace="cleanup_pane"):
    """A plan ran (completely, or up to `report.failed`)."""

    report: ExecutionReport


@dataclass
class Status(Message, namespace="cleanup_pane"):
    """Lines to show under the table, in place of the last ones."""

    lines: list[str]


@dataclass
class GcPrepared(Message, bubble=False, namespace="cleanup_pane"):
    """The garbage collection's dry run, and what to collect once it is confirmed (the
    garbage collection's own: it does not reach the pane)."""

    preview: GcPreview
    repositories: tuple[str, ...]
    delete_untagged: bool


@dataclass
class CollectionEnded(Message, namespace="cleanup_pane"):
    """A collection or a resumption ended, whatever its outcome: the registry was stopped
    and started again, or left stopped."""


@dataclass
class GcDone(Message, namespace="cleanup_pane"):
    result: GcResult


@dataclass
class Resumed(Message, namespace="cleanup_pane"):
    result: ResumeResult


@dataclass
class Verified(Message, namespace="cleanup_pane"):
    report: VerifyReport
