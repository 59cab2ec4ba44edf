"""What to say when a file of the data dir cannot be written: a full disk is named as such.

Every file buildtui keeps (the build history, the disk cache, the lab's records, the
garbage collection's journal) fails the same way on a full disk: `write_problem` says
"no space left on device", which file, on which folder and how much is free there, so
that the message points at the disk and not at the file.
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
from pathlib import Path

from buildtui import l10n
from buildtui.i18n import _

FULL = (errno.ENOSPC, errno.EDQUOT)


def _size(size: int) -> str:
    return l10n.size(size)


def _existing(path: Path) -> Path:
    """The nearest folder of `path` that exists (what `df` can be asked about)."""
    for candidate in (path, *path.parents):
        if candidate.is_dir():
            return candidate
    return Path("/")


def free_space(path: Path) -> str:
    """`12.3 kB free on /home/ann/.local/share/buildtui`, or what could be learned."""
    where = _existing(path)
    try:
        return _("{size} free on {where}").format(
            size=_size(shutil.disk_usage(where).free), where=where
        )
    except OSError:
        return _("the free space on {where} is unknown").format(where=where)


def is_full(error: BaseException) -> bool:
    """A full disk (or quota), as an OSError or as sqlite's SQLITE_FULL."""
    if isinstance(error, OSError):
        return error.errno in FULL
    if isinstance(error, sqlite3.Error):
        code = getattr(error, "sqlite_errorcode", None)
        return code == 13 or "database or disk is full" in str(error)  # SQLITE_FULL
    return False


def write_problem(path: Path, error: BaseException) -> str:
    """Why `path` could not be written, as a clause: what happened, where, what to do."""
    if is_full(error):
        return _(
            "no space left on device: {path} could not be written ({space}); free "
            "some space on that disk and try again"
        ).format(path=path, space=free_space(path.parent))
    if isinstance(error, OSError) and error.errno == errno.EROFS:
        return _("{path} could not be written: the file system is read-only").format(path=path)
    if isinstance(error, OSError):
        reason = error.strerror or os.strerror(error.errno or 0) or str(error)
        return _("{path} could not be written: {reason}").format(path=path, reason=reason)
    return _("{path} could not be written: {error}").format(path=path, error=error)
