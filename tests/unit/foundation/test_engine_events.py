"""Which engine events the app follows, and how the event windows follow each other."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from python_on_whales.components.system.models import DockerEvent

from buildtui.engine.events import ContainerChange, EngineEvents, relevant
from buildtui.settings import Settings

SETTINGS = Settings(registry_container="registry7")
T0 = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def event(action: str, name: str, kind: str = "container") -> DockerEvent:
    return DockerEvent.model_validate(
        {"Type": kind, "Action": action, "Actor": {"ID": "c0ffee", "Attributes": {"name": name}}}
    )


def test_only_the_registry_and_the_builders_starts_and_stops_count() -> None:
    assert relevant(event("die", "registry7"), "registry7") == ContainerChange(
        "registry7", "die", registry=True
    )
    start = relevant(event("start", "buildx_buildkit_lab70"), "registry7")
    assert start == ContainerChange("buildx_buildkit_lab70", "start", registry=False)
    assert start is not None and start.up
    assert relevant(event("exec_start: sh -c ls", "registry7"), "registry7") is None
    assert relevant(event("die", "someone-elses"), "registry7") is None
    assert relevant(event("die", "registry7", kind="network"), "registry7") is None
    assert relevant(event("health_status: healthy", "registry7"), "registry7") is None
    assert (
        relevant(DockerEvent.model_validate({"Type": "container", "Action": "die"}), "registry7")
        is None
    )


class Windows:
    """Stands for `docker events`: records each window, plays events in the second."""

    def __init__(self, plays: dict[int, list[DockerEvent]], fail_first: bool = False) -> None:
        self.windows: list[tuple[datetime, datetime]] = []
        self.plays = plays
        self.fail_first = fail_first
        self.done = threading.Event()

    def __call__(self, since: datetime, until: datetime) -> Iterator[DockerEvent]:
        self.windows.append((since, until))
        if self.fail_first and len(self.windows) == 1:
            raise RuntimeError("Cannot connect to the Docker daemon")
        yield from self.plays.get(len(self.windows), [])
        if len(self.windows) >= 3:
            self.done.set()
            threading.Event().wait(0.05)


def test_windows_follow_each_other_and_a_started_registry_waits_until_it_answers() -> None:
    clock = iter(T0 + timedelta(seconds=n) for n in range(1000))
    stream = Windows({2: [event("stop", "registry7"), event("start", "registry7")]})
    answered = threading.Event()
    asked: list[str] = []

    def answers(settings: Settings) -> bool:
        asked.append(settings.registry_url)
        return len(asked) >= 3  # the third look finds it up

    changes: list[tuple[str, bool]] = []
    reported = threading.Event()

    def on_change(change: ContainerChange) -> None:
        changes.append((change.action, len(asked) >= 3))
        if change.up:
            answered.set()
        if len(changes) == 2:
            reported.set()

    events = EngineEvents(
        SETTINGS, stream=stream, answers=answers, window=10, clock=lambda: next(clock)
    )
    events.start(on_change)
    assert stream.done.wait(5) and reported.wait(5)
    events.stop()
    # Each window starts where the one before ended: nothing between two is missed.
    (s1, u1), (s2, u2), (s3, _) = stream.windows[:3]
    assert s2 == u1 and s3 == u2 and u1 - s1 >= timedelta(seconds=10)
    # The stop at once; the start once the registry answered.
    assert changes == [("stop", False), ("start", True)]


def test_an_engine_that_does_not_answer_is_followed_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from buildtui.engine import events as module

    monkeypatch.setattr(module, "RETRY", 0.01)
    stream = Windows({2: [event("die", "buildx_buildkit_lab70")]}, fail_first=True)
    got = threading.Event()
    events = EngineEvents(SETTINGS, stream=stream, window=0.01)
    events.start(lambda change: got.set())
    assert got.wait(5)
    events.stop()
    assert len(stream.windows) >= 2


def test_nothing_is_reported_after_stop() -> None:
    release = threading.Event()
    changes: list[ContainerChange] = []

    def held(since: datetime, until: datetime) -> Iterator[DockerEvent]:
        release.wait(5)
        yield event("die", "registry7")

    events = EngineEvents(SETTINGS, stream=held, window=0.01)
    events.start(changes.append)
    events.stop()
    release.set()
    threading.Event().wait(0.1)
    assert changes == []
