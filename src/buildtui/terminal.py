"""How the command-line twins behave in a terminal, a pipe and under Ctrl+C.

Colour follows the conventions other tools keep (NO_COLOR, FORCE_COLOR, TERM=dumb),
decided by rich's Console so that the twins and rich-rendered text agree.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import TextIO

from buildtui.i18n import _, ngettext

EXIT_USAGE = 2
EXIT_FAILURE = 1
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for `docker ... | head`

EXIT_CODES_HELP = (
    "exit codes: 0 success; 1 the action failed (the message says why and what to do); "
    "2 usage or bad input (a wrong flag, reference or setting); 130 interrupted (Ctrl+C); "
    "`buildtui build` exits with docker buildx build's own code."
)


def use_color(stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """Colour on `stream`: NO_COLOR and TERM=dumb turn it off, FORCE_COLOR on in a pipe."""
    from rich.console import Console

    env = dict(os.environ if environ is None else environ)
    console = Console(file=stream, _environ=env)
    return console.color_system is not None and not console.no_color


def needs_terminal_message() -> str | None:
    """Why the full-screen app cannot start here, or None when stdin and stdout are a terminal."""
    # Textual draws on stderr, reads keys from stdin; stdout must not be a pipe either.
    streams = (("stdin", sys.stdin), ("stdout", sys.stdout), ("stderr", sys.stderr))
    missing = [name for name, stream in streams if stream is None or not stream.isatty()]
    if not missing:
        return None
    return ngettext(
        "the app needs a terminal, and {streams} is not one. {twins}",
        "the app needs a terminal, and {streams} are not one. {twins}",
        len(missing),
    ).format(streams=_join(missing), twins=twins_hint())


def twins_hint() -> str:
    return _(
        "The command-line twins work anywhere: buildtui doctor, buildtui builders list, "
        "buildtui build -- ARGS, buildtui inspect REF, buildtui registry ls, buildtui rm REF, "
        "buildtui gc (add --json for machine-readable output; buildtui --help lists them all)"
    )


def silence_stdout() -> None:
    """After a broken pipe: send what is left for stdout to /dev/null, so exit is quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def _join(names: list[str]) -> str:
    if len(names) == 1:
        return names[0]
    return _("{names} and {last}").format(names=", ".join(names[:-1]), last=names[-1])
