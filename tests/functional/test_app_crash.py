"""An error nothing handled stops the app with exit code 1, one line on the terminal that
says where the details are, and the traceback in the log file (not on the terminal)."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
import time
from functools import partialmethod
from pathlib import Path

import pytest
from textual.app import App

from buildtui.app import app as app_module
from buildtui.app.app import BuildTUI, run_app
from buildtui.settings import Settings
from tests.fakes.hostile_content import EVIL, RAW_CONTROLS
from tests.fakes.services import fake_services


def test_a_handler_that_raises_exits_1_with_one_line(
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    tmp_path: Path,
    isolated_dirs: Path,
) -> None:
    settings, services = fake_services(tmp_path)

    class Crashing(BuildTUI):
        CSS_PATH = str(Path(app_module.__file__).parent / "app.tcss")

        def on_mount(self) -> None:  # Textual calls BuildTUI's own on_mount too
            self.set_timer(0.5, self.boom)  # a handler that raises once the app runs
            self.set_timer(20, self.exit)  # (were the error ignored, the test would end)

        def boom(self) -> None:
            raise ZeroDivisionError(f"boom{EVIL}")

    def crashing_app(settings: Settings) -> BuildTUI:
        return Crashing(settings, services)

    monkeypatch.setattr(app_module, "make_app", crashing_app)
    monkeypatch.setattr(BuildTUI, "run", partialmethod(App.run, headless=True, size=(120, 40)))
    code = run_app(settings)
    err = capfd.readouterr().err
    log = isolated_dirs / "state" / "buildtui" / "buildtui.log"
    assert code == 1
    assert err.count("\n") == 1, err
    assert err.startswith("buildtui: stopped on an unexpected error (ZeroDivisionError: boom")
    assert f"the details are in {log}." in err
    assert "Traceback" not in err and not RAW_CONTROLS.search(err)
    assert "ZeroDivisionError" in log.read_text() and "boom" in log.read_text()


def test_buildtui_in_a_terminal_exits_1_with_one_line(tmp_path: Path) -> None:
    """The real entry point in a pseudo-terminal, with a widget whose handler raises."""
    code = (
        "import sys\n"
        "from buildtui.app.shared.title_bar import TitleBar\n"
        "def broken(self):\n"
        "    raise ZeroDivisionError('title')\n"
        "TitleBar._retitle = broken\n"
        "from buildtui.entry import main\n"
        "sys.exit(main())\n"
    )
    env = {
        **os.environ,
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "TERM": "xterm-256color",
    }
    env.pop("NO_COLOR", None)
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    process = subprocess.Popen(
        [sys.executable, "-c", code, "--registry", "http://127.0.0.1:9"],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=env,
        start_new_session=True,
    )
    os.close(follower)
    output = b""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: the process ended
            break
        if not chunk:
            break
        output += chunk
    os.close(leader)
    returncode = process.wait(timeout=30)
    text = output.decode("utf-8", "replace")
    log = tmp_path / "state" / "buildtui" / "buildtui.log"
    assert returncode == 1, text[-2000:]
    assert "buildtui: stopped on an unexpected error (ZeroDivisionError: title)" in text
    assert f"the details are in {log}." in text
    assert "Traceback" not in text and "╭" not in text.split("buildtui: stopped")[-1]
    assert "ZeroDivisionError" in log.read_text()
