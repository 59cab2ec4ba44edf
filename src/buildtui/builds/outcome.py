"""What a finished build adds to its summary: whether its forecast was right, what its
registry caches cover, how much longer the emulated platform took, and its pictures (the
stage graph and the timing waterfall) for `--summary-json`.

Shared by `buildtui build` and the Build pane; plain strings and dicts.
"""

from __future__ import annotations

from typing import Any

from buildtui.buildlog.summary import BuildSummary
from buildtui.builds.forecast import Forecast, judge
from buildtui.builds.live import LiveBuild
from buildtui.builds.stage_graph import stage_graph
from buildtui.builds.waterfall import native_platform, waterfall
from buildtui.i18n import _


def forecast_verdict(forecast: Forecast, summary: BuildSummary) -> str:
    """`Forecast right: ...` or `Forecast wrong: ...` with what differed."""
    right, differences = judge(forecast, summary)
    said = forecast.said()
    if right is None:
        return _("Forecast (made before the build): {said}").format(said=said)
    if right:
        return _("Forecast right (made before the build): {said}").format(said=said)
    return _("Forecast wrong (made before the build: {said}): {differences}").format(
        said=said, differences="; ".join(differences)
    )


def outcome_lines(live: LiveBuild) -> list[str]:
    """The forecast against what happened, the registry caches' coverage and warnings,
    and the emulation ratio, one line each (the caller holds no lock: the build is over)."""
    summary = live.summary
    if summary is None:
        return []
    lines = []
    if live.forecast is not None:
        lines.append(forecast_verdict(live.forecast, summary))
    if live.cache_report is not None:
        lines += live.cache_report.lines()
    ratio = waterfall(summary, native_platform()).emulation
    if ratio is not None:
        lines.append(_("Timing: {sentence}.").format(sentence=ratio.sentence()))
    return lines


def summary_pictures(live: LiveBuild) -> dict[str, Any]:
    """`stages` (nodes and edges), `waterfall`, `forecast` (with `right` and
    `differences`) and `cache_coverage`, for `--summary-json`."""
    summary = live.summary
    if summary is None:
        return {}
    text = live.evidence.dockerfile_text if live.evidence is not None else None
    body: dict[str, Any] = {
        "stages": stage_graph(summary, text).to_json(),
        "waterfall": waterfall(summary, native_platform()).to_json(),
        "forecast": None,
        "cache_coverage": live.cache_report.to_json() if live.cache_report else None,
    }
    if live.forecast is not None:
        right, differences = judge(live.forecast, summary)
        body["forecast"] = {**live.forecast.to_json(), "right": right, "differences": differences}
    return body
