"""Every build run from the app, kept in a small sqlite database in the data dir.

A build keeps its command (argv and the shell line), the whole log (compressed),
its summary and when it ran. Two builds can be compared: which steps went from
done to CACHED and from CACHED to done, and the time each saved or lost. Each build
also keeps its evidence (evidence.py), from which a later build's cache misses are
explained (misses.py).

The database holds no `--build-arg` value: its command shows each as `NAME=…`, and
its log and summary were masked as the build ran (arg_values.py). Re-running a build
(`r`) must run exactly what ran, so the whole command of a build that had values is
kept beside the database (`builds.build-args.json`, `VALUES_KEPT` builds at most) and
given back with the entry. The data dir is the owner's only (0700), and so are the
database, its journal files and that file (0600), also when an older version created
them readable by others; the screen shows each value as `NAME=…` until the user asks
to see it (`shown_command`). The evidence keeps only a keyed hash of each value.
Histories kept before this are masked the same when opened.

A build can also come from elsewhere (`transfer.py`): a file another buildtui exported
(`history export`), or the log of a plain `docker buildx build --progress=plain` run.
Such a build is marked with its `source` (NULL for a build run here), when it was
imported and where from (`origin`); it is never what a later build's cache misses are
explained against (its context and builder were another machine's).
"""

from __future__ import annotations

import json
import shlex
import sqlite3
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from buildtui.buildlog.summary import BuildSummary
from buildtui.builds.arg_values import BuildArgMask, build_arg_values
from buildtui.builds.errors import HistoryError
from buildtui.builds.evidence import BuildEvidence, project_of
from buildtui.builds.forecast import Forecast
from buildtui.builds.misses import EarlierBuild
from buildtui.builds.options import HIDDEN_VALUE, shown_command
from buildtui.diskspace import is_full, write_problem
from buildtui.i18n import _
from buildtui.logs import masked_argv
from buildtui.private_files import make_private, write_private
from buildtui.settings import data_dir

SCHEMA = """
CREATE TABLE IF NOT EXISTS builds (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started REAL NOT NULL,
    argv TEXT NOT NULL,
    command TEXT NOT NULL,
    exit_code INTEGER,
    canceled INTEGER NOT NULL DEFAULT 0,
    summary TEXT NOT NULL,
    log BLOB NOT NULL,
    log_lines INTEGER NOT NULL,
    timing TEXT,
    evidence BLOB,
    source TEXT,
    imported_at REAL,
    origin TEXT,
    forecast TEXT
)
"""
EVIDENCE_COLUMN = "ALTER TABLE builds ADD COLUMN evidence BLOB"
"""What the build started from (evidence.py), compressed; NULL for older builds."""
TIMING_COLUMN = "ALTER TABLE builds ADD COLUMN timing TEXT"
"""Histories made before per-line timing was kept get the column (NULL: no timing)."""
FORECAST_COLUMN = "ALTER TABLE builds ADD COLUMN forecast TEXT"
"""The forecast made before the build (forecast.py), as JSON; NULL: none made."""
IMPORT_COLUMNS = {
    "source": "ALTER TABLE builds ADD COLUMN source TEXT",
    "imported_at": "ALTER TABLE builds ADD COLUMN imported_at REAL",
    "origin": "ALTER TABLE builds ADD COLUMN origin TEXT",
}
"""Histories made before builds could be imported get the columns (NULL: run here)."""
SOURCES = ("export", "plain-log")
"""Where an imported build comes from: a `history export` file, or a plain log."""
MAX_MARKS = 20_000
"""Timing marks kept per build (a long build's batches are thinned to this many)."""
VALUES_KEPT = 500
"""Builds whose whole command (with `--build-arg` values) is kept for `r`."""


def default_path() -> Path:
    return data_dir() / "builds.sqlite3"


