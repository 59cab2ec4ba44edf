"""The services the app is built from: real ones by default, fakes in tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from buildtui.engine.status import EngineStatus
from buildtui.settings import Settings


class StatusService(Protocol):
    """Tells the state of the engine and the lab registry (blocking; run in a thread)."""

    def probe(self) -> EngineStatus: ...


class EngineStatusService:
    """The real engine and registry, probed with the docker CLI and HTTP."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def probe(self) -> EngineStatus:
        # Imported here: python-on-whales and httpx cost ~0.3 s, after the first frame.
        from buildtui.engine.probe import probe_engine

        return probe_engine(self.settings)


@dataclass
class Services:
    """Everything the app talks to. Constructing it does no I/O."""

    settings: Settings
    status: StatusService


def make_services(settings: Settings) -> Services:
    return Services(settings=settings, status=EngineStatusService(settings))
