"""The Clean-up pane's garbage collection as a widget of its own: what it posts up.

`GarbageCollection` is mounted here under a plain widget that records what reaches it,
with no Clean-up pane around: the widget needs nothing of the pane, and the pane needs
nothing from it but these messages (its Pilot tests, `test_cleanup_pane.py`, show what
the pane makes of them).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from textual import on
from textual.app import App, ComposeResult
from textual.message import Message
from textual.pilot import Pilot
from textual.widget import Widget

from buildtui.app.cleanup.gc import GarbageCollection
from buildtui.app.cleanup.messages import (
    CollectionEnded,
    Failed,
    GcDone,
    GcPrepared,
    Progress,
    Resumed,
    Status,
)
from buildtui.app.shared.confirm import ConfirmScreen
from buildtui.cleanup.errors import ContainerNotFound
from buildtui.cleanup.service import CleanupService
from tests.fakes.cleanup import FakeContainer, fake_cleanup_service, lab_fake_registry
from tests.fakes.services import workers_done


class Above(Widget):
    """Where the collection's messages arrive (the pane's place), recorded in order."""

    def __init__(self, collection: GarbageCollection) -> None:
        super().__init__()
        self.collection = collection
        self.received: list[Message] = []
        self.running_at_end: list[bool] = []
        """`running`, as each `CollectionEnded` arrives (the pane counts it as busy)."""

    def compose(self) -> ComposeResult:
        yield self.collection

    @on(Status)
    @on(Progress)
    @on(Failed)
    @on(GcDone)
    @on(Resumed)
    @on(GcPrepared)  # the collection's own: it must never get here
    def record(self, message: Message) -> None:
        self.received.append(message)

    @on(CollectionEnded)
    def ended(self, message: CollectionEnded) -> None:
        self.running_at_end.append(self.collection.running)
        self.received.append(message)

    def kinds(self) -> list[str]:
        return [type(message).__name__ for message in self.received]


class Host(App[None]):
    def __init__(self, service: CleanupService) -> None:
        super().__init__()
        self.above = Above(GarbageCollection(service))

    def compose(self) -> ComposeResult:
        yield self.above


@asynccontextmanager
async def hosted(service: CleanupService) -> AsyncIterator[tuple[Host, Pilot[None]]]:
    app = Host(service)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            yield app, pilot
    finally:
        await service.aclose()


async def quiet(pilot: Pilot[None]) -> None:
    """The workers done and the messages they posted handled."""
    for _ in range(3):
        await workers_done(pilot)
        await pilot.pause()


def statuses(above: Above) -> list[list[str]]:
    return [message.lines for message in above.received if isinstance(message, Status)]


async def test_a_confirmed_collection_posts_its_steps_its_end_and_its_result() -> None:
    registry = lab_fake_registry()
    container = FakeContainer(registry)
    async with hosted(fake_cleanup_service(registry, container)) as (app, pilot):
        app.above.collection.start()
        await quiet(pilot)
        # The dry run is shown, and asked about: nothing collected before the answer.
        assert isinstance(app.screen, ConfirmScreen)
        assert container.collected == 0
        assert app.above.kinds() == ["Status", "Status"]
        first, dry_run = statuses(app.above)
        assert first == ["Dry run of garbage collection in registry7…"]
        assert dry_run[0].startswith("Dry run: ")

        await pilot.click("#confirm-ok")
        await quiet(pilot)

        assert container.collected == 1
        kinds = app.above.kinds()
        assert kinds[:2] == ["Status", "Status"]
        assert kinds[-3:] == ["CollectionEnded", "Status", "GcDone"]
        steps = kinds[2:-3]
        assert steps and set(steps) == {"Progress"}
        assert app.above.running_at_end == [False]  # no longer running once it says so
        done = app.above.received[-1]
        assert isinstance(done, GcDone) and done.result.verification is not None
        assert done.result.verification.ok
        assert "Garbage collection in registry7: " in "\n".join(statuses(app.above)[-1])
        assert "GcPrepared" not in kinds


async def test_a_collection_that_cannot_run_posts_why_and_stops_nothing() -> None:
    registry = lab_fake_registry()
    container = FakeContainer(registry, missing=True)
    async with hosted(fake_cleanup_service(registry, container)) as (app, pilot):
        app.above.collection.start()
        await quiet(pilot)
        assert not isinstance(app.screen, ConfirmScreen)
        assert app.above.kinds() == ["Status", "Failed"]
        failed = app.above.received[-1]
        assert isinstance(failed, Failed) and isinstance(failed.error, ContainerNotFound)
        assert failed.what == "Garbage collection cannot run"
        assert not app.above.collection.running


async def test_a_collection_cancelled_at_its_confirmation_posts_nothing_more() -> None:
    registry = lab_fake_registry()
    container = FakeContainer(registry)
    async with hosted(fake_cleanup_service(registry, container)) as (app, pilot):
        app.above.collection.start()
        await quiet(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.click("#confirm-cancel")
        await quiet(pilot)
        assert container.collected == 0
        assert app.above.kinds() == ["Status", "Status"]


async def test_a_resumption_posts_its_steps_its_end_and_its_result() -> None:
    from buildtui.cleanup.journal import Journal

    registry = lab_fake_registry()
    container = FakeContainer(registry, running=False)
    registry.down = True
    service = fake_cleanup_service(registry, container)
    journal = Journal.begin(
        service.settings,
        service.collector.key_of(container.inspect()),
        "registry7",
        was_running=True,
    )
    journal.phase("collecting")  # its process died with registry7 stopped
    async with hosted(service) as (app, pilot):
        app.above.collection.resume()
        await quiet(pilot)
        assert container.running
        kinds = app.above.kinds()
        assert kinds[0] == "Status" and kinds[-3:] == ["CollectionEnded", "Status", "Resumed"]
        assert statuses(app.above)[0] == ["Resuming the interrupted garbage collection…"]
        assert "Resumed the interrupted garbage collection of registry7" in "\n".join(
            statuses(app.above)[-1]
        )
        assert app.above.running_at_end == [False]
        resumed = app.above.received[-1]
        assert isinstance(resumed, Resumed) and resumed.result.started
        assert resumed.result.verification is not None and resumed.result.verification.ok
