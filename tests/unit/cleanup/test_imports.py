"""The Clean-up pane's imports stay light: no httpx, no python-on-whales until used."""

from __future__ import annotations

import subprocess
import sys


def test_the_pane_imports_neither_httpx_nor_python_on_whales() -> None:
    code = (
        "import sys\n"
        "import buildtui.app.cleanup.pane\n"
        "print(','.join(m for m in ('httpx', 'python_on_whales') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_the_errors_import_no_other_clean_up_module() -> None:
    code = (
        "import sys\n"
        "import buildtui.cleanup.errors\n"
        "print(','.join(sorted(m for m in sys.modules if m.startswith('buildtui.cleanup.')"
        " and m != 'buildtui.cleanup.errors')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
