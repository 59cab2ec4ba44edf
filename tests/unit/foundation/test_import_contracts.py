"""The layers of ARCHITECTURE.md hold: import-linter's contracts in pyproject.toml (every
module in its layer, no import running up a layer, no import circle, Textual only in the
app), checked over the source as it is, and shown to fail on an import that breaks one."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

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


@pytest.fixture(scope="module")
def source_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the package (the code only) to break on purpose."""
    root = tmp_path_factory.mktemp("copy")
    shutil.copytree(SOURCE, root / "buildtui", ignore=shutil.ignore_patterns("__pycache__"))
    return root


BREAKS = {
    # The engine reading the lab: an import that runs up the layers.
    "upward": ("engine/client.py", "import buildtui.lab.guide", "is not allowed to import"),
    # The report's building block reading the report, which reads it: a circle.
    "circle": ("lab/report_blocks.py", "import buildtui.lab.report", "No cycles are allowed"),
    "textual": ("builds/runner.py", "import textual.app", "is not allowed to import textual"),
    "no layer": ("newcomer.py", "", "not listed as layers"),
}


@pytest.mark.parametrize("name", BREAKS)
def test_a_broken_contract_fails_the_check(source_copy: Path, name: str) -> None:
    module, line, said = BREAKS[name]
    path = source_copy / "buildtui" / module
    before = path.read_text(encoding="utf-8") if path.exists() else None
    path.write_text((before or "") + f"\n{line}\n", encoding="utf-8")
    try:
        result = lint_imports(PYPROJECT, source_copy)
    finally:
        if before is None:
            path.unlink()
        else:
            path.write_text(before, encoding="utf-8")
    assert result.returncode != 0, result.stdout
    assert said in result.stdout + result.stderr, result.stdout + result.stderr
