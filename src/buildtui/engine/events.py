"""Follow the engine's events (`docker events`, through python-on-whales) for the lab
registry's container and the builders' BuildKit containers, so that what the app shows
changes within a second or two of `docker stop registry7` or `docker start registry7`
instead of at the next periodic probe.

`docker events` runs in windows of `WINDOW` seconds (`--since` the end of the previous
one, `--until` the end of this one): python-on-whales gives no handle to stop the
process, so each one ends by itself, and nothing is missed between two windows. The
windows run in a daemon thread: quitting never waits for one to end. An engine that
does not answer is tried again every `RETRY` seconds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from buildtui import logs
from buildtui.settings import Settings

if TYPE_CHECKING:
    from python_on_whales.components.system.models import DockerEvent

WINDOW = 15.0
"""Seconds each `docker events` process follows the engine before the next one starts."""
RETRY = 5.0
"""Seconds before following again when the engine did not answer."""
READY_TIMEOUT = 15.0
"""Seconds a started registry container is given to answer on its port."""
BUILDKIT_PREFIX = "buildx_buildkit_"
"""A docker-container builder's node runs in `buildx_buildkit_<node>`."""
UP = frozenset({"start", "restart", "unpause"})
DOWN = frozenset({"die", "stop", "kill", "pause", "destroy", "oom"})
"""The container actions that change whether it runs (others: exec, attach ... ignored)."""


@dataclass(frozen=True)
class ContainerChange:
    """A watched container started or stopped."""

    container: str
    action: str
    registry: bool
    """The lab registry's container (else a builder's BuildKit container)."""

    @property
    def up(self) -> bool:
        return self.action in UP


class EventSource(Protocol):
    """What the app needs from the engine's events; fakes for tests implement it too."""

    def start(self, on_change: Callable[[ContainerChange], None]) -> None: ...

    def stop(self) -> None: ...


EventStream = Callable[[datetime, datetime], Iterable["DockerEvent"]]
"""The engine's container events between two times (a `docker events` window)."""


def relevant(event: DockerEvent, registry_container: str) -> ContainerChange | None:
    """The change a container event makes to what the app shows, if any (pure)."""
    action = (event.action or "").split(":", 1)[0]  # `exec_start: sh` and the like
    attributes = (event.actor.attributes if event.actor else None) or {}
    name = str(attributes.get("name", ""))
    if event.type != "container" or action not in UP | DOWN or not name:
        return None
    if name == registry_container:
        return ContainerChange(name, action, registry=True)
    if name.startswith(BUILDKIT_PREFIX):
        return ContainerChange(name, action, registry=False)
    return None


def registry_answers(settings: Settings, timeout: float = 1.0) -> bool:
    """Whether the lab registry's `/v2/` answers (200, or 401 behind authentication),
    through the same proxies and TLS trust as the registry client."""
    import httpx  # not before the app's first frame

    from buildtui.registry.errors import RegistryError
    from buildtui.registry.network import network_for
    from buildtui.registry.one_shot import one_shot

    url = settings.registry_url
    try:
        transport = network_for(settings).transport()
        deadline = time.monotonic() + 2 * timeout  # a reply that trickles on ends too
        with httpx.Client(base_url=url, timeout=timeout, transport=transport) as http:
            return one_shot(http, "GET", "/v2/", deadline=deadline).status in (200, 401)
    except (httpx.HTTPError, OSError, RegistryError):  # RegistryError: a proxy or a
        return False  # certs.d file it cannot use


class EngineEvents:
    """Calls `on_change` (from its own thread) for each start or stop of the registry's
    container or of a builder's BuildKit container. A registry container that started
    is reported once its registry answers (or after READY_TIMEOUT), so that reading it
    then finds it up."""

    def __init__(
        self,
        settings: Settings,
        *,
        stream: EventStream | None = None,
        answers: Callable[[Settings], bool] = registry_answers,
        window: float = WINDOW,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.settings = settings
        self._stream = stream or self._docker_events
        self._answers = answers
        self.window = window
        self._clock = clock
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, on_change: Callable[[ContainerChange], None]) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(
            target=self._follow, args=(on_change,), name="buildtui-engine-events", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """No more calls after this returns (the current window's process ends by itself)."""
        self._stopped.set()

    def _docker_events(self, since: datetime, until: datetime) -> Iterator[DockerEvent]:
        from buildtui.engine.client import make_docker_client

        client = make_docker_client(self.settings)
        yield from client.system.events(since=since, until=until, filters={"type": "container"})

    def _follow(self, on_change: Callable[[ContainerChange], None]) -> None:
        since = self._clock()
        while not self._stopped.is_set():
            until = max(self._clock(), since) + timedelta(seconds=self.window)
            try:
                for event in self._stream(since, until):
                    if self._stopped.is_set():
                        return
                    change = relevant(event, self.settings.registry_container)
                    if change is not None:
                        self._report(change, on_change)
            except Exception as error:  # the engine went away, the CLI is missing ...
                logs.LOGGER.debug("engine events: %s", error)
                if self._stopped.wait(RETRY):
                    return
                since = self._clock()
                continue
            since = until

    def _report(
        self, change: ContainerChange, on_change: Callable[[ContainerChange], None]
    ) -> None:
        if not (change.registry and change.up):
            on_change(change)
            return

        def when_it_answers() -> None:
            deadline = time.monotonic() + READY_TIMEOUT
            while not self._answers(self.settings):
                if time.monotonic() > deadline or self._stopped.wait(0.1):
                    break
            if not self._stopped.is_set():
                on_change(change)

        threading.Thread(
            target=when_it_answers, name="buildtui-registry-ready", daemon=True
        ).start()
