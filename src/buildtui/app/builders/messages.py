"""The Builders pane's messages: its workers' results, posted back to the pane.

The namespace keeps the handler names a message nested in `BuildersPane` would have
(`on_builders_pane_loaded` ...); the pane also names them (`BuildersPane.Loaded`).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from buildtui.buildx.errors import BuildxError
from buildtui.buildx.models import BuilderList


@dataclass
class Loaded(Message, namespace="builders_pane"):
    """A fresh list of builders from the refresh worker."""

    listing: BuilderList


@dataclass
class LoadFailed(Message, namespace="builders_pane"):
    error: BuildxError


@dataclass
class ActionDone(Message, namespace="builders_pane"):
    """An action finished: say so, then list again."""

    text: str


@dataclass
class ActionFailed(Message, namespace="builders_pane"):
    action: str
    error: BuildxError
