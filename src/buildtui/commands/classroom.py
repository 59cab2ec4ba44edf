"""`buildtui class …`: the instructor's side of class mode (the Class pane and its twins).

    buildtui class [REF]                                  the Class pane
    buildtui class ls [REF] [--json]                      every submission, checked
    buildtui class get NAME --out DIR [--class REF] [--digest DIGEST] [--json]

REF is the class's repository, `HOST[:PORT]/REPO` (default: the `class_ref` setting).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from buildtui.i18n import _, language, translator
from buildtui.settings import Settings

USAGE = (
    "buildtui class [REF] | buildtui class ls [REF] [--json] | "
    "buildtui class get NAME --out DIR [--class REF] [--digest DIGEST] [--json]"
)


def register(subparsers: Any) -> None:
    klass = subparsers.add_parser(
        "class",
        help="class mode for the instructor: every student's submission (ls, get, the pane)",
        usage=USAGE,
        description="The submissions of a class, as students hand them in with "
        "`buildtui lab submit --to REF`. Without an action: the Class pane. `ls`: every "
        "submission with its progress, the items not done and the evidence check. `get "
        "NAME --out DIR`: save a student's submission (its reports, records, builds, "
        "Dockerfiles) into DIR. REF is HOST[:PORT]/REPO; by default the class_ref setting.",
    )
    klass.add_argument(
        "words",
        nargs="*",
        metavar="ACTION",
        help="nothing or REF (the pane), `ls [REF]`, or `get NAME` (a student's name or tag)",
    )
    klass.add_argument("--json", action="store_true", help="print JSON (ls, get)")
    klass.add_argument("--out", metavar="DIR", help="get: the folder to save the files in")
    klass.add_argument(
        "--class", dest="class_ref", metavar="REF", help="get: the class (default: class_ref)"
    )
    klass.add_argument(
        "--digest", metavar="DIGEST", help="get: an earlier submission, by its digest"
    )
    klass.add_argument("--lang", choices=("en", "pl"), help="language (default: settings)")
    klass.set_defaults(handler=run_class)


def _usage(message: str) -> int:
    print(f"buildtui: {message}\n" + _("usage: {usage}").format(usage=USAGE), file=sys.stderr)
    return 2


def _class_ref(given: str | None, settings: Settings) -> Any:
    """The class to read, or None after saying why there is none."""
    from buildtui.classroom.ref import ClassRefError, parse_class_ref

    text = given or settings.class_ref
    if not text:
        print(
            _(
                "buildtui: name the class: HOST[:PORT]/REPO (e.g. localhost:5000/lab7-class), "
                "or set class_ref in the config file or BUILDTUI_CLASS_REF"
            ),
            file=sys.stderr,
        )
        return None
    try:
        return parse_class_ref(text)
    except ClassRefError as error:
        print(f"buildtui: {error}", file=sys.stderr)
        return None


def run_class(args: argparse.Namespace, settings: Settings) -> int:
    words = list(args.words)
    if words[:1] == ["ls"]:
        if len(words) > 2:
            return _usage(_("`class ls` takes one REF at most"))
        return run_ls(args, settings, words[1] if len(words) == 2 else None)
    if words[:1] == ["get"]:
        if len(words) != 2:
            return _usage(_("`class get` takes one NAME (quote a name with spaces)"))
        return run_get(args, settings, words[1])
    if len(words) > 1:
        return _usage(_("unknown action {action!r}").format(action=words[0]))
    return run_pane(args, settings, words[0] if words else None)


def run_ls(args: argparse.Namespace, settings: Settings, given: str | None) -> int:
    from buildtui.classroom.present import class_json, class_lines
    from buildtui.classroom.service import ClassService
    from buildtui.commands.output import print_json
    from buildtui.commands.running import run_then_close
    from buildtui.registry.errors import NotFound, RegistryError

    ref = _class_ref(given, settings)
    if ref is None:
        return 2
    service = ClassService(settings, ref, translate=translator(language()))
    try:
        listing = run_then_close(service, lambda s: s.read())
    except NotFound as error:
        if error.what != "repository":
            raise
        message = _("No submission yet: {ref} does not exist in its registry.").format(ref=ref)
        if args.json:
            print_json({"class": str(ref), "submissions": [], "error": message})
        print(f"buildtui: {message}", file=sys.stderr)
        return 1
    except RegistryError as error:
        if args.json:
            print_json({"ok": False, "error": str(error)})
        print(f"buildtui: {error}", file=sys.stderr)
        return 1
    if args.json:
        print_json(class_json(listing.rows, str(ref), listing.cut))
    else:
        print("\n".join(class_lines(listing.rows, translator(language()))))
        if listing.cut:
            print(listing.cut)
    return 0


def run_get(args: argparse.Namespace, settings: Settings, name: str) -> int:
    from buildtui.classroom.names import name_problem, tag_for
    from buildtui.classroom.schema import Malformed
    from buildtui.classroom.service import ClassService
    from buildtui.commands.output import print_json
    from buildtui.commands.running import run_then_close
    from buildtui.private_files import write_private
    from buildtui.registry.errors import RegistryError
    from buildtui.registry.reference import digest_problem

    if not args.out:
        return _usage(_("`class get` needs --out DIR, the folder to save the files in"))
    ref = _class_ref(args.class_ref, settings)
    if ref is None:
        return 2
    problem = name_problem(name)
    if problem is not None:
        return _usage(problem)
    if args.digest and digest_problem(args.digest) is not None:
        return _usage(
            _("--digest {digest!r} is not a digest (sha256: and 64 hex digits)").format(
                digest=args.digest
            )
        )
    tag = tag_for(name).tag
    reference = args.digest or tag
    service = ClassService(settings, ref)
    try:
        manifest, files = run_then_close(service, lambda s: s.files(reference))
    except (Malformed, RegistryError) as error:
        message = _("cannot get {ref}:{reference}: {error}").format(
            ref=ref, reference=reference, error=error
        )
        if args.json:
            print_json({"ok": False, "error": message})
        print(f"buildtui: {message}", file=sys.stderr)
        return 1
    out = Path(args.out)
    written: list[str] = []
    try:
        out.mkdir(mode=0o700, parents=True, exist_ok=True)
        for file_name, data in files:
            write_private(out / file_name, data, links="refuse", own_folder=False)
            written.append(file_name)
    except OSError as error:
        why = error.strerror or error
        message = (
            _("cannot write into {out}: {error} (written before it: {files})").format(
                out=out, error=why, files=", ".join(written)
            )
            if written
            else _("cannot write into {out}: {error}").format(out=out, error=why)
        )
        if args.json:
            print_json({"ok": False, "error": message, "files": written})
        print(f"buildtui: {message}", file=sys.stderr)
        return 1
    if args.json:
        print_json(
            {
                "ok": True,
                "student": manifest.student,
                "tag": tag,
                "digest": manifest.digest,
                "out": os.fspath(out),
                "files": written,
            }
        )
    else:
        print(
            _("Saved the submission of {student} ({digest}) into {out}: {files}").format(
                student=manifest.student, digest=manifest.digest, out=out, files=", ".join(written)
            )
        )
    return 0


def run_pane(args: argparse.Namespace, settings: Settings, given: str | None) -> int:
    from buildtui.terminal import needs_terminal_message

    ref = _class_ref(given, settings)
    if ref is None:
        return 2
    why_not = needs_terminal_message()
    if why_not is not None:
        print(f"buildtui: {why_not}", file=sys.stderr)
        return 2
    from buildtui.app.classroom.app import run_class_app

    return run_class_app(settings, ref, language())
