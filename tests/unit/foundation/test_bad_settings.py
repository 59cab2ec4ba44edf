"""Bad settings are usage errors: exit 2 and one line, from a flag, the environment or
config.toml, for the app and for every twin; never a traceback or an ExceptionGroup."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from buildtui import cli
from buildtui.commands import COMMAND_MODULES
from buildtui.settings import SettingsError, load_settings

BAD_URLS = [
    ("http://[::1", "is not a host[:port]"),
    ("http://[zz::1]:5000", "is not a host[:port]"),
    ("http://localhost:99999", "port 99999 is out of range (1-65535)"),
    ("localhost:0", "port 0 is out of range"),
    ("ftp://localhost:5000", "is not an http or https URL"),
    ("http://local host:5000", "holds spaces or control characters"),
    ("http://localhost:5000\x1b]0;x\x07", "holds spaces or control characters"),
    ("http://", "no host given"),
    ("http://:5000", "is not a host[:port]"),
    ("http://user@localhost:5000", "has more than a host and port"),
    ("http://localhost:5000/v2", "has more than a host and port"),
]
TWINS = [
    ["registry", "ls"],
    ["inspect", "lab:1"],
    ["rm", "--dry-run", "lab:1"],
    ["gc", "--dry-run"],
    ["doctor"],
    ["builders", "list"],
    ["lab", "status"],
    ["history", "ls"],
    ["lab", "submit", "--to", "localhost:5000/lab7", "--student", "Jan"],
    ["class", "ls", "localhost:5000/lab7"],
    [],  # the app
]


@pytest.mark.parametrize(("url", "says"), BAD_URLS)
def test_a_bad_registry_url_is_refused_with_what_is_wrong(url: str, says: str) -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings({"registry_url": url}, environ={}, path=Path("/nonexistent.toml"))
    assert says in str(refused.value)
    assert str(refused.value).startswith("flag --registry: registry_url ")


@pytest.mark.parametrize("origin", ["flag", "environment", "file"])
@pytest.mark.parametrize(("url", "says"), BAD_URLS[:6])
@pytest.mark.parametrize("argv", TWINS, ids=lambda a: " ".join(a) or "app")
def test_exit_2_and_one_line_from_flag_environment_and_file(
    origin: str,
    url: str,
    says: str,
    argv: list[str],
    isolated_dirs: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    flags: list[str] = []
    if origin == "flag":
        flags, named = ["--registry", url], "flag --registry"
    elif origin == "environment":
        monkeypatch.setenv("BUILDTUI_REGISTRY_URL", url)
        named = "environment variable BUILDTUI_REGISTRY_URL"
    else:
        config = isolated_dirs / "config" / "buildtui" / "config.toml"
        config.parent.mkdir(parents=True)
        config.write_text(f"registry_url = {json.dumps(url)}\n")  # JSON strings are TOML's
        named = str(config)
    assert cli.main([*flags, *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith(f"buildtui: {named}: registry_url "), err
    assert says in err


def test_every_twin_is_covered() -> None:
    modules = {name.rsplit(".", 1)[1] for name in COMMAND_MODULES}
    assert modules == {
        "doctor", "builders", "build", "history", "registry", "cleanup", "lab", "classroom",
        "completion",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("lab7", "names no repository"),
        ("lab7/class", "does not start with a registry host"),
        ("localhost:5000/lab7:v1", "names a tag or digest"),
        ("localhost:99999/lab7", "port 99999 is out of range"),
        ("localhost:5000/Lab7", "is not a repository name"),
    ],
)
def test_a_bad_class_is_refused_from_the_file_and_the_environment(
    value: str, says: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BUILDTUI_CLASS_REF", value)
    assert cli.main(["class", "ls"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("buildtui: environment variable BUILDTUI_CLASS_REF: class_ref: ")
    assert says in err and err.count("\n") == 1


def test_a_bare_ipv6_loopback_is_put_in_brackets(tmp_path: Path) -> None:
    settings = load_settings({"registry_url": "::1"}, environ={}, path=tmp_path / "none.toml")
    assert settings.registry_url == "http://[::1]"
    assert settings.registry_host == "[::1]"


@pytest.mark.parametrize(
    "typed", ["localhost:99999", "http://localhost:70000", "[::1", "localhost:0"]
)
def test_a_registry_typed_with_a_bad_port_is_a_usage_error(
    typed: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["registry", "ls", typed]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and "Group" not in err


def test_a_reference_with_a_bad_port_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["inspect", "localhost:99999/lab:1"]) == 2
    err = capsys.readouterr().err
    assert "port 99999 is out of range" in err and err.count("\n") == 1


# -- the keymap ------------------------------------------------------------------------


def write_keymap(isolated_dirs: Path, table: str) -> Path:
    config = isolated_dirs / "config" / "buildtui" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(f"[keymap]\n{table}\n")
    return config


@pytest.mark.parametrize("keys", ["ctrl+q", "c,ctrl+q", " Ctrl+Q "])
def test_a_keymap_that_takes_the_quit_key_is_refused_at_start(
    keys: str, isolated_dirs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_keymap(isolated_dirs, f'"app.doctor" = "{keys}"')
    assert cli.main([]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"buildtui: {config}: keymap 'app.doctor' = ")
    assert "takes ctrl+q, the only key that quits buildtui" in err
    assert "no way out of the app" in err and err.count("\n") == 1


def test_a_keymap_with_an_empty_key_is_refused(
    isolated_dirs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_keymap(isolated_dirs, '"app.doctor" = "c,"')
    assert cli.main(["doctor"]) == 2
    assert "names an empty key" in capsys.readouterr().err


def test_a_keymap_that_keeps_the_quit_key_is_read(isolated_dirs: Path) -> None:
    config = write_keymap(isolated_dirs, '"app.doctor" = " D , f1 "')
    settings = load_settings(environ={}, path=config)
    assert settings.keymap == (("app.doctor", "D,f1"),)
