"""`buildtui build [--summary-json FILE] -- <docker buildx build arguments>`.

Runs the build with plain progress, prints its log as it comes (CACHED steps
highlighted; colour as NO_COLOR, FORCE_COLOR and TERM=dumb say, else only on a
terminal), then the summary, with the first cache miss of each platform and stage and
why; writes the summary as JSON when asked. The build is kept in the history the app
shows (with its evidence: Dockerfile, context hashes, build-argument hashes), which is
what the next build's misses are explained against. The exit code is buildx's.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TextIO

from buildtui.build.errors import BuildError
from buildtui.build.evidence import BuildEvidence, collect
from buildtui.build.history import BuildHistory
from buildtui.build.live import MAX_LINES
from buildtui.build.misses import miss_line, with_misses
from buildtui.build.options import (
    argv_for_arguments,
    dockerfile_of,
    read_stage_names,
    shell_command,
    shown_command,
)
from buildtui.build.runner import BuildProcess, BuildRunner, BuildService
from buildtui.buildlog.explain import explain
from buildtui.buildlog.model import BuildModel
from buildtui.buildlog.parser import LineKind, LogParser
from buildtui.buildlog.summary import BuildSummary, summarize
from buildtui.commands.output import json_document
from buildtui.settings import Settings, data_dir
from buildtui.terminal import use_color

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
        help="print --build-arg values in the command line (hidden as NAME=… by default)",
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
    if not arguments:
        print(
            "buildtui build: give the docker buildx build arguments after --, "
            "e.g. buildtui build -- -t localhost:5000/lab:1 .",
            file=sys.stderr,
        )
        return 2
    argv = argv_for_arguments(arguments, settings)
    stages = read_stage_names(dockerfile_of(arguments))
    return run_build(
        argv,
        BuildRunner(),
        sys.stdout,
        summary_json=args.summary_json,
        stage_order=stages,
        build_arg_values=args.show_build_arg_values,
        history=BuildHistory(),
    )


def run_build(
    argv: list[str],
    service: BuildService,
    out: TextIO,
    *,
    summary_json: Path | None = None,
    color: bool | None = None,
    stage_order: Sequence[str] = (),
    build_arg_values: bool = False,
    history: BuildHistory | None = None,
) -> int:
    """Run `argv`, print the log and summary to `out`; buildx's exit code.

    The command line shows `--build-arg` values as `NAME=…` unless `build_arg_values`.
    With a `history`, the build is kept there with its log and evidence, as the Build
    pane keeps its own (the same table: the pane, the guide and the report see it), and
    each stage's first cache miss is explained against the builds kept before it.
    """
    color = use_color(out) if color is None else color
    print(f"$ {shown_command(argv, build_arg_values=build_arg_values)}", file=out, flush=True)
    evidence = collect(argv, data_dir=data_dir()) if history is not None else None
    started = time.monotonic()
    started_at = time.time()
    try:
        process = service.start(argv)
    except BuildError as error:
        print(f"buildtui build: {error}", file=sys.stderr)
        return 127
    parser = LogParser()
    model = BuildModel(stage_order=stage_order)
    log: list[str] = []
    timing: list[tuple[int, float]] = []  # (lines so far, seconds) per batch, for a replay
    keep = log.append if history is not None else None
    write = out.write
    with _cancel_on_interrupt(process), _cancel_on_broken_pipe(process):
        for batch in process.batches():
            now = time.monotonic()
            chunk = []
            for raw in batch:
                line = parser.feed(raw)
                model.apply(line, now)
                if keep is not None:
                    keep(line.line)
                chunk.append(_paint(line.kind, line.line) if color else line.line)
            chunk.append("")
            write("\n".join(chunk))
            out.flush()
            if keep is not None:
                timing.append((len(log), now - started))
                if len(log) > MAX_LINES:  # as the pane: the newest lines of a huge log
                    del log[: len(log) // 2]
    exit_code = process.wait()
    model.finish()
    summary = summarize(model, exit_code=exit_code, wall_seconds=time.monotonic() - started)
    if history is not None and evidence is not None:
        summary = _keep(
            history, evidence, summary, argv, started_at, log, timing, process.canceled, out
        )
    print_summary(summary, model, out, color=color)
    if summary_json is not None:
        try:
            summary_json.write_text(json.dumps(json_document(summary.to_json()), indent=2) + "\n")
        except OSError as error:
            print(f"buildtui build: cannot write {summary_json}: {error}", file=sys.stderr)
    return exit_code


def _keep(
    history: BuildHistory,
    evidence: BuildEvidence,
    summary: BuildSummary,
    argv: list[str],
    started_at: float,
    log: list[str],
    timing: list[tuple[int, float]],
    canceled: bool,
    out: TextIO,
) -> BuildSummary:
    """Explain the first misses against the history, then keep the build there."""
    try:
        summary = with_misses(summary, evidence, history.earlier(evidence))
        history.add(
            started=started_at,
            argv=argv,
            command=shell_command(argv),
            summary=summary,
            log_lines=log,
            evidence=evidence,
            timing=timing,
            canceled=canceled,
        )
    except BuildError as error:
        print(f"buildtui build: the build was not kept in the history: {error}", file=sys.stderr)
    return summary


@contextmanager
def _cancel_on_interrupt(process: BuildProcess) -> Iterator[None]:
    """Ctrl-C cancels the build (its log then says CANCELED) instead of leaving it running."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupted(signum: int, frame: FrameType | None) -> None:
        print("buildtui build: canceling the build ...", file=sys.stderr, flush=True)
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


def _paint(kind: LineKind, text: str) -> str:
    if kind is LineKind.CACHED:
        return f"{GREEN_BOLD}{text}{RESET}"
    if kind is LineKind.ERROR or kind is LineKind.BUILDX_ERROR:
        return f"{RED_BOLD}{text}{RESET}"
    return text


def summary_lines(summary: BuildSummary) -> list[str]:
    """The summary in a few plain lines."""
    per_platform = ", ".join(
        f"{p.platform or 'default platform'} {p.cached}/{p.total}" for p in summary.per_platform
    )
    lines = [
        f"Steps cached: {summary.cached}/{summary.total}"
        + (f" ({per_platform})" if per_platform else "")
        + " - Dockerfile steps without FROM",
        f"Cache import: {summary.cache_import}"
        + f" · cache export: {summary.cache_export} · push: {summary.push}",
    ]
    for miss in summary.first_misses:
        lines.append(f"Cache broken here: {miss_line(miss)}")
    if summary.pushed_digest:
        lines.append(f"Pushed: {summary.pushed[-1][0]}@{summary.pushed_digest}")
    wall = f"{summary.wall_seconds:.1f} s" if summary.wall_seconds is not None else "unknown"
    lines.append(f"Wall time: {wall} · exit code {summary.exit_code}")
    return lines


def print_summary(summary: BuildSummary, model: BuildModel, out: TextIO, *, color: bool) -> None:
    print("", file=out)
    for line in summary_lines(summary):
        print(line, file=out)
    for item in explain(model):
        mark = "note" if item.harmless else "problem"
        title = f"{mark}: {item.title}"
        if color:
            title = f"{DIM if item.harmless else RED_BOLD}{title}{RESET}"
        print(f"{title}\n  {item.explanation}\n  fix: {item.fix}\n  see {item.docs_url}", file=out)
