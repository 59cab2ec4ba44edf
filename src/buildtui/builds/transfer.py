"""Builds that travel between machines, and builds run outside buildtui.

`export_document` turns a kept build into one JSON object with everything a replay and
a comparison need: the command, the summary, the whole log with the time each batch
arrived, and the evidence (Dockerfile, context hashes, build-argument hashes). The
`--build-arg` values are masked in it as everywhere else (`NAME=…` in the command,
`«NAME»` in the text: `arg_values.py`); the history keeps the whole command for `r`, an
export never does.

`read_import` takes such a file back, or the log of a plain `docker buildx build
--progress=plain … 2>&1 | tee build.log`. Either is untrusted: its size is capped, its
structure checked field by field, and its text cleaned of control characters and
escape sequences before anything is kept; a file that does not pass is refused with a
`TransferError` saying why. The summary is worked out again from the log (the CACHED
count, cache import and pushes are what the log shows); only the wall time, the exit
code and the first misses (what that build knew when it ran) are taken from the file.
"""

from __future__ import annotations

import json
import math
import os
import re
import shlex
import stat
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from buildtui import __version__, l10n
from buildtui.buildlog.model import BuildModel
from buildtui.buildlog.parser import sanitize
from buildtui.buildlog.summary import BuildSummary, CacheMiss, summarize
from buildtui.builds.arg_values import BuildArgMask, build_arg_values
from buildtui.builds.errors import BuildError
from buildtui.builds.evidence import MAX_DOCKERFILE, MAX_FILES, BuildEvidence
from buildtui.builds.history import MAX_MARKS, BuildHistory, BuildRecord
from buildtui.builds.live import MAX_LINES
from buildtui.i18n import _
from buildtui.logs import masked_argv
from buildtui.private_files import write_private

FORMAT = "buildtui-build"
VERSION = 1
MAX_IMPORT_BYTES = 32 * 1024 * 1024
"""The largest file `read_import` reads (an export of the lab's build is ~50 KiB)."""
MAX_TEXT = 64 * 1024
"""The longest string kept from an imported file (besides the log and the Dockerfile)."""
MAX_ITEMS = 10_000
"""The most entries of a list kept from an imported file (timing and hashes aside)."""

_COMMAND_LINE = re.compile(r"^\s*(?:[$%>+#]\s+)?(docker\s+(?:buildx\s+)?build\s.*)$")
"""A shell prompt's line (`$ docker buildx build …`, `+ docker …` from `set -x`)."""
_STEP_LINE = re.compile(r"^#\d+ \S")


class TransferError(BuildError):
    """A build cannot be exported or imported; the message says why and what to do."""


@dataclass(frozen=True)
class ImportedBuild:
    """A build read from a file, checked and cleaned, ready for the history."""

    started: float
    argv: tuple[str, ...]
    command: str
    summary: BuildSummary
    log_lines: list[str]
    timing: tuple[tuple[int, float], ...]
    evidence: BuildEvidence | None
    canceled: bool
    source: str
    """`export` or `plain-log` (history.SOURCES)."""
    origin: str
    notes: tuple[str, ...] = ()
    """What a person should know about it (the exit code was inferred, no command ...)."""

    def keep(self, history: BuildHistory, now: float | None = None) -> int:
        """Add it to `history`, marked as imported; its new id."""
        return history.add(
            started=self.started,
            argv=self.argv,
            command=self.command,
            summary=self.summary,
            log_lines=self.log_lines,
            canceled=self.canceled,
            evidence=self.evidence,
            timing=self.timing,
            source=self.source,
            imported_at=time.time() if now is None else now,
            origin=self.origin,
        )


# -- export ---------------------------------------------------------------------------


