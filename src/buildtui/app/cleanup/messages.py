"""The Clean-up pane's messages: its workers' results, posted back to the pane."""

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
class GcPrepared(Message, namespace="cleanup_pane"):
    preview: GcPreview


@dataclass
class GcDone(Message, namespace="cleanup_pane"):
    result: GcResult


@dataclass
class Resumed(Message, namespace="cleanup_pane"):
    result: ResumeResult


@dataclass
class Verified(Message, namespace="cleanup_pane"):
    report: VerifyReport
