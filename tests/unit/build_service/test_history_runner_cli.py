"""History in sqlite, the process runner (on `sh`, not docker) and the CLI twin with a fake."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from buildtui.buildlog.model import BuildModel
from buildtui.buildlog.summary import BuildSummary, summarize
from buildtui.builds.errors import BuildUnavailable, HistoryError
from buildtui.builds.history import BuildHistory, default_path
from buildtui.builds.live import LiveBuild
from buildtui.builds.runner import KILL_AFTER, RunningBuild, split_lines
from buildtui.commands.build import run_build
from buildtui.settings import data_dir
from tests.fakes.build import ReplayBuildService, captured_log


def summary_of(name: str, wall: float) -> BuildSummary:
    model = BuildModel()
    model.feed(captured_log(name))
    model.finish()
    return summarize(model, exit_code=0, wall_seconds=wall)


def test_history_keeps_builds_and_compares_them(tmp_path: Path) -> None:
    history = BuildHistory(tmp_path / "h.sqlite3")
    first_log = captured_log("lab-first-build.log")
    first = history.add(
        started=1000.0,
        argv=["docker", "buildx", "build", "."],
        command="docker buildx build .",
        summary=summary_of("lab-first-build.log", 3.3),
        log_lines=first_log,
    )
    second = history.add(
        started=2000.0,
        argv=["docker", "buildx", "build", "."],
        command="docker buildx build .",
        summary=summary_of("lab-second-build.log", 2.1),
        log_lines=captured_log("lab-second-build.log"),
    )
    assert [e.id for e in history.list()] == [second, first]
    record = history.get(first)
    assert record.log.split("\n") == first_log
    assert record.entry.summary.cached == 0 and record.entry.log_lines == len(first_log)
    comparison = history.compare(first, second)
    assert len(comparison.now_cached) == 10
    assert {c.before for c in comparison.now_cached} == {"done"}
    assert comparison.wall_saved == pytest.approx(1.2)
    # amd64 0.3+0.3+0.0+0.3+0.3, arm64 0.3+0.3+0.0+0.4+0.4 in the first build
    assert comparison.step_seconds_saved == pytest.approx(2.6)
    with pytest.raises(HistoryError, match="no build 99"):
        history.get(99)


def test_history_lives_in_the_data_dir() -> None:
    assert default_path().parent == data_dir()


def test_history_that_cannot_be_opened_says_so(tmp_path: Path) -> None:
    broken = tmp_path / "not-a-db"
    broken.write_text("this is not sqlite" * 100)
    with pytest.raises(HistoryError, match="Move the file away") as caught:
        BuildHistory(broken).list()
    assert f"`mv {broken} {broken}.damaged`" in str(caught.value)


def test_a_history_on_a_full_disk_says_no_space_left_not_move_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import sqlite3

    path = tmp_path / "builds.sqlite3"
    history = BuildHistory(path)
    history.list()  # created, at its first size
    with sqlite3.connect(path) as db:
        pages = db.execute("PRAGMA page_count").fetchone()[0]
    opened = sqlite3.connect

    def connect(database: str | os.PathLike[str], timeout: float = 5.0) -> sqlite3.Connection:
        connection = opened(database, timeout=timeout)
        # The file may not grow: sqlite answers SQLITE_FULL, as on a full disk.
        connection.execute(f"PRAGMA max_page_count = {pages}")
        return connection

    monkeypatch.setattr("buildtui.builds.history.sqlite3.connect", connect)

    with pytest.raises(HistoryError) as caught:
        history.add(
            started=1.0,
            argv=["docker", "buildx", "build", "."],
            command="docker buildx build .",
            summary=summary_of("lab-first-build.log", 3.3),
            log_lines=[os.urandom(100_000).hex()],  # does not compress
        )

    message = str(caught.value)
    assert "no space left on device" in message and str(path) in message
    assert " free on " in message and "Move the file away" not in message


def test_split_lines_across_chunks_and_bad_utf8() -> None:
    chunks = [b"#1 a", b"bc\n#2 x\xe2", b"\x9c\x93\n\xff\n", b"tail"]
    assert list(split_lines(iter(chunks))) == [["#1 abc"], ["#2 x✓", "\ufffd"], ["tail"]]


def test_runner_streams_output_and_exit_code() -> None:
    process = RunningBuild(["sh", "-c", "echo one; echo two >&2; exit 3"])
    assert list(process.lines()) == ["one", "two"]
    assert process.wait() == 3 and not process.canceled
    assert process.kill_after == KILL_AFTER  # a canceled build's grace, unless told


def living_members(pgid: int) -> list[str]:
    """Processes of group `pgid` that are not zombies."""
    found = subprocess.run(["pgrep", "-g", str(pgid)], capture_output=True, text=True)
    alive = []
    for pid in found.stdout.split():
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.append(pid)
    return alive


def test_runner_cancel_ends_the_whole_process_group() -> None:
    # A child that ignores SIGTERM and a grandchild: SIGTERM, then SIGKILL, reach both.
    # A short grace: the default one (KILL_AFTER) would only make the test wait longer.
    script = "trap '' TERM; sleep 60 & echo started; wait"
    process = RunningBuild(["sh", "-c", script], kill_after=0.5)
    lines = process.lines()
    assert next(lines) == "started"
    process.cancel()
    assert process.canceled
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        alive = living_members(process.pid)
        if not alive:
            break
        time.sleep(0.2)
    assert alive == []
    assert process.wait() != 0


def test_runner_without_the_program() -> None:
    with pytest.raises(BuildUnavailable, match="not installed"):
        RunningBuild(["/nonexistent/docker", "buildx"])


def test_live_build_caps_memory() -> None:
    live = LiveBuild(["x"], max_lines=100)
    live.add([f"#1 0.{i} line" for i in range(150)])
    assert len(live.lines) == 75 and live.dropped == 75
    assert live.lines[-1] == "#1 0.149 line"


def test_cli_prints_log_highlights_cached_and_writes_summary(tmp_path: Path) -> None:
    service = ReplayBuildService(captured_log("lab-second-build.log"), batch=7)
    out = io.StringIO()
    target = tmp_path / "summary.json"
    code = run_build(
        ["docker", "buildx", "build", "--progress=plain", "."],
        service,
        out,
        summary_json=target,
        color=True,
    )
    assert code == 0
    text = out.getvalue()
    assert "\x1b[1;32m#7 CACHED\x1b[0m" in text
    assert "Steps cached: 10/10" in text
    data = json.loads(target.read_text())
    assert data["schema_version"] == 1
    assert (data["cached"], data["total"], data["cache_import"], data["exit_code"]) == (
        10,
        10,
        "found",
        0,
    )
    assert {s["status"] for s in data["steps"]} == {"cached", "done"}
    plain = io.StringIO()
    run_build(["docker"], ReplayBuildService(captured_log("failing-run.log"), exit_code=1), plain)
    assert "\x1b" not in plain.getvalue()  # not a terminal: no colour, no raw escapes


def test_cli_exit_code_is_buildx_s() -> None:
    service = ReplayBuildService(captured_log("failing-run.log"), exit_code=1)
    assert run_build(["docker"], service, io.StringIO()) == 1
    unavailable = ReplayBuildService([], unavailable="no docker here")
    assert run_build(["docker"], unavailable, io.StringIO()) == 127


def test_cli_entry_point_needs_arguments() -> None:
    from buildtui.cli import main

    assert main(["build"]) == 2
    assert os.environ.get("BUILDTUI_REGISTRY_URL") is None


def test_cli_builds_go_into_the_pane_s_history_with_their_log(tmp_path: Path) -> None:
    history = BuildHistory(tmp_path / "h.sqlite3")
    log = captured_log("lab-second-build.log")
    argv = ["docker", "buildx", "build", "--build-arg", "TOKEN=s3cret", "."]
    code = run_build(argv, ReplayBuildService(log, batch=7), io.StringIO(), history=history)
    assert code == 0
    [entry] = history.list()
    assert entry.argv == tuple(argv)  # whole, as the pane keeps it (`r` runs it again)
    assert entry.summary.cached == 10 and entry.summary.cache_import == "found"
    assert entry.canceled is False
    assert history.get(entry.id).log.split("\n") == log
    run_build(["docker"], ReplayBuildService(captured_log("failing-run.log"), exit_code=1),
              io.StringIO(), history=history)  # fmt: skip
    assert [e.summary.exit_code for e in history.list()] == [1, 0]


def test_a_history_that_cannot_be_written_does_not_fail_the_build(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("")
    history = BuildHistory(blocked / "h.sqlite3")
    service = ReplayBuildService(captured_log("lab-second-build.log"))
    assert run_build(["docker"], service, io.StringIO(), history=history) == 0
    assert "the build was not kept in the history" in capsys.readouterr().err


@pytest.mark.parametrize("older", [False, True])
def test_a_history_opened_from_several_threads_at_once_works_in_each(
    tmp_path: Path, older: bool
) -> None:
    # The panes open the history from their worker threads at start: the first opening
    # of a new file (or of an older one that lacks columns) must not fail for any of them.
    for round_ in range(5):
        path = tmp_path / f"builds-{round_}.sqlite3"
        if older:
            with sqlite3.connect(path) as db:
                db.execute(
                    "CREATE TABLE builds (id INTEGER PRIMARY KEY AUTOINCREMENT, started REAL "
                    "NOT NULL, argv TEXT NOT NULL, command TEXT NOT NULL, exit_code INTEGER, "
                    "canceled INTEGER NOT NULL DEFAULT 0, summary TEXT NOT NULL, log BLOB NOT "
                    "NULL, log_lines INTEGER NOT NULL)"
                )
        ready = threading.Barrier(8)

        def first_use(history: BuildHistory, ready: threading.Barrier = ready) -> int:
            ready.wait()
            return len(history.list())

        with ThreadPoolExecutor(8) as pool:
            counts = list(pool.map(first_use, [BuildHistory(path) for _ in range(8)]))
        assert counts == [0] * 8
        with sqlite3.connect(path) as db:
            columns = {row[1] for row in db.execute("PRAGMA table_info(builds)")}
        assert {"evidence", "timing"} <= columns
