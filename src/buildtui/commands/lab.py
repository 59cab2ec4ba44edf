"""`buildtui lab ...`: set the lab up and take it down (commands/lab_setup.py), provision
its engine (commands/lab_engine.py), and the Lab pane's twins (the guide's status, the
report, the replay)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from buildtui.commands.lab_engine import register_engine
from buildtui.commands.lab_setup import register_setup
from buildtui.i18n import _, translator
from buildtui.i18n import language as current_language
from buildtui.settings import Settings


def register(subparsers: Any) -> None:
    lab = subparsers.add_parser(
        "lab",
        help="Laboratory 7: its engine (engine), set it up (up/down), what is done (status), "
        "the report, a replay",
        description="Laboratory 7.",
    )
    actions = lab.add_subparsers(dest="lab_command", metavar="ACTION", required=True)
    register_engine(actions)
    register_setup(actions)
    register_guide(actions)


def register_guide(actions: Any) -> None:
    """`lab status`, `lab report` and `lab replay`."""
    status = actions.add_parser(
        "status",
        help="each of the lab's nine items: done or not, with its evidence",
        description="What the Lab pane shows: each item decided from the builders, the "
        "build history, the registry's contents and the clean-up records; an item once "
        "proven stays done, with a note of what changed since.",
    )
    status.add_argument("--json", action="store_true", help="print the items as JSON")
    status.add_argument("--lang", choices=("en", "pl"), help="language (default: settings)")
    status.add_argument(
        "--check", action="store_true", help="exit 1 while an item is not done (for scripts)"
    )
    status.set_defaults(handler=run_status)

    report = actions.add_parser(
        "report",
        help="write the lab report (Markdown or one HTML file) from what was recorded",
        description="The report a teacher grades: the nine items with their evidence, the "
        "lab's timeline, the Dockerfile, the build logs' proof lines, the collector's "
        "proof and each cited digest re-checked against the registry.",
    )
    report.add_argument(
        "--out",
        metavar="FILE",
        help="write to FILE: .md or .markdown (Markdown), .html or .htm (one HTML file); "
        "default: standard output",
    )
    report.add_argument("--format", choices=("md", "html"), help="default: from FILE's suffix")
    report.add_argument("--lang", choices=("en", "pl"), help="language (default: settings)")
    report.add_argument(
        "--student", metavar="NAME", help="the student's name (default: the `student` setting)"
    )
    report.set_defaults(handler=run_report)

    submit = actions.add_parser(
        "submit",
        help="hand the lab in: push the report and its evidence to the class's registry",
        description="Push the lab as one OCI artifact to the class's repository, tagged by "
        "your name: the report (Markdown and HTML), the lab's records, each build's command "
        "(build-argument values masked) and summary, the Dockerfiles and every digest the "
        "evidence cites. Submitting again replaces the tag; the earlier submissions stay in "
        "the registry by digest. Credentials are docker's (`docker login HOST`).",
    )
    submit.add_argument(
        "--to", metavar="HOST[:PORT]/REPO", help="the class's repository (default: class_ref)"
    )
    submit.add_argument(
        "--student", metavar="NAME", help="your name (default: the `student` setting)"
    )
    submit.add_argument("--lang", choices=("en", "pl"), help="language (default: settings)")
    submit.add_argument(
        "--replace",
        action="store_true",
        help="replace what your tag holds even when it is not your submission",
    )
    submit.add_argument("--json", action="store_true", help="print what was pushed as JSON")
    submit.set_defaults(handler=run_submit)

    replay = actions.add_parser(
        "replay",
        help="replay kept builds in the Build pane at their recorded pace (no network); "
        "two builds side by side",
        description="Open the app on the Build pane and replay build BUILD of the history "
        "(its id, as `buildtui history ls` and the history view show it) as if it ran now: "
        "steps, CACHED lines and summary, with the times it was recorded with. With a "
        "second BUILD both replay side by side at the same pace (e.g. the cold build and "
        "the one that imported the cache). Keys: space pauses, s steps, + and - change the "
        "speed, r restarts, e ends the replay. Builds kept before timing was recorded "
        "replay at a fixed rate.",
    )
    replay.add_argument(
        "builds", nargs="+", metavar="BUILD", help="the build's id in the history (one or two)"
    )
    replay.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="how many times faster than recorded (default 1; e.g. 4 or 0.5)",
    )
    replay.add_argument("--paused", action="store_true", help="start paused (space plays)")
    replay.set_defaults(handler=run_replay)


def _service(settings: Settings) -> Any:
    from buildtui.lab.service import LabService

    return LabService(settings)


def run_status(args: argparse.Namespace, settings: Settings) -> int:
    from buildtui.commands.output import print_json
    from buildtui.lab.presentation import status_lines

    language = args.lang or settings.lab_language
    service = _service(settings)
    observations = service.observe()
    guide = service.guide(observations, language)
    if args.json:
        print_json(guide_json(guide, observations, language))
    else:
        print("\n".join(status_lines(guide, observations, language)))
    return 1 if args.check and guide.done < len(guide.items) else 0


def guide_json(guide: Any, observations: Any, language: str) -> dict[str, Any]:
    from buildtui.i18n import translator
    from buildtui.lab.timeline import timeline
    from buildtui.lab_records import iso_time

    _unused = translator(language)
    return {
        "language": language,
        "done": guide.done,
        "total": len(guide.items),
        "items": [
            {
                "number": item.number,
                "key": item.key,
                "title": item.title,
                "status": item.status.value,
                "ticked": item.status.ticked,
                "evidence": list(item.evidence),
                "note": item.note,
                "commands": list(item.commands),
                "pane": item.pane,
                "preset": item.preset,
                "builds": list(item.build_ids),
                "records": list(item.records),
                "digests": [{"ref": ref, "digest": digest} for ref, digest in item.digests],
                "proven_at": iso_time(item.proven_at) if item.proven_at is not None else None,
                "kept": item.kept,
            }
            for item in guide.items
        ],
        "timeline": [
            {"at": e.iso, "seconds": e.seconds, "kind": e.kind, "id": e.id, "text": e.text}
            for e in timeline(observations, guide.items, _)
        ],
    }


def report_format(out: str | None, given: str | None) -> tuple[str | None, str | None]:
    """(format, None) for `--out`/`--format`, or (None, why it is refused)."""
    from buildtui.lab.report import FORMATS

    if not out:
        return given or "md", None
    suffix = Path(out).suffix.lower()
    fmt = FORMATS.get(suffix)
    if fmt is None:
        return None, (
            _(
                "cannot write a report as {value}: give --out a name ending in .md or "
                ".html (a PDF: open the .html in a browser and print it)"
            ).format(value=suffix or _("a file without a suffix"))
        )
    if given and given != fmt:
        return None, _(
            "--format {given} does not match {out} (a {fmt} name); drop --format"
        ).format(given=given, out=out, fmt=fmt)
    return fmt, None


def run_report(args: argparse.Namespace, settings: Settings) -> int:
    from buildtui.lab.files import write_private

    fmt, refused = report_format(args.out, args.format)
    if refused is not None or fmt is None:
        print(f"buildtui: {refused}", file=sys.stderr)
        return 2
    language = args.lang or settings.lab_language
    if args.out and not Path(args.out).resolve().parent.is_dir():
        print(
            _(
                "buildtui: cannot write {out}: its folder does not exist; create it or "
                "give another --out"
            ).format(out=args.out),
            file=sys.stderr,
        )
        return 1
    service = _service(settings)
    observations = service.observe()
    text = service.report(observations, language, fmt, args.student)
    if not args.out:
        sys.stdout.write(text)
        return 0
    out = Path(args.out)
    context = service.context_of(out, observations)
    if context is not None:
        print(
            _(
                "buildtui: warning: {out} is inside the build context {context}: a new "
                "file there changes the context, and the next build's COPY misses the "
                "cache the lab is about; write it elsewhere (e.g. --out "
                "../lab7-report.{value})"
            ).format(out=out, context=context, value="html" if fmt == "html" else "md"),
            file=sys.stderr,
        )
    try:
        write_private(out, text)
    except OSError as error:
        print(
            _("buildtui: cannot write {out}: {value}; give another --out").format(
                out=out, value=error.strerror or error
            ),
            file=sys.stderr,
        )
        return 1
    print(
        _("buildtui: wrote the lab report to {out} ({fmt}, {language})").format(
            out=out, fmt=fmt, language=language
        ),
        file=sys.stderr,
    )
    return 0


def run_submit(args: argparse.Namespace, settings: Settings) -> int:
    from buildtui.classroom.present import submit_json, submit_lines
    from buildtui.classroom.submit import ClassRefError, SubmitError, check_submission, submit_lab
    from buildtui.commands.output import print_json
    from buildtui.registry.errors import RegistryError

    language = args.lang or settings.lab_language  # the report's

    def refused(message: str, code: int) -> int:
        if args.json:
            print_json({"ok": False, "error": message})
        print(f"buildtui: {message}", file=sys.stderr)
        return code

    to = args.to or settings.class_ref
    if not to:
        return refused(
            _(
                "Name the class to submit to: --to HOST[:PORT]/REPO (your instructor gives "
                "it), or set class_ref in the config file."
            ),
            2,
        )
    student = args.student or settings.student
    try:
        check_submission(to, student, translator(current_language()))
    except (ClassRefError, SubmitError) as error:
        return refused(str(error), 2)
    service = _service(settings)
    observations = service.observe()
    try:
        result = submit_lab(service, observations, to, student, language, replace=args.replace)
    except (SubmitError, RegistryError) as error:
        return refused(str(error), 1)
    if args.json:
        print_json(submit_json(result))
    else:
        print("\n".join(submit_lines(result, translator(current_language()))))
    return 0


def run_replay(args: argparse.Namespace, settings: Settings) -> int:
    from buildtui.builds.dockerfile import stage_names
    from buildtui.builds.errors import HistoryError
    from buildtui.builds.history import BuildHistory
    from buildtui.terminal import needs_terminal_message

    if len(args.builds) > 2:
        print(
            _("buildtui: lab replay shows one build, or two side by side; not {count}").format(
                count=len(args.builds)
            ),
            file=sys.stderr,
        )
        return 2
    for build in args.builds:
        if not build.isdigit():
            print(
                _(
                    "buildtui: BUILD is a build's number in the history, not "
                    "{build!r}; `buildtui history ls` and the Build pane's history "
                    "(F6) show them"
                ).format(build=build),
                file=sys.stderr,
            )
            return 2
    if not args.speed > 0:
        print(_("buildtui: --speed must be above 0, e.g. --speed 2"), file=sys.stderr)
        return 2
    history = BuildHistory()
    try:
        records = [history.get(int(build)) for build in args.builds]
        evidence = [history.evidence(int(build)) for build in args.builds]
    except HistoryError as error:
        print(f"buildtui: {error}", file=sys.stderr)
        return 2
    why_not = needs_terminal_message()
    if why_not is not None:
        print(f"buildtui: {why_not}", file=sys.stderr)
        return 2
    orders = [stage_names(e.dockerfile_text) if e and e.dockerfile_text else [] for e in evidence]
    return replay_builds(settings, records, orders, args.speed, args.paused)


def replay_builds(settings: Settings, records: Any, orders: Any, speed: float, paused: bool) -> int:
    from buildtui.app.replay import ReplayApp

    ReplayApp(settings, None, records, orders, speed=speed, paused=paused).run()
    return 0
