"""The debug log: what the app ran and asked, for `--debug` or `BUILDTUI_LOG=debug`.

Every docker command line (build arguments' values masked), every HTTP request line
with its status and time, and how long each took, written to `buildtui.log` in the
state dir (kept small: it rotates at 2 MB, two old files). Off by default.
"""

from __future__ import annotations

import logging
import logging.handlers
import shlex
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from buildtui.i18n import _
from buildtui.private_files import open_private
from buildtui.settings import state_dir
from buildtui.untrusted import visible

LOGGER = logging.getLogger("buildtui")
LOG_FILE = "buildtui.log"

_SECRET_FLAGS = ("--build-arg", "--secret")


def log_path() -> Path:
    return state_dir() / LOG_FILE


def configure(level: str, path: Path | None = None) -> Path | None:
    """Start logging at `level` ("off", "info", "debug"); the log file, or None when off."""
    for handler in list(LOGGER.handlers):
        LOGGER.removeHandler(handler)
        handler.close()
    if level == "off":
        LOGGER.setLevel(logging.CRITICAL + 1)
        LOGGER.propagate = False
        return None
    path = log_path() if path is None else path
    handler = PrivateRotatingFileHandler(path, maxBytes=2_000_000, backupCount=2, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    LOGGER.addHandler(handler)
    LOGGER.setLevel(logging.DEBUG if level == "debug" else logging.INFO)
    LOGGER.propagate = False
    return path


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """The log file opened 0600 and never through a link planted in its place (also
    each time it rotates)."""

    def _open(self) -> Any:
        return open_private(Path(self.baseFilename), "a", links="replace")


def record_crash(details: str) -> Path | None:
    """Write an unexpected error's traceback to the log file, whatever the log level (the
    file is started at `info` when off); the file, or None when it cannot be written."""
    try:
        handlers = [h for h in LOGGER.handlers if isinstance(h, logging.FileHandler)]
        path = Path(handlers[0].baseFilename) if handlers else configure("info")
        # Visible escapes: the traceback quotes the error (a registry's words, perhaps),
        # and the file is read with cat or less.
        LOGGER.critical("unexpected error:\n%s", visible(details.rstrip()))
    except OSError:
        return None
    return path


def crash_message(details: str, log: Path | None) -> str:
    """The one line a user sees for an unexpected error: what it was (the traceback's
    last line, control characters visible) and where the whole of it is."""
    lines = [line.strip() for line in details.strip().splitlines() if line.strip()]
    # A Rich traceback ends with its frames' box, then the error (perhaps wrapped).
    closing = max((i for i, line in enumerate(lines) if line.startswith("╰")), default=-1)
    error = " ".join(lines[closing + 1 :]) if closing >= 0 else (lines[-1] if lines else "")
    error = visible(error if len(error) <= 300 else error[:299] + "…", one_line=True)
    where = (
        _("the details are in {log}").format(log=log)
        if log is not None
        else _("the log file could not be written")
    )
    return _(
        "buildtui: stopped on an unexpected error ({value}); {where}. Please "
        "report it with that file."
    ).format(value=error or "unknown", where=where)


def masked_argv(argv: Sequence[str], flags: Sequence[str] = _SECRET_FLAGS) -> list[str]:
    """`argv` with the values of `flags` (--build-arg and --secret) as `NAME=…`.

    The one masker: the debug log uses it, and so does the command line shown on
    screen (`build.options.shown_command`, for --build-arg).
    """
    shown: list[str] = []
    mask_next = False
    for arg in argv:
        if mask_next:
            shown.append(_mask(arg))
            mask_next = False
        elif arg in flags:
            shown.append(arg)
            mask_next = True
        elif arg.startswith(tuple(f"{flag}=" for flag in flags)):
            flag, _unused, value = arg.partition("=")
            shown.append(f"{flag}={_mask(value)}")
        else:
            shown.append(arg)
    return shown


def _mask(value: str) -> str:
    name, equals, _unused = value.partition("=")
    return f"{name}=…" if equals else value


def command(argv: Sequence[str]) -> float:
    """Log a command about to run; returns the start time for `finished`."""
    LOGGER.debug("run: %s", shlex.join(masked_argv(argv)))
    return time.monotonic()


def finished(argv: Sequence[str], returncode: int | None, started: float) -> None:
    LOGGER.debug(
        "exit %s after %.0f ms: %s",
        returncode,
        (time.monotonic() - started) * 1000,
        shlex.join(masked_argv(argv)[:4]) + (" …" if len(argv) > 4 else ""),
    )


def _request_started(request: Any) -> None:
    request.extensions["buildtui_started"] = time.monotonic()


def _response_received(response: Any) -> None:
    request = response.request
    started = request.extensions.get("buildtui_started", time.monotonic())
    LOGGER.debug(
        "http: %s %s -> %s in %.0f ms",
        request.method,
        request.url,
        response.status_code,
        (time.monotonic() - started) * 1000,
    )


def http_event_hooks() -> dict[str, list[Callable[[Any], Awaitable[None]]]]:
    """httpx AsyncClient event hooks: each request line, its status and its time."""

    async def on_request(request: Any) -> None:
        _request_started(request)

    async def on_response(response: Any) -> None:
        _response_received(response)

    return {"request": [on_request], "response": [on_response]}


def sync_http_event_hooks() -> dict[str, list[Callable[[Any], None]]]:
    """The same hooks for a blocking httpx.Client (the doctor's probe)."""
    return {"request": [_request_started], "response": [_response_received]}
