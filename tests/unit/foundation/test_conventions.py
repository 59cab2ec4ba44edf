"""Settings for the log, theme and keymap; the debug log; shell completion; doctor lines."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from buildtui import logs
from buildtui.cli import main
from buildtui.engine.local import local_checks
from buildtui.settings import (
    Settings,
    SettingsError,
    ignored_env,
    load_settings,
    save_setting,
)


@pytest.fixture(autouse=True)
def logging_off() -> object:
    yield
    logs.configure("off")


def test_only_buildtui_variables_that_name_a_setting_are_checked() -> None:
    environ = {"BUILDTUI_LOG": "debug", "BUILDTUI_REGISTRY_ULR": "x", "BUILDTUI_SHELL": "y"}
    settings = load_settings(environ=environ, path=Path("/nonexistent.toml"))
    assert settings.log == "debug"
    assert ignored_env(environ) == ["BUILDTUI_REGISTRY_ULR", "BUILDTUI_SHELL"]
    with pytest.raises(SettingsError, match="log must be one of off, info, debug"):
        load_settings(environ={"BUILDTUI_LOG": "loud"}, path=Path("/nonexistent.toml"))


def test_doctor_names_ignored_variables_and_the_log_file() -> None:
    checks = local_checks(Settings(), {"BUILDTUI_REGISTRY_ULR": "x"})
    log, stray = checks
    assert log.detail.startswith("off; `--debug` or BUILDTUI_LOG=debug writes ")
    assert log.detail.endswith("state/buildtui/buildtui.log")
    assert stray.level == "warn" and "BUILDTUI_REGISTRY_ULR" in stray.detail
    assert "BUILDTUI_REGISTRY_URL" in stray.fix
    assert local_checks(replace(Settings(), log="debug"), {})[0].detail.startswith("debug: ")


def test_keymap_and_theme_from_the_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('theme = "gruvbox"\n[keymap]\n"builders.create" = "c"\n')
    settings = load_settings(environ={}, path=path)
    assert settings.theme == "gruvbox"
    assert settings.keymap == (("builders.create", "c"),)
    path.write_text('keymap = "c"\n')
    with pytest.raises(SettingsError, match="keymap must be a table"):
        load_settings(environ={}, path=path)


def test_save_setting_keeps_the_rest_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '# my settings\nregistry_url = "http://localhost:5071"\n[keymap]\n"a.b" = "x"\n'
    )
    save_setting("theme", "nord", path)
    save_setting("theme", "dracula", path)
    text = path.read_text()
    assert text.count("theme =") == 1
    assert text.index('theme = "dracula"') < text.index("[keymap]")
    settings = load_settings(environ={}, path=path)
    assert (settings.theme, settings.registry_url) == ("dracula", "http://localhost:5071")
    assert settings.keymap == (("a.b", "x"),)


def test_masked_argv_hides_build_argument_and_secret_values() -> None:
    argv = ["docker", "buildx", "build", "--build-arg", "TOKEN=s3cret", "--build-arg=A=b",
            "--secret", "id=npm,src=/home/me/.npmrc", "--build-arg", "JUSTNAME", "."]  # fmt: skip
    assert logs.masked_argv(argv) == [
        "docker", "buildx", "build", "--build-arg", "TOKEN=…", "--build-arg=A=…",
        "--secret", "id=…", "--build-arg", "JUSTNAME", ".",
    ]  # fmt: skip


def test_debug_log_records_commands_and_http_requests(tmp_path: Path) -> None:
    path = logs.configure("debug", tmp_path / "state" / "buildtui.log")
    assert path is not None and (path.stat().st_mode & 0o777) == 0o600
    started = logs.command(["docker", "buildx", "build", "--build-arg", "PW=hunter2", "."])
    logs.finished(["docker", "buildx", "build"], 0, started)

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404 if "nope" in request.url.path else 200, json={})

    async def requests() -> None:
        async with httpx.AsyncClient(
            transport=httpx.MockTransport(answer), event_hooks=logs.http_event_hooks()
        ) as client:
            await client.get("http://localhost:5000/v2/")
            await client.head("http://localhost:5000/v2/nope/manifests/latest")

    asyncio.run(requests())
    text = path.read_text()
    assert "run: docker buildx build --build-arg 'PW=…' ." in text
    assert "hunter2" not in text
    assert "exit 0 after" in text
    assert "http: GET http://localhost:5000/v2/ -> 200 in" in text
    assert "http: HEAD http://localhost:5000/v2/nope/manifests/latest -> 404 in" in text


def test_debug_flag_logs_the_invocation(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--debug", "completion", "bash"]) == 0
    text = logs.log_path().read_text()
    assert "buildtui 0." in text and "completion bash" in text


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash completes the script")
def test_bash_completion_completes_commands_and_options(tmp_path: Path) -> None:
    script = tmp_path / "buildtui.bash"
    made = subprocess.run(
        [sys.executable, "-m", "buildtui", "completion", "bash"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    script.write_text(made.stdout)

    def complete(*words: str) -> list[str]:
        line = " ".join(["buildtui", *words])
        program = (
            f"source {script}; COMP_WORDS=(buildtui {' '.join(words)}); "
            f"COMP_CWORD={len(words)}; COMP_LINE='{line}'; COMP_POINT={len(line)}; "
            "_shtab_buildtui; printf '%s\\n' \"${COMPREPLY[@]}\""
        )
        done = subprocess.run(["bash", "-c", program], capture_output=True, text=True, timeout=30)
        return done.stdout.split()

    assert "--dry-run" in complete("gc", "--dr")
    assert {"builders", "build"} <= set(complete("bu"))
    assert "--summary-json" in complete("build", "--su")


def test_the_command_line_loads_python_on_whales_only_when_a_command_needs_it() -> None:
    program = (
        "import sys\n"
        "from buildtui.cli import build_parser\n"
        "build_parser().parse_args(['builders', 'list'])\n"
        "print(sorted(m for m in ('python_on_whales', 'pydantic') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("argv", [["--version"], ["completion", "bash"]])
def test_version_and_completion_load_neither_httpx_nor_python_on_whales(argv: list[str]) -> None:
    program = (
        "import contextlib, io, sys\n"
        "from buildtui.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        f"    main({argv!r})\n"
        "print(sorted(m for m in ('httpx', 'python_on_whales', 'pydantic') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"


def test_the_collections_docker_commands_are_in_the_debug_log(tmp_path: Path) -> None:
    from buildtui.cleanup.container import run_docker

    path = logs.configure("debug", tmp_path / "buildtui.log")
    assert path is not None
    assert run_docker(["sh", "-c", "exit 3"], 30).returncode == 3
    text = path.read_text()
    assert "run: sh -c 'exit 3'" in text
    assert "exit 3 after" in text
