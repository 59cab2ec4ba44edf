"""The builder traps on the real engine, each in a buildx config of its own (BUILDX_CONFIG
in a tmp dir: the machine's builders and the builder in use are never touched).

This engine cannot pull moby/buildkit (no Docker Hub): a docker-container builder cannot
start, which is the trap itself.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from buildtui.builds.options import argv_for_arguments
from buildtui.builds.runner import BuildRunner
from buildtui.buildx.builders import BuildersService
from buildtui.buildx.commands import plan_create
from buildtui.buildx.errors import BUILDKIT_IMAGE, PreviousBuilderKept
from buildtui.buildx.models import CreateOptions, CreateRequest
from buildtui.commands.build import run_build
from buildtui.doctor import probe_engine
from buildtui.settings import Settings
from tests.integration.lab import docker, unique


@pytest.fixture
def buildx_config(engine: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A buildx config of the test's own, with the default builder in use."""
    if docker("image", "inspect", BUILDKIT_IMAGE, check=False).returncode == 0:
        pytest.skip(f"{BUILDKIT_IMAGE} is on this machine: a builder can start here")
    config = tmp_path / "buildx"
    config.mkdir()
    monkeypatch.setenv("BUILDX_CONFIG", str(config))
    monkeypatch.delenv("BUILDX_BUILDER", raising=False)
    try:
        yield config
    finally:
        env = dict(os.environ, BUILDX_CONFIG=str(config))
        for instance in (config / "instances").glob("*") if (config / "instances").exists() else []:
            subprocess.run(
                ["docker", "buildx", "rm", "-f", instance.name], env=env, capture_output=True
            )
        shutil.rmtree(config, ignore_errors=True)


def current(config: Path) -> str | None:
    return BuildersService(Settings()).list().current


def test_create_use_bootstrap_of_a_builder_that_cannot_start_keeps_the_previous_one(
    buildx_config: Path, tmp_path: Path
) -> None:
    service = BuildersService(Settings())
    assert service.list().current == "default"
    name = unique("trap")
    options = CreateOptions(name=name, driver="docker-container", use=True, bootstrap=True)
    plan = plan_create(CreateRequest(options), data_dir=tmp_path)
    with pytest.raises(PreviousBuilderKept) as raised:
        service.create(plan)
    assert raised.value.previous == "default" and raised.value.name == name
    assert f"could not start: its BuildKit image {BUILDKIT_IMAGE} cannot be pulled" in str(
        raised.value
    )
    assert "default stays the builder in use" in str(raised.value)
    listing = service.list()
    assert listing.current == "default" and name in listing.names


def test_a_build_on_that_builder_is_explained_and_doctor_says_it_cannot_build(
    buildx_config: Path, tmp_path: Path
) -> None:
    name = unique("trap")
    docker("buildx", "create", "--name", name, "--driver", "docker-container", "--use")
    assert current(buildx_config) == name
    context = tmp_path / "context"
    context.mkdir()
    (context / "Dockerfile").write_text("FROM buildtui-lab/busybox:amd64\nRUN true\n")
    out = io.StringIO()
    code = run_build(argv_for_arguments([str(context)], Settings()), BuildRunner(), out)
    printed = out.getvalue()
    assert code != 0
    assert 'failed to resolve reference "docker.io/moby/buildkit:buildx-stable-1"' in printed
    assert "problem: The builder in use cannot start: its BuildKit image cannot be pulled" in (
        printed
    )
    assert "fix: Go back to a builder that works: `docker buildx use default`" in printed

    status = probe_engine(Settings(), start_builder=True)
    checks = {check.name: check for check in status.checks}
    builder = checks["builder"]
    assert builder.level == "error"
    assert builder.detail.startswith(
        f"builder in use: {name} (docker-container driver) cannot start, so every build fails"
    )
    assert builder.fix.startswith("`docker buildx use default`")
    platforms, emulation = checks["platforms"], checks["emulation"]
    if emulation.level == "ok":  # qemu registered: the platforms line must not deny it
        assert "no emulated platforms" not in platforms.detail
    else:
        assert "the emulators here give it" not in platforms.detail
    # The status bar's probe never starts a builder: it only says what it found.
    quick = {c.name: c for c in probe_engine(Settings()).checks}["builder"]
    assert quick.level == "warn" and "must pull it" in quick.detail


def buildtui_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """`buildtui` as a user runs it (this test's BUILDX_CONFIG in its environment)."""
    return subprocess.run(
        [sys.executable, "-m", "buildtui", *args],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_builders_use_refuses_a_builder_that_is_not_running_unless_forced(
    buildx_config: Path,
) -> None:
    """A switch to a builder that cannot start is refused with the commands that start it
    first; the bootstrap command it prints fails here as pasted, and `-f` switches anyway."""
    name = unique("trap")
    docker("buildx", "create", "--name", name, "--driver", "docker-container")
    refused = buildtui_cli("builders", "use", name)
    assert refused.returncode == 1, refused.stdout
    assert refused.stderr.startswith(f"buildtui builders: {name} is not running (inactive).")
    assert current(buildx_config) == "default"
    bootstrap = next(
        line.strip() for line in refused.stderr.splitlines() if "inspect --bootstrap" in line
    )
    assert bootstrap == f"docker buildx inspect --bootstrap {name}"
    started = subprocess.run(
        ["bash", "-c", bootstrap], capture_output=True, text=True, timeout=180, check=False
    )
    assert started.returncode != 0 and "buildx-stable-1" in started.stderr  # it cannot start
    assert current(buildx_config) == "default"
    forced = buildtui_cli("builders", "use", "-f", name)
    assert forced.returncode == 0, forced.stderr
    assert "warning" in forced.stderr and forced.stdout.strip() == f"{name} is the builder in use"
    assert current(buildx_config) == name


@pytest.mark.parametrize("size", [(160, 48), (100, 30)])
async def test_the_pane_keeps_the_builder_in_use_when_its_bootstrap_fails(
    buildx_config: Path, size: tuple[int, int]
) -> None:
    """u on a builder that is not running, then "Bootstrap, then use": the real bootstrap
    fails (its BuildKit image cannot be pulled), and default stays the builder in use."""
    from buildtui.app.builders.bootstrap import BootstrapScreen
    from buildtui.app.builders.use import UseBuilderScreen
    from tests.fakes.builders_app import builders_app, builders_pane
    from tests.fakes.services import settle, until

    name = unique("trap")
    docker("buildx", "create", "--name", name, "--driver", "docker-container")
    service = BuildersService(Settings())
    app = builders_app(service)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        pane = builders_pane(app)
        await until(pilot, lambda: f"b:{name}" in pane.rows, "listed")
        pane.table.focus()
        pane.table.move_cursor(row=list(pane.rows).index(f"b:{name}"))
        await pilot.press("u")
        await until(pilot, lambda: isinstance(app.screen, UseBuilderScreen), "asking")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, BootstrapScreen), "starting")
        screen = app.screen
        assert isinstance(screen, BootstrapScreen)
        for _ in range(120):
            if screen.done:
                break
            await pilot.pause(0.5)
        assert screen.done and not screen.succeeded
        await pilot.press("escape")
        await settle(pilot)
    assert current(buildx_config) == "default"
