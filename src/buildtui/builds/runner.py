"""Runs `docker buildx build` as a child process the app owns, and streams its output.

The command run is exactly the argv given (what the form shows). Output (stdout
and stderr together: BuildKit writes its progress to stderr) comes back in
batches of lines, read in large chunks so a chatty build never waits on us.
`cancel()` ends the whole process group (docker CLI and buildx plugin): first
SIGTERM, which lets buildx cancel the build and print `CANCELED`, then SIGKILL
for whatever is still there after a grace period.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import signal
import subprocess
import threading
from collections.abc import Iterator, Sequence
from typing import IO, Protocol

from buildtui import logs
from buildtui.builds.errors import BuildError, BuildUnavailable
from buildtui.i18n import _

CHUNK = 1 << 16
KILL_AFTER = 5.0
"""Seconds a canceled build gets to stop by itself before it is killed."""


class BuildProcess(Protocol):
    """A started build: its output, its end, and a way to stop it."""

    argv: list[str]

    def batches(self) -> Iterator[list[str]]:
        """Blocks; yields lists of output lines (no line endings) until the output ends."""
        ...

    def wait(self) -> int:
        """Blocks until the build ends; its exit code."""
        ...

    def cancel(self) -> None:
        """Ask the build to stop; returns at once, safe to call from any thread."""
        ...

    @property
    def canceled(self) -> bool: ...


class BuildService(Protocol):
    """Starts builds (the real runner, or a fake that replays a log)."""

    def start(self, argv: Sequence[str]) -> BuildProcess: ...


def split_lines(chunks: Iterator[bytes]) -> Iterator[list[str]]:
    """Decode UTF-8 chunks (bad bytes become U+FFFD) into batches of whole lines."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    pending = ""
    for chunk in chunks:
        text = pending + decoder.decode(chunk)
        lines = text.split("\n")
        pending = lines.pop()
        if lines:
            yield lines
    pending += decoder.decode(b"", final=True)
    if pending:
        yield [pending]


class RunningBuild:
    """A `docker buildx build` child process in its own process group."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        env: dict[str, str] | None = None,
        kill_after: float = KILL_AFTER,
    ) -> None:
        self.argv = list(argv)
        self.kill_after = kill_after
        self._canceled = threading.Event()
        started = logs.command(self.argv)
        try:
            self._process = subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env=env,
            )
        except FileNotFoundError as error:
            raise BuildUnavailable(
                _(
                    "Cannot run {value!r}: it is not installed or not on PATH. Install "
                    "the Docker CLI with the buildx plugin (buildtui doctor tells what "
                    "is missing)."
                ).format(value=self.argv[0])
            ) from error
        except OSError as error:
            raise BuildError(_("Cannot start the build: {error}.").format(error=error)) from error
        self.pid = self._process.pid
        self.started_at = started

    def _chunks(self) -> Iterator[bytes]:
        stream: IO[bytes] | None = self._process.stdout
        if stream is None:
            return
        read = getattr(stream, "read1", stream.read)
        while True:
            chunk = read(CHUNK)
            if not chunk:
                return
            yield chunk

    def batches(self) -> Iterator[list[str]]:
        try:
            yield from split_lines(self._chunks())
        finally:
            if self._process.stdout is not None:
                self._process.stdout.close()

    def lines(self) -> Iterator[str]:
        for batch in self.batches():
            yield from batch

    def wait(self) -> int:
        code = self._process.wait()
        logs.finished(self.argv, code, self.started_at)
        return code

    def poll(self) -> int | None:
        return self._process.poll()

    @property
    def canceled(self) -> bool:
        return self._canceled.is_set()

    def cancel(self) -> None:
        if self._canceled.is_set():
            return
        self._canceled.set()
        self._signal_group(signal.SIGTERM)
        threading.Thread(target=self._kill_later, name="buildtui-build-kill", daemon=True).start()

    def _kill_later(self) -> None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(self.kill_after)
        # The leader may be gone while the buildx plugin lingers: kill the whole group.
        self._signal_group(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(self.kill_after)

    def _signal_group(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signum)


class BuildRunner:
    """The real build service: each build is a `RunningBuild`."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        self.env = env

    def start(self, argv: Sequence[str]) -> RunningBuild:
        return RunningBuild(argv, env=self.env)
