"""The provisioning script ships in the wheel, and an installed buildtui finds it.

Builds a wheel of this tree (a copy, so the tree gets no build/ or egg-info), installs it
without dependencies into a temporary folder, and asks that copy for its script.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from buildtui.engine import provision

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the wheel, the folder it is installed in)."""
    root = tmp_path_factory.mktemp("packaged")
    source = root / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    shutil.copytree(
        REPO / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
    )
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    wheels = root / "wheels"
    subprocess.run([*pip, "wheel", "--no-deps", "-w", str(wheels), str(source)], check=True)
    (wheel,) = wheels.glob("buildtui-*.whl")
    site = root / "site"
    subprocess.run([*pip, "install", "--no-deps", "--target", str(site), str(wheel)], check=True)
    return wheel, site


def test_the_wheel_holds_the_script_and_its_library(installed: tuple[Path, Path]) -> None:
    wheel, _site = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    assert f"buildtui/engine/{provision.SCRIPT}" in names
    assert f"buildtui/engine/{provision.LIBRARY}" in names


def run_installed(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Python with the installed copy first on the path (the dependencies from this venv)."""
    env = os.environ | {"PYTHONPATH": str(site)}
    return subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, check=True
    )


def test_the_installed_package_finds_its_script(installed: tuple[Path, Path]) -> None:
    _wheel, site = installed
    code = (
        "import buildtui\n"
        "from buildtui.engine.provision import provisioning_script\n"
        "print(buildtui.__file__)\n"
        "with provisioning_script() as script:\n"
        "    print(script)\n"
        "    print(script.read_text().splitlines()[0])\n"
        "    print((script.parent / 'apt-sources.sh').is_file())\n"
    )
    module, script, shebang, library = run_installed(site, "-c", code).stdout.splitlines()
    assert Path(module).is_relative_to(site)
    assert Path(script) == site / "buildtui" / "engine" / provision.SCRIPT
    assert shebang == "#!/usr/bin/env bash"
    assert library == "True"


def test_the_installed_command_has_lab_engine(installed: tuple[Path, Path]) -> None:
    _wheel, site = installed
    out = run_installed(site, "-m", "buildtui", "lab", "engine", "--help").stdout
    assert out.startswith("usage: buildtui lab engine [-h] [-y] [--json]")
    assert "provisioning script that ships with buildtui" in out
