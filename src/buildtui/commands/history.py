"""`buildtui history ls|show|rm|export|import`: the Build pane's history (F6) as commands.

`export` writes one build to a file that `import` takes on another machine (for a
replay and a comparison there); `import` also takes the log of a plain `docker buildx
build --progress=plain … 2>&1 | tee build.log`. Imported builds are marked as such in
the history, the guide and the report. An imported file is somebody else's: its text was
cleaned when it was imported, and what is printed here goes through the twins' output
layer (`commands.output`) like every twin's, control characters shown as escapes.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from buildtui.commands.confirm import add_yes_flag, confirm
from buildtui.commands.output import print_json
from buildtui.i18n import _, ngettext
from buildtui.l10n import number
from buildtui.settings import Settings
from buildtui.terminal import EXIT_FAILURE, EXIT_USAGE

if TYPE_CHECKING:  # the build modules are imported when a command runs, not for --help
    from buildtui.builds.history import BuildEntry


def register(subparsers: Any) -> None:
    history = subparsers.add_parser(
        "history",
        help="the build history (as the Build pane's F6): list, show, delete, export, import",
        description="The builds kept by the Build pane and `buildtui build`, and builds "
        "imported from elsewhere (marked as imported).",
    )
    actions = history.add_subparsers(dest="history_command", metavar="ACTION", required=True)

    ls = actions.add_parser("ls", help="the builds, newest first, one line each")
    ls.add_argument("--limit", type=int, default=200, metavar="N", help="at most N (200)")
    ls.add_argument("--json", action="store_true", help="print them as JSON")
    _values_flag(ls)
    ls.set_defaults(handler=run_ls)

    show = actions.add_parser("show", help="one build: its command, summary and misses")
    show.add_argument("build", metavar="BUILD", help="the build's id (`history ls`)")
    show.add_argument("--log", action="store_true", help="print its whole log too")
    show.add_argument("--json", action="store_true", help="print it as JSON")
    _values_flag(show)
    show.set_defaults(handler=run_show)

    rm = actions.add_parser("rm", help="delete builds from the history (asks first)")
    rm.add_argument("builds", nargs="+", metavar="BUILD", help="the builds' ids")
    add_yes_flag(rm, "deleting")
    rm.add_argument("--json", action="store_true", help="print what was deleted as JSON")
    rm.set_defaults(handler=run_rm)

    export = actions.add_parser(
        "export",
        help="write one build to a file another buildtui imports (replay, compare there)",
        description="Write build BUILD to FILE (JSON, owner-only): its command, summary, "
        "whole log with the time each part arrived, and evidence. --build-arg values are "
        "masked (NAME=… in the command, … wherever a value appears in the log).",
    )
    export.add_argument("build", metavar="BUILD", help="the build's id (`history ls`)")
    export.add_argument("--out", metavar="FILE", required=True, help="the file to write")
    export.add_argument("--json", action="store_true", help="print what was written as JSON")
    export.set_defaults(handler=run_export)

    take = actions.add_parser(
        "import",
        help="add a build from a `history export` file or a plain build log",
        description="Add the build in FILE to the history, marked as imported: a file "
        "written by `buildtui history export`, or the log of `docker buildx build "
        "--progress=plain … 2>&1 | tee build.log`. For a log, the command is --command, "
        "or a `$ docker buildx build …` line before the log; its exit code is --exit-code, "
        "or 1 when the log ends with buildx's ERROR and 0 otherwise.",
    )
    take.add_argument("file", metavar="FILE", help="an export, or a plain progress log")
    take.add_argument(
        "--command", metavar="CMD", help="the docker buildx build command that made the log"
    )
    take.add_argument("--exit-code", type=int, metavar="N", help="the log's build exit code")
    take.add_argument("--json", action="store_true", help="print the new build's id as JSON")
    take.set_defaults(handler=run_import)


def _values_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--show-build-arg-values",
        action="store_true",
        help="print --build-arg values in commands (hidden as NAME=… by default)",
    )


def _fail(message: str, code: int = EXIT_FAILURE) -> int:
    print(f"buildtui: {message}", file=sys.stderr)
    return code


def _build_id(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def _not_an_id(text: str) -> int:
    return _fail(
        _(
            "BUILD is a build's number in the history, not {text!r}; `buildtui history "
            "ls` shows them"
        ).format(text=text),
        EXIT_USAGE,
    )


def _iso(timestamp: float | None) -> str | None:
    return None if timestamp is None else datetime.fromtimestamp(timestamp).astimezone().isoformat()


def source_text(entry: BuildEntry) -> str:
    """`run here`, or where an imported build came from."""
    if entry.source == "plain-log":
        return _("imported plain log {origin}").format(origin=entry.origin or "").rstrip()
    if entry.imported:
        return _("imported from {origin}").format(origin=entry.origin or _("a file"))
    return _("run here")


def entry_json(entry: BuildEntry, values: bool) -> dict[str, Any]:
    from buildtui.builds.options import shown_command
    from buildtui.builds.presentation import build_traits, first_miss_cell
    from buildtui.logs import masked_argv

    tags, cache, platforms = build_traits(entry.argv)
    summary = entry.summary
    return {
        "id": entry.id,
        "started": _iso(entry.started),
        "command": shown_command(entry.argv, build_arg_values=values) if entry.argv else None,
        "argv": list(entry.argv) if values else masked_argv(entry.argv, ("--build-arg",)),
        "exit_code": entry.exit_code,
        "canceled": entry.canceled,
        "cached": summary.cached,
        "total": summary.total,
        "wall_seconds": summary.wall_seconds,
        "tags": tags,
        "platforms": platforms,
        "cache": cache,
        "first_miss": first_miss_cell(summary),
        "log_lines": entry.log_lines,
        "imported": entry.imported,
        "source": entry.source or "local",
        "imported_at": _iso(entry.imported_at),
        "origin": entry.origin,
    }


# -- ls, show, rm ---------------------------------------------------------------------


def run_ls(args: argparse.Namespace, settings: Settings) -> int:
    from buildtui.builds.errors import BuildError
    from buildtui.builds.history import BuildHistory
    from buildtui.builds.presentation import HISTORY_COLUMNS, history_row

    if args.limit < 1:
        return _fail(_("--limit must be 1 or more"), EXIT_USAGE)
    try:
        entries = BuildHistory().list(args.limit)
    except BuildError as error:
        return _fail(str(error))
    if args.json:
        print_json({"builds": [entry_json(e, args.show_build_arg_values) for e in entries]})
        return 0
    if not entries:
        print(_("No builds in the history yet (the Build pane and `buildtui build` keep them)."))
        return 0
    rows: list[tuple[str, ...]] = [(*(_(c) for c in HISTORY_COLUMNS), _("source"))]
    rows += [(*history_row(entry), source_text(entry)) for entry in entries]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    return 0


def run_show(args: argparse.Namespace, settings: Settings) -> int:
    from buildtui.buildlog.presentation import summary_lines
    from buildtui.builds.errors import BuildError
    from buildtui.builds.history import BuildHistory
    from buildtui.builds.options import shown_command
    from buildtui.builds.presentation import started_text

    build_id = _build_id(args.build)
    if build_id is None:
        return _not_an_id(args.build)
    try:
        record = BuildHistory().get(build_id)
    except BuildError as error:
        return _fail(str(error), EXIT_USAGE)
    entry = record.entry
    lines = record.log.split("\n") if record.log else []
    if args.json:
        body: dict[str, Any] = {
            "build": entry_json(entry, args.show_build_arg_values),
            "summary": entry.summary.to_json(),
            "timing_marks": len(record.timing),
        }
        if args.log:
            body["log"] = lines
        print_json(body)
        return 0
    if entry.canceled:
        result = _("canceled")
    else:
        result = _("ok") if entry.summary.succeeded else _("failed")
    print(
        _("Build {id} · {when} · {result} · {source}").format(
            id=entry.id, when=started_text(entry), result=result, source=source_text(entry)
        )
    )
    if entry.argv:
        print(f"$ {shown_command(entry.argv, build_arg_values=args.show_build_arg_values)}")
    else:
        print(_("(the command that made it was not recorded)"))
    for line in summary_lines(entry.summary):
        print(line)
    pace = (
        ngettext(
            "{count} timing marks: replays at its recorded pace",
            "{count} timing marks: replays at its recorded pace",
            len(record.timing),
        ).format(count=len(record.timing))
        if record.timing
        else _("no timing: replays at a fixed 40 lines a second")
    )
    print(
        _("Log: {lines} lines; {pace} (buildtui lab replay {id})").format(
            lines=entry.log_lines, pace=pace, id=entry.id
        )
    )
    if args.log:
        print()
        for line in lines:
            print(line)
    return 0


def run_rm(args: argparse.Namespace, settings: Settings) -> int:
    from buildtui.builds.errors import BuildError
    from buildtui.builds.history import BuildHistory

    ids = []
    for text in args.builds:
        build_id = _build_id(text)
        if build_id is None:
            return _not_an_id(text)
        ids.append(build_id)
    history = BuildHistory()
    try:
        for build_id in ids:
            history.get(build_id)  # every one is there before any goes
    except BuildError as error:
        return _fail(_("{error} Nothing was deleted.").format(error=error), EXIT_USAGE)
    listed = ", ".join(str(i) for i in ids)
    question = ngettext(
        "Delete build {listed} from the history, with its log and summary?",
        "Delete {count} builds ({listed}) from the history, with their logs and summaries?",
        len(ids),
    ).format(count=len(ids), listed=listed)
    if not args.yes and not confirm(question):
        return _fail(_("nothing deleted: answer y, or pass --yes (-y) to delete without asking"))
    try:
        for build_id in ids:
            history.delete(build_id)
    except BuildError as error:
        return _fail(str(error))
    if args.json:
        print_json({"deleted": ids})
    else:
        print(
            ngettext(
                "deleted build {listed} from the history",
                "deleted {count} builds ({listed}) from the history",
                len(ids),
            ).format(count=len(ids), listed=listed)
        )
    return 0


# -- export, import -------------------------------------------------------------------


def run_export(args: argparse.Namespace, settings: Settings) -> int:
    from buildtui.builds.errors import BuildError
    from buildtui.builds.history import BuildHistory
    from buildtui.builds.transfer import export_document, export_text, write_export

    build_id = _build_id(args.build)
    if build_id is None:
        return _not_an_id(args.build)
    history = BuildHistory()
    try:
        record = history.get(build_id)
        evidence = history.evidence(build_id)
    except BuildError as error:
        return _fail(str(error), EXIT_USAGE)
    out = Path(args.out)
    try:
        text = export_text(export_document(record, evidence))
        write_export(out, text)
    except BuildError as error:
        return _fail(str(error))
    size = len(text.encode("utf-8"))
    if args.json:
        print_json({"id": build_id, "out": str(out), "bytes": size})
    else:
        print(
            _(
                "wrote build {id} to {out} ({lines} log lines, {size} KiB; --build-arg values "
                "masked); on another machine: buildtui history import {name}"
            ).format(
                id=build_id,
                out=out,
                lines=record.entry.log_lines,
                size=number(size / 1024, 1),
                name=out.name,
            )
        )
    return 0


def run_import(args: argparse.Namespace, settings: Settings) -> int:
    from buildtui.buildlog.presentation import summary_lines
    from buildtui.builds.errors import BuildError
    from buildtui.builds.history import BuildHistory
    from buildtui.builds.transfer import TransferError, read_import

    try:
        imported = read_import(Path(args.file), command=args.command, exit_code=args.exit_code)
    except TransferError as error:
        return _fail(str(error), EXIT_USAGE)
    try:
        build_id = imported.keep(BuildHistory())
    except BuildError as error:
        return _fail(str(error))
    summary = imported.summary
    if args.json:
        print_json(
            {
                "id": build_id,
                "source": imported.source,
                "origin": imported.origin,
                "cached": summary.cached,
                "total": summary.total,
                "exit_code": summary.exit_code,
                "notes": list(imported.notes),
            }
        )
        return 0
    message = (
        _("imported {origin} (a plain log) as build {id}")
        if imported.source == "plain-log"
        else _("imported {origin} (an exported build) as build {id}")
    )
    print(message.format(origin=imported.origin, id=build_id))
    for line in summary_lines(summary):
        print(f"  {line}")
    for note in imported.notes:
        print(_("note: {note}").format(note=note))
    print(_("Replay it: buildtui lab replay {build_id}").format(build_id=build_id))
    return 0
