"""`buildtui build [--summary-json FILE] -- <docker buildx build arguments>`.

Runs the build with plain progress, prints its log as it comes (CACHED steps,
errors and canceled steps highlighted as in the Build pane; colour as NO_COLOR,
FORCE_COLOR and TERM=dumb say, else only on a terminal), then the summary, with the
first cache miss of each platform and stage and why; writes the summary as JSON when
asked. The build is kept in the history the app shows (with its evidence: Dockerfile,
context hashes, build-argument hashes), which is what the next build's misses are
explained against. The exit code is buildx's.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, TextIO

from buildtui.builds.errors import BuildError
from buildtui.builds.options import (
    argv_for_arguments,
    dockerfile_of,
    read_stage_names,
    shown_command,
)
from buildtui.builds.runner import BuildProcess, BuildRunner, BuildService
from buildtui.i18n import _, ngettext
from buildtui.settings import Settings
from buildtui.terminal import use_color

if TYPE_CHECKING:  # loaded once the build has started (`run_build`): its first line first
    from buildtui.buildlog.explain import Explanation
    from buildtui.buildlog.summary import BuildSummary
    from buildtui.builds.evidence import BuildEvidence
    from buildtui.builds.forecast import Forecast, Forecasting
    from buildtui.builds.history import BuildHistory
    from buildtui.builds.live import LiveBuild

GREEN_BOLD = "\x1b[1;32m"
RED_BOLD = "\x1b[1;31m"
DIM = "\x1b[2m"
RESET = "\x1b[0m"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "build",
        help="run docker buildx build with a live log and a cache summary",
        description="Run `docker buildx build --progress=plain ARGS`, print its log with "
        "CACHED steps highlighted, then how many steps came from the cache and, for each "
        "platform and stage, the first step that missed it and why. The build is kept in "
        "the app's build history, against which the next build's misses are explained.",
    )
    parser.add_argument(
        "--summary-json", metavar="FILE", type=Path, help="write the build summary as JSON"
    )
    parser.add_argument(
        "--show-build-arg-values",
        action="store_true",
        help="print --build-arg values in the command line, the log and --summary-json "
        "(hidden by default: NAME=… in the command, «NAME» in the log); the history never "
        "keeps them",
    )
    parser.add_argument(
        "--forecast",
        action="store_true",
        help="do not build: say which step of each platform and stage will miss the cache "
        "first, and why, from the last comparable kept build (nothing is run or kept)",
    )
    parser.add_argument(
        "--advice",
        action="store_true",
        help="do not build: Dockerfile advice (with line numbers) from where the cache broke "
        "in the kept builds of the Dockerfile and context ARGS name (without ARGS: the last "
        "kept build's)",
    )
    parser.add_argument(
        "--json", action="store_true", help="with --forecast or --advice: print JSON"
    )
    parser.add_argument(
        "buildx_args",
        nargs=argparse.REMAINDER,
        metavar="-- ARGS",
        help="arguments for docker buildx build (after --)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    arguments = list(args.buildx_args)
    if arguments[:1] == ["--"]:
        arguments = arguments[1:]
    if args.forecast and args.advice:
        print(_("buildtui build: --forecast and --advice are asked one at a time"), file=sys.stderr)
        return 2
    if args.json and not (args.forecast or args.advice):
        print(
            _(
                "buildtui build: --json goes with --forecast or --advice; a build's summary as "
                "JSON is --summary-json FILE"
            ),
            file=sys.stderr,
        )
        return 2
    if args.advice:
        from buildtui.builds.history import BuildHistory

        argv = argv_for_arguments(arguments, settings) if arguments else None
        return run_advice(argv, BuildHistory(), sys.stdout, as_json=args.json, settings=settings)
    if not arguments:
        print(
            _(
                "buildtui build: give the docker buildx build arguments after --, e.g. "
                "buildtui build -- -t localhost:5000/lab:1 ."
            ),
            file=sys.stderr,
        )
        return 2
    argv = argv_for_arguments(arguments, settings)
    if args.forecast:
        return run_forecast(argv, _forecaster(settings), sys.stdout, as_json=args.json)
    stages = read_stage_names(dockerfile_of(arguments))

    def history() -> BuildHistory:
        from buildtui.builds.history import BuildHistory

        return BuildHistory()

    def forecasting(argv: Sequence[str], evidence: BuildEvidence | None) -> Forecast:
        # Made in the forecast's thread, once buildx has started (httpx, the history).
        return _forecaster(settings)(argv, evidence)

    return run_build(
        argv,
        BuildRunner(),
        sys.stdout,
        summary_json=args.summary_json,
        stage_order=stages,
        build_arg_values=args.show_build_arg_values,
        history=history,
        forecasting=forecasting,
    )


def _forecaster(settings: Settings) -> Forecasting:
    """The forecaster of a build: the history's builds and the engine's answers."""
    from buildtui.builds.engine_facts import EngineFacts  # httpx: only when a build runs
    from buildtui.builds.forecaster import Forecaster
    from buildtui.builds.history import BuildHistory

    return Forecaster(BuildHistory(), EngineFacts(settings))


def run_forecast(
    argv: list[str], forecasting: Forecasting, out: TextIO, *, as_json: bool = False
) -> int:
    """Print the forecast of `argv`'s build; nothing is built or kept. Exit 0, or 1 when
    the history cannot be read."""
    from buildtui.commands.output import json_document

    try:
        forecast = forecasting(argv, None)
    except BuildError as error:
        print(f"buildtui build: {error}", file=sys.stderr)
        return 1
    if as_json:
        print(json.dumps(json_document(forecast.to_json()), indent=2), file=out)
        return 0
    print(f"$ {shown_command(argv)}", file=out)
    print(forecast_heading(forecast), file=out)
    for line in forecast.lines():
        print(f"  {line}", file=out)
    return 0


def forecast_heading(forecast: Forecast) -> str:
    """What the forecast compares with and on which builder, as one heading."""
    values = {"id": forecast.compared_with, "builder": forecast.builder}
    if forecast.compared_with is not None:
        if forecast.builder:
            text = _("Forecast against build #{id} on builder {builder} (nothing was built):")
        else:
            text = _("Forecast against build #{id} (nothing was built):")
    elif forecast.stages:
        if forecast.builder:
            text = _(
                "Forecast with no earlier build of this Dockerfile and context kept, on "
                "builder {builder} (nothing was built):"
            )
        else:
            text = _(
                "Forecast with no earlier build of this Dockerfile and context kept (nothing "
                "was built):"
            )
    elif forecast.builder:
        text = _("Forecast on builder {builder} (nothing was built):")
    else:
        text = _("Forecast (nothing was built):")
    return text.format(**values)


def run_advice(
    argv: list[str] | None,
    history: BuildHistory,
    out: TextIO,
    *,
    as_json: bool = False,
    settings: Settings | None = None,
) -> int:
    """Print Dockerfile advice from the kept builds of `argv`'s Dockerfile and context (the
    last kept build's without `argv`). Exit 0, or 1 when the history cannot be read."""
    from buildtui.builds.advice import advise
    from buildtui.builds.history import project_builds
    from buildtui.commands.output import json_document

    host = (settings or Settings()).registry_host
    try:
        builds = project_builds(history, argv)
    except BuildError as error:
        print(f"buildtui build: {error}", file=sys.stderr)
        return 1
    advice = advise(builds, registry_host=host)
    if as_json:
        print(json.dumps(json_document(advice.to_json()), indent=2), file=out)
        return 0
    if advice.builds:
        heading = ngettext(
            "Advice from where the cache broke ({dockerfile}, {count} kept build):",
            "Advice from where the cache broke ({dockerfile}, {count} kept builds):",
            advice.builds,
        ).format(dockerfile=advice.dockerfile or "Dockerfile", count=advice.builds)
    else:
        heading = _("Advice from where the cache broke:")
    print(heading, file=out)
    for line in advice.lines():
        print(f"  {line}", file=out)
    return 0


