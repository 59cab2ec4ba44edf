"""The app follows the engine's events: a start or stop of the registry's container or of
a builder's BuildKit refreshes what shows them, once per burst.

`docker stop` is three events (kill, die, stop): they are gathered for `SETTLE` seconds,
then the app probes its status again, the Lab guide looks again, and the panes that
show the registry (after a registry change) or the builders (after a builder change)
read them again; their errors clear once the registry answers.
"""

from __future__ import annotations

from textual.app import App
from textual.message import Message
from textual.timer import Timer

from buildtui.app.messages import LabChanged
from buildtui.engine.events import ContainerChange

SETTLE = 0.3
"""Seconds the engine's events are gathered before the app follows them."""


class EngineChanged(Message):
    """The registry's container or a builder's BuildKit started or stopped (posted from
    the engine events' thread)."""

    def __init__(self, change: ContainerChange) -> None:
        super().__init__()
        self.change = change


class EngineFollower:
    """Gathers the engine's changes for the app and follows them once per burst."""

    def __init__(self, app: App[None]) -> None:
        self.app = app
        self.pending: set[str] = set()
        self._timer: Timer | None = None

    def post(self, change: ContainerChange) -> None:
        """From the engine events' thread: handled on the app's loop (`changed`)."""
        self.app.post_message(EngineChanged(change))

    def changed(self, change: ContainerChange) -> None:
        self.pending.add("registry" if change.registry else "builders")
        if self._timer is None:
            self._timer = self.app.set_timer(SETTLE, self.follow)

    def follow(self) -> None:
        changes, self.pending, self._timer = self.pending, set(), None
        # The status bar, the Lab guide and (a registry change) the registry's panes.
        self.app.post_message(LabChanged(registry_changed="registry" in changes))
        if "builders" in changes:
            for pane in self.app.query("TabPane#builders > *"):
                if hasattr(pane, "refresh_builders"):
                    pane.refresh_builders()
