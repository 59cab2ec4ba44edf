"""What a file that cannot be written says: a full disk is named, with where and how much."""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

from buildtui.diskspace import free_space, is_full, write_problem


def test_a_full_disk_names_the_file_the_folder_and_the_free_space(tmp_path: Path) -> None:
    path = tmp_path / "gc" / "x.journal.json"  # its folder does not exist yet

    text = write_problem(path, OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)))

    assert text.startswith(f"no space left on device: {path} could not be written (")
    assert f" free on {tmp_path})" in text
    assert "free some space on that disk" in text


def test_a_quota_and_sqlites_full_database_are_a_full_disk_too(tmp_path: Path) -> None:
    assert is_full(OSError(errno.EDQUOT, "Disk quota exceeded"))
    assert is_full(sqlite3.OperationalError("database or disk is full"))
    assert not is_full(sqlite3.DatabaseError("file is not a database"))
    assert not is_full(OSError(errno.EACCES, "Permission denied"))


def test_other_failures_say_what_the_system_said(tmp_path: Path) -> None:
    path = tmp_path / "f"

    assert write_problem(path, OSError(errno.EROFS, "x")).endswith("the file system is read-only")
    assert write_problem(path, OSError(errno.EACCES, "Permission denied")) == (
        f"{path} could not be written: Permission denied"
    )
    assert free_space(tmp_path).endswith(f"free on {tmp_path}")
