"""On the real engine: a build that pushes to the lab registry refreshes the Registry pane
without a key pressed, and the Clean-up pane shows it once opened (it reads the registry
when shown, not in the background while hidden)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from buildtui.app.app import make_app
from buildtui.app.builds.pane import BuildPane
from buildtui.app.cleanup.pane import CleanupPane
from buildtui.app.registry.pane import RegistryPane
from buildtui.app.wiring import make_services
from buildtui.builds.options import argv_for_arguments
from buildtui.settings import Settings
from tests.fakes.services import settle
from tests.integration.lab import TestRegistry, unique


async def test_a_push_refreshes_the_registry_and_clean_up_panes(
    registry_factory: Callable[..., TestRegistry], base_image: str, tmp_path: Path
) -> None:
    lab = registry_factory()
    settings = Settings(registry_url=lab.url, registry_container=lab.container)
    (tmp_path / "Dockerfile").write_text(f"FROM {base_image}\nRUN echo pushed > /p\n")
    repository = unique("followed")
    argv = argv_for_arguments(
        ["--platform", "linux/amd64", "-t", lab.ref(repository, "1"), "--push", str(tmp_path)],
        settings,
    )
    app = make_app(settings, make_services(settings))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, timeout=30)
        await pilot.press("3")
        await settle(pilot, timeout=30)
        registry = app.query_one(RegistryPane)
        cleanup = app.query_one(CleanupPane)
        assert repository not in registry.repositories
        assert cleanup.graph is None  # never shown: the registry was not read for it
        app.query_one(BuildPane).start_build(argv)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 120
        while loop.time() < deadline and repository not in registry.repositories:
            await pilot.pause(0.2)
        assert repository in registry.repositories
        assert cleanup.graph is None
        await pilot.press("4")
        while loop.time() < deadline:
            await pilot.pause(0.2)
            graph = cleanup.graph
            if graph is not None and repository in graph.repositories:
                break
        assert cleanup.graph is not None
        assert repository in cleanup.graph.repositories
