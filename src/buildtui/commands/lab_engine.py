"""`buildtui lab engine`: provision the lab engine on this machine with the script that
ships with the package (the one `scripts/test.sh` runs).

`commands/lab.py` registers it beside `lab up`, `lab down` and the guide's commands.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from typing import Any

from buildtui.commands.confirm import add_yes_flag, confirm
from buildtui.commands.output import print_json
from buildtui.i18n import _
from buildtui.settings import Settings

QUESTION = (
    "Provision the lab engine on this machine: install Debian packages (Docker Engine 26, "
    "buildx, qemu, the registry), write /etc/docker/daemon.json if there is none, start "
    "dockerd if none answers and import registry:2 and buildtui-lab/busybox?"
)


def register_engine(lab: Any) -> None:
    engine = lab.add_parser(
        "engine",
        help="provision the lab engine on this machine (Debian 12 or 13, as root): Docker "
        "Engine 26 with the containerd image store, buildx, qemu, registry:2",
        description="Runs the provisioning script that ships with buildtui: Docker Engine 26 "
        "with the containerd image store, the buildx plugin, qemu user emulation for "
        "linux/arm64, a local registry:2 image and the buildtui-lab/busybox base images. "
        "Packages come from the Debian mirror the machine's apt sources name, through its "
        "apt proxy settings; the apt sources are not changed. A second run only starts what "
        "is not running (a running dockerd is left alone).",
    )
    add_yes_flag(engine, "provisioning")
    engine.add_argument(
        "--json", action="store_true", help="print the script's output and result as JSON"
    )
    engine.set_defaults(handler=run_engine)


def _fail(args: argparse.Namespace, message: str) -> int:
    if args.json:
        print_json({"ok": False, "error": message})
    else:
        print(f"buildtui: {message}", file=sys.stderr)
    return 1


def run_engine(args: argparse.Namespace, settings: Settings) -> int:
    from buildtui.engine import provision

    refusal = provision.why_not(os.geteuid(), provision.rerun_here())
    if refusal is not None:
        return _fail(args, refusal)
    if not args.yes and not confirm(QUESTION):
        return _fail(
            args, _("nothing was changed: answer y, or pass --yes (-y) to provision without asking")
        )
    with provision.provisioning_script() as script:
        argv = provision.script_argv(script)
        if not args.json:
            code = subprocess.run(argv, check=False).returncode
            if code == 0:
                print(_("Next: `buildtui lab up` starts the lab's registry."))
            return code
        done = subprocess.run(
            argv, check=False, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
    output = done.stdout.splitlines()
    errors = [line for line in output if line.startswith("provision: error: ")]
    body: dict[str, Any] = {
        "ok": done.returncode == 0,
        "exit_code": done.returncode,
        "script": str(script),
        "output": output,
    }
    if errors:
        body["error"] = errors[-1].removeprefix("provision: error: ")
    print_json(body)
    return 0 if done.returncode == 0 else 1