def run_build(
    argv: list[str],
    service: BuildService,
    out: TextIO,
    *,
    summary_json: Path | None = None,
    color: bool | None = None,
    stage_order: Sequence[str] = (),
    build_arg_values: bool = False,
    history: BuildHistory | Callable[[], BuildHistory] | None = None,
    forecasting: Forecasting | None = None,
) -> int:
    """Run `argv`, print the log and summary to `out`; buildx's exit code.

    The command line shows `--build-arg` values as `NAME=…` unless `build_arg_values`.
    With a `history` (or what makes it), the build is kept there with its log and
    evidence, as the Build pane keeps its own (the same table: the pane, the guide and
    the report see it), and each stage's first cache miss is explained against the
    builds kept before it. With `forecasting` (and a history), the build is forecast (in a
    thread, while it runs) and the forecast kept with it, then said right or wrong; its
    registry caches' coverage is said too. buildx starts first: what follows its output,
    and what records the evidence (beside it), is loaded and made while it starts.
    """
    print(f"$ {shown_command(argv, build_arg_values=build_arg_values)}", file=out, flush=True)
    started = time.time(), time.monotonic()
    try:
        process = service.start(argv)
    except BuildError as error:
        print(_("buildtui build: {error}").format(error=error), file=sys.stderr)
        return 127
    with _cancel_on_interrupt(process), _cancel_on_broken_pipe(process):
        live, kept = _follower(argv, stage_order, started, build_arg_values, history, forecasting)
        lines = live.lines
        color = use_color(out) if color is None else color  # rich decides: once started
        paint = painter() if color else None
        from buildtui.commands.output import write_styled

        def print_batch(count: int) -> None:
            # The batch's lines are the last ones kept (a cut to save memory takes the front).
            batch = lines[max(0, len(lines) - count) :]
            if paint is not None:  # buildtui's colour codes around lines made visible
                write_styled(out, "".join(f"{paint(line)}\n" for line in batch))
            else:
                out.write("".join(f"{line}\n" for line in batch))
            out.flush()

        summary = live.follow(process, print_batch)
    if kept is not None:
        live.evidence_recorded()
        summary = _keep(live, kept, summary)
    print_summary(summary, live.explanations, out, color=color)
    from buildtui.builds.outcome import outcome_lines, summary_pictures

    for line in outcome_lines(live):
        print(line, file=out)
    if summary_json is not None:
        from buildtui.commands.output import json_document
        from buildtui.private_files import write_private

        try:
            body = {**summary.to_json(), **summary_pictures(live)}
            document = json.dumps(json_document(body), indent=2) + "\n"
            write_private(summary_json, document, links="refuse", own_folder=False)
        except OSError as error:
            print(
                _("buildtui build: cannot write {summary_json}: {value}").format(
                    summary_json=summary_json, value=error.strerror or error
                ),
                file=sys.stderr,
            )
    return live.exit_code if live.exit_code is not None else 1  # wait() always gives one


