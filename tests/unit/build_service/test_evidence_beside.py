"""A build starts at once: what it starts from (its context hashed) is recorded beside it,
and attached, with the misses it explains, when it ends."""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest

from buildtui.builds.evidence import BuildEvidence, collect
from buildtui.builds.history import BuildHistory
from buildtui.builds.live import LiveBuild
from buildtui.commands import build as build_command
from tests.fakes.build import ReplayBuildService, captured_log


def test_buildtui_build_starts_before_its_context_is_hashed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "Dockerfile").write_text("FROM busybox\nCOPY . /ctx\n")
    (tmp_path / "file.txt").write_text("context")
    monkeypatch.chdir(tmp_path)
    hashing, release = threading.Event(), threading.Event()

    def slow(argv: Sequence[str]) -> BuildEvidence:
        hashing.set()
        assert release.wait(10)
        return collect(list(argv), cwd=tmp_path, data_dir=tmp_path)

    monkeypatch.setattr("buildtui.builds.evidence.collect_evidence", slow)
    service = ReplayBuildService(captured_log("lab-second-build.log"))
    history = BuildHistory(tmp_path / "h.sqlite3")
    out = io.StringIO()
    argv = ["docker", "buildx", "build", "."]
    done: list[int] = []
    runner = threading.Thread(
        target=lambda: done.append(build_command.run_build(argv, service, out, history=history))
    )
    runner.start()
    assert hashing.wait(10)
    for _ in range(500):  # the build runs while the context is still being hashed
        if service.processes and service.processes[0].finished.is_set():
            break
        threading.Event().wait(0.01)
    assert service.started == [argv]
    assert service.processes[0].finished.is_set()
    assert not done  # it waits for the evidence before keeping the build
    release.set()
    runner.join(10)
    assert done == [0]
    kept = history.list()[0]
    evidence = history.evidence(kept.id)
    assert evidence is not None and "file.txt" in (evidence.context_hashes or {})


def test_an_evidence_failure_is_raised_where_it_is_waited_for() -> None:
    live = LiveBuild(["docker", "buildx", "build", "."])

    def broken(argv: Sequence[str]) -> BuildEvidence:
        raise RuntimeError("unreadable context")

    live.record_evidence(broken)
    with pytest.raises(RuntimeError, match="unreadable context"):
        live.evidence_recorded()
    assert live.evidence_recorded() is None  # said once
