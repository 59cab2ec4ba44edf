"""One build, run for the Build pane: start the exact command, parse its output, and post
progress at a bounded rate; or stop it.

`run_build` is the body of the pane's build worker (a thread): it blocks on the build's
output and talks back to the pane only through the messages it posts.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from textual.message import Message

from buildtui.app.builds.messages import (
    BuildFinished,
    BuildNotStarted,
    BuildProgress,
    BuildStarted,
)
from buildtui.builds.errors import BuildError
from buildtui.builds.evidence import EvidenceCollector
from buildtui.builds.forecast import Forecasting
from buildtui.builds.live import LiveBuild
from buildtui.builds.options import read_stage_names
from buildtui.builds.runner import BuildService
from buildtui.i18n import _

UPDATE_INTERVAL = 0.1
"""Seconds between two progress messages from the build worker (at most 10 a second)."""
BUSY_UPDATE_INTERVAL = 0.5
"""The same while the build prints more than BUSY_LINES lines between two updates: each
update redraws the log view, which costs Textual tens of milliseconds on a big terminal,
and a log that fast scrolls by too quickly to read anyway."""
BUSY_LINES = 1000


def run_build(
    live: LiveBuild,
    dockerfile: Path | None,
    service: BuildService,
    evidence: EvidenceCollector | None,
    post: Callable[[Message], object],
    forecasting: Forecasting | None = None,
) -> None:
    """Run `live`'s command with `service` until it ends, posting its messages with `post`."""
    if dockerfile is not None:
        live.model.stage_order = read_stage_names(dockerfile)
    live.prepare_mask(os.environ, dockerfile)
    if evidence is not None:
        # Reading and hashing the context beside the build (bounded in time, pure Python:
        # the app's keys are answered meanwhile), so that the build starts at once.
        live.record_evidence(evidence)
        if forecasting is not None:
            live.start_forecast(forecasting)  # in a thread, once the evidence is recorded
    if live.stop_requested.is_set():
        live.finish(None)
        post(BuildNotStarted(live, _("The build was canceled before it started.")))
        return
    try:
        process = service.start(live.argv)
    except BuildError as error:
        live.finish(None)
        post(BuildNotStarted(live, str(error)))
        return
    live.process = process
    if live.stop_requested.is_set():  # canceled while it was starting
        process.cancel()
    post(BuildStarted(live))
    last = time.monotonic()
    pending = 0

    def batch_parsed(count: int) -> None:
        nonlocal last, pending
        pending += count
        now = time.monotonic()  # the update rate is real time, whatever the clock
        interval = BUSY_UPDATE_INTERVAL if pending > BUSY_LINES else UPDATE_INTERVAL
        if now - last >= interval:
            post(BuildProgress(live))
            last, pending = now, 0

    live.follow(process, batch_parsed)
    live.evidence_recorded()  # what explains the misses and is kept with the build
    post(BuildFinished(live))


def cancel_build(live: LiveBuild | None) -> bool:
    """Stop `live`'s process if it is running, or keep it from starting if its context
    is still being read; False when there is nothing to stop."""
    if live is None or not live.running:
        return False
    live.stop_requested.set()
    if live.process is not None:
        live.process.cancel()
    return True