def export_document(
    record: BuildRecord, evidence: BuildEvidence | None, now: float | None = None
) -> dict[str, Any]:
    """Build `record` as one JSON object, its `--build-arg` values masked."""
    entry = record.entry
    # The history keeps the log and summary masked already; the command comes back whole
    # (for `r`), and the evidence's Dockerfile is the user's: all go through the mask.
    text = evidence.dockerfile_text if evidence is not None else None
    mask = BuildArgMask(build_arg_values(entry.argv, {}), text)
    argv = masked_argv(entry.argv)
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": time.time() if now is None else now,
        "exported_by": f"buildtui {__version__}",
        "build": {
            "id": entry.id,
            "started": entry.started,
            "argv": argv,
            "command": shlex.join(argv),
            "exit_code": entry.exit_code,
            "canceled": entry.canceled,
            "summary": mask.json(entry.summary.to_json()),
            "log": mask(record.log),
            "log_lines": entry.log_lines,
            "timing": [[count, seconds] for count, seconds in record.timing],
            "evidence": mask.json(_plain(asdict(evidence))) if evidence is not None else None,
            "source": entry.source,
            "origin": entry.origin,
        },
    }


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    """`data` as JSON holds it (tuples as lists)."""
    plain: dict[str, Any] = json.loads(json.dumps(data))
    return plain


