"""The services the app is built from: real ones by default, fakes in tests.

Only types here (under TYPE_CHECKING): the app imports the real services after its
first frame (see `buildtui.app.wiring`), each one's module when its pane is first made
(`Services.load`), and they load python-on-whales when first used.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from buildtui.engine.status import EngineStatus
from buildtui.pane_ids import PaneId
from buildtui.settings import Settings

if TYPE_CHECKING:
    from buildtui.builds.evidence import EvidenceCollector
    from buildtui.builds.forecast import Forecasting
    from buildtui.builds.history import BuildHistory
    from buildtui.builds.runner import BuildService
    from buildtui.buildx.builders import BuildersBackend
    from buildtui.cleanup.service import CleanupBackend
    from buildtui.engine.events import EventSource
    from buildtui.forms import FormMemory
    from buildtui.lab.service import LabService
    from buildtui.registry.browser import RegistryBrowser


class StatusService(Protocol):
    """Tells the state of the engine and the lab registry (blocking; run in a thread)."""

    def probe(self) -> EngineStatus: ...


@dataclass
class BuildServices:
    """What the Build pane needs: a runner, the history and the builder's platforms."""

    runner: BuildService
    history: BuildHistory
    platforms: Callable[[], Sequence[str]]
    clock: Callable[[], float] = time.monotonic
    """Times the steps and the build (tests give a fixed one)."""
    evidence: EvidenceCollector | None = None
    """Records what a build starts from; None: the real collector (the Dockerfile and
    context hashes under the working directory)."""
    forecasting: Forecasting | None = None
    """Forecasts a build's cache misses before it runs (the form's preview, and each
    build, whose forecast is kept with it); None: no forecast."""


@dataclass
class Services:
    """Everything the app talks to. Constructing it does no I/O.

    A pane whose service is None says that it is not available.
    """

    settings: Settings
    status: StatusService
    builders: BuildersBackend | None = None
    build: BuildServices | None = None
    registry: RegistryBrowser | None = None
    cleanup: CleanupBackend | None = None
    lab: LabService | None = None
    forms: FormMemory | None = None
    """Where forms keep their last values across restarts (None: they are not kept)."""
    events: EventSource | None = None
    """The engine's container events (the registry's and the builders'), which make the
    status bar and the panes follow at once; None: only the periodic probe."""
    loader: Callable[[Services, PaneId], None] | None = None
    """Fills in the service of a pane (by its id) if it is not there yet: the real
    services are built, and their modules imported, when their pane is first made.
    None: every service is given (tests)."""
    _loading: threading.Lock = field(
        default_factory=threading.Lock, init=False, repr=False, compare=False
    )

    def load(self, pane_id: PaneId) -> None:
        """Build the service of `pane_id` if it is built on demand and not yet built
        (blocking: imports its modules; the app calls it from a thread worker)."""
        if self.loader is not None:
            with self._loading:
                self.loader(self, pane_id)
