"""Domain packages never import Textual: checked in a fresh interpreter."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import buildtui

UI_PACKAGES = ("buildtui.app", "buildtui.cli")


def domain_modules() -> list[str]:
    names = []
    for module in pkgutil.walk_packages(buildtui.__path__, "buildtui."):
        if not module.name.startswith(UI_PACKAGES) and module.name != "buildtui.__main__":
            names.append(module.name)
    return names


def test_domain_modules_exist() -> None:
    names = domain_modules()
    assert "buildtui.settings" in names
    assert "buildtui.engine.status" in names


def test_domain_never_imports_textual() -> None:
    code = (
        "import importlib, sys\n"
        f"for name in {domain_modules()!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"domain code imported: {result.stdout.strip()}"
