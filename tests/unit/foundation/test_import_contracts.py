"""The layers of ARCHITECTURE.md hold: import-linter's contracts in pyproject.toml (every
module in its layer, no import running up a layer, no import circle, Textual only in the
app), checked over the source as it is, and shown to fail on an import that breaks one."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import buildtui

ROOT = Path(__file__).resolve().parents[3]
PYPROJECT = ROOT / "pyproject.toml"
SOURCE = Path(buildtui.__file__).resolve().parent

LINT = "from importlinter.cli import lint_imports_command\nlint_imports_command()\n"


def lint_imports(config: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`lint-imports` over the `buildtui` found first from `cwd` (it puts cwd on the path)."""
    return subprocess.run(
        [sys.executable, "-c", LINT, str(config), "--no-cache", "--no-logo"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def contracts() -> list[dict[str, object]]:
    config = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    found: list[dict[str, object]] = config["tool"]["importlinter"]["contracts"]
    return found


def test_the_contracts_hold() -> None:
    result = lint_imports(PYPROJECT, ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout, result.stdout


def test_the_contracts_are_the_layers_the_circles_and_textual() -> None:
    kinds = {str(contract["id"]): contract["type"] for contract in contracts()}
    assert kinds == {"layers": "layers", "no-circles": "acyclic_siblings", "textual": "forbidden"}
    layers = next(contract for contract in contracts() if contract["id"] == "layers")
    assert layers["exhaustive"] is True  # a new module without a layer breaks it


BREAKS = {
    # The engine reading the lab: an import that runs up the layers.
    "upward": ("engine/client.py", "import buildtui.lab.guide", "is not allowed to import"),
    # The report's building block reading the report, which reads it: a circle.
    "circle": ("lab/report_blocks.py", "import buildtui.lab.report", "No cycles are allowed"),
    "textual": ("builds/runner.py", "import textual.app", "is not allowed to import textual"),
    "no layer": ("newcomer.py", "", "not listed as layers"),
}


def test_each_contract_fails_on_a_copy_broken_on_purpose(tmp_path: Path) -> None:
    """One run over a copy of the package with one break per contract: each is reported."""
    copy = tmp_path / "buildtui"
    shutil.copytree(SOURCE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    for module, line, _said in BREAKS.values():
        path = copy / module
        before = path.read_text(encoding="utf-8") if path.exists() else ""
        path.write_text(before + f"\n{line}\n", encoding="utf-8")

    result = lint_imports(PYPROJECT, tmp_path)

    said = result.stdout + result.stderr
    assert result.returncode != 0, said
    assert "0 kept, 3 broken" in said, said
    for name, (module, _line, message) in BREAKS.items():
        assert message in said, f"{name} ({module}) not reported:\n{said}"
    assert "buildtui.engine.client -> buildtui.lab.guide" in said, said
