"""Where the lab's files go: every record and report is written here, owner-only, and
never into a build context unless asked (a file there changes the context: the next
build's `COPY . .` misses, and with it the cache the lab is about)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from buildtui import private_files
from buildtui.settings import data_dir

REPORT_NAMES = ("lab7-report.md", "lab7-report.html")


def write_private(path: Path, text: str, *, app_file: bool = False) -> None:
    """Write `text` to `path` whole and owner-only (0600), never through a link: the one
    place the lab writes a file (its reports; its records are `lab_records.py`'s). An
    app file (`app_file`, or any file in the data dir) has the app's folder (made
    private; a link in the file's place is replaced); elsewhere (a report in the user's
    folder) the folder is left as it is and a link there is refused."""
    if app_file or _inside(path.parent, data_dir()):
        private_files.write_private(path, text)
    else:
        private_files.write_private(path, text, links="refuse", own_folder=False)


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except (ValueError, OSError):
        return False
    return True


def context_holding(path: Path, contexts: Iterable[str]) -> str | None:
    """The build context (of those given, absolute paths) that `path` is inside, if any."""
    for context in contexts:
        if context and _inside(path, Path(context)):
            return context
    return None


def reports_dir() -> Path:
    """Where the pane writes the report when the current folder is a build context."""
    return data_dir() / "reports"


def report_folder(contexts: Iterable[str], cwd: Path | None = None) -> tuple[Path, str | None]:
    """The folder the report goes to by default: the current one, unless it is inside a
    build context of the lab's builds; then `reports_dir()`. (folder, the context it
    avoided or None)."""
    cwd = Path.cwd() if cwd is None else cwd
    context = context_holding(cwd, contexts)
    if context is None:
        return cwd, None
    return reports_dir(), context
