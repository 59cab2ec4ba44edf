"""One collection per registry container at a time, and a journal that outlives it.

Both are keyed by the Docker engine's ID (`docker info`) and the container's ID, never
by a `--host` spelling or a name: `unix:///var/run/docker.sock` and the default reach
the same engine, and a renamed container is still the one a collection stopped.

`RegistryLock` is an OS file lock (`fcntl.flock`) per registry container in the data
dir. A garbage collection holds it from before the container is stopped until every
tag is verified; a deletion (`buildtui rm`, `x` in the pane) holds it while it sends
its requests and verifies. The lock file names its holder (what, pid, since), so the
one refused can say who holds it. The kernel releases the lock when its holder dies,
however it dies.

`Journal` is the collection's record, one JSON file per container: the phase it
reached (stopped, collecting, started, ...), the tags it must verify and, at the end,
its result. Each write is atomic (a temporary file in the same folder, fsync, rename,
fsync of the folder). Once the registry may be stopped, a write that fails (a full
disk) is remembered and tried again with the next one, but never stops the sequence:
the registry is started again whatever happens to its journal. A journal whose
collection is not finished while nobody holds the lock was interrupted: its process
died (a kill, a reboot) and `buildtui gc --resume` finishes it.

Every file here is opened without following a symbolic link and without blocking, and
used only when it is a regular file; a journal is checked field by field
(`journal_schema`) when it is read. One that cannot be used is moved aside
(`NAME.journal.json.bad-TIME`), and what to do is said (`cleanup.recovery`).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
import shlex
import stat
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from buildtui.cleanup.errors import CollectionBusy, JournalUnavailable, UnusableFile
from buildtui.cleanup.journal_schema import VERSION, journal_problem
from buildtui.diskspace import is_full, write_problem
from buildtui.i18n import _
from buildtui.settings import Settings, data_dir

FINISHED = ("done", "failed", "cancelled")
"""States of a journal whose collection ended (its result is in it)."""
STOPPED_PHASES = ("stopping", "stopped", "collecting", "collected", "starting")
"""Phases in which the registry container may be stopped."""
JOURNAL_SUFFIX = ".journal.json"
LOCK_SUFFIX = ".lock"
MAX_BYTES = 16 * 1024 * 1024
"""A journal (or a lock's description) larger than this is not read: not one of ours."""
_OPEN_FLAGS = os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


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


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", text)[:80]


def same_engine(one: str, other: str) -> bool:
    """Whether two engine IDs name the same engine (one may come from a file name)."""
    return _safe(one) == _safe(other)


@dataclass(frozen=True)
class ContainerKey:
    """Which container on which engine: the name of its journal and lock files."""

    engine_id: str
    container_id: str

    @property
    def stem(self) -> str:
        return f"{_safe(self.engine_id)}_{_safe(self.container_id)}"

    @classmethod
    def from_path(cls, path: Path) -> ContainerKey | None:
        """The key a journal's (or lock's) file name holds, if it is one of ours."""
        name = path.name.split(JOURNAL_SUFFIX)[0].removesuffix(LOCK_SUFFIX)
        engine, sep, container = name.rpartition("_")
        if not sep or not re.fullmatch(r"[0-9a-f]{12,64}", container):
            return None
        return cls(engine, container)


def describe_file(mode: int) -> str:
    """`a FIFO`, `a directory`, ... for what `fstat`/`lstat` found."""
    for test, what in (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISLNK, _("a symbolic link")),
        (stat.S_ISCHR, _("a character device")),
        (stat.S_ISBLK, _("a block device")),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return what
    return _("not a regular file")


def _unusable(path: Path, what: str) -> UnusableFile:
    return UnusableFile(
        _(
            "{path} is {what}, not a regular file: buildtui does not open it (it holds "
            "the garbage collection's journal or lock). Remove it (`rm -r {quote}`) "
            "and run this again"
        ).format(path=path, what=what, quote=shlex.quote(str(path)))
    )


def open_regular(path: Path, flags: int, mode: int = 0o600) -> int:
    """`os.open` that never follows a symbolic link nor blocks (a FIFO), and gives only a
    regular file; UnusableFile for anything else, OSError as os.open raises it."""
    try:
        fd = os.open(path, flags | _OPEN_FLAGS, mode)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise _unusable(path, _("a symbolic link")) from None
        if error.errno in (errno.EISDIR, errno.ENXIO):  # a directory; a FIFO with no reader
            with contextlib.suppress(OSError):
                raise _unusable(path, describe_file(os.lstat(path).st_mode)) from None
        raise
    found = os.fstat(fd).st_mode
    if not stat.S_ISREG(found):
        os.close(fd)
        raise _unusable(path, describe_file(found))
    return fd


def _read(fd: int) -> bytes:
    chunks = []
    size = 0
    while chunk := os.read(fd, 1 << 16):
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_BYTES:
            raise ValueError(_("larger than {value} MiB").format(value=MAX_BYTES // 2**20))
    return b"".join(chunks)


class Damaged(Exception):
    """A journal's file holds something else than a journal (the reason in words)."""


def read_document(path: Path) -> dict[str, Any] | None:
    """The JSON object in a regular file; None when there is no file. UnusableFile for
    a FIFO, directory, device or symbolic link; Damaged for what is no JSON object."""
    try:
        fd = open_regular(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        raw = _read(fd)
    except ValueError as error:
        raise Damaged(str(error)) from None
    except OSError as error:
        raise Damaged(_("it cannot be read: {strerror}").format(strerror=error.strerror)) from None
    finally:
        os.close(fd)
    if not raw.strip():
        raise Damaged(_("it is empty"))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Damaged(_("it is not UTF-8 text")) from None
    try:
        document = json.loads(text)
    except ValueError as error:
        cut = _(" (cut short: the file ends before its JSON does)")
        ending = "" if text.rstrip().endswith("}") else cut
        raise Damaged(
            _("it is not JSON: {error}{ending}").format(error=error, ending=ending)
        ) from None
    if not isinstance(document, dict):
        raise Damaged(_("it holds no JSON object"))
    return document


def write_json(path: Path, document: dict[str, Any]) -> None:
    """Write atomically and durably: a reader (or a crash) sees the old document or the
    new one, never a part. OSError when it cannot be written (the old one stays)."""
    data = json.dumps(document, indent=2).encode()
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _OPEN_FLAGS, 0o600)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def _private_dir() -> Path:
    path = collections_dir()
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as error:
        raise JournalUnavailable(
            _(
                "cannot create {path} for the garbage collection's journal and lock: "
                "{problem} (or set XDG_DATA_HOME to another folder)"
            ).format(path=path, problem=write_problem(path, error))
        ) from error
    return path


# -- the lock --------------------------------------------------------------------------


class RegistryLock:
    """The lock of one registry container: `acquire` or raise `CollectionBusy`."""

    def __init__(self, path: Path, container: str) -> None:
        self.container = container
        """The container's name, for messages."""
        self.path = path
        self.fd: int | None = None

    @classmethod
    def of(cls, key: ContainerKey, container: str) -> RegistryLock:
        return cls(_private_dir() / f"{key.stem}{LOCK_SUFFIX}", container)

    def acquire(self, what: str, command: str = "") -> int:
        """Take the lock (never waits); the open file descriptor is returned.

        `what` says who holds it ("garbage collection", "deletion"); a second caller
        gets `CollectionBusy` with it, the pid and the time.
        """
        try:
            fd = open_regular(self.path, os.O_RDWR | os.O_CREAT)
        except OSError as error:
            raise JournalUnavailable(
                _("the lock of {container} cannot be opened: {problem}").format(
                    container=self.container, problem=write_problem(self.path, error)
                )
            ) from error
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise CollectionBusy(self.busy_message()) from None
        except OSError as error:
            os.close(fd)
            raise JournalUnavailable(
                _("the lock {path} of {container} cannot be taken: {strerror}").format(
                    path=self.path, container=self.container, strerror=error.strerror
                )
            ) from error
        self.fd = fd
        self.describe(what, os.getpid(), command)
        return fd

    def describe(self, what: str, pid: int, command: str = "") -> None:
        """Write who holds the lock into the lock file (it is read by those refused).

        A description that cannot be written (a full disk) is left out: the lock holds
        without it, and those refused are told less."""
        if self.fd is None:
            return
        data = json.dumps({"what": what, "pid": pid, "since": now(), "command": command})
        with contextlib.suppress(OSError):
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
        """Whether some process holds the lock now (without taking it). UnusableFile when
        something else than a regular file is in its place."""
        try:
            fd = open_regular(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)
        return False

    def holder(self) -> dict[str, Any]:
        try:
            return read_document(self.path) or {}
        except (Damaged, UnusableFile):
            return {}

    def busy_message(self) -> str:
        holder = self.holder()
        what = str(holder.get("what") or _("a garbage collection or deletion"))
        since = f" since {when(str(holder['since']))}" if holder.get("since") else ""
        pid = f" (pid {holder['pid']}" if holder.get("pid") else " ("
        command = f", `{holder['command']}`)" if holder.get("command") else ")"
        if pid == " (":
            pid, command = "", ""
        advice = (
            _(
                "it starts the registry again and verifies every tag; run this again "
                "when it is done (`buildtui doctor` shows whether it still runs)"
            )
            if what.startswith("garbage collection")
            else _("run this again when it is done")
        )
        return _("a {what} of {container} runs{since}{pid}{command}: wait, {advice}").format(
            what=what,
            container=self.container,
            since=since,
            pid=pid,
            command=command,
            advice=advice,
        )

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
    tolerant: bool = False
    """From the moment the registry may be stopped: a write that fails is remembered
    (`unsaved`) and tried again with the next, never raised (the registry must start)."""
    unsaved: str | None = field(default=None, compare=False)
    """Why the latest write failed (None once one went through)."""
    unsaved_full: bool = field(default=False, compare=False)
    """The latest write failed for want of space (ENOSPC, a quota)."""

    @classmethod
    def path_for(cls, key: ContainerKey) -> Path:
        return _private_dir() / f"{key.stem}{JOURNAL_SUFFIX}"

    @classmethod
    def begin(cls, settings: Settings, key: ContainerKey, container: str, **fields: Any) -> Journal:
        """A new journal for `container` (its name now); JournalUnavailable if it cannot
        be written (nothing has been stopped yet)."""
        stamp = now()
        data: dict[str, Any] = {
            "version": VERSION,
            "container": container,
            "container_id": key.container_id,
            "engine_id": key.engine_id,
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
        journal = cls(cls.path_for(key), data)
        journal.save()
        return journal

    @classmethod
    def load(cls, path: Path) -> Journal | None:
        """The journal at `path` (None: there is none). UnusableFile when something else
        than a regular file is there; Damaged when it is not a whole, valid journal."""
        document = read_document(path)
        if document is None:
            return None
        problem = journal_problem(document)
        if problem is not None:
            raise Damaged(problem)
        return cls(path, document)

    @classmethod
    def paths(cls) -> list[Path]:
        """Every journal file in the data dir (moved-aside ones are not)."""
        folder = collections_dir()
        try:
            return sorted(folder.glob(f"*{JOURNAL_SUFFIX}"))
        except OSError:
            return []

    def save(self) -> None:
        self.data["updated_at"] = now()
        try:
            write_json(self.path, self.data)
        except OSError as error:
            self.unsaved = write_problem(self.path, error)
            self.unsaved_full = is_full(error)
            if not self.tolerant:
                raise JournalUnavailable(
                    _("the garbage collection's journal cannot be written: {unsaved}").format(
                        unsaved=self.unsaved
                    )
                ) from error
            return
        self.unsaved = None

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
        """The container's name when the collection began (it may have been renamed)."""
        return str(self.data.get("container") or "")

    @property
    def container_id(self) -> str:
        """The container the collection works on (older journals: from its inspect)."""
        info = self.data.get("info") or {}
        return str(self.data.get("container_id") or info.get("id") or "")

    @property
    def state(self) -> str:
        return str(self.data.get("state") or "")

    @property
    def phase_name(self) -> str:
        return str(self.data.get("phase") or "requested")

    @property
    def finished(self) -> bool:
        return self.state in FINISHED

    @property
    def settings(self) -> Settings:
        """The settings the collection ran with (its container, registry and engine)."""
        stored = self.data.get("settings") or {}
        values = {k: v for k, v in stored.items() if isinstance(v, str) and v}
        return Settings().with_overrides(values)

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name.removesuffix(JOURNAL_SUFFIX) + LOCK_SUFFIX)

    def lock(self) -> RegistryLock:
        return RegistryLock(self.lock_path, self.container)

    def interrupted(self) -> bool:
        """Not finished, and no process holds the container's lock any more."""
        return not self.finished and not self.lock().held()

    def running(self) -> bool:
        return not self.finished and self.lock().held()

    def interruption(self, now_named: str | None = None, state: str = "") -> str:
        """What happened and what to do, for `gc`, `doctor` and the app.

        `now_named`: the container's name now, when it was renamed since; `state`: what
        the engine says of it now (a clause), when it was asked."""
        phase = self.phase_name
        since = when(str(self.data.get("started_at") or ""))
        last = when(str(self.data.get("updated_at") or ""))
        name = self.container
        renamed = ""
        if now_named and now_named != name:
            renamed = _(" ({name} is named {now_named} now)").format(name=name, now_named=now_named)
            name = now_named
        if state:
            found = state
        elif phase in STOPPED_PHASES:
            found = _("{name} may still be stopped (last phase: {phase}, at {last})").format(
                name=name, phase=phase, last=last
            )
        elif phase in ("started", "waiting", "verifying"):
            found = _("{name} was started again but its tags were not verified").format(name=name)
        else:
            found = _("nothing had been stopped yet")
        return _(
            "the garbage collection of {container} started {since} was interrupted "
            "(its process {value} died){renamed}: {found}. Run `{command}` to "
            "start it if needed and verify every tag"
        ).format(
            container=self.container,
            since=since,
            value=self.data.get("pid") or "?",
            renamed=renamed,
            found=found,
            command=self.resume_command(now_named),
        )

    def needs_resume(self) -> bool:
        """Interrupted, or failed while the container may be stopped (its start failed)."""
        if self.state == "failed":
            return self.phase_name in STOPPED_PHASES and not self.lock().held()
        return self.interrupted()

    def resume_command(self, now_named: str | None = None) -> str:
        """`buildtui gc --resume`, with the flags that name this journal's container."""
        stored = self.data.get("settings") or {}
        name = now_named or self.container
        flags: list[str] = []
        if stored.get("registry_url") and stored["registry_url"] != Settings().registry_url:
            flags += ["--registry", str(stored["registry_url"])]
        if name != Settings().registry_container:
            flags += ["--registry-container", name]
        for flag, key in (("--context", "docker_context"), ("--host", "docker_host")):
            if stored.get(key):
                flags += [flag, str(stored[key])]
        return shlex.join(["buildtui", *flags, "gc", "--resume"])


def move_aside(path: Path) -> Path | None:
    """Rename a journal that cannot be used to `NAME.bad-TIME` (None if it cannot be)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.bad-{stamp}")
    counter = 1
    while target.exists():
        counter += 1
        target = path.with_name(f"{path.name}.bad-{stamp}-{counter}")
    try:
        os.rename(path, target)
    except OSError:
        return None
    return target