def export_text(document: dict[str, Any]) -> str:
    """The document as the file holds it; refused when no buildtui could import it."""
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"
    size = len(text.encode("utf-8"))
    if size > MAX_IMPORT_BYTES:
        raise TransferError(
            _(
                "the export would be {size} MiB, more than the {limit} MiB an "
                "import takes; this build's log is too long to take elsewhere"
            ).format(size=l10n.number(size / 2**20, 1), limit=MAX_IMPORT_BYTES // 2**20)
        )
    return text


def write_export(path: Path, text: str) -> None:
    """Write `text` to `path`, owner-only (0600), whole or not at all; a symbolic link in
    its place is refused, never followed; its folder (the user's) must exist."""
    if not path.parent.is_dir():
        raise TransferError(
            _("cannot write {path}: its folder does not exist; give another --out").format(
                path=path
            )
        )
    try:
        write_private(path, text, links="refuse", own_folder=False)
    except OSError as error:
        raise TransferError(
            _("cannot write {path}: {value}").format(path=path, value=error.strerror or error)
        ) from None


# -- import ---------------------------------------------------------------------------


def read_import(
    path: Path, *, command: str | None = None, exit_code: int | None = None
) -> ImportedBuild:
    """The build in `path`: a `history export` file, or a plain progress log (whose
    command is `command`, or read from the log's first lines; whose exit code is
    `exit_code`, or 1 when the log shows an error and 0 otherwise)."""
    data, mtime = _read_capped(path)
    if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{":
        if command is not None or exit_code is not None:
            raise TransferError(
                _(
                    "{path} is an exported build: it has its own command and exit code "
                    "(--command and --exit-code are for plain logs)"
                ).format(path=path)
            )
        return _from_export(path, data)
    return _from_plain_log(path, data, mtime, command, exit_code)


def _read_capped(path: Path) -> tuple[bytes, float]:
    try:
        info = os.stat(path)
    except OSError as error:
        raise TransferError(
            _("cannot read {path}: {strerror}").format(path=path, strerror=error.strerror)
        ) from None
    if not stat.S_ISREG(info.st_mode):
        raise TransferError(_("{path} is not a regular file").format(path=path))
    if info.st_size > MAX_IMPORT_BYTES:
        raise TransferError(_too_big(path, info.st_size))
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        with os.fdopen(descriptor, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise TransferError(_("{path} is not a regular file").format(path=path))
            data = handle.read(MAX_IMPORT_BYTES + 1)
    except OSError as error:
        raise TransferError(
            _("cannot read {path}: {strerror}").format(path=path, strerror=error.strerror)
        ) from None
    if len(data) > MAX_IMPORT_BYTES:
        raise TransferError(_too_big(path, len(data)))
    if not data.strip():
        raise TransferError(_("{path} is empty").format(path=path))
    return data, info.st_mtime


def _too_big(path: Path, size: int) -> str:
    return _("{path} is {size} MiB; an import takes at most {limit} MiB").format(
        path=path, size=l10n.number(size / 2**20, 1), limit=MAX_IMPORT_BYTES // 2**20
    )


class _Malformed(Exception):
    """A field of an export file is not what it should be (the message says which)."""


def _from_export(path: Path, data: bytes) -> ImportedBuild:
    try:
        document = json.loads(data)
    except (ValueError, RecursionError) as error:
        raise TransferError(
            _("{path} is not a buildtui export: it is not valid JSON ({short})").format(
                path=path, short=_short(error)
            )
        ) from None
    try:
        return _checked_export(document, path)
    except _Malformed as error:
        raise TransferError(
            _("{path} is not a valid buildtui export: {error}").format(path=path, error=error)
        ) from None


def _short(error: Exception) -> str:
    return str(error)[:200] if not isinstance(error, RecursionError) else _("nested too deep")


def _checked_export(document: Any, path: Path) -> ImportedBuild:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise _Malformed(_('no "format": "{FORMAT}" at its top').format(FORMAT=FORMAT))
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise _Malformed(_('"version" is not a number'))
    if version > VERSION:
        raise _Malformed(
            _(
                "it is version {version}, made by a newer buildtui (this one reads "
                "version {VERSION}); import it with that buildtui, or upgrade this one"
            ).format(version=version, VERSION=VERSION)
        )
    build = _field(document, "build", dict)
    log = _field(build, "log", str)
    lines = [sanitize(line) for line in log.split("\n")] if log else []
    if len(lines) > MAX_LINES:
        raise _Malformed(
            _('"log" has {count} lines, more than {MAX_LINES}').format(
                count=len(lines), MAX_LINES=MAX_LINES
            )
        )
    exit_code = _optional_int(build, "exit_code")
    wall = _optional_number(build.get("summary"), "wall_seconds", "summary")
    summary = _summary_of(lines, exit_code, wall)
    misses = _misses(_field(build, "summary", dict).get("first_misses", []))
    argv = tuple(_text(arg, "argv") for arg in _field(build, "argv", list)[:MAX_ITEMS])
    old_id = _optional_int(build, "id")
    origin = f"build {old_id} of {path.name}" if old_id is not None else path.name
    return ImportedBuild(
        started=_number(build, "started"),
        argv=argv,
        command=_text(_field(build, "command", str), "command"),
        summary=replace(summary, first_misses=misses),
        log_lines=lines,
        timing=_timing(build.get("timing"), len(lines)),
        evidence=_evidence(build.get("evidence")),
        canceled=_field(build, "canceled", bool),
        source="export",
        origin=sanitize(origin)[:200],
    )


def _field(data: Any, key: str, kind: type) -> Any:
    if not isinstance(data, dict) or key not in data:
        raise _Malformed(_('"{key}" is missing').format(key=key))
    value = data[key]
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise _Malformed(_('"{key}" is not {name}').format(key=key, name=_kind_name(kind)))
    return value


def _kind_name(kind: type) -> str:
    names: dict[type, str] = {
        dict: _("an object"),
        list: "a list",
        str: "a string",
        bool: _("true or false"),
    }
    return names.get(kind, "a number")


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise _Malformed(_('"{where}" holds something that is not a string').format(where=where))
    if len(value) > MAX_TEXT:
        raise _Malformed(
            _('"{where}" holds a string longer than {MAX_TEXT} characters').format(
                where=where, MAX_TEXT=MAX_TEXT
            )
        )
    return sanitize(value)


def _number(data: Any, key: str) -> float:
    value = data.get(key) if isinstance(data, dict) else None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _Malformed(_('"{key}" is not a number').format(key=key))
    if value < 0:
        raise _Malformed(_('"{key}" is negative').format(key=key))
    return float(value)


def _optional_number(data: Any, key: str, where: str) -> float | None:
    if not isinstance(data, dict) or data.get(key) is None:
        return None
    try:
        return _number(data, key)
    except _Malformed:
        raise _Malformed(
            _('"{where}.{key}" is not a number').format(where=where, key=key)
        ) from None


def _optional_int(data: dict[str, Any], key: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not -(2**31) < value < 2**31:
        raise _Malformed(_('"{key}" is not a whole number').format(key=key))
    return value


def _summary_of(lines: list[str], exit_code: int | None, wall: float | None) -> BuildSummary:
    return summarize(_model_of(lines), exit_code=exit_code, wall_seconds=wall)


def _model_of(lines: list[str]) -> BuildModel:
    model = BuildModel()
    model.feed(lines)
    model.finish()
    return model


def _misses(value: Any) -> tuple[CacheMiss, ...]:
    """The first misses the build was kept with. Their reasons name builds of the
    machine it ran on, so `compared_with` (an id there) is not kept."""
    if not isinstance(value, list) or len(value) > MAX_ITEMS:
        raise _Malformed(_('"summary.first_misses" is not a list'))
    misses = []
    for item in value:
        if not isinstance(item, dict):
            raise _Malformed(_('"summary.first_misses" holds something that is not an object'))
        index = _optional_int(item, "index")
        misses.append(
            CacheMiss(
                platform=_optional_text(item, "platform"),
                stage=_optional_text(item, "stage"),
                index=index or 0,
                instruction=_text(item.get("instruction", ""), "instruction"),
                reason=_text(item.get("reason", "unknown"), "reason"),
                detail=_text(item.get("detail", ""), "detail"),
            )
        )
    return tuple(misses)


def _optional_text(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    return None if value is None else _text(value, key)


def _timing(value: Any, lines: int) -> tuple[tuple[int, float], ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or len(value) > MAX_MARKS + 1:
        raise _Malformed(
            _('"timing" is not a list of at most {MAX_MARKS} marks').format(MAX_MARKS=MAX_MARKS)
        )
    marks: list[tuple[int, float]] = []
    for mark in value:
        if not (isinstance(mark, list) and len(mark) == 2):
            raise _Malformed(_('"timing" holds a mark that is not [lines, seconds]'))
        count, seconds = mark
        if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= lines:
            raise _Malformed(_('"timing" counts lines the log does not have'))
        if (
            isinstance(seconds, bool)
            or not isinstance(seconds, int | float)
            or not math.isfinite(seconds)
            or seconds < 0
        ):
            raise _Malformed(_('"timing" holds a time that is not a number of seconds'))
        if marks and (count < marks[-1][0] or seconds < marks[-1][1]):
            raise _Malformed(_('"timing" goes backwards'))
        marks.append((count, float(seconds)))
    return tuple(marks)


def _evidence(value: Any) -> BuildEvidence | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _Malformed(_('"evidence" is not an object'))
    text = value.get("dockerfile_text")
    if text is not None:
        if not isinstance(text, str) or len(text) > MAX_DOCKERFILE:
            raise _Malformed(_('"evidence.dockerfile_text" is not a Dockerfile'))
        text = "\n".join(sanitize(line) for line in text.split("\n"))
    return BuildEvidence(
        context=_optional_text(value, "context"),
        dockerfile=_optional_text(value, "dockerfile"),
        dockerfile_text=text,
        context_hashes=_text_map(value.get("context_hashes"), "context_hashes", MAX_FILES),
        context_note=_optional_text(value, "context_note"),
        build_args=_text_map(value.get("build_args"), "build_args", MAX_ITEMS) or {},
        no_cache=bool(value.get("no_cache")),
        no_cache_filter=_texts(value.get("no_cache_filter"), "no_cache_filter"),
        cache_from=_texts(value.get("cache_from"), "cache_from"),
        cache_to=_texts(value.get("cache_to"), "cache_to"),
        platforms=_texts(value.get("platforms"), "platforms"),
        builder=_optional_text(value, "builder"),
    )


def _text_map(value: Any, key: str, limit: int) -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or len(value) > limit:
        raise _Malformed(
            _('"evidence.{key}" is not an object of at most {limit} entries').format(
                key=key, limit=limit
            )
        )
    return {_text(k, key): _text(v, key) for k, v in value.items()}


def _texts(value: Any, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or len(value) > MAX_ITEMS:
        raise _Malformed(_('"evidence.{key}" is not a list').format(key=key))
    return tuple(_text(item, key) for item in value)


def _from_plain_log(
    path: Path, data: bytes, mtime: float, command: str | None, exit_code: int | None
) -> ImportedBuild:
    text = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
    raw = text.split("\n")
    if raw and raw[-1] == "":
        raw.pop()
    if len(raw) > MAX_LINES:
        raise TransferError(
            _("{path} has {count} lines; an import takes at most {MAX_LINES}").format(
                path=path, count=len(raw), MAX_LINES=MAX_LINES
            )
        )
    lines = [sanitize(line.removesuffix("\r")) for line in raw]
    if not any(_STEP_LINE.match(line) for line in lines):
        hint = (
            _(
                " It was saved with the terminal's progress display: run the build "
                "again with --progress=plain."
            )
            if any(line.lstrip().startswith("[+] Building") for line in lines[:50])
            else ""
        )
        raise TransferError(
            _(
                "{path} is neither a buildtui export nor the log of a plain build: it "
                "has no `#N` step lines. Save a build's log with: docker buildx build "
                "--progress=plain … 2>&1 | tee build.log.{hint}"
            ).format(path=path, hint=hint)
        )
    notes = []
    given = command if command is not None else _command_in(lines)
    argv: tuple[str, ...] = ()
    if given is not None:
        try:
            argv = tuple(shlex.split(given))
        except ValueError as error:
            raise TransferError(
                _("the command cannot be read as a shell line: {error}").format(error=error)
            ) from None
        if len(argv) < 2 or Path(argv[0]).name != "docker" or "build" not in argv[1:3]:
            raise TransferError(
                _(
                    "the command should be the docker buildx build that made the log, not {given!r}"
                ).format(given=given)
            )
        if command is None:
            notes.append(_("The command was read from the log's first lines."))
    else:
        notes.append(
            _(
                "The log does not say which command made it: give it with --command "
                "'docker buildx build …' so that the history and the Lab guide can use "
                "it."
            )
        )
    mask = BuildArgMask(build_arg_values(argv, {}))
    if not mask.empty:  # as a build's log is masked as it arrives (arg_values.py)
        lines = [mask(line) for line in lines]
    model = _model_of(lines)
    if exit_code is None:
        # buildx ends a failed build with its own `ERROR: failed to solve: …`.
        exit_code = 1 if model.buildx_errors else 0
        notes.append(
            (
                _(
                    "The exit code is taken as {code}: the log ends with buildx's error (tee "
                    "does not keep it; --exit-code N gives it)."
                )
                if exit_code
                else _(
                    "The exit code is taken as {code}: the log shows no error from buildx (tee "
                    "does not keep it; --exit-code N gives it)."
                )
            ).format(code=exit_code)
        )
    summary = summarize(model, exit_code=exit_code, wall_seconds=None)
    return ImportedBuild(
        started=mtime,
        argv=argv,
        command=shlex.join(argv),
        summary=summary,
        log_lines=lines,
        timing=(),
        evidence=None,
        canceled=False,
        source="plain-log",
        origin=sanitize(path.name)[:200],
        notes=tuple(notes),
    )


def _command_in(lines: Sequence[str]) -> str | None:
    """The `docker buildx build` line a prompt or `set -x` left before the build's
    first `#N` line, if any."""
    for line in lines[:20]:
        if _STEP_LINE.match(line):
            return None
        found = _COMMAND_LINE.match(line)
        if found:
            return found.group(1).strip()
    return None
