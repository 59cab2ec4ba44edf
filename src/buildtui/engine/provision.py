"""The lab engine's provisioning script, shipped with the package: where it is, whether
this machine can run it, and how (`buildtui lab engine`; `scripts/test.sh` runs the same
file from the source tree).

The script (`provision-engine.sh`, with the `apt-sources.sh` it sources) installs Docker
Engine 26 with the containerd image store, buildx, qemu, a local `registry:2` image and
the lab's busybox base images on Debian 12 or 13, as root; it is idempotent.
"""

from __future__ import annotations

import shlex
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from buildtui.i18n import _

SCRIPT = "provision-engine.sh"
LIBRARY = "apt-sources.sh"  # sourced by the script from its own folder
COMMAND = "buildtui lab engine"
DEBIAN_VERSION = Path("/etc/debian_version")


def script_folder() -> Traversable:
    return files("buildtui.engine")


@contextmanager
def provisioning_script(folder: Traversable | None = None) -> Iterator[Path]:
    """The script's path on the file system.

    An installed package is a folder, used as it is; a zipped one has the script and its
    library copied together to a temporary folder for the run.
    """
    folder = script_folder() if folder is None else folder
    if isinstance(folder, Path):
        yield folder / SCRIPT
        return
    with tempfile.TemporaryDirectory(prefix="buildtui-engine-") as tmp:
        for name in (SCRIPT, LIBRARY):
            (Path(tmp) / name).write_bytes(folder.joinpath(name).read_bytes())
        yield Path(tmp) / SCRIPT


def script_argv(script: Path) -> list[str]:
    """The command that runs the script; it takes no arguments."""
    return ["bash", str(script)]


def rerun_as_root(argv0: str, executable: str, *, sudo: bool = True) -> str:
    """This command again as root, spelled so that root's PATH need not find buildtui."""
    program = Path(argv0)
    if program.name == "buildtui" and program.is_file():
        command = f"{shlex.quote(str(program.resolve()))} lab engine"
    else:
        command = f"{shlex.quote(executable)} -m buildtui lab engine"
    return f"sudo {command}" if sudo else command


def why_not(uid: int, rerun: str, debian_version: Path | None = None) -> str | None:
    """Why the script cannot run here (not Debian, not root), with what to do; else None.

    `rerun` is the command that runs it as root. The Debian release (12 or 13) is the
    script's own check.
    """
    debian_version = DEBIAN_VERSION if debian_version is None else debian_version
    if not debian_version.is_file():
        return _(
            "`{COMMAND}` provisions Debian 12 or 13 only, and this machine is not "
            "Debian (no {debian_version}): install Docker Engine 26 or later with "
            "the containerd image store and the buildx plugin as Docker's "
            "documentation says, then run `buildtui doctor`"
        ).format(COMMAND=COMMAND, debian_version=debian_version)
    if uid != 0:
        where = "" if rerun.startswith("sudo ") else _("as root, ")
        return _(
            "it installs packages and starts dockerd, so it runs as root: {where}`{rerun}`"
        ).format(where=where, rerun=rerun)
    return None


def rerun_here() -> str:
    """`rerun_as_root` for this process (with sudo when the machine has it)."""
    import sys

    argv0 = sys.argv[0] if sys.argv else ""
    return rerun_as_root(argv0, sys.executable, sudo=shutil.which("sudo") is not None)
