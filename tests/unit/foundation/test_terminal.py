"""Colour conventions, no terminal, broken pipes and Ctrl+C during start-up."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import types
from collections.abc import Iterator
from typing import TextIO

import pytest

from buildtui import entry
from buildtui.cli import main
from buildtui.commands.build import GREEN_BOLD, run_build
from buildtui.terminal import use_color
from tests.fakes.build import ReplayBuildService, captured_log

ENV_CASES = [
    # (environment on top of TERM=xterm-256color, colour on a pty, colour in a pipe)
    ({}, True, False),
    ({"NO_COLOR": "1"}, False, False),
    ({"TERM": "dumb"}, False, False),
    ({"FORCE_COLOR": "1"}, True, True),
    ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False, False),
    ({"FORCE_COLOR": "1", "TERM": "dumb"}, False, False),
]


@pytest.fixture
def pty_stream() -> Iterator[TextIO]:
    leader, follower = os.openpty()
    stream = os.fdopen(follower, "w", encoding="utf-8")
    try:
        yield stream
    finally:
        stream.close()
        os.close(leader)


def lab_build_output(out: TextIO, monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    for name in ("NO_COLOR", "FORCE_COLOR", "TERM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    service = ReplayBuildService(captured_log("lab-second-build.log"))
    assert run_build(["docker", "buildx", "build", "."], service, out) == 0


@pytest.mark.parametrize(("env", "on_pty", "in_pipe"), ENV_CASES)
def test_colour_follows_no_color_force_color_and_dumb_terminals(
    env: dict[str, str],
    on_pty: bool,
    in_pipe: bool,
    pty_stream: TextIO,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    environ = {"TERM": "xterm-256color", **env}
    assert use_color(pty_stream, environ) is on_pty
    assert use_color(io.StringIO(), environ) is in_pipe


@pytest.mark.parametrize(("env", "on_pty", "in_pipe"), ENV_CASES)
def test_build_log_paints_cached_lines_only_when_colour_is_on(
    env: dict[str, str], on_pty: bool, in_pipe: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipe = io.StringIO()
    lab_build_output(pipe, monkeypatch, env)
    text = pipe.getvalue()
    assert "CACHED" in text
    assert (GREEN_BOLD in text) is in_pipe
    assert ("\x1b[" in text) is in_pipe


class PtyRecorder(io.StringIO):
    """Says it is the pty (so colour detection sees a terminal) and keeps what is written."""

    def __init__(self, pty: TextIO) -> None:
        super().__init__()
        self.pty = pty

    def isatty(self) -> bool:
        return True

    def fileno(self) -> int:
        return self.pty.fileno()


def test_build_log_on_a_pty_is_painted_unless_no_color(
    pty_stream: TextIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    for env, painted in (({}, True), ({"NO_COLOR": "1"}, False), ({"TERM": "dumb"}, False)):
        out = PtyRecorder(pty_stream)
        lab_build_output(out, monkeypatch, env)
        assert (GREEN_BOLD in out.getvalue()) is painted, env


class ClosedPipe(io.StringIO):
    """A stdout whose reader goes away once the first lines of the log are written."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        if self.writes > 3:  # the command line (two writes), then one batch of the log
            raise BrokenPipeError(32, "Broken pipe")
        return super().write(text)


def test_a_closed_pipe_cancels_the_build_and_exits_quietly(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    service = ReplayBuildService(captured_log("lab-first-build.log"), batch=5)
    out = ClosedPipe()
    with pytest.raises(BrokenPipeError):
        run_build(["docker", "buildx", "build", "."], service, out, color=False)
    assert service.processes[0].canceled


def test_main_turns_a_broken_pipe_into_a_quiet_exit(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    silenced: list[bool] = []
    monkeypatch.setattr("buildtui.cli.silence_stdout", lambda: silenced.append(True))

    def handler(*_args: object) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr("buildtui.commands.doctor.run", handler)
    assert main(["doctor"]) == 141
    assert silenced == [True]
    assert "Traceback" not in capsys.readouterr().err


def test_ctrl_c_while_importing_exits_130_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class Interrupted(types.ModuleType):
        def __getattr__(self, name: str) -> object:
            raise KeyboardInterrupt

    monkeypatch.setitem(sys.modules, "buildtui.cli", Interrupted("buildtui.cli"))
    assert entry.main() == 130
    assert capsys.readouterr().err == "buildtui: interrupted\n"


def test_without_a_terminal_the_app_says_so_and_names_the_twins() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "buildtui"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "BUILDTUI_REGISTRY_URL": "http://127.0.0.1:9"},
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert "the app needs a terminal" in result.stderr
    assert "stdin, stdout and stderr are not one" in result.stderr
    assert "buildtui registry ls" in result.stderr
    assert "\x1b" not in result.stderr


def test_help_documents_the_exit_codes() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "buildtui", "--help"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    assert "2 usage or bad input" in " ".join(result.stdout.split())
