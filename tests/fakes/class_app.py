"""The app of `buildtui class REF` over a fake class, for Pilot and snapshot tests."""

from __future__ import annotations

import asyncio

from textual.app import App
from textual.pilot import Pilot

from buildtui.app.classroom.app import ClassApp, make_class_app
from buildtui.app.classroom.pane import ClassPane
from buildtui.i18n import translator
from buildtui.settings import Settings
from tests.fakes.classroom import class_service
from tests.fakes.registry import FakeRegistry


def class_app(registry: FakeRegistry, *others: FakeRegistry, language: str = "en") -> ClassApp:
    settings = Settings()
    service = class_service(registry, *others, settings=settings)
    service.translate = translator(language)
    return make_class_app(settings, service, language)


def class_pane(app: App[None]) -> ClassPane:
    return app.screen.query_one(ClassPane)


async def settle_class(pilot: Pilot[None], timeout: float = 10.0) -> None:
    """Until the class is read and its digests checked, and nothing runs any more (the
    Class pane may be under another screen, as under a student's report)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    quiet = 0
    while quiet < 3 and loop.time() < deadline:
        await pilot.pause(0.02)
        panes = [pane for screen in pilot.app.screen_stack for pane in screen.query(ClassPane)]
        busy = any(not worker.is_finished for worker in pilot.app.workers)
        reading = any(pane.reading for pane in panes)
        quiet = 0 if busy or reading or not panes else quiet + 1
    await pilot.pause()
