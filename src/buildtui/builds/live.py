"""One build's output as it streams: raw lines, parser and model, behind one lock.

A worker thread `add`s batches of lines; the UI reads `lines` and `model`
while holding `lock` (appending to a list is atomic, so a view may also read
lines that are already there without it). Memory is capped: past
`max_lines` the oldest half of the raw log is dropped (the model keeps every
step; only the raw text goes).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from buildtui.buildlog.explain import Explanation, explain
from buildtui.buildlog.model import BuildModel
from buildtui.buildlog.parser import LogParser
from buildtui.buildlog.summary import BuildSummary, summarize
from buildtui.builds.arg_values import BuildArgMask, mask_for
from buildtui.builds.cache_coverage import CacheReport, KeptBuild, cache_report
from buildtui.builds.errors import BuildError
from buildtui.builds.evidence import BuildEvidence, read_regular
from buildtui.builds.forecast import Forecast, Forecasting
from buildtui.builds.history import BuildHistory
from buildtui.builds.misses import with_misses
from buildtui.builds.options import shell_command
from buildtui.builds.runner import BuildProcess
from buildtui.builds.stage_graph import with_stage_edges
from buildtui.logs import LOGGER

MAX_LINES = 3_000_000
FORECAST_WAIT = 10.0
"""Seconds a finished build waits for its forecast before it is kept without one."""
KEPT_FOR_CACHES = 200
"""Kept builds read for the registry caches a build exported to or imported from."""
SLICE = 256
"""Lines parsed between two chances for another thread (a UI's) to run."""


class LiveBuild:
    def __init__(
        self,
        argv: Sequence[str],
        *,
        stage_order: Sequence[str] = (),
        platform_order: Sequence[str] = (),
        max_lines: int = MAX_LINES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.argv = list(argv)
        self.clock = clock
        self.lock = threading.Lock()
        self.lines: list[str] = []
        self.dropped = 0
        """Raw lines dropped from the front to cap memory."""
        self.max_lines = max_lines
        self.parser = LogParser()
        self.model = BuildModel(stage_order=stage_order, platform_order=platform_order)
        self.started = time.time()
        self.started_at = clock()
        self.finished_at: float | None = None
        self.process: BuildProcess | None = None
        self.stop_requested = threading.Event()
        """Set by a cancel (or the app quitting) before the process exists: it does not start."""
        self.exit_code: int | None = None
        self.summary: BuildSummary | None = None
        self.explanations: list[Explanation] = []
        self.evidence: BuildEvidence | None = None
        """What the build started from (recorded beside it: `record_evidence`)."""
        self._recording: threading.Thread | None = None
        self._recording_error: BaseException | None = None
        self.timing: list[tuple[int, float]] = []
        """(lines so far, seconds since the start) after each batch, for a replay."""
        self.mask: BuildArgMask | None = None
        """Hides the build's `--build-arg` values (arg_values.py); None: none to hide."""
        self.masking = True
        """Whether lines are masked as they arrive; False (`--show-build-arg-values`)
        still keeps them masked in the history."""
        self.forecast: Forecast | None = None
        """What was forecast from the evidence before the build ran (forecast.py)."""
        self._forecasting: threading.Thread | None = None
        self.cache_report: CacheReport | None = None
        """The registry caches it exported to or imported from (cache_coverage.py)."""

    def prepare_mask(
        self, environ: Mapping[str, str], dockerfile: Path | None = None
    ) -> BuildArgMask | None:
        """Make the mask of this build's `--build-arg` values, from its command, the
        environment and the Dockerfile (its recorded text, else read from `dockerfile`)."""
        text = self.evidence.dockerfile_text if self.evidence is not None else None
        if text is None and dockerfile is not None:
            data = read_regular(dockerfile, 1024 * 1024)
            text = data.decode("utf-8", "replace") if data is not None else None
        self.mask = mask_for(self.argv, environ, text)
        return self.mask

    def record_evidence(self, collect: Callable[[Sequence[str]], BuildEvidence | None]) -> None:
        """Record what the build starts from (its Dockerfile, its context's hashes) in a
        thread of its own, beside the build: hashing a large context (up to its bounds,
        seconds) must not delay the build's first line. `evidence_recorded` waits for it."""

        def record() -> None:
            try:
                self.evidence = collect(self.argv)
            except BaseException as error:  # raised again where it is waited for
                self._recording_error = error

        self._recording = threading.Thread(
            target=record, name="buildtui-build-evidence", daemon=True
        )
        self._recording.start()

    def evidence_recorded(self) -> BuildEvidence | None:
        """The evidence, once recorded (waits for `record_evidence`'s thread to end)."""
        if self._recording is not None:
            self._recording.join()
            self._recording = None
        if self._recording_error is not None:
            error, self._recording_error = self._recording_error, None
            raise error
        return self.evidence

    @property
    def running(self) -> bool:
        return self.finished_at is None

    @property
    def canceled(self) -> bool:
        return self.process is not None and self.process.canceled

    def add(self, batch: Iterable[str], now: float | None = None) -> None:
        """Parse and keep a batch of raw lines."""
        now = self.clock() if now is None else now
        feed = self.parser.feed
        apply = self.model.apply
        mask = self.mask if self.masking else None
        with self.lock:
            append = self.lines.append
            for raw in batch:
                line = feed(mask(raw) if mask is not None else raw)
                apply(line, now)
                append(line.line)
            self.timing.append((self.dropped + len(self.lines), now - self.started_at))
            if len(self.lines) > self.max_lines:
                cut = len(self.lines) // 2
                del self.lines[:cut]
                self.dropped += cut

    def finish(self, exit_code: int | None, now: float | None = None) -> BuildSummary:
        """The process ended: settle the model and compute the summary."""
        now = self.clock() if now is None else now
        with self.lock:
            self.finished_at = now
            self.exit_code = exit_code
            self.model.finish(now)
            self.summary = summarize(
                self.model,
                exit_code=exit_code,
                wall_seconds=now - self.started_at,
                started_at=self.started_at,
            )
            self.explanations = explain(self.model)
            return self.summary

    def follow(
        self, process: BuildProcess, on_batch: Callable[[int], None] | None = None
    ) -> BuildSummary:
        """Read `process`'s output to its end, then `finish` with its exit code.

        Each batch is parsed `SLICE` lines at a time, handing the GIL to any thread that
        waits in between: a UI's keys stay answered while a chatty build keeps this one
        busy. `on_batch(n)` is called after each batch of n lines.
        """
        self.process = process
        for batch in process.batches():
            for start in range(0, len(batch), SLICE):
                self.add(batch[start : start + SLICE])
                time.sleep(0)
            if on_batch is not None:
                on_batch(len(batch))
        return self.finish(process.wait())

    def start_forecast(self, forecasting: Forecasting) -> None:
        """Forecast the build from its evidence in a thread of its own, while it runs: the
        forecast reads only what the build started from (and the engine's answers), so it
        holds nothing up. It waits for the evidence when `record_evidence` is recording it."""
        recording = self._recording

        def run() -> None:
            if recording is not None:
                recording.join()
            try:
                self.forecast = forecasting(self.argv, self.evidence)
            except (BuildError, OSError, ValueError):
                self.forecast = None  # a build runs without one; nothing to record
            except Exception:  # a bug: never a traceback on the build's terminal
                LOGGER.exception("the forecast of a build failed")
                self.forecast = None

        self._forecasting = threading.Thread(target=run, name="buildtui-forecast", daemon=True)
        self._forecasting.start()

    def wait_forecast(self, timeout: float = FORECAST_WAIT) -> Forecast | None:
        """The forecast, once made (None if it was not made, or not within `timeout`)."""
        if self._forecasting is not None:
            self._forecasting.join(timeout)
        return self.forecast

    def explain_misses(self, history: BuildHistory) -> bool:
        """Explain each stage's first cache miss against the builds `history` kept
        before this one; False (nothing to explain with) without a summary or evidence."""
        if self.summary is None or self.evidence is None:
            return False
        summary = with_misses(self.summary, self.evidence, history.earlier(self.evidence))
        summary = with_stage_edges(summary, self.evidence.dockerfile_text)
        with self.lock:
            self.summary = summary
        return True

    def keep(self, history: BuildHistory) -> int:
        """Keep the finished build in `history`, with its log, evidence and timing; its id."""
        if self.summary is None:
            raise ValueError("only a finished build can be kept")
        summary, lines = self.summary, self.lines  # finished: the list no longer changes
        if self.mask is not None and not self.masking:
            # Shown with their values (`--show-build-arg-values`); kept without them.
            summary = BuildSummary.from_json(self.mask.json(summary.to_json()))
            lines = [self.mask(line) for line in lines]
        return history.add(
            started=self.started,
            argv=self.argv,
            command=shell_command(self.argv),
            summary=summary,
            log_lines=lines,
            canceled=self.canceled,
            evidence=self.evidence,
            timing=self.timing,
            forecast=self.wait_forecast(),
        )

    def show_recorded(self, summary: BuildSummary) -> None:
        """A replay of a kept build ended: its summary is the one the build was kept
        with (its recorded wall time, first misses and their reasons), not one worked out
        again from the replay's clock and today's history."""
        with self.lock:
            self.summary = summary

    def report_caches(self, history: BuildHistory, build_id: int) -> CacheReport | None:
        """What the registry caches this build (kept as `build_id`) exported to or imported
        from cover, against the kept builds; None when it used none."""
        summary = self.summary
        if summary is None:
            return None
        kept = [
            KeptBuild(e.id, e.argv, e.summary)
            for e in history.list(KEPT_FOR_CACHES)
            if e.id < build_id
        ]
        report = cache_report(KeptBuild(build_id, tuple(self.argv), summary), kept)
        with self.lock:
            self.cache_report = report if report else None
        return self.cache_report

    def wall_seconds(self, now: float | None = None) -> float:
        end = self.finished_at if self.finished_at is not None else self.clock()
        return (end if now is None else now) - self.started_at

    @classmethod
    def replayed(
        cls,
        argv: Sequence[str],
        log: str,
        summary: BuildSummary,
        *,
        stage_order: Sequence[str] = (),
    ) -> LiveBuild:
        """A finished build rebuilt from its kept log (opening one from the history)."""
        live = cls(argv, stage_order=stage_order)
        live.add(log.split("\n") if log else [])
        with live.lock:
            live.finished_at = live.started_at
            live.exit_code = summary.exit_code
            live.model.finish()
            live.summary = summary
            live.explanations = explain(live.model)
        return live
