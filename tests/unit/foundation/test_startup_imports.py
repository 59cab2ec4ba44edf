"""What the app imports to draw its panes stays light.

The services load python-on-whales (with pydantic) when first used, never to draw a
pane: making the app, the services and every pane imports neither. (httpx still comes
with the modules of the registry and clean-up services.)
"""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("pydantic", "python_on_whales")


def heavy_modules_after(program: str) -> list[str]:
    """The heavy modules loaded once `program` has run in a fresh interpreter."""
    code = f"import sys\n{program}\nprint(*(m for m in {HEAVY!r} if m in sys.modules))\n"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_the_app_services_and_panes_are_made_without_python_on_whales() -> None:
    program = (
        "from buildtui.app.app import make_app\n"
        "from buildtui.app.commands import PANES\n"
        "from buildtui.app.wiring import make_pane, make_services\n"
        "from buildtui.settings import Settings\n"
        "make_app(Settings())\n"
        "services = make_services(Settings())\n"
        "panes = [make_pane(pane_id, services) for pane_id, _, _ in PANES]\n"
        "assert all(type(pane).__name__.endswith('Pane') for pane in panes), panes\n"
    )
    assert heavy_modules_after(program) == []


def test_a_docker_client_brings_python_on_whales_in() -> None:
    """The check above can fail: what uses the engine loads both."""
    program = (
        "from buildtui.engine.client import make_docker_client\n"
        "from buildtui.settings import Settings\n"
        "make_docker_client(Settings())\n"
    )
    assert heavy_modules_after(program) == list(HEAVY)
