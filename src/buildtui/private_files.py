"""Files buildtui writes: readable by their owner only (0600, folders 0700), and never
through a symbolic link or into something that is not a regular file.

Every file the app writes goes through here: logs (`open_private`, appended or
started anew), whole files (`write_private`: a new file beside it, written, synced
and renamed over it, so a reader never sees half of it), and the sqlite databases
(`make_private`, before sqlite opens them). A symbolic link found in a file's place is
never followed (its target stays untouched): it is either replaced by the file
(`links="replace"`, for files of the app's own folders) or refused with a message
(`links="refuse"`, for paths the user gave and for the config file, which a user may
link on purpose). A FIFO, a device or a folder in a file's place is refused without
blocking.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shlex
import stat
from pathlib import Path
from typing import IO, Any, Literal

from buildtui.i18n import _

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
SQLITE_SIDE_FILES = ("-journal", "-wal", "-shm")

Links = Literal["refuse", "replace"]


class UnsafeFile(OSError):
    """A link, a non-regular file or another user's file where buildtui would write;
    the message (also its `strerror`) says what is there and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.strerror = message


def _link_refused(path: Path) -> UnsafeFile:
    return UnsafeFile(
        _(
            "{path} is a symbolic link; buildtui does not write through links (remove "
            "it, or give another path): rm {quote}"
        ).format(path=path, quote=shlex.quote(str(path)))
    )


def _not_regular(path: Path) -> UnsafeFile:
    return UnsafeFile(
        _("{path} is not a regular file; buildtui writes only regular files there").format(
            path=path
        )
    )


def private_dir(folder: Path) -> None:
    """Create `folder` (0700) and its parents if missing, and make it the owner's only."""
    folder.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    os.chmod(folder, PRIVATE_DIR)


def _open_fd(path: Path, flags: int, links: Links) -> int:
    """A descriptor of the regular file at `path` (created 0600), opened without
    following a link; a link there is removed first when `links` is "replace"."""
    base = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC | flags
    for _unused in range(3):
        try:
            fd = os.open(path, base, PRIVATE_FILE)
        except OSError as error:
            if error.errno == errno.ELOOP:  # the last element is a symbolic link
                if links == "refuse":
                    raise _link_refused(path) from None
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)  # the link itself, never what it points to
                base |= os.O_EXCL
                continue
            if error.errno in (errno.EISDIR, errno.ENXIO):
                raise _not_regular(path) from None
            raise
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise _not_regular(path)
            if info.st_uid != os.geteuid():
                raise UnsafeFile(
                    _("{path} belongs to another user; buildtui does not write it").format(
                        path=path
                    )
                )
            os.fchmod(fd, PRIVATE_FILE)
            os.set_blocking(fd, True)
        except BaseException:
            os.close(fd)
            raise
        return fd
    raise UnsafeFile(
        _("{path} keeps being replaced by a symbolic link; buildtui does not write it").format(
            path=path
        )
    )


def open_private(
    path: Path, mode: Literal["w", "a", "wb", "ab"] = "a", *, links: Links = "replace"
) -> IO[Any]:
    """`path` opened for writing ("w": emptied, "a": appended to), 0600, in a 0700
    folder; never through a link (see the module's docstring for `links`)."""
    private_dir(path.parent)
    fd = _open_fd(path, os.O_APPEND if mode.startswith("a") else 0, links)
    if mode.startswith("w"):
        os.ftruncate(fd, 0)
    if "b" in mode:
        return os.fdopen(fd, mode)
    return os.fdopen(fd, mode, encoding="utf-8")


def write_private(
    path: Path, data: str | bytes, *, links: Links = "replace", own_folder: bool = True
) -> None:
    """Write the whole file `path` at once: a new 0600 file beside it, synced, renamed
    over it (a link in its place is replaced, not followed, or refused). `own_folder`:
    the folder is the app's (made 0700 if missing, and tightened); else it is the
    user's (a report's or a summary's), left as it is and not created."""
    if own_folder:
        private_dir(path.parent)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    if info is not None:
        if stat.S_ISLNK(info.st_mode):
            if links == "refuse":
                raise _link_refused(path)
        elif not stat.S_ISREG(info.st_mode):
            raise _not_regular(path)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(
        temporary,
        os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
        PRIVATE_FILE,
    )
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data.encode("utf-8") if isinstance(data, str) else data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def make_private(path: Path) -> None:
    """Create `path`'s folder (0700) and the empty file (0600) if missing; make both,
    and any sqlite journal beside it, the owner's only. A link in the file's place is
    refused (sqlite would follow it); the data dir holds build histories, registry
    contents and records that are nobody else's business."""
    os.close(_open_fd_in_private_dir(path))
    for suffix in SQLITE_SIDE_FILES:
        side = path.with_name(path.name + suffix)
        try:
            fd = os.open(side, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError as error:
            if error.errno == errno.ELOOP:
                raise _link_refused(side) from None
            # No journal now; or another thread's transaction, which made one, just
            # ended (sqlite deletes its journal at commit).
            continue
        try:
            os.fchmod(fd, PRIVATE_FILE)
        finally:
            os.close(fd)


def _open_fd_in_private_dir(path: Path) -> int:
    private_dir(path.parent)
    return _open_fd(path, 0, "refuse")
