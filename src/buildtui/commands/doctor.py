"""`buildtui doctor [--json]`: check each prerequisite of the lab and print its fix."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from typing import Any

from buildtui.commands.output import print_json
from buildtui.engine.presentation import check_name
from buildtui.i18n import _, ngettext
from buildtui.settings import Settings

MARKS = {"ok": "ok  ", "warn": "warn", "error": "FAIL"}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "doctor", help="check the engine, buildx, emulation and the lab registry"
    )
    parser.add_argument("--json", action="store_true", help="print the checks as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from buildtui.doctor import probe_engine  # python-on-whales and httpx: when used

    status = probe_engine(settings, start_builder=True)
    if args.json:
        print_json(
            {
                "ok": not status.problems,
                "checks": [asdict(check) | {"ok": check.ok} for check in status.checks],
            }
        )
    else:
        for check in status.checks:
            print(f"[{MARKS[check.level]}] {check_name(check.name):<12} {check.detail}")
            if check.fix:
                print(" " * 20 + _("fix: {fix}").format(fix=check.fix))
        if status.problems:
            print(
                "\n"
                + ngettext(
                    "{count} problem found.", "{count} problems found.", len(status.problems)
                ).format(count=len(status.problems)),
                file=sys.stderr,
            )
    return 1 if status.problems else 0