@dataclass(frozen=True, slots=True)
class BuildEntry:
    """A build in the list (without its log)."""

    id: int
    started: float
    """Unix time it started."""
    argv: tuple[str, ...]
    command: str
    exit_code: int | None
    canceled: bool
    summary: BuildSummary
    log_lines: int
    source: str | None = None
    """None: run here (the app or `buildtui build`); else imported, from `SOURCES`."""
    imported_at: float | None = None
    """Unix time it was imported."""
    origin: str | None = None
    """Where it was imported from, for people: the file's name, the build's id there."""
    forecast: Forecast | None = None
    """What was forecast before it ran (None: no forecast was made)."""

    @property
    def imported(self) -> bool:
        return self.source is not None


@dataclass(frozen=True, slots=True)
class BuildRecord:
    entry: BuildEntry
    log: str
    timing: tuple[tuple[int, float], ...] = ()
    """(lines so far, seconds since the start) as the log arrived; empty for builds
    kept before timing was recorded."""


@dataclass(frozen=True, slots=True)
class StepChange:
    platform: str | None
    stage: str | None
    index: int
    instruction: str
    before: str
    after: str
    seconds_before: float | None
    seconds_after: float | None
    counted: bool = True
    """False for FROM steps, which the cache counts leave out."""


@dataclass(frozen=True, slots=True)
class Comparison:
    """Build `old` against build `new`, step by step (steps matched by platform,
    stage, index and instruction)."""

    old: BuildEntry
    new: BuildEntry
    now_cached: tuple[StepChange, ...]
    """Steps done (or failed) before and CACHED now."""
    changes: tuple[StepChange, ...]
    """Every step in either build, in the new build's order, then steps only in the old."""
    wall_saved: float | None
    """Old wall time minus new wall time (negative: the new build was slower)."""
    step_seconds_saved: float
    """The old build's seconds for the steps now CACHED."""
    now_run: tuple[StepChange, ...] = ()
    """Steps CACHED before that ran (done or failed) now: the cache missed."""
    step_seconds_lost: float = 0.0
    """The new build's seconds for the steps that ran instead of coming from the cache."""


