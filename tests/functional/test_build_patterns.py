"""F5 on a context whose `.dockerignore` holds issue 19's pattern: the app answers keys
while the context is read, the build starts, and Ctrl+Q quits; the build starts at once,
its context read beside it, and quitting while the context is still read leaves no build
running.

Each scenario runs in a forked child with a guard (tests/hang_guard.py): on the code
that hung, a backtracking regexp held the interpreter and froze the app (and this
test) for minutes.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from pathlib import Path

from textual.widgets import TabbedContent

from buildtui.builds.evidence import BuildEvidence, collect
from tests.fakes.build import ReplayBuildService, captured_log
from tests.fakes.build_app import build_app, build_pane
from tests.fakes.services import settle
from tests.hang_guard import finishes

EVIL = "*a" * 18 + "*c"


def _context(folder: Path) -> None:
    (folder / "Dockerfile_multi").write_text("FROM localhost:32769/busybox:latest AS build1\n")
    (folder / ".dockerignore").write_text(EVIL + "\n")
    (folder / ("a" * 40)).write_text("kept")
    (folder / ("a" * 39 + "c")).write_text("ignored")


def _f5_then_quit(folder: str) -> tuple[int, list[str], bool]:
    root = Path(folder)
    _context(root)
    service = ReplayBuildService(captured_log("lab-second-build.log"))
    app = build_app(service, root / "h.sqlite3")

    async def scenario() -> tuple[int, list[str], bool]:
        async with app.run_test(size=(150, 45)) as pilot:
            await settle(pilot)
            pane = build_pane(app)
            await pilot.click("#preset")
            await pilot.press("f5")
            await settle(pilot)
            live = pane.live
            assert live is not None and live.evidence is not None
            hashes = sorted(live.evidence.context_hashes or {})
            await pilot.press("ctrl+q")
            await pilot.pause(0.1)
            return len(service.started), hashes, app.is_running

    return asyncio.run(scenario())


def test_f5_on_a_backtracking_dockerignore_builds_and_the_app_quits(tmp_path: Path) -> None:
    started, hashes, running = finishes(_f5_then_quit, str(tmp_path))
    assert started == 1
    assert "a" * 40 in hashes and "a" * 39 + "c" not in hashes
    assert running is False


def _quit_while_reading(folder: str) -> tuple[bool, bool, int, int, bool]:
    root = Path(folder)
    _context(root)
    hold = threading.Event()  # the build runs until canceled
    service = ReplayBuildService(captured_log("lab-second-build.log"), hold=hold)
    reading, release = threading.Event(), threading.Event()

    def slow_evidence(argv: Sequence[str]) -> BuildEvidence:
        reading.set()
        release.wait(10)
        return collect(list(argv), cwd=root, data_dir=root)

    app = build_app(service, root / "h.sqlite3", evidence=slow_evidence)

    async def scenario() -> tuple[bool, bool, int, int, bool]:
        async with app.run_test(size=(150, 45)) as pilot:
            await settle(pilot)
            pane = build_pane(app)
            await pilot.click("#preset")
            await pilot.press("f5")
            for _ in range(200):
                if reading.is_set() and service.started:
                    break
                await pilot.pause(0.01)
            started_while_reading = len(service.started)  # the build did not wait for it
            await pilot.press("1")  # the app answers keys while the context is read
            await pilot.pause(0.05)
            switched = app.query_one("#panes", TabbedContent).active == "builders"
            await pilot.press("ctrl+q")
            await pilot.pause(0.1)
            running = app.is_running
        release.set()
        live = pane.live
        await asyncio.sleep(0.3)  # the thread that reads the context ends
        assert live is not None and live.stop_requested.is_set()
        canceled = all(process.canceled for process in service.processes)
        return switched, running, started_while_reading, len(service.started), canceled

    return asyncio.run(scenario())


def test_the_build_starts_while_the_context_is_read_and_quitting_stops_it(
    tmp_path: Path,
) -> None:
    switched, running, while_reading, started, canceled = finishes(
        _quit_while_reading, str(tmp_path)
    )
    assert switched is True
    assert running is False
    assert while_reading == 1 and started == 1
    assert canceled  # nothing left running once the app is gone


def _cli_build(folder: str) -> tuple[int, int, list[str]]:
    import io
    import os

    from buildtui.builds.history import BuildHistory
    from buildtui.commands.build import run_build

    root = Path(folder)
    _context(root)
    os.chdir(root)
    service = ReplayBuildService(captured_log("lab-second-build.log"))
    history = BuildHistory(root / "h.sqlite3")
    argv = ["docker", "buildx", "build", "-f", "Dockerfile_multi", "."]
    code = run_build(argv, service, io.StringIO(), history=history)
    evidence = history.earlier(BuildEvidence(str(root), str(root / "Dockerfile_multi"), None, {}))
    hashes: list[str] = []
    if evidence:
        assert evidence[0].evidence is not None  # built here: its evidence was kept
        hashes = sorted(evidence[0].evidence.context_hashes or {})
    return code, len(service.started), hashes


def test_buildtui_build_reaches_buildx_with_a_backtracking_dockerignore(tmp_path: Path) -> None:
    code, started, hashes = finishes(_cli_build, str(tmp_path))
    assert (code, started) == (0, 1)
    assert "a" * 40 in hashes and "a" * 39 + "c" not in hashes