def _follower(
    argv: list[str],
    stage_order: Sequence[str],
    started: tuple[float, float],
    build_arg_values: bool,
    history: BuildHistory | Callable[[], BuildHistory] | None,
    forecasting: Forecasting | None,
) -> tuple[LiveBuild, BuildHistory | None]:
    """What reads the started build's output (its arguments' values masked), the history
    it is kept in, and its evidence being recorded (and its forecast made) beside it."""
    from buildtui.builds.command import buildx_arguments
    from buildtui.builds.evidence import collect_evidence
    from buildtui.builds.live import LiveBuild

    live = LiveBuild(argv, stage_order=stage_order)
    live.started, live.started_at = started
    live.prepare_mask(os.environ, dockerfile_of(buildx_arguments(argv)))
    live.masking = not build_arg_values
    kept = history() if callable(history) else history
    if kept is not None:
        live.record_evidence(collect_evidence)
        if forecasting is not None:
            live.start_forecast(forecasting)
    return live, kept


def _keep(live: LiveBuild, history: BuildHistory, summary: BuildSummary) -> BuildSummary:
    """Explain the first misses against the history, then keep the build there (as the
    Build pane does); the summary with its misses."""
    try:
        live.explain_misses(history)
        build_id = live.keep(history)
        live.report_caches(history, build_id)
    except BuildError as error:
        print(
            _("buildtui build: the build was not kept in the history: {error}").format(error=error),
            file=sys.stderr,
        )
    return live.summary or summary


@contextmanager
def _cancel_on_interrupt(process: BuildProcess) -> Iterator[None]:
    """Ctrl-C cancels the build (its log then says CANCELED) instead of leaving it running."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupted(signum: int, frame: FrameType | None) -> None:
        print(_("buildtui build: canceling the build ..."), file=sys.stderr, flush=True)
        process.cancel()

    previous = signal.signal(signal.SIGINT, interrupted)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextmanager
def _cancel_on_broken_pipe(process: BuildProcess) -> Iterator[None]:
    """Nobody reads the log any more (`| head`): cancel the build, as docker's exit would."""
    try:
        yield
    except BrokenPipeError:
        process.cancel()
        process.wait()
        raise


ANSI = {
    "cached": GREEN_BOLD,
    "done": "\x1b[32m",
    "running": "\x1b[1;33m",
    "error": RED_BOLD,
    "canceled": "\x1b[35m",
    "heading": "\x1b[1m",
    "dim": DIM,
    "harmless": DIM,
    "miss": "\x1b[1;7m",
}
"""The semantic styles (`buildtui.buildlog.presentation.STYLES`) in ANSI colours: what
the Build pane shows in its theme's colours, the command line shows in these."""


def painter() -> Callable[[str], str]:
    """What paints a log line with its highlight (the Build pane's, in ANSI colours); its
    control characters, if any are left, shown visibly (the colours are the only codes
    written)."""
    from buildtui.buildlog.presentation import log_line_style
    from buildtui.untrusted import visible

    def painted(line: str) -> str:
        line = visible(line, one_line=True)
        style = log_line_style(line)
        return f"{ANSI[style]}{line}{RESET}" if style is not None else line

    return painted


def print_summary(
    summary: BuildSummary, explanations: Sequence[Explanation], out: TextIO, *, color: bool
) -> None:
    from buildtui.buildlog.presentation import summary_lines
    from buildtui.commands.output import write_styled
    from buildtui.untrusted import visible

    print("", file=out)
    for line in summary_lines(summary):
        print(line, file=out)
    for item in explanations:
        shown_title, explanation, fix = item.shown()
        title = (_("note: {title}") if item.harmless else _("problem: {title}")).format(
            title=shown_title
        )
        if color:
            code = ANSI["harmless" if item.harmless else "error"]
            write_styled(out, f"{code}{visible(title, one_line=True)}{RESET}\n")
        else:
            print(title, file=out)
        print(f"  {explanation}", file=out)
        print("  " + _("fix: {fix}").format(fix=fix), file=out)
        print("  " + _("see {url}").format(url=item.docs_url), file=out)