class BuildHistory:
    """The history database; opened (and created) on first use."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = default_path() if path is None else path
        self.values_path = self.path.with_name(self.path.stem + ".build-args.json")
        """The whole commands of builds with `--build-arg` values (never in the database)."""
        self._private = False
        self._ready = False
        """The table and its columns are known to be there (checked once)."""

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            if not self._private:
                make_private(self.path)
                self._private = True
            connection = sqlite3.connect(self.path, timeout=10)
        except (OSError, sqlite3.Error) as error:
            if is_full(error):
                raise HistoryError(
                    _("The build history cannot be written: {problem}.").format(
                        problem=write_problem(self.path, error)
                    )
                ) from error
            raise HistoryError(
                _(
                    "Cannot open the build history {path}: {error}. Check that the "
                    "folder is writable."
                ).format(path=self.path, error=error)
            ) from error
        try:
            if not self._ready:
                self._prepare(connection)
            with connection:
                yield connection
        except sqlite3.Error as error:
            raise HistoryError(self._problem(error)) from error
        finally:
            connection.close()

    def _problem(self, error: sqlite3.Error) -> str:
        """What went wrong with the database, and what to do: only a damaged file is
        to be moved away (a full disk or another writer is not the file's fault)."""
        if is_full(error):
            return _("The build history cannot be written: {problem}.").format(
                problem=write_problem(self.path, error)
            )
        if isinstance(error, sqlite3.OperationalError) and "locked" in str(error):
            return _(
                "The build history {path} is being written by another buildtui "
                "({error}); try again in a moment."
            ).format(path=self.path, error=error)
        if isinstance(error, sqlite3.OperationalError):
            return _(
                "The build history {path} cannot be used: {error}. Check that the "
                "folder is writable."
            ).format(path=self.path, error=error)
        aside = shlex.join(["mv", str(self.path), f"{self.path}.damaged"])
        return _(
            "The build history {path} cannot be used: {error}. Move the file away "
            "to start a new history: `{aside}`."
        ).format(path=self.path, error=error, aside=aside)

    def _prepare(self, connection: sqlite3.Connection) -> None:
        """Create the table, or add the columns an older history lacks. One writer at a
        time (an immediate transaction): the panes open the history from several threads
        at start, and two that both saw a column missing would both add it, the second
        failing with "duplicate column name"."""
        with connection:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute(SCHEMA)
            columns = {row[1] for row in connection.execute("PRAGMA table_info(builds)")}
            if "evidence" not in columns:
                connection.execute(EVIDENCE_COLUMN)
            if "timing" not in columns:
                connection.execute(TIMING_COLUMN)
            for column, statement in IMPORT_COLUMNS.items():
                if column not in columns:
                    connection.execute(statement)
            if "forecast" not in columns:
                connection.execute(FORECAST_COLUMN)
            self._mask_older_builds(connection)
        self._ready = True

    def _mask_older_builds(self, connection: sqlite3.Connection) -> None:
        """Builds kept by an older buildtui with their values in the command: the command
        goes beside the database, the values out of the row, its log and its summary."""
        rows = connection.execute(
            "SELECT id, argv, summary, log FROM builds WHERE argv LIKE '%--build-arg%'"
        ).fetchall()
        moved: dict[str, list[str]] = {}
        for build_id, argv_text, summary, log in rows:
            argv = [str(a) for a in json.loads(argv_text)]
            stored = masked_argv(argv, flags=("--build-arg",))
            if stored == argv:
                continue
            mask = BuildArgMask(build_arg_values(argv, {}))
            text = mask(zlib.decompress(log).decode("utf-8", "replace"))
            connection.execute(
                "UPDATE builds SET argv = ?, command = ?, summary = ?, log = ? WHERE id = ?",
                (
                    json.dumps(stored),
                    shown_command(stored),
                    json.dumps(mask.json(json.loads(summary))),
                    compress_lines(text.split("\n")),
                    build_id,
                ),
            )
            moved[str(build_id)] = argv
        if moved:
            self._keep_values(moved)

    def _values(self) -> dict[str, list[str]]:
        try:
            data = json.loads(self.values_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _keep_values(self, add: dict[str, list[str]], drop: Sequence[str] = ()) -> None:
        kept = self._values()
        kept.update(add)
        for key in drop:
            kept.pop(key, None)
        newest = sorted(kept, key=lambda k: int(k) if k.isdigit() else 0)[-VALUES_KEPT:]
        try:
            write_private(self.values_path, json.dumps({k: kept[k] for k in newest}))
        except OSError as error:
            raise HistoryError(
                _(
                    "Cannot keep the build's command beside the history "
                    "({values_path}): {value}. Check that the folder is writable."
                ).format(values_path=self.values_path, value=error.strerror or error)
            ) from error

    def _with_values(self, entries: list[BuildEntry]) -> list[BuildEntry]:
        """The entries with their whole commands, where kept."""
        if not any(a.endswith("=" + HIDDEN_VALUE) for e in entries for a in e.argv):
            return entries
        kept = self._values()
        return [
            replace(e, argv=tuple(str(a) for a in kept[str(e.id)])) if str(e.id) in kept else e
            for e in entries
        ]

    def add(
        self,
        *,
        started: float,
        argv: Sequence[str],
        command: str,
        summary: BuildSummary,
        log_lines: Sequence[str],
        canceled: bool = False,
        evidence: BuildEvidence | None = None,
        timing: Sequence[tuple[int, float]] = (),
        source: str | None = None,
        imported_at: float | None = None,
        origin: str | None = None,
        forecast: Forecast | None = None,
    ) -> int:
        """Keep a finished build; its id. `timing`: (lines so far, seconds since the
        start) as its log arrived, for replaying it at its pace. The database gets the
        command without its `--build-arg` values (`command` is not kept as given: it is
        made from that); the log and summary must come masked (LiveBuild does). `source`,
        `imported_at` and `origin` mark a build imported from elsewhere (see `BuildEntry`)."""
        stored = masked_argv(argv, flags=("--build-arg",))
        command = shown_command(stored)
        if source is not None and source not in SOURCES:
            raise ValueError(f"unknown source {source!r}")
        blob = compress_lines(log_lines)
        marks = list(timing)
        if len(marks) > MAX_MARKS:
            step = -(-len(marks) // MAX_MARKS)
            marks = marks[::step] + marks[-1:]
        with self._connect() as db:
            cursor = db.execute(
                "INSERT INTO builds (started, argv, command, exit_code, canceled, summary,"
                " log, log_lines, evidence, timing, source, imported_at, origin, forecast)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    started,
                    json.dumps(stored),
                    command,
                    summary.exit_code,
                    int(canceled),
                    json.dumps(summary.to_json()),
                    blob,
                    len(log_lines),
                    evidence.to_blob() if evidence is not None else None,
                    json.dumps([[n, round(t, 3)] for n, t in marks]) if marks else None,
                    source,
                    imported_at,
                    origin,
                    json.dumps(forecast.to_json()) if forecast is not None else None,
                ),
            )
            build_id = int(cursor.lastrowid or 0)
            if stored != list(argv):
                self._keep_values({str(build_id): list(argv)})
            return build_id

    def earlier(self, evidence: BuildEvidence, limit: int = 20) -> list[EarlierBuild]:
        """The newest builds of the same Dockerfile and context, with their evidence
        (run here: an imported build's context and builder were another machine's)."""
        return self.of_project(evidence.project, limit)

    def of_project(
        self, project: tuple[str | None, str | None] | None, limit: int = 20
    ) -> list[EarlierBuild]:
        """The newest builds of one Dockerfile and context (`BuildEvidence.project`; None:
        the newest kept build's) run here, with their evidence."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT id, summary, evidence FROM builds WHERE evidence IS NOT NULL"
                " AND source IS NULL ORDER BY id DESC LIMIT ?",
                (limit * 4,),
            ).fetchall()
        out = []
        for build_id, summary, blob in rows:
            try:
                kept = BuildEvidence.from_blob(blob)
            except (ValueError, zlib.error):
                continue
            if project is None:
                project = kept.project
            if kept.project == project:
                out.append(
                    EarlierBuild(int(build_id), BuildSummary.from_json(json.loads(summary)), kept)
                )
        return out[:limit]

    def list(self, limit: int = 200) -> list[BuildEntry]:
        """The newest builds first."""
        with self._connect() as db:
            rows = db.execute(
                f"SELECT {ENTRY_COLUMNS} FROM builds ORDER BY id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return self._with_values([_entry(row) for row in rows])

    def get(self, build_id: int) -> BuildRecord:
        with self._connect() as db:
            row = db.execute(
                f"SELECT {ENTRY_COLUMNS}, log, timing FROM builds WHERE id = ?",
                (build_id,),
            ).fetchone()
        if row is None:
            raise HistoryError(
                _("There is no build {build_id} in the history.").format(build_id=build_id)
            )
        log, timing = row[-2:]
        marks = tuple((int(n), float(t)) for n, t in json.loads(timing)) if timing else ()
        entry = self._with_values([_entry(row[:-2])])[0]
        return BuildRecord(entry, zlib.decompress(log).decode("utf-8", "replace"), marks)

    def evidence(self, build_id: int) -> BuildEvidence | None:
        """What build `build_id` started from (its Dockerfile, context), if it was kept."""
        with self._connect() as db:
            row = db.execute("SELECT evidence FROM builds WHERE id = ?", (build_id,)).fetchone()
        if row is None or row[0] is None:
            return None
        try:
            return BuildEvidence.from_blob(row[0])
        except (ValueError, zlib.error):
            return None

    def delete(self, build_id: int) -> None:
        with self._connect() as db:
            db.execute("DELETE FROM builds WHERE id = ?", (build_id,))
        if str(build_id) in self._values():
            self._keep_values({}, drop=[str(build_id)])

    def compare(self, old_id: int, new_id: int) -> Comparison:
        return compare(self.get(old_id).entry, self.get(new_id).entry)


def project_builds(
    history: BuildHistory, argv: Sequence[str] | None, limit: int = 50
) -> list[EarlierBuild]:
    """The kept builds of the Dockerfile and context `argv` names (the newest kept build's
    without `argv`), newest first."""
    project = project_of(list(argv)) if argv else None
    return history.of_project(project, limit)


def compress_lines(lines: Sequence[str], chunk: int = 10_000) -> bytes:
    """The lines joined by newlines and zlib-compressed, a chunk at a time (no joined copy)."""
    compressor = zlib.compressobj(6)
    parts = []
    for start in range(0, len(lines), chunk):
        text = "\n".join(lines[start : start + chunk])
        if start:
            text = "\n" + text
        parts.append(compressor.compress(text.encode("utf-8")))
    parts.append(compressor.flush())
    return b"".join(parts)


ENTRY_COLUMNS = (
    "id, started, argv, command, exit_code, canceled, summary, log_lines, source,"
    " imported_at, origin, forecast"
)
"""The columns `_entry` reads, in its order."""


def _entry(row: Sequence[object]) -> BuildEntry:
    build_id, started, argv, command, exit_code, canceled, summary, log_lines = row[:8]
    source, imported_at, origin, forecast = row[8:12]
    return BuildEntry(
        id=int(str(build_id)),
        started=float(str(started)),
        argv=tuple(json.loads(str(argv))),
        command=str(command),
        exit_code=None if exit_code is None else int(str(exit_code)),
        canceled=bool(canceled),
        summary=BuildSummary.from_json(json.loads(str(summary))),
        log_lines=int(str(log_lines)),
        source=None if source is None else str(source),
        imported_at=None if imported_at is None else float(str(imported_at)),
        origin=None if origin is None else str(origin),
        forecast=_forecast(forecast),
    )


def _forecast(text: object) -> Forecast | None:
    if not isinstance(text, str):
        return None
    try:
        data = json.loads(text)
        return Forecast.from_json(data) if isinstance(data, dict) else None
    except (ValueError, TypeError, AttributeError, KeyError):
        return None


def compare(old: BuildEntry, new: BuildEntry) -> Comparison:
    """Which steps went from run to CACHED and back between `old` and `new`, and the time."""
    before = {step.key: step for step in old.summary.steps}
    after = {step.key: step for step in new.summary.steps}
    changes = []
    for key in [*after, *(k for k in before if k not in after)]:
        a, b = before.get(key), after.get(key)
        ref = b or a
        assert ref is not None
        changes.append(
            StepChange(
                platform=ref.platform,
                stage=ref.stage,
                index=ref.index,
                instruction=ref.instruction,
                before=a.status if a else "absent",
                after=b.status if b else "absent",
                seconds_before=a.seconds if a else None,
                seconds_after=b.seconds if b else None,
                counted=ref.counted,
            )
        )
    now_cached = tuple(
        c
        for c in changes
        if c.counted and c.after == "cached" and c.before in ("done", "error", "canceled")
    )
    now_run = tuple(
        c for c in changes if c.counted and c.before == "cached" and c.after in ("done", "error")
    )
    wall_saved = None
    if old.summary.wall_seconds is not None and new.summary.wall_seconds is not None:
        wall_saved = old.summary.wall_seconds - new.summary.wall_seconds
    return Comparison(
        old=old,
        new=new,
        now_cached=now_cached,
        changes=tuple(changes),
        wall_saved=wall_saved,
        step_seconds_saved=sum(c.seconds_before or 0.0 for c in now_cached),
        now_run=now_run,
        step_seconds_lost=sum(c.seconds_after or 0.0 for c in now_run),
    )
