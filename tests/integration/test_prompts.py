"""Ctrl+C at the [y/N] questions of `rm` and `gc`: exit at once with 130, nothing deleted.

The commands run under a pseudo-terminal, as in a terminal window: the question is
asked, and Ctrl+C is typed on the terminal (the line discipline turns it into SIGINT
for the foreground process group).
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import subprocess
import sys
import termios
import time
from collections.abc import Callable

import pytest

from tests.integration.lab import TestRegistry
from tests.integration.test_cleanup import Lab
from tests.integration.test_gc_interruptions import cli_env, make_lab, running


def read_until(fd: int, marker: bytes, bound: float = 60.0) -> bytes:
    seen = b""
    deadline = time.monotonic() + bound
    while marker not in seen:
        left = deadline - time.monotonic()
        assert left > 0, (
            f"no {marker!r} on the terminal; it showed: {seen.decode(errors='replace')}"
        )
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
    return seen


def take_the_terminal() -> None:
    """In the child, after setsid: its stdin (the pty) becomes its controlling terminal,
    so Ctrl+C typed there is SIGINT for it, as in a terminal window."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def interrupt_at_the_question(env: Lab, *args: str) -> tuple[int, bytes]:
    """Run `buildtui ARGS` on a new terminal, type Ctrl+C at its question; (exit, screen)."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "buildtui", *args],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=cli_env(env),
        start_new_session=True,
        preexec_fn=take_the_terminal,
    )
    os.close(follower)
    try:
        screen = read_until(leader, b"[y/N]")
        os.write(leader, b"\x03")  # Ctrl+C, as typed
        try:
            code = process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.send_signal(2)
            code = process.wait(timeout=10)
            pytest.fail("Ctrl+C at the question did not end the command (needed another)")
        screen += read_until(leader, b"interrupted", bound=5)
        return code, screen
    finally:
        if process.poll() is None:
            process.kill()
        os.close(leader)


@pytest.fixture
def prompt_lab(registry_factory: Callable[..., TestRegistry], base_image: str) -> Lab:
    return make_lab(registry_factory, base_image)


def test_ctrl_c_at_the_rm_question_exits_130_and_deletes_nothing(prompt_lab: Lab) -> None:
    before = prompt_lab.tags("lab")
    code, screen = interrupt_at_the_question(prompt_lab, "rm", "lab:v1")
    assert code == 130, screen.decode(errors="replace")
    assert b"Traceback" not in screen
    assert prompt_lab.tags("lab") == before == ["v1"]


def test_ctrl_c_at_the_gc_question_exits_130_and_leaves_the_registry_running(
    prompt_lab: Lab,
) -> None:
    code, screen = interrupt_at_the_question(prompt_lab, "gc")
    assert code == 130, screen.decode(errors="replace")
    assert b"Traceback" not in screen
    assert running(prompt_lab)
    assert prompt_lab.tags("lab") == ["v1"]
