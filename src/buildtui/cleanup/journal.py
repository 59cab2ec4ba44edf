"""One collection per registry container at a time, and a journal that outlives it.

`RegistryLock` is an OS file lock (`fcntl.flock`) per registry container in the data
dir. A garbage collection holds it from before the container is stopped until every
tag is verified; a deletion (`buildtui rm`, `x` in the pane) holds it while it sends
its requests and verifies. The lock file names its holder (what, pid, since), so the
one refused can say who holds it. The kernel releases the lock when its holder dies,
however it dies.

`Journal` is the collection's record, one JSON file per container, written atomically
(a temporary file, then `os.replace`): the phase it reached (stopped, collecting,
started, ...), the tags it must verify and, at the end, its result. A journal whose
collection is not finished while nobody holds the lock was interrupted: its process
died (a kill, a reboot) and `buildtui gc --resume` finishes it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from buildtui.cleanup.errors import CollectionBusy, JournalUnavailable
from buildtui.engine.status import Check
from buildtui.settings import Settings, data_dir

FINISHED = ("done", "failed", "cancelled")
"""States of a journal whose collection ended (its result is in it)."""
STOPPED_PHASES = ("stopping", "stopped", "collecting", "collected", "starting")
"""Phases in which the registry container may be stopped."""


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def when(stamp: str) -> str:
    """`2026-11-30 02:13:05 UTC` for an ISO time stamp (as stored)."""
    try:
        return datetime.fromisoformat(stamp).strftime("%Y-%m-%d %H:%M:%S UTC")
    except ValueError:
        return stamp


def collections_dir() -> Path:
    return data_dir() / "gc"


def container_key(settings: Settings, container: str) -> str:
    """A file name for the container (and the engine, when --context/--host name another)."""
    key = re.sub(r"[^A-Za-z0-9_.-]", "_", container)
    engine = settings.docker_host or settings.docker_context
    if engine:
        key += "@" + re.sub(r"[^A-Za-z0-9_.-]", "_", engine)[-60:]
    return key


def _private_dir() -> Path:
    path = collections_dir()
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as error:
        raise JournalUnavailable(
            f"cannot create {path} for the garbage collection's journal and lock: "
            f"{error.strerror}; make the data dir writable (or set XDG_DATA_HOME)"
        ) from error
    return path


def write_json(path: Path, document: dict[str, Any]) -> None:
    """Write atomically: a reader sees the old document or the new one, never a part."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(document, out, indent=2)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def read_json(path: Path) -> dict[str, Any] | None:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return document if isinstance(document, dict) else None


# -- the lock --------------------------------------------------------------------------


