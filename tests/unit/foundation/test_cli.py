from __future__ import annotations

import json
from pathlib import Path

import pytest

from buildtui import __version__
from buildtui.cli import main
from buildtui.engine.status import Check, EngineStatus
from buildtui.settings import Settings


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"buildtui {__version__}"


def test_bad_setting_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BUILDTUI_LOG", "loud")
    assert main(["doctor"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("buildtui: environment variable BUILDTUI_LOG: log must be one of")
    assert "Traceback" not in err


def test_bad_config_file_is_reported(
    capsys: pytest.CaptureFixture[str], isolated_dirs: Path
) -> None:
    path = isolated_dirs / "config" / "buildtui" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text("registry_url = [\n")
    assert main(["doctor"]) == 2
    assert "not valid TOML" in capsys.readouterr().err


def fixed_probe(checks: tuple[Check, ...]) -> object:
    def probe(settings: Settings, **_: object) -> EngineStatus:
        return EngineStatus(registry_url=settings.registry_url, checks=checks)

    return probe


def test_doctor_json_lists_checks_and_fails_on_errors(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    checks = (
        Check("engine", "ok", "Docker Engine 26.1.5"),
        Check(
            "registry", "error", "no registry at http://localhost:5000", "docker start registry7"
        ),
    )
    monkeypatch.setattr("buildtui.doctor.probe_engine", fixed_probe(checks))
    assert main(["doctor", "--json"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert payload["schema_version"] == 1
    assert payload["ok"] is False
    assert [c["name"] for c in payload["checks"]] == ["engine", "registry"]
    assert payload["checks"][1]["fix"] == "docker start registry7"


def test_doctor_text_prints_each_fix(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    checks = (Check("buildx", "warn", "old buildx", "upgrade buildx"),)
    monkeypatch.setattr("buildtui.doctor.probe_engine", fixed_probe(checks))
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "[warn] buildx" in out
    assert "fix: upgrade buildx" in out


def test_registry_flag_reaches_the_probe(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []

    def spy(settings: Settings, **_: object) -> EngineStatus:
        seen.append(settings.registry_url)
        return EngineStatus(registry_url=settings.registry_url)

    monkeypatch.setattr("buildtui.doctor.probe_engine", spy)
    assert main(["--registry", "localhost:5999", "doctor"]) == 0
    assert seen == ["http://localhost:5999"]


def test_a_command_module_that_fails_to_import_fails_loudly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from buildtui import commands

    monkeypatch.setattr(
        commands, "COMMAND_MODULES", (*commands.COMMAND_MODULES, "buildtui.commands.nope")
    )
    with pytest.raises(ModuleNotFoundError, match=r"buildtui\.commands\.nope"):
        commands.command_modules()


def test_every_subcommand_is_found_by_its_module() -> None:
    """`command_modules(command)` imports one module per command: each subcommand a
    module registers is mapped to that module, and the parser of that module alone
    parses it."""
    import argparse
    import importlib

    from buildtui import commands
    from buildtui.cli import build_parser, command_named

    for name in commands.COMMAND_MODULES:
        module = importlib.import_module(name)
        parser = argparse.ArgumentParser()
        subparsers = parser.add_subparsers(dest="command")
        module.register(subparsers)
        for command in subparsers.choices:
            if name.endswith(".completion"):
                assert command not in commands.COMMANDS  # it needs every parser
                continue
            assert commands.COMMANDS[command] == name
            argv = ["--registry", "http://localhost:5000", "--debug", command, "--help"]
            assert command_named(argv) == command
            assert [m.__name__ for m in commands.command_modules(command)] == [name]
            with pytest.raises(SystemExit) as shown:  # its --help, from its module alone
                build_parser(argv).parse_args(argv)
            assert shown.value.code == 0
    assert command_named(["--help", "doctor"]) is None
    assert command_named(["--context", "doctor", "rm"]) == "rm"
