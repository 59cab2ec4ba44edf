"""`buildtui lab engine` runs the packaged provisioning script, and only where it can."""

from __future__ import annotations

import json
import shlex
import zipfile
from pathlib import Path

import pytest

from buildtui.buildx.errors import EngineUnavailable
from buildtui.cli import build_parser, main
from buildtui.engine import provision

# A stand-in for the script: says how it was run, then as much as the real one at its end.
FAKE_SCRIPT = """\
printf 'provision: args=%s\\n' "$#" >&2
printf 'provision: script=%s\\n' "$0" >&2
printf 'provision: prefix=%s\\n' "${BUILDTUI_ENGINE_PREFIX:-}" >&2
. "$(dirname "$0")/apt-sources.sh"
touch "$(dirname "$0")/ran"
if [ -n "${FAIL:-}" ]; then printf 'provision: error: %s\\n' "$FAIL" >&2; exit 1; fi
printf 'provision: engine ready in 0.1s\\n' >&2
"""


@pytest.fixture
def fake_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Root on Debian, with the fake script where the packaged one is."""
    folder = tmp_path / "engine"
    folder.mkdir()
    (folder / provision.SCRIPT).write_text(FAKE_SCRIPT)
    (folder / provision.LIBRARY).write_text("debian_source() { :; }\n")
    debian = tmp_path / "debian_version"
    debian.write_text("12.11\n")
    monkeypatch.setattr(provision, "script_folder", lambda: folder)
    monkeypatch.setattr(provision, "DEBIAN_VERSION", debian)
    monkeypatch.setattr("os.geteuid", lambda: 0)
    monkeypatch.setenv("BUILDTUI_ENGINE_PREFIX", str(tmp_path / "prefix"))
    return folder


def test_runs_the_packaged_script_with_bash_and_no_arguments(
    fake_engine: Path, capsys: pytest.CaptureFixture[str], isolated_dirs: Path
) -> None:
    assert main(["lab", "engine", "--yes", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["schema_version"] == 1
    assert payload["ok"] is True
    assert payload["exit_code"] == 0
    assert payload["script"] == str(fake_engine / provision.SCRIPT)
    assert payload["output"] == [
        "provision: args=0",
        f"provision: script={fake_engine / provision.SCRIPT}",
        f"provision: prefix={fake_engine.parent / 'prefix'}",
        "provision: engine ready in 0.1s",
    ]
    assert "error" not in payload
    assert (fake_engine / "ran").exists()


def test_a_failing_script_fails_the_command_with_its_error(
    fake_engine: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAIL", "only Debian 12 or 13 is supported")
    assert main(["lab", "engine", "-f", "--json"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert payload["ok"] is False
    assert payload["exit_code"] == 1
    assert payload["error"] == "only Debian 12 or 13 is supported"


def test_without_json_the_script_writes_to_the_terminal_and_its_code_is_returned(
    fake_engine: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAIL", "dockerd not found")
    assert main(["lab", "engine", "--yes"]) == 1
    err = capfd.readouterr().err
    assert "provision: error: dockerd not found" in err


def test_nothing_runs_without_a_yes(fake_engine: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lab", "engine", "--json"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert payload == {
        "schema_version": 1,
        "ok": False,
        "error": "nothing was changed: answer y, or pass --yes (-y) to provision without asking",
    }
    assert not (fake_engine / "ran").exists()


def test_not_root_says_how_to_run_it_as_root(
    fake_engine: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("os.geteuid", lambda: 1000)
    assert main(["lab", "engine", "--yes"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("buildtui: it installs packages and starts dockerd, so it runs as root")
    assert err.rstrip().endswith("lab engine`")
    assert not (fake_engine / "ran").exists()


def test_not_debian_says_so(
    fake_engine: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(provision, "DEBIAN_VERSION", tmp_path / "missing")
    assert main(["lab", "engine", "--yes", "--json"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert payload["ok"] is False
    assert "provisions Debian 12 or 13 only, and this machine is not Debian" in payload["error"]
    assert not (fake_engine / "ran").exists()


def test_rerun_names_the_installed_command_by_its_full_path(tmp_path: Path) -> None:
    program = tmp_path / "bin" / "buildtui"
    program.parent.mkdir()
    program.write_text("#!/bin/sh\n")
    assert provision.rerun_as_root(str(program), "/usr/bin/python3") == (
        f"sudo {program.resolve()} lab engine"
    )


def test_rerun_falls_back_to_the_interpreter(tmp_path: Path) -> None:
    command = provision.rerun_as_root("-c", str(tmp_path / "my python"), sudo=False)
    assert shlex.split(command) == [str(tmp_path / "my python"), "-m", "buildtui", "lab", "engine"]


def test_the_proposed_commands_parse(tmp_path: Path) -> None:
    debian = tmp_path / "debian_version"
    debian.write_text("13.1\n")
    message = provision.why_not(1000, "sudo /opt/bt/bin/buildtui lab engine", debian)
    assert message is not None and message.endswith("`sudo /opt/bt/bin/buildtui lab engine`")
    assert provision.why_not(0, "unused", debian) is None
    no_sudo = provision.why_not(1000, "/opt/bt/bin/buildtui lab engine", debian)
    assert no_sudo is not None and "as root, `/opt/bt/bin/buildtui lab engine`" in no_sudo


def _engine_commands(text: str) -> list[str]:
    return [part for part in text.split("`")[1::2] if "lab engine" in part]


def _doctor_engine_fix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """The real doctor's fix for an engine that does not answer (a socket with no daemon)."""
    dead = ["--host", f"unix://{tmp_path}/no-daemon.sock", "--registry", "http://127.0.0.1:9"]
    main([*dead, "doctor", "--json"])
    checks = json.loads(capsys.readouterr().out)["checks"]
    return str(next(check["fix"] for check in checks if check["name"] == "engine"))


def test_every_engine_hint_is_the_lab_engine_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], isolated_dirs: Path
) -> None:
    hints = [EngineUnavailable("cannot connect").fix, _doctor_engine_fix(tmp_path, capsys)]
    parser = build_parser()
    for hint in hints:
        assert "scripts/" not in hint
        commands = _engine_commands(hint)
        assert commands == ["buildtui lab engine"], hint
        args = parser.parse_args(shlex.split(commands[0])[1:])
        assert args.handler.__name__ == "run_engine"


def test_a_zipped_package_gets_the_script_and_its_library_together(tmp_path: Path) -> None:
    archive = tmp_path / "buildtui.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr(f"buildtui/engine/{provision.SCRIPT}", FAKE_SCRIPT)
        zipped.writestr(f"buildtui/engine/{provision.LIBRARY}", "debian_source() { :; }\n")
    folder = zipfile.Path(archive, "buildtui/engine/")
    with provision.provisioning_script(folder) as script:
        assert script.read_text() == FAKE_SCRIPT
        assert (script.parent / provision.LIBRARY).is_file()
    assert not script.exists()
