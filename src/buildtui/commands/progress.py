"""How far a long command is, on one line of the terminal, rewritten in place.

Only when someone watches: stderr is a terminal, the output is not `--json`, and it does
not go into a pipe (`buildtui registry ls | less` would get the line in its screen). The
line is cleared before the command prints, and drawn again after; it is drawn only once
the command has run for `DELAY` seconds, so a quick command never flashes one.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
import time
from collections.abc import Iterable
from typing import TextIO

from buildtui.commands.output import write_styled
from buildtui.untrusted import visible

DELAY = 0.5
"""Seconds before the line first shows."""
CLEAR = "\r\x1b[K"


def _is_pipe(stream: TextIO) -> bool:
    try:
        return stat.S_ISFIFO(os.fstat(stream.fileno()).st_mode)
    except (OSError, ValueError, AttributeError):
        return True  # not a real file (a test's capture): nobody watches a terminal


def watched(json: bool, out: TextIO | None = None, err: TextIO | None = None) -> bool:
    """Whether a progress line would be seen: on a terminal, not --json, not into a pipe."""
    out = out or sys.stdout
    err = err or sys.stderr
    if json or _is_pipe(out):
        return False
    try:
        return err.isatty()
    except (OSError, ValueError, AttributeError):
        return False


class TerminalProgress:
    """One line on stderr saying how far the command is."""

    def __init__(self, err: TextIO | None = None, out: TextIO | None = None) -> None:
        self.err = err or sys.stderr
        self.out = out or sys.stdout
        self.started = time.monotonic()
        self.text = ""
        self.shown = False

    def show(self, text: str) -> None:
        self.text = text
        if time.monotonic() - self.started < DELAY:
            return
        width = shutil.get_terminal_size((80, 24)).columns
        text = visible(text, one_line=True)  # it may name a repository: the registry's words
        line = text if len(text) < width else text[: max(1, width - 2)] + "…"
        write_styled(self.err, f"{CLEAR}{line}")  # the line's own codes, as they are
        self.err.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            write_styled(self.err, CLEAR)
            self.err.flush()
            self.shown = False

    def write(self, text: str) -> None:
        """Write to stdout under the line (cleared first, drawn again after)."""
        shown = self.shown
        self.clear()
        self.out.write(text)
        self.out.flush()
        if shown:
            self.show(self.text)

    def print(self, lines: Iterable[str]) -> None:
        self.write("".join(f"{line}\n" for line in lines))


class Quiet:
    """No progress line: output goes straight out."""

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stdout

    def show(self, text: str) -> None:
        pass

    def clear(self) -> None:
        pass

    def write(self, text: str) -> None:
        self.out.write(text)

    def print(self, lines: Iterable[str]) -> None:
        self.write("".join(f"{line}\n" for line in lines))


def progress_for(json: bool) -> TerminalProgress | Quiet:
    """A progress line if someone watches (`watched`), else nothing."""
    return TerminalProgress() if watched(json) else Quiet()
