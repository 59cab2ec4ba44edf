"""`buildtui lab up | down`: set the lab's registry (and a builder) up, and take it down.

`commands/lab.py` registers these beside the guide's `status`, `report` and `replay`.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from typing import Any

from buildtui.commands.confirm import add_yes_flag, confirm
from buildtui.commands.output import print_json
from buildtui.engine.presentation import check_name
from buildtui.i18n import _
from buildtui.settings import Settings

# The doctor's checks that stop `lab up`: without them nothing can be set up.
BLOCKING_CHECKS = ("engine", "buildx")
ENGINE_CHECKS = ("engine", "image store", "buildx", "builder", "platforms", "emulation")


def register_setup(lab: Any) -> None:
    """`lab up` and `lab down` (the lab's set-up), on the `lab` command's subparsers."""
    up = lab.add_parser(
        "up",
        help="run the doctor's checks, start the lab registry (registry:2, deletion enabled, "
        "a named data volume, published on 127.0.0.1 only) and optionally a builder",
        description="Names and ports follow --registry-container (default registry7) and "
        "--registry (default http://localhost:5000), given before `lab`. A second run "
        "changes nothing and says so.",
    )
    up.add_argument(
        "--expose",
        action="store_true",
        help="publish the registry on all addresses (the lab's -p 5000:5000): anyone on the "
        "network can then push and delete images, as it has no authentication",
    )
    up.add_argument(
        "--recreate",
        action="store_true",
        help="recreate an existing registry container as lab up does (deletion enabled, "
        "127.0.0.1 unless --expose), keeping its images",
    )
    up.add_argument(
        "--builder",
        metavar="NAME",
        help="also create a docker-container builder NAME with the network=host and "
        "plain-HTTP presets (not made the builder in use)",
    )
    up.add_argument("--volume", metavar="NAME", help="data volume (default CONTAINER-data)")
    up.add_argument("--image", metavar="IMAGE", help="registry image (default registry:2)")
    up.add_argument("--json", action="store_true", help="print what was done as JSON")
    up.set_defaults(handler=run_up)

    down = lab.add_parser(
        "down",
        help="remove what `lab up` created (and only that); asks before removing the data volume",
    )
    down.add_argument("--keep-data", action="store_true", help="keep the registry's data volume")
    add_yes_flag(down, "removing the registry's data volume")
    down.add_argument("--json", action="store_true", help="print what was done as JSON")
    down.set_defaults(handler=run_down)


def _fail(args: argparse.Namespace, message: str, **extra: Any) -> int:
    if args.json:
        print_json({"ok": False, "error": message, **extra})
    else:
        print(f"buildtui: {message}", file=sys.stderr)
    return 1


def run_up(args: argparse.Namespace, settings: Settings) -> int:
    from buildtui.doctor import probe_engine
    from buildtui.lab.setup import LabSpec, lab_up
    from buildtui.lab.setup_record import LabError

    spec = LabSpec(
        container=settings.registry_container,
        registry_url=settings.registry_url,
        image=args.image or LabSpec.image,
        volume=args.volume or "",
        expose=args.expose,
        recreate=args.recreate,
        builder=args.builder,
    )
    checks = [c for c in probe_engine(settings).checks if c.name in ENGINE_CHECKS]
    checks_json = [asdict(check) | {"ok": check.ok} for check in checks]
    if not args.json:
        for check in checks:
            print(f"[{_MARKS[check.level]}] {check_name(check.name):<12} {check.detail}")
            if check.fix and check.level != "ok":
                print(" " * 20 + _("fix: {fix}").format(fix=check.fix))
    blocking = [c for c in checks if c.name in BLOCKING_CHECKS and c.level == "error"]
    if blocking:
        return _fail(
            args,
            _("{detail}; fix that first ({fix})").format(
                detail=blocking[0].detail, fix=blocking[0].fix
            ),
            checks=checks_json,
        )
    try:
        result = lab_up(spec, settings)
    except LabError as error:
        return _fail(args, str(error), checks=checks_json)
    if args.json:
        print_json(
            {
                "ok": result.ok,
                "changed": result.changed,
                "registry_url": spec.registry_url,
                "container": spec.container,
                "volume": spec.volume_name,
                "exposed": spec.expose,
                "checks": checks_json,
                "outcomes": [asdict(outcome) for outcome in result.outcomes],
            }
        )
    else:
        print()
        for outcome in result.outcomes:
            stream = sys.stderr if outcome.kind == "warning" else sys.stdout
            print(outcome.line(), file=stream)
        print(
            "\nDone: " + _summary(result.outcomes)
            if result.changed
            else _("\nNothing changed: the lab was already set up.")
        )
    return 0 if result.ok else 1


_MARKS = {"ok": "ok  ", "warn": "warn", "error": "FAIL"}


def _summary(outcomes: list[Any]) -> str:
    parts = []
    for kind in ("created", "recreated", "started"):
        names = [f"{o.what} {o.name}" for o in outcomes if o.kind == kind]
        if names:
            parts.append(f"{kind} " + ", ".join(names))
    return "; ".join(parts) + "."


def run_down(args: argparse.Namespace, settings: Settings) -> int:
    from buildtui.lab.setup_record import LabError
    from buildtui.lab.teardown import lab_down

    def remove_data(volume: str) -> bool:
        if args.keep_data:
            return False
        if args.yes:
            return True
        return confirm(
            _("Remove the data volume {volume}, with every image the registry holds?").format(
                volume=volume
            )
        )

    try:
        outcomes = lab_down(settings.registry_container, settings, remove_data)
    except LabError as error:
        return _fail(args, str(error))
    if args.json:
        print_json(
            {
                "ok": True,
                "changed": any(o.changed for o in outcomes),
                "container": settings.registry_container,
                "outcomes": [asdict(outcome) for outcome in outcomes],
            }
        )
    else:
        for outcome in outcomes:
            print(outcome.line())
    return 0
