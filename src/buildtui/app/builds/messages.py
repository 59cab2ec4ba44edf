"""The Build pane's messages: its workers' results, posted back to the pane."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from textual.message import Message

from buildtui.builds.live import LiveBuild


class PlatformsLoaded(Message, namespace="build_pane"):
    def __init__(self, platforms: Sequence[str], problem: str | None = None) -> None:
        super().__init__()
        self.platforms = list(platforms)
        self.problem = problem


@dataclass
class BuildStarted(Message, namespace="build_pane"):
    live: LiveBuild


@dataclass
class BuildProgress(Message, namespace="build_pane"):
    """New lines were parsed; bursts merge into one message."""

    live: LiveBuild

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, BuildProgress) and message.live is self.live


@dataclass
class BuildFinished(Message, namespace="build_pane"):
    live: LiveBuild


@dataclass
class BuildNotStarted(Message, namespace="build_pane"):
    live: LiveBuild
    problem: str