class RegistryLock:
    """The lock of one registry container: `acquire` or raise `CollectionBusy`."""

    def __init__(self, settings: Settings, container: str) -> None:
        self.container = container
        self.path = _private_dir() / f"{container_key(settings, container)}.lock"
        self.fd: int | None = None

    def acquire(self, what: str, command: str = "") -> int:
        """Take the lock (never waits); the open file descriptor is returned.

        `what` says who holds it ("garbage collection", "deletion"); a second caller
        gets `CollectionBusy` with it, the pid and the time.
        """
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise CollectionBusy(self.busy_message()) from None
        except OSError:
            os.close(fd)
            raise
        self.fd = fd
        self.describe(what, os.getpid(), command)
        return fd

    def describe(self, what: str, pid: int, command: str = "") -> None:
        """Write who holds the lock into the lock file (it is read by those refused)."""
        if self.fd is None:
            return
        data = json.dumps({"what": what, "pid": pid, "since": now(), "command": command})
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, data.encode(), 0)

    def release(self) -> None:
        if self.fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None

    def forget(self) -> None:
        """Close our descriptor without unlocking: a child process that shares it holds on."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def held(self) -> bool:
        """Whether some process holds the lock now (without taking it)."""
        if not self.path.exists():
            return False
        fd = os.open(self.path, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)
        return False

    def holder(self) -> dict[str, Any]:
        return read_json(self.path) or {}

    def busy_message(self) -> str:
        holder = self.holder()
        what = holder.get("what") or "a garbage collection or deletion"
        since = f" since {when(holder['since'])}" if holder.get("since") else ""
        pid = f" (pid {holder['pid']}" if holder.get("pid") else " ("
        command = f", `{holder['command']}`)" if holder.get("command") else ")"
        if pid == " (":
            pid, command = "", ""
        advice = (
            "it starts the registry again and verifies every tag; run this again when it "
            "is done (`buildtui doctor` shows whether it still runs)"
            if what.startswith("garbage collection")
            else "run this again when it is done"
        )
        return f"a {what} of {self.container} runs{since}{pid}{command}: wait, {advice}"

    @contextlib.contextmanager
    def holding(self, what: str, command: str = "") -> Iterator[None]:
        self.acquire(what, command)
        try:
            yield
        finally:
            self.release()


# -- the journal ------------------------------------------------------------------------


@dataclass
class Journal:
    """The record of one collection, in the data dir (JSON, replaced atomically)."""

    path: Path
    data: dict[str, Any]

    @classmethod
    def path_for(cls, settings: Settings, container: str) -> Path:
        return _private_dir() / f"{container_key(settings, container)}.journal.json"

    @classmethod
    def begin(cls, settings: Settings, container: str, **fields: Any) -> Journal:
        stamp = now()
        data: dict[str, Any] = {
            "version": 1,
            "container": container,
            "settings": {
                "registry_url": settings.registry_url,
                "registry_container": container,
                "docker_context": settings.docker_context,
                "docker_host": settings.docker_host,
            },
            "state": "requested",
            "phase": "requested",
            "started_at": stamp,
            "updated_at": stamp,
            "pid": None,
            "steps": [],
            **fields,
        }
        journal = cls(cls.path_for(settings, container), data)
        journal.save()
        return journal

    @classmethod
    def load(cls, path: Path) -> Journal | None:
        data = read_json(path)
        return cls(path, data) if data is not None else None

    @classmethod
    def for_container(cls, settings: Settings, container: str) -> Journal | None:
        return cls.load(cls.path_for(settings, container))

    @classmethod
    def all(cls) -> list[Journal]:
        found = []
        for path in sorted(collections_dir().glob("*.journal.json")):
            journal = cls.load(path)
            if journal is not None:
                found.append(journal)
        return found

    def save(self) -> None:
        self.data["updated_at"] = now()
        write_json(self.path, self.data)

    def update(self, **fields: Any) -> None:
        self.data.update(fields)
        self.save()

    def step(self, text: str) -> None:
        self.data.setdefault("steps", []).append({"at": now(), "what": text})
        self.save()

    def phase(self, name: str) -> None:
        self.update(phase=name, state="running")

    def finish(self, state: str, **fields: Any) -> None:
        self.update(state=state, finished_at=now(), **fields)

    # -- reading ----------------------------------------------------------------------

    @property
    def container(self) -> str:
        return str(self.data.get("container") or "")

    @property
    def state(self) -> str:
        return str(self.data.get("state") or "")

    @property
    def finished(self) -> bool:
        return self.state in FINISHED

    @property
    def settings(self) -> Settings:
        """The settings the collection ran with (its container, registry and engine)."""
        stored = self.data.get("settings") or {}
        values = {k: v for k, v in stored.items() if isinstance(v, str) and v}
        return Settings().with_overrides(values)

    def lock(self) -> RegistryLock:
        return RegistryLock(self.settings, self.container)

    def interrupted(self) -> bool:
        """Not finished, and no process holds the container's lock any more."""
        return not self.finished and not self.lock().held()

    def running(self) -> bool:
        return not self.finished and self.lock().held()

    def interruption(self) -> str:
        """What happened and what to do, for `gc`, `doctor` and the app."""
        phase = str(self.data.get("phase") or "requested")
        since = when(str(self.data.get("started_at") or ""))
        last = when(str(self.data.get("updated_at") or ""))
        if phase in STOPPED_PHASES:
            state = f"{self.container} may still be stopped (last phase: {phase}, at {last})"
        elif phase == "started":
            state = f"{self.container} was started again but its tags were not verified"
        else:
            state = "nothing had been stopped yet"
        return (
            f"the garbage collection of {self.container} started {since} was interrupted "
            f"(its process {self.data.get('pid') or '?'} died): {state}. Run "
            f"`{self.resume_command()}` to start it if needed and verify every tag"
        )

    def needs_resume(self) -> bool:
        """Interrupted, or failed while the container may be stopped (its start failed)."""
        if self.state == "failed":
            return str(self.data.get("phase")) in STOPPED_PHASES and not self.lock().held()
        return self.interrupted()

    def resume_command(self) -> str:
        """`buildtui gc --resume`, with the flags that name this journal's container."""
        import shlex

        stored = self.data.get("settings") or {}
        flags: list[str] = []
        if self.container != Settings().registry_container:
            flags += ["--registry-container", self.container]
        for flag, key in (("--context", "docker_context"), ("--host", "docker_host")):
            if stored.get(key):
                flags += [flag, str(stored[key])]
        return shlex.join(["buildtui", *flags, "gc", "--resume"])


def interrupted_journals() -> list[Journal]:
    """Collections to resume: interrupted, or whose start failed."""
    return [journal for journal in Journal.all() if journal.needs_resume()]


def collection_checks() -> list[Check]:
    """Doctor lines (and so the app's start-up notice) for collections running or interrupted."""
    checks = []
    try:
        journals = Journal.all()
    except OSError as error:
        return [Check("gc", "warn", f"cannot read {collections_dir()}: {error.strerror}")]
    for journal in journals:
        if journal.needs_resume():
            checks.append(Check("gc", "error", journal.interruption(), journal.resume_command()))
        elif journal.running():
            started = when(str(journal.data.get("started_at") or ""))
            checks.append(
                Check(
                    "gc",
                    "warn",
                    f"a garbage collection of {journal.container} runs since {started} "
                    f"(pid {journal.data.get('pid') or '?'}, phase "
                    f"{journal.data.get('phase') or '?'}); the registry is back when it ends",
                )
            )
    return checks
