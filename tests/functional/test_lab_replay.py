"""`buildtui lab replay`: the Build pane replays a kept build; the history is not grown."""

from __future__ import annotations

from pathlib import Path

from buildtui.app.panes.build import BuildPane
from buildtui.app.replay import KeptHistory, ReplayApp
from buildtui.app.services import BuildServices
from buildtui.build.replay import ReplayService
from buildtui.cli import main
from tests.fakes.lab import record_build
from tests.fakes.services import fake_services, settle


async def test_the_build_pane_replays_the_kept_build(tmp_path: Path) -> None:
    settings, services = fake_services(tmp_path)
    assert services.build is not None
    history = services.build.history
    build_id = record_build(history, "lab-second-build.log", 100.0)
    record = history.get(build_id)
    pauses: list[float] = []
    services.build = BuildServices(
        runner=ReplayService(record, speed=4, sleep=pauses.append),
        history=KeptHistory(history, build_id),
        platforms=services.build.platforms,
    )
    app = ReplayApp(settings, services, record.entry.argv, "Replaying build 1")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        pane = app.query_one(BuildPane)
        for _ in range(50):
            if pane.live is not None and pane.live.summary is not None:
                break
            await pilot.pause(0.05)
            await app.workers.wait_for_complete()
        assert app.query_one("#panes").active == "build"  # type: ignore[attr-defined]
        assert pane.live is not None and pane.live.summary is not None
        assert (pane.live.summary.cached, pane.live.summary.total) == (10, 10)
        assert pane.live.argv == list(record.entry.argv)
    assert pauses  # it waited between lines (the fixed rate: no timing was kept)
    assert [e.id for e in history.list()] == [build_id]


def test_replay_refuses_a_build_that_is_not_there(capsys: object) -> None:
    assert main(["lab", "replay", "7"]) == 2
    assert main(["lab", "replay", "seven"]) == 2
    assert main(["lab", "replay", "1", "--speed", "0"]) == 2
    err = capsys.readouterr().err  # type: ignore[attr-defined]
    assert "There is no build 7 in the history." in err
    assert "BUILD is a build's number in the history, not 'seven'" in err
    assert "--speed must be above 0" in err
