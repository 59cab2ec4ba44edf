"""What the app imports to draw its panes stays light.

The services load python-on-whales (with pydantic) when first used, never to draw a
pane: making the app, the services and every pane imports neither. Each service's
module is imported when its pane is first made: the Builders pane, in front at start,
comes without httpx and without the other panes' services. (httpx comes with the
modules of the registry and clean-up services, when their panes are made.)
"""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("pydantic", "python_on_whales")


OTHER_SERVICES = (
    "httpx",
    "buildtui.registry.service",
    "buildtui.cleanup.service",
    "buildtui.builds.history",
    "buildtui.builds.runner",
    "buildtui.lab.service",
)
"""What the Builders pane does not need: the other panes' services and their HTTP client."""


def heavy_modules_after(program: str, heavy: tuple[str, ...] = HEAVY) -> list[str]:
    """The heavy modules loaded once `program` has run in a fresh interpreter."""
    code = f"import sys\n{program}\nprint(*(m for m in {heavy!r} if m in sys.modules))\n"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_the_app_services_and_panes_are_made_without_python_on_whales() -> None:
    program = (
        "from buildtui.app.app import make_app\n"
        "from buildtui.app.panes import PANE_SPECS\n"
        "from buildtui.app.wiring import make_pane, make_services\n"
        "from buildtui.settings import Settings\n"
        "make_app(Settings())\n"
        "services = make_services(Settings())\n"
        "panes = [make_pane(spec.id, services) for spec in PANE_SPECS]\n"
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


FRONT_PANE = (
    "from buildtui.app.app import make_app\n"
    "from buildtui.app.wiring import load_pane, make_pane, make_services\n"
    "from buildtui.settings import Settings\n"
    "make_app(Settings())\n"
    "services = make_services(Settings())\n"
    "load_pane('builders', services)\n"
    "pane = make_pane('builders', services)\n"
    "assert type(pane).__name__ == 'BuildersPane', pane\n"
)


def test_the_builders_pane_is_made_without_httpx_or_the_other_services() -> None:
    assert heavy_modules_after(FRONT_PANE, OTHER_SERVICES) == []


def test_another_pane_brings_its_service_and_httpx_in() -> None:
    """The check above can fail: the Clean-up pane loads its service and the registry's."""
    program = FRONT_PANE + "make_pane('cleanup', services)\n"
    loaded = heavy_modules_after(program, OTHER_SERVICES)
    assert loaded == ["httpx", "buildtui.registry.service", "buildtui.cleanup.service"]


def test_the_status_probe_and_the_doctor_run_without_python_on_whales() -> None:
    """`buildtui doctor` and the status bar's probe ask the docker CLI themselves: the
    models python-on-whales loads took ~0.5 s of each doctor run."""
    program = (
        "from buildtui.doctor import probe_engine\n"
        "from buildtui.settings import Settings\n"
        "probe_engine(Settings(registry_url='http://127.0.0.1:9'), timeout=0.5)\n"
    )
    assert heavy_modules_after(program) == []


def test_a_command_imports_its_own_module_only() -> None:
    """`buildtui doctor` does not import the modules of rm, gc, build or builders."""
    others = (
        "buildtui.commands.builders",
        "buildtui.commands.build",
        "buildtui.commands.registry",
        "buildtui.commands.cleanup",
        "buildtui.commands.lab",
    )
    program = (
        "from buildtui.cli import build_parser\n"
        "build_parser(['--registry', 'http://localhost:5000', 'doctor', '--json'])\n"
    )
    assert heavy_modules_after(program, others) == []
    # The top-level help names them all.
    assert heavy_modules_after("from buildtui.cli import build_parser\nbuild_parser([])\n", others)


def test_buildtui_build_starts_buildx_before_loading_what_follows_it() -> None:
    """`buildtui build` starts buildx before it loads the log parser, the history and the
    evidence (their import delayed buildx's first line)."""
    program = (
        "import sys\n"
        "from buildtui.commands import build\n"
        "from buildtui.builds.errors import BuildUnavailable\n"
        "seen = []\n"
        "class Service:\n"
        "    def start(self, argv):\n"
        "        seen.extend(m for m in ('buildtui.builds.history', 'buildtui.builds.live',"
        " 'buildtui.buildlog.presentation', 'rich') if m in sys.modules)\n"
        "        raise BuildUnavailable('no engine here')\n"
        "build.run_build(['docker', 'buildx', 'build', '.'], Service(), sys.stderr,"
        " history=lambda: None)\n"
        "print(*seen)\n"
    )
    assert heavy_modules_after(program, ()) == []
